// The pure (local) work of a DNS
// push at N hosts, no server: parse the managed file and list_local_data
// output, plan, render, and compare what is served after. Prints CPU ms per step;
// run it under `node --cpu-prof` to see where the time goes:
//   npx esbuild bench/dnsLocal.ts --bundle --platform=node --packages=external --outfile=.cache/prof/dnsLocal.js
//   node --cpu-prof --cpu-prof-dir=.cache/prof .cache/prof/dnsLocal.js [hosts, default 10000] [rounds, default 3]
import { benchHosts } from './common';
import { dnsInputs, ZONE } from './dns';
import { parseManagedFile, renderManagedFile } from '../core/dns/managedFile';
import { planPush, servedChanges, servedForm, withServed } from '../core/dns/plan';
import { parseServed } from '../core/dns/records';

const options = { zone: ZONE, ttl: 300, forward: true, reverse: true, prune: false };

/** What list_local_data prints for `records` (its own spelling: TTL, IN, trailing dots). */
function listing(rrs: string[]): string {
	return rrs.map((rr) => rr.replace(/ IN /, '\tIN\t').replace(/ (\d+)\t/, '\t$1\t')).join('\n') + '\n';
}

export function dnsLocal(n: number): Record<string, number> {
	const t: Record<string, number> = {};
	const step = <T>(what: string, work: () => T): T => {
		// CPU time, not wall time: the figure stays meaningful on a busy machine.
		const start = process.cpuUsage();
		const result = work();
		const used = process.cpuUsage(start);
		t[what] = (t[what] ?? 0) + (used.user + used.system) / 1000;
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
	// As pushHosts does in auto mode: planned on the file alone, then with what is served.
	const again = step('plan (re-push)', () => planPush(inputs, file, undefined, options));
	step('plan with served (re-push)', () => withServed(again, served));
	if (again.fileChanged || again.served.touched.length) throw new Error('re-push should change nothing');
	// 100 hosts get a new IPv4: planned, rendered, verified.
	const changed = inputs.map((h, i) =>
		i < 100 && h.host.ipv4 ? { ...h, host: { ...h.host, ipv4: { ...h.host.ipv4, ip: h.host.ipv4.ip.replace('10.200.', '10.201.') } } } : h,
	);
	const small = step('plan (100 changed)', () => withServed(planPush(changed, file, undefined, options), served));
	step('render', () => renderManagedFile(small.records));
	step('verify compare', () => servedChanges(servedForm(small.records), served, small.owners));
	return t;
}

const n = Number(process.argv[2] ?? 10000);
for (let round = 0; round < Number(process.argv[3] ?? 3); round++) {
	const t = dnsLocal(n);
	const total = Object.values(t).reduce((a, b) => a + b, 0);
	console.log(`${n} hosts: ${Object.entries(t).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}; total ${total.toFixed(0)} ms`);
}
