// `node bench/run.mjs scale [N]` (default 10,000): N hosts in ONE execution of
// the NetBox Push node, through n8n-core as an instance runs it: the first push
// into an emptied NetBox, the identical re-push, and Status. Each in a child
// process that reports its peak RSS, wall time and NetBox requests (bench/rss.ts).
// The figures go into their own section of the last full run's table
// (<BENCH_OUT>.json, default bench/results.md.json); the rest of it is unchanged.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { log, netboxEndpoint, ROOT } from './common';
import { connect, emptyNetBox, ensureBenchFixtures } from './netbox';
import { readReport, render } from './report';
import { measureRss, type RssFigures } from './rss';

const describe = (r: RssFigures) =>
	`peak RSS ${r.peakMB.toFixed(0)} MB (${r.baseMB.toFixed(0)} MB before), ${r.seconds.toFixed(1)} s, ${r.requests ? `${r.requests.reads} reads + ${r.requests.writes} writes` : '?'}, ${JSON.stringify(r.states)}`;

export async function scale(n: number): Promise<void> {
	const out = process.env.BENCH_OUT || path.join(ROOT, 'bench', 'results.md');
	const report = readReport(`${out}.json`);
	const endpoint = netboxEndpoint();
	const client = connect(endpoint);
	const startedAt = new Date();
	const runs: RssFigures[] = [];
	try {
		await ensureBenchFixtures(client);
		log('scale: emptying bench- objects');
		await emptyNetBox(client);
		for (const operation of ['push', 'push', 'status'] as const) {
			log(`scale: NetBox ${operation} of ${n} hosts in one execution`);
			const figures = await measureRss({ node: 'netbox', operation, items: n, netbox: endpoint });
			log(`  ${describe(figures)}`);
			runs.push(figures);
		}
		report.scale = { n, startedAt, load: os.loadavg(), runs };
		writeFileSync(out, render(report));
		writeFileSync(`${out}.json`, JSON.stringify(report));
		log(`wrote ${path.relative(ROOT, out)}`);
		// Deleting 10,000 hosts takes a while: the figures are saved first.
		log('scale: emptying bench- objects');
		await emptyNetBox(client);
	} finally {
		await client.close();
	}
}
