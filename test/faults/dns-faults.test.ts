// Unbound DNS Push under faults, against the suite's own Unbound and sshd (see
// lib/dnsHost.ts), run through n8n's engine.
//
// - 50 pushes, each killed at a random moment (seeded): the SSH connection cut,
//   the sshd serving it killed, or the remote command it runs killed. After
//   each: Unbound runs and serves the complete old or the complete new record
//   set, the managed file is the complete old or new file, and a re-run
//   converges to the new set.
// - A full remote disk, a missing unbound-control and a managed file the
//   `unbound` user (or the SSH user) cannot read: a clear error, the old state.
// - 4 pushes at once with disjoint hosts: every record served at the end.
import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { IDataObject } from 'n8n-workflow';
import { dig, ip, type DnsQuery } from '../helpers/unbound';
import { startDnsHost, strayFiles, ZONE, type DnsHost } from './lib/dnsHost';
import { emptyFigures, recordFigures } from './lib/figures';
import { startKillProxy, type Kill, type KillMode, type KillProxy } from './lib/killProxy';
import { startLeakScanner, type LeakScanner } from './lib/leaks';
import { account, runDns } from './lib/run';
import { rng, SEED } from './lib/seed';

const KILLED_PUSHES = Number(process.env.FAULT_DNS_PUSHES ?? 50);
let host: DnsHost;
let killer: KillProxy;
let scanner: LeakScanner;
const figures = emptyFigures();

/** FAULT_DEBUG=file: progress lines appended there as they happen (jest holds console output until the end). */
const debug = (line: string) => process.env.FAULT_DEBUG && appendFileSync(process.env.FAULT_DEBUG, `${new Date().toISOString()} ${line}\n`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


/** Step k's hosts: a window of 20 names moving by 3 per step, a quarter of them with addresses that change every step. */
function hostsFor(k: number): IDataObject[] {
	return Array.from({ length: 20 }, (_, n) => {
		const j = 3 * k + n;
		const moving = j % 4 === 0 ? k % 3 : 0;
		return { name: `fault-d${j}`, kind: 'vm', ipv4: `10.212.${moving}.${(j % 250) + 1}/16`, ipv6: `fd00:212:${moving + 1}::${(j + 1).toString(16)}/64`, approved: true };
	});
}

const parameters = (extra: IDataObject = {}): IDataObject => ({
	zone: ZONE,
	managedFile: host.managedFile,
	unboundConfig: host.conf,
	useSudo: true,
	prune: true,
	// Each run swaps the whole host set on purpose (prune): past the change limit by design.
	unboundOptions: { force: true },
	...extra,
});

function queriesOf(hosts: IDataObject[]): DnsQuery[] {
	return hosts.flatMap((h): DnsQuery[] => [
		{ name: `${String(h.name)}.${ZONE}`, type: 'A' },
		{ name: `${String(h.name)}.${ZONE}`, type: 'AAAA' },
		{ name: ip(h.ipv4), type: 'PTR' },
		{ name: ip(h.ipv6), type: 'PTR' },
	]);
}

/** Real DNS queries to the suite's Unbound: every A, AAAA and PTR of `hosts` as pushed. */
function expectAnswered(hosts: IDataObject[]) {
	const env = { UNBOUND_DNS_PORT: String(host.dnsPort) } as Parameters<typeof dig>[0];
	expect(dig(env, queriesOf(hosts))).toEqual(
		hosts.flatMap((h) => [[ip(h.ipv4)], [ip(h.ipv6)], [`${String(h.name)}.${ZONE}.`], [`${String(h.name)}.${ZONE}.`]]),
	);
}

async function push(items: IDataObject[], extra: IDataObject = {}, via: 'direct' | 'killer' = 'direct') {
	const credential = via === 'killer' ? host.credential({ port: killer.port }) : host.credential();
	const result = await runDns(credential, items, parameters(extra));
	figures.pushesRun++;
	scanner.collect(`DNS push (${via})`, result);
	const acc = account(items.length, result, 'dns');
	expect(acc.problems).toEqual([]);
	return { result, acc };
}

beforeAll(async () => {
	host = await startDnsHost({ name: 'dns', dnsPort: 5491, controlPort: 8991, sshPort: 2291, diskBytes: 512 * 1024 });
	killer = await startKillProxy(host.sshPort, host.sshdPid);
	scanner = startLeakScanner([
		{ label: 'SSH private key', value: host.privateKey },
		{ label: 'SSH key passphrase', value: host.passphrase },
	]);
});

afterAll(async () => {
	scanner?.stop();
	recordFigures('DNS faults', figures);
	await killer?.close();
	await host?.stop();
});

describe('Unbound DNS Push under faults', () => {
	it(`${KILLED_PUSHES} pushes killed at random moments: old or new state complete, Unbound alive, re-runs converge`, async () => {
		const random = rng(SEED);
		// How long the connection of an undisturbed push lasts: kills land anywhere in it.
		const first = await push(hostsFor(0), {}, 'killer');
		expect(first.acc.failed.size).toBe(0);
		for (let i = 0; i < 100 && !killer.durations.length; i++) await sleep(10);
		// Later pushes change less than this first one: aim a little short of its length.
		const window = Math.max(200, Math.round(0.7 * (killer.durations[0] ?? 1000)));
		let [oldFile, oldServed] = [host.managedText(), host.served()];
		const modes: KillMode[] = ['cut', 'sshd', 'child'];
		const outcomes: Record<string, number> = {};
		const broken: string[] = [];
		for (let k = 1; k <= KILLED_PUSHES; k++) {
			const items = hostsFor(k);
			const applyMode = k % 2 ? 'local_datas' : 'reload';
			const kill: Kill = { mode: modes[Math.floor(random() * 3)], afterMs: Math.round(random() * window) };
			killer.arm(kill);
			debug(`push ${k} ${applyMode} ${kill.mode} after ${kill.afterMs} ms`);
			const killed = await push(items, { applyMode }, 'killer');
			debug(`push ${k} killed: ${kill.done}; failed ${killed.acc.failed.size}: ${JSON.stringify([...killed.acc.failed.values()][0] ?? '')}`);
			// A remote command already running when its connection died finishes on its own: let it.
			await sleep(150);
			const alive = host.running();
			const [file, served] = [host.managedText(), host.served()];
			if (kill.done && kill.done !== 'nothing') figures.faultsInjected++;
			const outcome = `${kill.mode}/${killed.acc.failed.size ? 'failed' : 'done'}`;
			outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
			if (!alive) {
				broken.push(`push ${k} (${kill.mode} after ${kill.afterMs} ms: ${kill.done}): Unbound was not running`);
				await host.ensureUnbound();
			}
			// The re-run, undisturbed, converges on the new set.
			const again = await push(items, { applyMode });
			expect([...again.acc.failed.values()]).toEqual([]);
			const [newFile, newServed] = [host.managedText(), host.served()];
			const sameAs = (a: string[], b: string[]) => a.join('\n') === b.join('\n');
			if (file !== oldFile && file !== newFile) broken.push(`push ${k} (${kill.mode} after ${kill.afterMs} ms: ${kill.done}): the managed file was neither the old nor the new one`);
			if (!sameAs(served, oldServed) && !sameAs(served, newServed)) {
				const extra = served.filter((l) => !oldServed.includes(l) && !newServed.includes(l));
				const lost = [...oldServed, ...newServed].filter((l) => !served.includes(l)).slice(0, 3);
				broken.push(`push ${k} (${applyMode}, ${kill.mode} after ${kill.afterMs} ms: ${kill.done}): Unbound served neither the old nor the new set (${served.length} records; e.g. not served: ${lost.join(', ')}; unexpected: ${extra.slice(0, 3).join(', ')})`);
			}
			// A killed push that reported success must have left the new state.
			if (!killed.acc.failed.size && (file !== newFile || !sameAs(served, newServed))) {
				broken.push(`push ${k} (${kill.mode}: ${kill.done}) reported success but left the old state`);
			}
			if (killed.acc.failed.size) {
				const message = [...killed.acc.failed.values()][0];
				outcomes[`  e.g. ${message.replace(/\d+/g, 'N').slice(0, 90)}`] = 1;
			}
			expectAnswered(items.slice(0, 3));
			[oldFile, oldServed] = [newFile, newServed];
		}
		// Temp files of pushes cut off while writing are removed by the next push.
		const strays = strayFiles(host);
		figures.notes!.push(`kills: ${Object.entries(outcomes).filter(([k]) => !k.startsWith(' ')).map(([k, v]) => `${k} ${v}`).join(', ')}; window ${window} ms; temp files left: ${strays.length}`);
		expect(strays).toEqual([]);
		figures.hostsLost += broken.length;
		expect(broken).toEqual([]);
		expectAnswered(hostsFor(KILLED_PUSHES));
	}, 900_000);

	it('a full remote disk: a clear error, the old file and records kept', async () => {
		const base = hostsFor(100);
		await push(base);
		const [file, served] = [host.managedText(), host.served()];
		const filler = path.join(host.managedDir, 'filler');
		try {
			execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4096'], { stdio: 'ignore' });
		} catch {
			// dd stops with "No space left on device": that is the point.
		}
		try {
			const bigger = [...base, ...hostsFor(110)];
			const { acc } = await push(bigger);
			figures.faultsInjected++;
			expect(acc.ok.size).toBe(0);
			const message = [...acc.failed.values()][0];
			figures.notes!.push(`full disk: ${message.slice(0, 200)}`);
			expect(message).toMatch(/disk is full|no space left/i);
			expect(host.managedText()).toBe(file);
			expect(host.served()).toEqual(served);
			expect(host.running()).toBe(true);
			expect(strayFiles(host).filter((f) => f !== 'filler')).toEqual([]);
		} finally {
			rmSync(filler, { force: true });
		}
		const { acc } = await push([...base, ...hostsFor(110)]);
		expect([...acc.failed.values()]).toEqual([]);
	});

	it('a missing unbound-control: a clear error, the old state', async () => {
		const base = hostsFor(120);
		await push(base);
		const [file, served] = [host.managedText(), host.served()];
		// Through an sshd whose sessions see no /usr/sbin/unbound-control (sudo still allows it).
		const without = await host.startSshdWithout('/usr/sbin/unbound-control', 2292);
		let result;
		try {
			result = await runDns(host.credential({ port: 2292 }), hostsFor(121), parameters());
		} finally {
			await without.stop();
		}
		figures.pushesRun++;
		figures.faultsInjected++;
		scanner.collect('DNS push (no unbound-control)', result);
		const acc = account(hostsFor(121).length, result, 'dns');
		expect(acc.problems).toEqual([]);
		const message = [...acc.failed.values()][0] ?? '';
		figures.notes!.push(`missing unbound-control: ${message.slice(0, 200)}`);
		expect(acc.ok.size).toBe(0);
		expect(message).toMatch(/unbound-control.*command not found/i);
		expect(host.managedText()).toBe(file);
		expect(host.served()).toEqual(served);
		expect(host.running()).toBe(true);
	});

	it('a managed file Unbound’s user cannot read: refused with a clear error, the old state kept', async () => {
		const base = hostsFor(130);
		await push(base);
		const [file, served] = [host.managedText(), host.served()];
		// The directory closed to others: `unbound` cannot reach the file, the SSH user still can.
		chmodSync(host.managedDir, 0o700);
		try {
			const { acc } = await push(hostsFor(131));
			figures.faultsInjected++;
			const message = [...acc.failed.values()][0] ?? '';
			figures.notes!.push(`file unbound cannot read: ${message.slice(0, 200)}`);
			expect(acc.ok.size).toBe(0);
			expect(message).toMatch(/unbound-checkconf .*Permission denied/s);
			expect(host.managedText()).toBe(file);
			expect(host.served()).toEqual(served);
			expect(host.running()).toBe(true);
		} finally {
			chmodSync(host.managedDir, 0o755);
		}
		// The file itself closed (root's, 0600): the SSH user cannot read it either.
		const { uid, gid } = statSync(host.managedFile);
		chownSync(host.managedFile, 0, 0);
		chmodSync(host.managedFile, 0o600);
		try {
			const { acc } = await push(hostsFor(131));
			figures.faultsInjected++;
			const message = [...acc.failed.values()][0] ?? '';
			figures.notes!.push(`file nobody but root can read: ${message.slice(0, 200)}`);
			expect(acc.ok.size).toBe(0);
			expect(message).toMatch(/reading .*n8n-netbox-auto\.conf.*(Permission denied|denied)/i);
			expect(host.managedText()).toBe(file);
			expect(host.served()).toEqual(served);
			expect(host.running()).toBe(true);
		} finally {
			chownSync(host.managedFile, uid, gid);
			chmodSync(host.managedFile, 0o644);
		}
		const { acc } = await push(hostsFor(131));
		expect([...acc.failed.values()]).toEqual([]);
		expectAnswered(hostsFor(131));
	});

	it('4 pushes at once with disjoint hosts: every record served at the end', async () => {
		const sets = [0, 1, 2, 3].map((k) =>
			Array.from({ length: 25 }, (_, n): IDataObject => ({
				name: `fault-c${k}-${n}`,
				kind: 'vm',
				ipv4: `10.213.${k}.${n + 1}/16`,
				ipv6: `fd00:213:${k + 1}::${(n + 1).toString(16)}/64`,
				approved: true,
			})),
		);
		const results = await Promise.all(sets.map((set) => push(set, { prune: false })));
		for (const { acc } of results) expect([...acc.failed.values()]).toEqual([]);
		expectAnswered(sets.flat());
		expect(host.managedText().match(/fault-c\d-\d+\.fault\.example\. \d+ IN A /g)).toHaveLength(100);
	});

	it('never shows the SSH key or its passphrase: outputs, errors, descriptions, n8n log lines, console', () => {
		const leaks = scanner.leaks();
		figures.leaksFound += leaks.length;
		figures.notes!.push(`key/passphrase scan: ${scanner.scanned()} texts scanned, ${leaks.length} leaks`);
		expect(leaks).toEqual([]);
	});
});
