// The DNS half of the benchmark. It never touches the Unbound the tests share:
// it starts its own Unbound (own config, zone bench.example, own managed
// include and a second include for the naive baseline, free loopback ports)
// and reaches it through the tests' sshd as the tests' SSH user, to whom it gives
// README.md's sudo rules for its own config while it runs (the shared rules name
// only the shared config).
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync, chownSync, chmodSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { createSocket } from 'node:dgram';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { parseHost } from '../core/host';
import { pushHosts, type ApplyMode } from '../core/dns/push';
import type { HostInput } from '../core/dns/plan';
import { UnboundHost } from '../core/dns/unbound';
import { SshSession, type SshCredentials } from '../core/ssh/session';
import { allowReadmeCommands, privateUnboundConfig } from '../test/helpers/unbound';
import { BENCH_CACHE, CACHE, log, median, readEnvFile, timed, type BenchHost } from './common';

const run = promisify(execFile);

export const ZONE = 'bench.example';
const CONTROL = '/usr/sbin/unbound-control';
const CHECKCONF = '/usr/sbin/unbound-checkconf';
const UNBOUND = '/usr/sbin/unbound';

export interface BenchUnbound {
	dir: string;
	conf: string;
	managed: string;
	naive: string;
	dnsPort: number;
	controlPort: number;
	ssh: SshCredentials;
	sshUser: string;
	stop(): Promise<void>;
}

async function freeTcpPort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	await new Promise((resolve) => server.close(resolve));
	return port;
}

async function freeUdpPort(): Promise<number> {
	const socket = createSocket('udp4');
	await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
	const { port } = socket.address();
	await new Promise<void>((resolve) => socket.close(() => resolve()));
	return port;
}

function control(conf: string, ...args: string[]): string {
	return execFileSync(CONTROL, ['-c', conf, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 });
}

function running(conf: string): boolean {
	try {
		return control(conf, 'status').includes('is running');
	} catch {
		return false;
	}
}

async function waitRunning(conf: string, what: string): Promise<void> {
	for (let i = 0; i < 100; i++) {
		if (running(conf)) return;
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
	throw new Error(`bench Unbound (${conf}) is not running after ${what}`);
}

/** The tests' SSH "DNS host" credentials (scripts/services/unbound.sh writes .cache/unbound.env). */
function sshFromEnv(): { ssh: SshCredentials; user: string } {
	const env = readEnvFile(path.join(CACHE, 'unbound.env'));
	for (const key of ['UNBOUND_SSH_HOST', 'UNBOUND_SSH_PORT', 'UNBOUND_SSH_USER', 'UNBOUND_SSH_KEY_FILE', 'UNBOUND_SSH_FINGERPRINT']) {
		if (!env[key]) throw new Error(`.cache/unbound.env has no ${key}: run scripts/services/unbound.sh (as root) first`);
	}
	return {
		user: env.UNBOUND_SSH_USER,
		ssh: {
			host: env.UNBOUND_SSH_HOST,
			port: Number(env.UNBOUND_SSH_PORT),
			username: env.UNBOUND_SSH_USER,
			privateKey: readFileSync(env.UNBOUND_SSH_KEY_FILE, 'utf8'),
			hostKeyFingerprint: env.UNBOUND_SSH_FINGERPRINT,
		},
	};
}

/** Starts the bench's own Unbound; `stop()` ends exactly that process. */
export async function startUnbound(): Promise<BenchUnbound> {
	if (process.getuid?.() !== 0) throw new Error('the DNS part starts its own Unbound and must run as root');
	const { ssh, user } = sshFromEnv();
	const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
	const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
	// BENCH_UNBOUND_DIR: a second bench (bench/dnsModes.ts) beside a running one needs its own.
	const dir = process.env.BENCH_UNBOUND_DIR || path.join(BENCH_CACHE, 'unbound');
	const managedDir = path.join(dir, 'managed');
	// Unbound reads the includes as user unbound: every directory on the way must be traversable.
	for (const d of [CACHE, BENCH_CACHE, dir]) {
		mkdirSync(d, { recursive: true });
		chmodSync(d, 0o755);
	}
	mkdirSync(managedDir, { recursive: true });
	chownSync(managedDir, uid, gid);
	chmodSync(managedDir, 0o755);
	const managed = path.join(managedDir, 'bench-managed.conf');
	const naive = path.join(managedDir, 'bench-naive.conf');
	for (const [file, text] of [[managed, ''], [naive, 'server:\n']]) {
		writeFileSync(file, text);
		chownSync(file, uid, gid);
		chmodSync(file, 0o644);
	}
	const [dnsPort, controlPort] = [await freeUdpPort(), await freeTcpPort()];
	const conf = path.join(dir, 'unbound.conf');
	writeFileSync(conf, privateUnboundConfig({ dir, dnsPort, controlPort, zone: ZONE, includes: [managed, naive], comment: 'Written by bench/dns.ts for one benchmark run.' }));
	chmodSync(conf, 0o644);
	execFileSync('runuser', ['-u', 'unbound', '--', CHECKCONF, conf], { stdio: 'pipe' });
	// One sudoers file per config: a second bench (BENCH_UNBOUND_DIR) runs beside this one.
	const disallow = allowReadmeCommands(`bench-${createHash('sha256').update(conf).digest('hex').slice(0, 12)}`, user, conf);
	const logFd = openSync(path.join(dir, 'unbound.log'), 'a');
	const child: ChildProcess = spawn(UNBOUND, ['-d', '-c', conf], { detached: true, stdio: ['ignore', logFd, logFd] });
	closeSync(logFd);
	child.unref();
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	try {
		await waitRunning(conf, 'start');
	} catch (error) {
		child.kill('SIGTERM');
		disallow();
		throw new Error(`${(error as Error).message}; see ${path.join(dir, 'unbound.log')}`);
	}
	log(`bench Unbound pid ${child.pid} on 127.0.0.1:${dnsPort} (control ${controlPort})`);
	return {
		dir,
		conf,
		managed,
		naive,
		dnsPort,
		controlPort,
		ssh,
		sshUser: user,
		async stop() {
			if (child.exitCode === null && child.signalCode === null) {
				child.kill('SIGTERM');
				await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
			}
			disallow();
		},
	};
}

/** Empties both includes (as the admin would) and reloads: nothing served, nothing managed. */
export async function resetUnbound(u: BenchUnbound): Promise<void> {
	writeFileSync(u.managed, '');
	writeFileSync(u.naive, 'server:\n');
	for (const f of [u.managed, u.naive, `${u.managed}.bak`]) if (existsSync(f)) chmodSync(f, 0o644);
	control(u.conf, 'reload');
	await waitRunning(u.conf, 'reload');
}

/** Records Unbound serves for bench hosts right now (A, AAAA and PTR lines naming bench-). */
export function servedBenchRecords(u: BenchUnbound): number {
	return control(u.conf, 'list_local_data')
		.split('\n')
		.map((l) => l.trim().split(/\s+/))
		.filter((f) => f.length === 5 && f[2] === 'IN' && ['A', 'AAAA', 'PTR'].includes(f[3]) && (f[0] + f[4]).includes('bench-')).length;
}

export function dnsInputs(items: BenchHost[]): HostInput[] {
	return items.map((item, index) => {
		const parsed = parseHost(item);
		if (!parsed.ok) throw new Error(`bench host ${item.name} is invalid: ${parsed.message}`);
		return { index, host: parsed.host };
	});
}

export interface Step {
	what: string;
	ms: number;
}

/** The session with every remote call timed into `steps`: where a push spends its time. */
function instrument(session: SshSession, steps: Step[]): SshSession {
	const timedMethods = new Set(['exec', 'spawn', 'readFile', 'writeFile', 'rename', 'unlink']);
	return new Proxy(session, {
		get(target, prop) {
			const value = Reflect.get(target, prop, target);
			if (typeof value !== 'function') return value;
			if (!timedMethods.has(String(prop))) return value.bind(target);
			return async (...args: unknown[]) => {
				const start = performance.now();
				try {
					return await value.apply(target, args);
				} finally {
					steps.push({ what: describeCall(String(prop), args), ms: performance.now() - start });
				}
			};
		},
	});
}

function describeCall(method: string, args: unknown[]): string {
	if (method === 'exec' || method === 'spawn') {
		const argv = args[0] as string[];
		// replaceLocalData's one remote command: local_datas_remove, then local_datas.
		if (argv[0] === 'sh' && argv.includes(CONTROL)) return 'unbound-control local_datas_remove + local_datas';
		if (argv.includes(CONTROL)) return `unbound-control ${argv[argv.indexOf(CONTROL) + 3] ?? ''}`.trim();
		if (argv.includes(CHECKCONF)) return argv[argv.length - 1].includes('.tmp-') ? 'unbound-checkconf (new file alone)' : 'unbound-checkconf (whole config)';
		return argv[0] === 'flock' ? 'lock' : argv[0];
	}
	return `sftp ${method}`;
}

export interface DnsPushFigures {
	seconds: number;
	steps: Step[];
	actions: Record<string, number>;
	served: number;
	/** How the push made Unbound serve the change (auto picks by its size). */
	applied?: 'local_datas' | 'reload';
}

export function access(u: BenchUnbound) {
	return { managedFile: u.managed, config: u.conf, control: CONTROL, checkconf: CHECKCONF, sudo: true, checkAsUser: 'unbound', sshUserIsRoot: false };
}

/** One package push over an open session (the core entry point the node calls). */
export async function packageDnsPush(u: BenchUnbound, session: SshSession, hosts: HostInput[], applyMode: ApplyMode): Promise<DnsPushFigures> {
	const steps: Step[] = [];
	const unbound = new UnboundHost(instrument(session, steps), access(u));
	const { result, seconds } = await timed(() =>
		pushHosts(unbound, hosts, { zone: ZONE, ttl: 300, forward: true, reverse: true, prune: false, dryRun: false, applyMode, lockTimeoutSeconds: 60, verifyTimeoutMs: 30_000 }),
	);
	const actions: Record<string, number> = {};
	for (const h of result.plan.hosts) actions[h.action] = (actions[h.action] ?? 0) + 1;
	return { seconds, steps, actions, served: servedBenchRecords(u), applied: result.applied };
}

/**
 * Unbound's own floor over the same connection: checkconf (as unbound, as the
 * push runs it) + reload, median of `times`. `settled` is checkconf + the
 * reload until `unbound-control status` answers "is running" again over the
 * same connection: the reload is only done then (the push's verify waits for it).
 */
export async function floor(
	u: BenchUnbound,
	session: SshSession,
	times = 3,
): Promise<{ seconds: number; checkconf: number; reload: number; settled: number; served: number }> {
	const runs: Array<{ checkconf: number; reload: number; settled: number }> = [];
	for (let i = 0; i < times; i++) {
		const check = await timed(() => session.exec(['sudo', '-n', '-u', 'unbound', CHECKCONF, u.conf]));
		if (check.result.code !== 0) throw new Error(`floor: unbound-checkconf failed: ${check.result.stderr}${check.result.stdout}`);
		const started = performance.now();
		const reload = await timed(() => session.exec(['sudo', '-n', CONTROL, '-c', u.conf, 'reload']));
		if (reload.result.code !== 0 || !reload.result.stdout.includes('ok')) throw new Error(`floor: reload failed: ${reload.result.stderr}${reload.result.stdout}`);
		for (let tries = 0; ; tries++) {
			const status = await session.exec(['sudo', '-n', CONTROL, '-c', u.conf, 'status']);
			if (status.code === 0 && status.stdout.includes('is running')) break;
			if (tries > 200) throw new Error('floor: Unbound did not come back after the reload');
			await new Promise((resolve) => setTimeout(resolve, 10));
		}
		runs.push({ checkconf: check.seconds, reload: reload.seconds, settled: check.seconds + (performance.now() - started) / 1000 });
	}
	const total = runs.map((r) => r.checkconf + r.reload);
	const mid = runs[total.indexOf(median(total))] ?? runs[0];
	return { seconds: median(total), checkconf: mid.checkconf, reload: mid.reload, settled: median(runs.map((r) => r.settled)), served: servedBenchRecords(u) };
}

export async function openSession(u: BenchUnbound): Promise<{ session: SshSession; seconds: number }> {
	const { result, seconds } = await timed(() => SshSession.open(u.ssh));
	return { session: result, seconds };
}

/** A host's lines as a hand-written include would have them (no tab: argv carries no control characters). */
function naiveLines(item: BenchHost): string[] {
	const fqdn = `${item.name}.${ZONE}`;
	const [v4, v6] = [item.ipv4.split('/')[0], item.ipv6.split('/')[0]];
	return [`local-data: "${fqdn}. 300 IN A ${v4}"`, `local-data: "${fqdn}. 300 IN AAAA ${v6}"`, `local-data-ptr: "${v4} 300 ${fqdn}."`, `local-data-ptr: "${v6} 300 ${fqdn}."`];
}

/**
 * The naive way: for each host, a new SSH session that appends the host's
 * lines to an include and reloads Unbound. Seconds per host, over `items`.
 */
export async function naiveDns(u: BenchUnbound, items: BenchHost[]): Promise<{ hosts: number; seconds: number; perHost: number; served: number }> {
	const script = `printf '%s\\n' "$@" >> ${u.naive} && sudo -n ${CONTROL} -c ${u.conf} reload`;
	const { seconds } = await timed(async () => {
		for (const item of items) {
			const session = await SshSession.open(u.ssh);
			try {
				const result = await session.exec(['sh', '-c', script, 'sh', ...naiveLines(item)]);
				if (result.code !== 0) throw new Error(`naive push of ${item.name} failed: ${result.stderr}${result.stdout}`);
			} finally {
				session.close();
			}
		}
	});
	await waitRunning(u.conf, 'the naive reloads');
	return { hosts: items.length, seconds, perHost: seconds / items.length, served: servedBenchRecords(u) };
}

export async function versionOf(file: string, args: string[], pattern: RegExp): Promise<string> {
	try {
		const { stdout, stderr } = await run(file, args);
		return pattern.exec(`${stdout}\n${stderr}`)?.[1] ?? '?';
	} catch (error) {
		const e = error as { stdout?: string; stderr?: string };
		return pattern.exec(`${e.stdout ?? ''}\n${e.stderr ?? ''}`)?.[1] ?? '?';
	}
}
