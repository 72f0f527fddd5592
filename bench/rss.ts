// Peak memory of one node execution: a child process (this bundle, started
// with `rss-child`) loads n8n's engine, runs ONE execution of a node's Status
// (or NetBox Push) operation on N host items through n8n-core's
// WorkflowExecute (as an n8n instance runs it), and reports its own peak RSS
// (process.resourceUsage().maxRSS) and the NetBox requests it sent.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NetBoxClient } from '../core/netbox/client';
import { NetBoxPush } from '../nodes/NetBoxPush/NetBoxPush.node';
import { UnboundDnsPush } from '../nodes/UnboundDnsPush/UnboundDnsPush.node';
import { runNode, type RunNodeOptions } from '../test/helpers/runNode';
import { BENCH_CACHE, benchHosts, timed } from './common';

export interface RssRequest {
	node: 'netbox' | 'dns';
	/** Status unless told: a push is NetBox only (bench/scale.ts). */
	operation?: 'status' | 'push';
	items: number;
	/** Items carry the "10 % changed IPv4" addresses (what NetBox holds after that push). */
	changed?: boolean;
	netbox?: { url: string; token: string };
	dns?: { host: string; port: number; username: string; privateKey: string; hostKeyFingerprint: string; zone: string; managedFile: string; config: string };
}

export interface RssFigures {
	node: string;
	/** Absent in runs before pushes were measured: Status. */
	operation?: 'status' | 'push';
	items: number;
	/** NetBox requests of the execution, as the client sends them (list pages each count). */
	requests?: { reads: number; writes: number };
	/** RSS after n8n and the node are loaded, before the execution (MB). */
	baseMB: number;
	/** Peak RSS of the whole process (MB). */
	peakMB: number;
	seconds: number;
	states: Record<string, number>;
}

const MB = 1024 * 1024;

/** In the child: one execution, then one JSON line on stdout. */
export async function rssChild(requestFile: string): Promise<void> {
	const request = JSON.parse(readFileSync(requestFile, 'utf8')) as RssRequest;
	const items = benchHosts(request.items, request.changed) as unknown as Array<Record<string, string | boolean>>;
	global.gc?.();
	const baseMB = process.memoryUsage().rss / MB;
	const requests = countNetBoxRequests();
	const operation = request.operation ?? 'status';
	const options: Omit<RunNodeOptions, 'items'> =
		request.node === 'netbox'
			? {
					node: new NetBoxPush(),
					parameters: { operation, ...(operation === 'push' ? { dryRun: false } : {}), summary: true, options: {} },
					credentials: { netBoxApi: { baseUrl: request.netbox!.url, token: request.netbox!.token } },
				}
			: {
					node: new UnboundDnsPush(),
					parameters: {
						operation: 'status',
						summary: true,
						zone: request.dns!.zone,
						managedFile: request.dns!.managedFile,
						unboundConfig: request.dns!.config,
						useSudo: true,
					},
					credentials: {
						unboundSshApi: {
							host: request.dns!.host,
							port: request.dns!.port,
							username: request.dns!.username,
							privateKey: request.dns!.privateKey,
							passphrase: '',
							hostKeyFingerprint: request.dns!.hostKeyFingerprint,
							skipHostKeyVerification: false,
						},
					},
				};
	const { result, seconds } = await timed(() => runNode({ ...options, items }));
	if (result.error) throw result.error;
	const key = request.node === 'netbox' ? 'netbox' : 'dns';
	const states: Record<string, number> = {};
	for (const item of result.success) {
		// Status items say a state, Push items an action; the summary item neither.
		const shown = item.json[key] as { state?: string; action?: string } | undefined;
		const state = String(shown?.state ?? shown?.action ?? 'summary');
		states[state] = (states[state] ?? 0) + 1;
	}
	const figures: RssFigures = {
		node: request.node,
		operation,
		items: request.items,
		...(request.node === 'netbox' ? { requests } : {}),
		baseMB,
		peakMB: process.resourceUsage().maxRSS / 1024,
		seconds,
		states,
	};
	process.stdout.write(`${JSON.stringify(figures)}\n`);
}

/** Counts every request of every NetBox client the node makes (list() and listWhereIn() go through request()). */
function countNetBoxRequests(): { reads: number; writes: number } {
	const counts = { reads: 0, writes: 0 };
	const original = NetBoxClient.prototype.request;
	NetBoxClient.prototype.request = function (this: NetBoxClient, method: string, ...rest: unknown[]) {
		counts[method === 'GET' ? 'reads' : 'writes']++;
		return (original as (...args: unknown[]) => Promise<unknown>).call(this, method, ...rest);
	} as NetBoxClient['request'];
	return counts;
}

/** In the parent: runs the child and returns its figures. */
export async function measureRss(request: RssRequest): Promise<RssFigures> {
	const file = path.join(BENCH_CACHE, `rss-${request.node}-${process.pid}.json`);
	writeFileSync(file, JSON.stringify(request), { mode: 0o600 });
	// The request carries the token / private key: readable by root only, removed at once.
	const output = await new Promise<string>((resolve, reject) => {
		const child = spawn(process.execPath, ['--enable-source-maps', process.argv[1], 'rss-child', file], { stdio: ['ignore', 'pipe', 'pipe'] });
		let out = '';
		let err = '';
		child.stdout.on('data', (d) => (out += d));
		child.stderr.on('data', (d) => (err += d));
		child.on('error', reject);
		child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`rss child (${request.node}) exited ${code}: ${err.slice(-2000)}`))));
	}).finally(() => rmSync(file, { force: true }));
	return JSON.parse(output.trim().split('\n').pop()!) as RssFigures;
}
