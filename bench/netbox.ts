// The NetBox half of the benchmark: the bench's own switch, emptying NetBox of
// bench- objects, the package's push (core pushHosts, one client per run, as
// one node execution has) and the pynetbox baseline, both on the same hosts.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { CHANGE_LIMIT_DEFAULTS } from '../core/changeLimit';
import { parseHost, type Host } from '../core/host';
import { NetBoxClient } from '../core/netbox/client';
import type { PacingOptions } from '../core/netbox/pacing';
import { pushHosts, statusOfHosts } from '../core/netbox/push';
import { ensureFixtures } from '../test/helpers/netbox';
import { BENCH_CACHE, BENCH_PREFIX, CACHE, commandOutput, log, ROOT, SWITCH_NAME, SWITCH_PORTS, switchPort, timed, type BenchHost } from './common';

export const OWNERSHIP_TAG = 'netbox-auto';
const INTERFACE_TYPE = 'other';
/** The NetBox Push node's default changelog message: the package run sends what the node sends. */
const CHANGELOG = 'Pushed by n8n (n8n-nodes-netbox-auto)';
const IP_RANGES = ['10.200.0.0/16', '2001:db8:200::/48'];
const MAC_PREFIX = '02:00:00:20';
/** Pacing that sends each kind of write as one request, one at a time: how the package wrote before chunks. */
export const ONE_REQUEST_PER_STAGE: PacingOptions = { concurrency: 1, firstChunk: 1_000_000, maxChunk: 1_000_000 };

type Obj = Record<string, any>;

export interface RunFigures {
	requests: number;
	reads: number;
	writes: number;
	seconds: number;
	failed: number;
	/** First few failure messages. */
	errors: string[];
	/** Hosts the package's Status reports in-sync afterwards (undefined for a dry run). */
	inSync?: number;
	actions?: Record<string, number>;
	/** Placeholder of a run that has not happened (yet). */
	notRun?: boolean;
	/** Every request of a package run, in order of completion: where the time goes. */
	trace?: TraceEntry[];
}

export interface TraceEntry {
	method: string;
	path: string;
	/** Objects in the request body (writes) or in the response page (reads). */
	objects: number;
	/** Filter values in the query (e.g. names of a listWhereIn chunk). */
	filters: number;
	startMs: number;
	ms: number;
}

/** Records every request the client sends (list() and listWhereIn() go through request()). */
function traceRequests(client: NetBoxClient): TraceEntry[] {
	const trace: TraceEntry[] = [];
	const original = client.request.bind(client);
	const t0 = performance.now();
	client.request = (async (method: string, path: string, options: Parameters<NetBoxClient['request']>[2] = {}) => {
		const start = performance.now();
		let objects = Array.isArray(options.body) ? options.body.length : options.body ? 1 : 0;
		try {
			const result = await original(method, path, options);
			const page = result as { results?: unknown[] } | undefined;
			if (method === 'GET' && Array.isArray(page?.results)) objects = page!.results.length;
			return result;
		} finally {
			const filters = Object.entries(options.query ?? {}).reduce((sum, [key, v]) => sum + (['limit', 'offset', 'brief', 'exclude'].includes(key) ? 0 : Array.isArray(v) ? v.length : 1), 0);
			trace.push({ method, path: path.replace(/^api\//, ''), objects, filters, startMs: start - t0, ms: performance.now() - start });
		}
	}) as NetBoxClient['request'];
	return trace;
}

/**
 * The node's default request timeout is 300 s; on a busy 2-core machine one
 * bulk POST of 2,000 IP addresses has taken ~250 s, so the bench allows more
 * rather than measure a timeout and its retry.
 */
export function connect(endpoint: { url: string; token: string }): NetBoxClient {
	return new NetBoxClient({ baseUrl: endpoint.url, token: endpoint.token }, { requestTimeoutMs: 1_800_000 });
}

/** The it-* fixtures the tests share (created if missing, never changed) and the bench's own switch with SWITCH_PORTS ports. */
export async function ensureBenchFixtures(client: NetBoxClient): Promise<void> {
	await ensureFixtures(client);
	const [site] = await client.list<Obj>('api/dcim/sites/', { slug: 'it-lab' });
	let [sw] = await client.list<Obj>('api/dcim/devices/', { name: SWITCH_NAME, site_id: site.id });
	sw ??= await client.request<Obj>('POST', 'api/dcim/devices/', {
		body: { name: SWITCH_NAME, site: site.id, role: { slug: 'it-switch' }, device_type: { slug: 'it-box' }, status: 'active' },
	});
	const have = new Set((await client.list<Obj>('api/dcim/interfaces/', { device_id: sw.id, brief: 1 })).map((p) => p.name));
	const missing = Array.from({ length: SWITCH_PORTS }, (_, i) => switchPort(i)).filter((name) => !have.has(name));
	for (let i = 0; i < missing.length; i += 500) {
		await client.request('POST', 'api/dcim/interfaces/', { body: missing.slice(i, i + 500).map((name) => ({ device: sw.id, name, type: '1000base-t' })) });
	}
	if (missing.length) log(`created ${SWITCH_NAME} ports: ${missing.length}`);
}

async function deleteAll(client: NetBoxClient, endpoint: string, objects: Obj[]): Promise<void> {
	for (let i = 0; i < objects.length; i += 500) {
		await client.request('DELETE', endpoint, { body: objects.slice(i, i + 500).map((o) => ({ id: o.id })) });
	}
}

/**
 * "An emptied NetBox" for the bench: every bench- device and VM (their
 * interfaces and MACs go with them), every IP in the bench's ranges, every
 * cable on bench-sw1 and any stray bench MAC. Nothing else is touched.
 */
export async function emptyNetBox(client: NetBoxClient): Promise<void> {
	// Every list is filtered again here: a filter NetBox ignored must never widen a delete to other people's objects.
	const [sw] = (await client.list<Obj>('api/dcim/devices/', { name: SWITCH_NAME, brief: 1 })).filter((d) => d.name === SWITCH_NAME);
	if (sw) {
		const onSwitch = (c: Obj) => [...(c.a_terminations ?? []), ...(c.b_terminations ?? [])].some((t: Obj) => t.object?.device?.id === sw.id);
		await deleteAll(client, 'api/dcim/cables/', (await client.list<Obj>('api/dcim/cables/', { device_id: sw.id })).filter(onSwitch));
	}
	for (const parent of IP_RANGES) {
		const start = parent.startsWith('10.') ? '10.200.' : '2001:db8:200:';
		await deleteAll(client, 'api/ipam/ip-addresses/', (await client.list<Obj>('api/ipam/ip-addresses/', { parent, brief: 1 })).filter((ip) => String(ip.address).startsWith(start)));
	}
	const mine = (o: Obj) => String(o.name).startsWith(BENCH_PREFIX) && o.name !== SWITCH_NAME;
	await deleteAll(client, 'api/dcim/devices/', (await client.list<Obj>('api/dcim/devices/', { name__isw: BENCH_PREFIX, brief: 1 })).filter(mine));
	await deleteAll(client, 'api/virtualization/virtual-machines/', (await client.list<Obj>('api/virtualization/virtual-machines/', { name__isw: BENCH_PREFIX, brief: 1 })).filter(mine));
	await deleteAll(client, 'api/dcim/mac-addresses/', (await client.list<Obj>('api/dcim/mac-addresses/', { mac_address__isw: MAC_PREFIX, brief: 1 })).filter((m) => String(m.mac_address).toUpperCase().startsWith(MAC_PREFIX)));
}

function toHosts(items: BenchHost[]): Array<{ index: number; host: Host }> {
	return items.map((item, index) => {
		const parsed = parseHost(item);
		if (!parsed.ok) throw new Error(`bench host ${item.name} is invalid: ${parsed.message}`);
		return { index, host: parsed.host };
	});
}

const planOptions = { ownershipTag: OWNERSHIP_TAG, interfaceType: INTERFACE_TYPE };

/** How many of `items` the package's Status reports in-sync (the proof both sides did the same work). */
export async function countInSync(endpoint: { url: string; token: string }, items: BenchHost[]): Promise<number> {
	const client = connect(endpoint);
	try {
		return (await statusOfHosts(client, toHosts(items), planOptions)).filter((s) => s.state === 'in-sync').length;
	} finally {
		await client.close();
	}
}

/**
 * One run of the package: a fresh client (as one node execution has), parse,
 * snapshot, plan, the node's default change limit (10 % changed is within it,
 * and asks NetBox nothing more), bulk writes.
 */
export async function packagePush(endpoint: { url: string; token: string }, items: BenchHost[], dryRun: boolean, pacing?: PacingOptions): Promise<RunFigures> {
	const client = connect(endpoint);
	const trace = traceRequests(client);
	try {
		const { result, seconds } = await timed(() => pushHosts(client, toHosts(items), { ...planOptions, dryRun, changelogMessage: CHANGELOG, changeLimit: CHANGE_LIMIT_DEFAULTS, pacing }));
		const failedOutcomes = result.outcomes.filter((o) => o.action === 'failed');
		const actions: Record<string, number> = {};
		for (const o of result.outcomes) actions[o.action] = (actions[o.action] ?? 0) + 1;
		return {
			...client.stats,
			seconds,
			failed: failedOutcomes.length,
			errors: failedOutcomes.slice(0, 3).map((o) => `${items[o.index].name}: ${o.error?.field}: ${o.error?.message}`),
			actions,
			trace,
			// A run that wrote nothing left NetBox as the previous run left it: no need to ask again.
			inSync: dryRun || client.stats.writes === 0 ? undefined : await countInSync(endpoint, items),
		};
	} finally {
		await client.close();
	}
}

const VENV = path.join(CACHE, 'bench-venv');
const VENV_PYTHON = path.join(VENV, 'bin', 'python');

/** A Python ≥ 3.10 to build the venv from: BENCH_PYTHON, python3.12 / python3 on PATH, or NetBox's venv. */
function basePython(): string {
	const candidates = [process.env.BENCH_PYTHON, 'python3.12', path.join(CACHE, 'netbox', 'venv', 'bin', 'python'), 'python3'].filter((c): c is string => !!c);
	for (const candidate of candidates) {
		const version = commandOutput(candidate, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])']);
		const [major, minor] = version.split('.').map(Number);
		if (major === 3 && minor >= 10) return candidate;
	}
	throw new Error(`no Python >= 3.10 found for the pynetbox baseline (tried ${candidates.join(', ')}); set BENCH_PYTHON`);
}

/** .cache/bench-venv with bench/requirements.txt installed (once). */
export function ensureVenv(): string {
	const requirements = path.join(ROOT, 'bench', 'requirements.txt');
	const installed = commandOutput(VENV_PYTHON, ['-c', 'import pynetbox; print(pynetbox.__version__)']);
	const pinned = /pynetbox==([\d.]+)/.exec(readFileSync(requirements, 'utf8'))?.[1];
	if (existsSync(VENV_PYTHON) && installed === pinned) return installed;
	const python = basePython();
	log(`creating ${VENV} from ${python} and installing ${path.relative(ROOT, requirements)}`);
	for (const [file, args] of [
		[python, ['-m', 'venv', VENV]],
		[VENV_PYTHON, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirements]],
	] as Array<[string, string[]]>) {
		const run = spawnSync(file, args, { encoding: 'utf8' });
		if (run.status !== 0) throw new Error(`${file} ${args.join(' ')} failed: ${run.stderr || run.stdout}`);
	}
	return commandOutput(VENV_PYTHON, ['-c', 'import pynetbox; print(pynetbox.__version__)']);
}

/** One run of bench/baseline_pynetbox.py over `items`; its own timer (not Python's start-up) gives the seconds. */
export async function baselinePush(endpoint: { url: string; token: string }, items: BenchHost[], label: string): Promise<RunFigures> {
	mkdirSync(BENCH_CACHE, { recursive: true });
	const file = path.join(BENCH_CACHE, `hosts-${label}.json`);
	writeFileSync(file, JSON.stringify(items));
	const output = await new Promise<string>((resolve, reject) => {
		const child = spawn(VENV_PYTHON, [path.join(ROOT, 'bench', 'baseline_pynetbox.py'), file], {
			env: { ...process.env, NETBOX_URL: endpoint.url, NETBOX_TOKEN: endpoint.token, BENCH_TAG: OWNERSHIP_TAG, BENCH_INTERFACE_TYPE: INTERFACE_TYPE },
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let out = '';
		let err = '';
		child.stdout.on('data', (d) => (out += d));
		child.stderr.on('data', (d) => (err += d));
		child.on('error', reject);
		child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`baseline_pynetbox.py exited ${code}: ${err.slice(-2000)}`))));
	});
	const last = output.trim().split('\n').pop() ?? '{}';
	const figures = JSON.parse(last) as RunFigures & { hosts: number };
	return { ...figures, inSync: figures.writes === 0 ? undefined : await countInSync(endpoint, items) };
}
