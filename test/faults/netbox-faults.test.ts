// NetBox Push under injected faults, against the real NetBox 4.7 behind the
// seeded fault proxy, run through n8n's engine.
//
// - 200 hosts at 10 % and at 30 % faults (502, 503 and 429 with Retry-After,
//   connection resets, creates applied with their answer lost): every push
//   either completes or puts exactly the failed hosts on the error output,
//   re-runs converge, and a query of NetBox finds no duplicate device, VM,
//   interface, MAC, IP or cable and no host missing or incomplete.
// - Creates whose answer is lost, held past the client's timeout or dropped,
//   on a small push whose requests NetBox finishes well inside that timeout.
// - 4 executions pushing overlapping host sets at once.
//
// The 200 hosts persist between runs to keep the suite short: each run deletes
// and re-creates 30 % of them (and any host an earlier run left broken), and
// before the 30 % push takes away the IPv6 address, MAC and cable of another
// 30 % and changes every host's description, so both pushes create, update
// and read under faults.
import { appendFileSync } from 'node:fs';
import type { IDataObject } from 'n8n-workflow';
import type { NetBoxClient } from '../../core/netbox/client';
import { connectNetBox, netboxDirectEnv } from '../helpers/netbox';
import { FAULTS, startFaultProxy, type FaultProxy } from './lib/faultProxy';
import { emptyFigures, recordFigures } from './lib/figures';
import { startLeakScanner, type LeakScanner } from './lib/leaks';
import { auditNetBox, deleteFaultHosts, ensureFaultFixtures, faultHosts, PREFIX, stripHosts, type FaultHost } from './lib/netbox';
import { account, runNetBox } from './lib/run';
import { SEED } from './lib/seed';

const SIZE = Number(process.env.FAULT_HOSTS ?? 200);
const SLICE = Math.round(SIZE * 0.3);
const MAX_RUNS = 6;
const { url, token } = netboxDirectEnv();
const all = faultHosts(0, SIZE);
const concurrent = faultHosts(300, 24);
/** Everything of the concurrency range, in case an aborted run left more there. */
const concurrentRange = faultHosts(300, 50);
const slow = faultHosts(400, 10);

let nb: NetBoxClient;
let proxy: FaultProxy;
let slowProxy: FaultProxy | undefined;
let scanner: LeakScanner;
const figures = emptyFigures();

/** FAULT_DEBUG=file: progress lines appended there as they happen (jest holds console output until the end). */
const debug = (line: string) => process.env.FAULT_DEBUG && appendFileSync(process.env.FAULT_DEBUG, `${new Date().toISOString()} ${line}\n`);
const faultsOf = (p: FaultProxy | undefined) => (p ? FAULTS.reduce((n, f) => n + p.injected[f], 0) : 0);
const mix = (p: FaultProxy) => FAULTS.filter((f) => p.injected[f]).map((f) => `${f} ${p.injected[f]}`).join(', ');
const hostOf = (m: string) => m.slice(0, m.indexOf(':'));
/**
 * Every push here forces past the change limit: the suite changes whole
 * batches on purpose (every description, a stripped third, hosts a faulted
 * push left half made), and the limit is not what it tests.
 */
const FORCE = { options: { force: true } };

beforeAll(async () => {
	scanner = startLeakScanner([{ label: 'NetBox token', value: token }]);
	nb = await connectNetBox(netboxDirectEnv());
	await ensureFaultFixtures(nb);
	// Start from a known state: the rotating slice, the concurrency and timeout
	// hosts, and anything an earlier run left incomplete or doubled, are deleted.
	const before = await auditNetBox(nb, all);
	const names = [...new Set(before.duplicates.length ? all.map((h) => h.name) : [...all.slice(0, SLICE).map((h) => h.name), ...before.missing.map(hostOf)])];
	const started = Date.now();
	await deleteFaultHosts(nb, [...names, ...concurrentRange.map((h) => h.name), ...slow.map((h) => h.name)]);
	figures.notes!.push(`start: ${new Set(before.missing.map(hostOf)).size} incomplete hosts and ${before.duplicates.length} doubled objects found; deleted ${names.length} of the ${SIZE} hosts (and the concurrency and lost-answer hosts) in ${((Date.now() - started) / 1000).toFixed(0)} s`);
	debug(figures.notes![0]);
	proxy = await startFaultProxy({ target: url, seed: SEED, weights: { delay: 0 } });
}, 900_000);

afterAll(async () => {
	figures.faultsInjected = faultsOf(proxy) + faultsOf(slowProxy);
	figures.notes!.unshift(`seed ${SEED}; fault mix: ${proxy ? mix(proxy) : '-'}${slowProxy ? `; held past timeout: ${slowProxy.injected.delay}` : ''}`);
	scanner?.stop();
	recordFigures('NetBox faults', figures);
	await proxy?.close();
	await slowProxy?.close();
	await nb?.close();
});

/**
 * Pushes `hosts` through `via` until no host fails (at most MAX_RUNS times).
 * After each push: every item accounted for once, every host the node called
 * done complete in NetBox, no duplicates anywhere in the suite's objects.
 */
async function converge(label: string, via: FaultProxy, hosts: FaultHost[], parameters: IDataObject = {}): Promise<number> {
	for (let run = 1; run <= MAX_RUNS; run++) {
		const injected = faultsOf(via);
		const started = Date.now();
		const firstSeq = via.log.length;
		const result = await runNetBox(via.url, token, hosts, { ...parameters, options: { ...FORCE.options, ...(parameters.options as IDataObject) } });
		figures.pushesRun++;
		scanner.collect(`${label} push ${run}`, result);
		const acc = account(hosts.length, result, 'netbox');
		expect(acc.problems).toEqual([]);

		const audit = await auditNetBox(nb, hosts);
		const incomplete = new Set(audit.missing.map(hostOf));
		const silent = [...acc.ok.keys()].filter((i) => incomplete.has(hosts[i].name));
		figures.hostsLost += silent.length;
		figures.duplicates += audit.duplicates.length;
		const reasons = [...new Set([...acc.failed.values()].map((m) => m.replace(/\d+/g, 'N')))].slice(0, 3);
		const slowest = [...via.log.slice(firstSeq)].sort((a, b) => (b.ms ?? 0) - (a.ms ?? 0))[0];
		const hits = new Map<string, number>();
		for (const l of via.log.slice(firstSeq)) if (l.fault) hits.set(`${l.method} ${l.fault}`, (hits.get(`${l.method} ${l.fault}`) ?? 0) + 1);
		figures.notes!.push(
			`${label} push ${run}: ${faultsOf(via) - injected} faults (${[...hits].map(([k, v]) => `${k} ${v}`).join(', ') || '-'}), ${acc.ok.size} done, ${acc.failed.size} failed, ${((Date.now() - started) / 1000).toFixed(0)} s, ${via.log.length - firstSeq} requests, slowest ${slowest ? `${slowest.method} ${slowest.url.split('?')[0]} ${slowest.fault ?? ''} ${((slowest.ms ?? 0) / 1000).toFixed(1)} s` : '-'}${reasons.length ? ` (${reasons.join(' | ')})` : ''}`,
		);
		debug(figures.notes![figures.notes!.length - 1]);
		for (const l of via.log.slice(firstSeq)) debug(`  ${label} ${run} ${l.method} ${l.url.split('?')[0]} ${l.fault ?? '-'}`);
		expect(silent.map((i) => audit.missing.filter((m) => hostOf(m) === hosts[i].name)).flat()).toEqual([]);
		expect(audit.duplicates).toEqual([]);
		if (acc.failed.size === 0) {
			expect(audit.missing).toEqual([]);
			return run;
		}
	}
	const audit = await auditNetBox(nb, hosts);
	figures.hostsLost += new Set(audit.missing.map(hostOf)).size;
	throw new Error(`${label}: still failing after ${MAX_RUNS} pushes; incomplete: ${audit.missing.slice(0, 10).join('; ')}`);
}

describe('NetBox Push under injected faults', () => {
	it(`${SIZE} hosts at 10 % faults: each push completes or names its failed hosts, re-runs converge, no duplicates`, async () => {
		proxy.setRate(0.1);
		await converge('10 %', proxy, all);
	}, 1_800_000);

	it(`the same ${SIZE} hosts at 30 % faults, with creates and updates to make`, async () => {
		await stripHosts(nb, all.slice(SLICE, 2 * SLICE));
		const stamp = `fault run ${new Date().toISOString()}`;
		proxy.setRate(0.3);
		proxy.setSeed(SEED + 1);
		await converge('30 %', proxy, all.map((h) => ({ ...h, description: stamp })));
	}, 1_800_000);

	it('creates whose answer is lost (held past the client timeout, or dropped): applied once, the push converges', async () => {
		// NetBox finishes each request of this small push within a few seconds; a
		// held answer comes 12 s late, past the node's 8 s timeout.
		slowProxy = await startFaultProxy({
			target: url,
			seed: SEED,
			rate: 0.3,
			delayMs: 12_000,
			weights: { http502: 0, http503: 0, http429: 0, reset: 0, dropResponse: 1, delay: 1 },
		});
		await converge('lost answers', slowProxy, slow, { options: { timeout: 8 } });
		const lostCreates = slowProxy.log.filter((l) => l.method === 'POST' && l.forwarded && (l.fault === 'delay' || l.fault === 'dropResponse'));
		figures.notes!.push(`lost answers: ${lostCreates.length} creates applied by NetBox with their answer lost (${lostCreates.map((l) => `${l.url.split('/').slice(-2, -1)[0]} ${l.fault}`).join(', ')})`);
		expect(lostCreates.length).toBeGreaterThan(0);
	}, 900_000);

	it('4 executions pushing overlapping host sets at once: the union, no duplicates, every failure explained', async () => {
		proxy.setRate(0);
		// Up to 300 ms before each request reaches NetBox: the executions' writes
		// interleave differently from run to run, as on a loaded server.
		proxy.setJitter(300);
		// Execution k pushes 12 of the 24 hosts; each host is in two executions.
		const sets = [0, 1, 2, 3].map((k) => Array.from({ length: 12 }, (_, j) => concurrent[(6 * k + j) % 24]));
		const results = await Promise.all(sets.map((set) => runNetBox(proxy.url, token, set, FORCE)));
		proxy.setJitter(0);
		figures.pushesRun += 4;
		results.forEach((result, k) => {
			scanner.collect(`concurrent push ${k}`, result);
			const acc = account(sets[k].length, result, 'netbox');
			expect(acc.problems).toEqual([]);
			figures.notes!.push(`concurrent push ${k}: ${acc.ok.size} done, ${acc.failed.size} failed${acc.failed.size ? ` (${[...acc.failed.values()][0].slice(0, 160)})` : ''}`);
		});
		const audit = await auditNetBox(nb, concurrent);
		figures.duplicates += audit.duplicates.length;
		expect(audit.duplicates).toEqual([]);
		// A host any execution called done is complete.
		const incomplete = new Set(audit.missing.map(hostOf));
		const silent = results.flatMap((r, k) => [...account(sets[k].length, r, 'netbox').ok.keys()].map((i) => sets[k][i].name)).filter((n) => incomplete.has(n));
		figures.hostsLost += new Set(silent).size;
		// The pieces missing, not just the names: what went wrong must show in a CI log.
		expect(audit.missing.filter((m) => silent.includes(hostOf(m)))).toEqual([]);
		// A re-run of the union converges to exactly those 24 hosts.
		await converge('after concurrency', proxy, concurrent);
		const inRange = (list: Array<{ name: string }>) => list.filter((o) => /^fault-3\d\d$/.test(o.name)).map((o) => o.name);
		const named = [
			...inRange(await nb.list('api/dcim/devices/', { name__isw: `${PREFIX}3` })),
			...inRange(await nb.list('api/virtualization/virtual-machines/', { name__isw: `${PREFIX}3` })),
		];
		expect(named.sort()).toEqual(concurrent.map((h) => h.name).sort());
	}, 900_000);

	it('never shows the NetBox token: outputs, errors, descriptions, n8n log lines, console', () => {
		const leaks = scanner.leaks();
		figures.leaksFound += leaks.length;
		figures.notes!.push(`token scan: ${scanner.scanned()} texts scanned, ${leaks.length} leaks`);
		expect(leaks).toEqual([]);
	});
});

