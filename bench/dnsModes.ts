// Every apply mode of the DNS push
// against the floor (unbound-checkconf + reload of the same file), on the
// bench's own Unbound (bench/dns.ts), plus a sweep of change sizes on each
// set to place auto's reload threshold. Writes .cache/bench/dns-modes.md.
// Run (as root, with scripts/services/unbound.sh up):
//   npx esbuild bench/dnsModes.ts --bundle --platform=node --packages=external --outfile=.cache/bench/dnsModes.js
//   node .cache/bench/dnsModes.js [sizes, default 1000,10000] [changed hosts, default 100,250,500,1000,2000]
// BENCH_REPEAT (default 3) runs per figure; BENCH_STEPS=1 logs each sweep push's steps;
// BENCH_UNBOUND_DIR=.cache/bench/unbound-modes while `npm run bench` runs (its Unbound has the default dir).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ApplyMode } from '../core/dns/push';
import { BENCH_CACHE, benchHosts, log, median } from './common';
import { dnsInputs, floor, openSession, packageDnsPush, resetUnbound, startUnbound, type DnsPushFigures } from './dns';

const sizes = (process.argv[2] ?? '1000,10000').split(',').map(Number);
const sweep = (process.argv[3] ?? '100,250,500,1000,2000').split(',').map(Number);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);

const steps = (f: DnsPushFigures) => {
	const by = new Map<string, number>();
	for (const s of f.steps) by.set(s.what, (by.get(s.what) ?? 0) + s.ms);
	const remote = f.steps.reduce((a, s) => a + s.ms, 0);
	return `${[...by].map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}; local work ${(f.seconds * 1000 - remote).toFixed(0)}`;
};

async function main() {
	const unbound = await startUnbound();
	const out: string[] = ['# DNS push: apply modes vs floor', '', `median of ${REPEAT} runs each; seconds`, ''];
	try {
		for (const n of sizes) {
			const inputs = dnsInputs(benchHosts(n));
			const { session } = await openSession(unbound);
			try {
				const rows: string[] = [];
				const first: Record<string, DnsPushFigures[]> = {};
				for (const mode of ['auto', 'local_datas', 'reload'] as ApplyMode[]) {
					first[mode] = [];
					for (let r = 0; r < REPEAT; r++) {
						await resetUnbound(unbound);
						const f = await packageDnsPush(unbound, session, inputs, mode);
						if (f.served !== 4 * n) throw new Error(`${mode} push of ${n}: ${f.served} served`);
						first[mode].push(f);
					}
				}
				const again: DnsPushFigures[] = [];
				for (let r = 0; r < REPEAT; r++) again.push(await packageDnsPush(unbound, session, inputs, 'auto'));
				const fl = await floor(unbound, session, REPEAT);
				const med = (list: DnsPushFigures[]) => {
					const m = median(list.map((f) => f.seconds));
					return { m, f: list.reduce((a, b) => (Math.abs(b.seconds - m) < Math.abs(a.seconds - m) ? b : a)) };
				};
				for (const [what, list] of [...Object.entries(first).map(([k, v]) => [`first push, ${k}`, v] as const), ['identical re-push (auto)', again] as const]) {
					const { m, f } = med(list);
					rows.push(`| ${n} | ${what} | ${m.toFixed(3)} | ${(m / fl.seconds).toFixed(2)}× | ${steps(f)} |`);
				}
				rows.push(`| ${n} | floor (checkconf ${fl.checkconf.toFixed(3)} + reload ${fl.reload.toFixed(3)}; settled ${fl.settled.toFixed(3)}) | ${fl.seconds.toFixed(3)} | 1× | |`);
				out.push(`## ${n} hosts (${4 * n} records)`, '', '| hosts | run | s | ÷ floor | ms per step |', '|---:|---|---:|---:|---|', ...rows, '');
				log(rows.join('\n'));
				{
					// Change k hosts' IPv4 (≈5 local_datas lines each), from the full set, in each mode.
					const sw: string[] = [];
					for (const k of sweep.filter((k) => k <= n / 2)) {
						const changed = dnsInputs(benchHosts(n).map((h, i) => (i < k ? { ...h, ipv4: h.ipv4.replace('10.200.', '10.201.') } : h)));
						const cells: string[] = [];
						for (const mode of ['local_datas', 'reload', 'auto'] as ApplyMode[]) {
							const runs: DnsPushFigures[] = [];
							for (let r = 0; r < REPEAT; r++) {
								await resetUnbound(unbound);
								await packageDnsPush(unbound, session, inputs, 'reload');
								runs.push(await packageDnsPush(unbound, session, changed, mode));
							}
							const m = median(runs.map((f) => f.seconds));
							const f = runs.reduce((a, b) => (Math.abs(b.seconds - m) < Math.abs(a.seconds - m) ? b : a));
							if (process.env.BENCH_STEPS) log(`k=${k} ${mode}: ${steps(f)}`);
							const applied = f.steps.filter((s) => /local_datas|reload/.test(s.what)).map((s) => s.what.replace('unbound-control ', '')).join('+') || '-';
							cells.push(`${m.toFixed(3)} (${applied})`);
						}
						const row = `| ${k} | ${cells.join(' | ')} |`;
						sw.push(row);
						log(row);
					}
					out.push(`## change sweep on ${n} hosts (k hosts get a new IPv4)`, '', '| k | local_datas | reload | auto |', '|---:|---|---|---|', ...sw, '');
				}
			} finally {
				session.close();
			}
		}
	} finally {
		await resetUnbound(unbound).catch(() => undefined);
		await unbound.stop();
	}
	const file = path.join(BENCH_CACHE, 'dns-modes.md');
	writeFileSync(file, out.join('\n'));
	log(`wrote ${file}`);
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
