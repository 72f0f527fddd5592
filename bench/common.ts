// Shared by the benchmark's parts: where things are, the env files the
// service scripts write, the bench's own host set, timing and small helpers.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { TestHost } from '../test/helpers/netbox';

/** run.mjs starts the bundle with the repository as working directory. */
export const ROOT = process.cwd();
export const CACHE = path.join(ROOT, '.cache');
export const BENCH_CACHE = path.join(CACHE, 'bench');

/** KEY=VALUE lines of one of the service scripts' env files; {} when it is missing. */
export function readEnvFile(file: string): Record<string, string> {
	if (!existsSync(file)) return {};
	return Object.fromEntries(
		readFileSync(file, 'utf8')
			.split('\n')
			.filter((line) => line.includes('='))
			.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
	);
}

export function netboxEndpoint(): { url: string; token: string } {
	const file = readEnvFile(path.join(CACHE, 'netbox.env'));
	const url = process.env.NETBOX_URL || file.NETBOX_URL;
	const token = process.env.NETBOX_TOKEN || file.NETBOX_TOKEN;
	if (!url || !token) throw new Error('NetBox is not configured: set NETBOX_URL and NETBOX_TOKEN, or run scripts/services/netbox.sh');
	return { url: url.replace(/\/+$/, ''), token };
}

/** Sizes from a comma-separated env var ("100,1000"). */
export function sizes(name: string, fallback: string): number[] {
	const list = (process.env[name] || fallback)
		.split(',')
		.map((s) => Number(s.trim()))
		.filter((n) => Number.isInteger(n) && n > 0);
	if (!list.length) throw new Error(`${name} must list positive whole numbers, e.g. ${fallback}`);
	return list;
}

export async function timed<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number }> {
	const start = performance.now();
	const result = await work();
	return { result, seconds: (performance.now() - start) / 1000 };
}

export function log(message: string): void {
	process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** stdout of a local command, trimmed; '' when it fails. */
export function commandOutput(file: string, args: string[]): string {
	try {
		return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
	} catch (error) {
		const e = error as { stdout?: string; stderr?: string };
		return `${e.stdout ?? ''}${e.stderr ?? ''}`.trim();
	}
}

export const BENCH_PREFIX = 'bench-';
export const SWITCH_NAME = 'bench-sw1';
export const SWITCH_PORTS = 1000;
export const switchPort = (i: number) => `ge-1/0/${i}`;

/** One host as an item of the NetBox Push node (and of the DNS node: it reads name/ipv4/ipv6); the tests' host shape. */
export type BenchHost = TestHost & { approved: true };

/** Host i changes its IPv4 in the "10 % changed" push: every 10th host, devices and VMs alike. */
export const changesIp = (i: number) => i % 20 === 0 || i % 20 === 5;

/**
 * Hosts bench-0 … bench-(n-1): even ones devices cabled to bench-sw1 (the
 * first SWITCH_PORTS hosts), odd ones
 * VMs. Addresses in 10.200.0.0/16 and 2001:db8:200::/48, MACs 02:00:00:20:xx:xx.
 * With `changed`, the hosts `changesIp` picks get a new IPv4 (10.200.128+.x).
 */
export function benchHosts(n: number, changed = false): BenchHost[] {
	if (n > 30_000) throw new Error('at most 30,000 bench hosts (address plan)');
	return Array.from({ length: n }, (_, i) => {
		const k = i + 1;
		const third = (k >> 8) + (changed && changesIp(i) ? 128 : 0);
		const common = {
			name: `${BENCH_PREFIX}${i}`,
			role: 'it-server',
			ipv4: `10.200.${third}.${k & 255}/16`,
			ipv6: `2001:db8:200::${k.toString(16)}/64`,
			mac: `02:00:00:20:${k.toString(16).padStart(4, '0').replace(/^(..)/, '$1:')}`.toUpperCase(),
			approved: true as const,
		};
		// Only the first SWITCH_PORTS hosts can be cabled (the memory run's 10,000 items go past them).
		const cable = i < SWITCH_PORTS ? { switch: SWITCH_NAME, switchPort: switchPort(i) } : {};
		return i % 2 === 0
			? { ...common, kind: 'device' as const, site: 'it-lab', deviceType: 'it-box', ...cable }
			: { ...common, kind: 'vm' as const, cluster: 'it-cluster' };
	});
}

export function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
