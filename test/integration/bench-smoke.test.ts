// `npm run bench` must not rot between the runs someone makes by hand: its
// planner part and its DNS part run here at a tiny size against the real
// Unbound + sshd. (Its NetBox part empties the bench- objects of the shared
// NetBox, so it is left to the real runs.) Figures are not checked: a
// benchmark prints them; here only that it runs and counts what it served.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

function bench(args: string[], env: Record<string, string> = {}) {
	const run = spawnSync(process.execPath, ['bench/run.mjs', ...args], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 240_000 });
	if (run.status !== 0) throw new Error(`bench ${args.join(' ')} exited ${run.status}: ${run.stderr.slice(-3000)}`);
	return run;
}

describe('npm run bench (smoke)', () => {
	it('plans 200 in-sync hosts without I/O', () => {
		expect(bench(['plan', '200']).stdout).toMatch(/planPush of 200 in-sync hosts: \d+ ms/);
	});

	it('pushes 20 hosts into its own Unbound and compares with the floor', () => {
		const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'bench-smoke-')), 'results.md');
		bench([], { BENCH_PARTS: 'dns', BENCH_DNS_N: '20', BENCH_NAIVE_N: '2', BENCH_OUT: out });
		const table = readFileSync(out, 'utf8');
		// 20 hosts = 80 records (A, AAAA, two PTR), served after every push row.
		const rows = table.split('\n').filter((line) => line.startsWith('| 20 (80) |'));
		expect(rows.length).toBeGreaterThanOrEqual(4);
		expect(rows.find((r) => /floor/.test(r))).toBeDefined();
		for (const row of rows.filter((r) => /package/.test(r))) expect(row).toMatch(/\| 80 \|/);
	});
});
