// `npx esbuild`-bundled by bench/dnsLocal.mjs: the pure (local) work of a DNS
// push at N hosts, no server: parse the managed file and list_local_data
// output, plan, render, and compare what is served after. Prints ms per step;
// run it under `node --cpu-prof` to see where the time goes.
import { performance } from 'node:perf_hooks';
import { benchHosts } from './common';
import { dnsInputs, ZONE } from './dns';
import { parseManagedFile, renderManagedFile } from '../core/dns/managedFile';
import { planPush, servedChanges, servedForm } from '../core/dns/plan';
import { parseServed } from '../core/dns/records';

const options = { zone: ZONE, ttl: 300, forward: true, reverse: true, prune: false };

/** What list_local_data prints for `records` (its own spelling: TTL, IN, trailing dots). */
function listing(rrs: string[]): string {
	return rrs.map((rr) => rr.replace(/ IN /, '\tIN\t').replace(/ (\d+)\t/, '\t$1\t')).join('\n') + '\n';
}

export function dnsLocal(n: number): Record<string, number> {
	const t: Record<string, number> = {};
	const step = <T>(what: string, work: () => T): T => {
		const start = performance.now();
		const result = work();
		t[what] = (t[what] ?? 0) + performance.now() - start;
		return result;
	};
	const inputs = step('parse hosts', () => dnsInputs(benchHosts(n)));
	// First push: empty file, nothing served.
	const first = step('plan (first)', () => planPush(inputs, [], [], options));
	const text = step('render', () => renderManagedFile(first.records));
	const out = listing(first.records.map((r) => r.rr));
	// Re-push: the file and Unbound hold everything.
	const file = step('parse managed file', () => parseManagedFile(text));
	const served = step('parse list_local_data', () => parseServed(out));
	const again = step('plan (re-push)', () => planPush(inputs, file, served, options));
	step('verify compare', () => servedChanges(servedForm(again.records), served, again.owners));
	if (again.fileChanged || again.served.touched.length) throw new Error('re-push should change nothing');
	return t;
}

const n = Number(process.argv[2] ?? 10000);
for (let round = 0; round < Number(process.argv[3] ?? 3); round++) {
	const t = dnsLocal(n);
	const total = Object.values(t).reduce((a, b) => a + b, 0);
	console.log(`${n} hosts: ${Object.entries(t).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}; total ${total.toFixed(0)} ms`);
}
