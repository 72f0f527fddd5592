// `node bench/run.mjs profile`: where NetBox spends the time of a bulk push,
// measured from outside (no server instrumentation needed): the fixed cost of
// one request, the cost per object of bulk writes and reads, and whether
// splitting one bulk write into parallel requests (several gunicorn workers)
// helps. Objects are named bench-prof-* and deleted again.
import type { NetBoxClient } from '../core/netbox/client';
import { BENCH_PREFIX, log, median, netboxEndpoint, SWITCH_NAME, timed } from './common';
import { connect, emptyNetBox, ensureBenchFixtures } from './netbox';

type Obj = Record<string, any>;

const PROF = `${BENCH_PREFIX}prof-`;

async function repeat(times: number, work: () => Promise<unknown>): Promise<number> {
	const seconds: number[] = [];
	for (let i = 0; i < times; i++) seconds.push((await timed(work)).seconds);
	return median(seconds);
}

/** Least-squares line through (x, y): y = a + b·x. */
function fit(points: Array<[number, number]>): { a: number; b: number } {
	const n = points.length;
	const sx = points.reduce((s, [x]) => s + x, 0);
	const sy = points.reduce((s, [, y]) => s + y, 0);
	const sxx = points.reduce((s, [x]) => s + x * x, 0);
	const sxy = points.reduce((s, [x, y]) => s + x * y, 0);
	const b = (n * sxy - sx * sy) / (n * sxx - sx * sx);
	return { a: (sy - b * sx) / n, b };
}

const ms = (s: number) => `${(s * 1000).toFixed(0)} ms`;

export async function profile(): Promise<void> {
	const endpoint = netboxEndpoint();
	const client = connect(endpoint);
	const lines: string[] = [];
	const say = (line: string) => {
		lines.push(line);
		log(line);
	};
	try {
		await ensureBenchFixtures(client);
		await emptyNetBox(client);
		const [site] = await client.list<Obj>('api/dcim/sites/', { slug: 'it-lab' });
		const [role] = await client.list<Obj>('api/dcim/device-roles/', { slug: 'it-server' });
		const [type] = await client.list<Obj>('api/dcim/device-types/', { slug: 'it-box' });
		const [sw] = await client.list<Obj>('api/dcim/devices/', { name: SWITCH_NAME });
		let serial = 0;
		const devices = (k: number) => Array.from({ length: k }, () => ({ name: `${PROF}${serial++}`, site: site.id, role: role.id, device_type: type.id, status: 'active', tags: [{ slug: 'netbox-auto' }] }));
		const post = (body: Obj[]) => client.request<Obj[]>('POST', 'api/dcim/devices/', { body });

		say('## Fixed cost of one request');
		say(`GET api/status/ (no database work): ${ms(await repeat(15, () => client.request('GET', 'api/status/')))} median of 15`);
		say(`GET dcim/sites/?slug=it-lab&brief=1 (one row): ${ms(await repeat(15, () => client.request('GET', 'api/dcim/sites/', { query: { slug: 'it-lab', brief: 1 } })))} median of 15`);
		say(`GET dcim/devices/?name=${SWITCH_NAME} (one full device): ${ms(await repeat(15, () => client.request('GET', 'api/dcim/devices/', { query: { name: SWITCH_NAME } })))} median of 15`);

		say('## Reads: cost per object (the switch ports, one page)');
		const reads: Array<[number, number]> = [];
		for (const limit of [1, 100, 500, 1000]) {
			const t = await repeat(3, () => client.request('GET', 'api/dcim/interfaces/', { query: { device_id: sw.id, limit } }));
			reads.push([limit, t]);
			say(`GET dcim/interfaces/?device_id=<switch>&limit=${limit}: ${ms(t)}`);
		}
		const r = fit(reads);
		say(`=> interfaces, full representation: ${ms(r.a)} per request + ${(r.b * 1000).toFixed(2)} ms per object`);
		for (const [label, query] of [
			['brief=1', { brief: 1 }],
			['fields=id,name,cable,link_peers', { fields: 'id,name,cable,link_peers' }],
		] as const) {
			say(`GET 1000 switch ports, ${label}: ${ms(await repeat(3, () => client.request('GET', 'api/dcim/interfaces/', { query: { device_id: sw.id, limit: 1000, ...query } })))}`);
		}
		const names = Array.from({ length: 200 }, (_, i) => `ge-1/0/${i}`);
		say(`GET 200 named switch ports (device_id + 200 name filters): ${ms(await repeat(3, () => client.listWhereIn('api/dcim/interfaces/', 'name', names, { device_id: sw.id })))}`);

		say('## Writes: bulk POST of devices, cost per object');
		const writes: Array<[number, number]> = [];
		for (const k of [1, 10, 50, 150]) {
			const t = await repeat(k >= 50 ? 1 : 3, () => post(devices(k)));
			writes.push([k, t]);
			say(`POST dcim/devices/ with ${k}: ${ms(t)} (${((t / k) * 1000).toFixed(1)} ms per device)`);
		}
		const w = fit(writes);
		say(`=> devices: ${ms(w.a)} per request + ${(w.b * 1000).toFixed(1)} ms per object`);

		const total = 300;
		say(`## Parallel bulk requests (${total} devices each way)`);
		for (const parts of [1, 3, 1, 3]) {
			const batches = Array.from({ length: parts }, () => devices(total / parts));
			const { seconds } = await timed(() => Promise.all(batches.map(post)));
			say(`${total} devices as ${parts} parallel request(s) of ${total / parts}: ${ms(seconds)} (${(total / seconds).toFixed(1)} devices/s)`);
		}
		await deleteProf(client);
	} finally {
		await emptyNetBox(client).catch(() => undefined);
		await client.close();
	}
	process.stdout.write(`${lines.join('\n')}\n`);
}

async function deleteProf(client: NetBoxClient): Promise<void> {
	const mine = (await client.list<Obj>('api/dcim/devices/', { name__isw: PROF, brief: 1 })).filter((d) => String(d.name).startsWith(PROF));
	for (let i = 0; i < mine.length; i += 500) await client.request('DELETE', 'api/dcim/devices/', { body: mine.slice(i, i + 500).map((d) => ({ id: d.id })) });
}
