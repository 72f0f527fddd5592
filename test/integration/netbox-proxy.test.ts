// NetBox behind nginx as NetBox's docs deploy it (scripts/services/netbox-proxy.sh:
// contrib/nginx.conf's server block, TLS from a CA of the test setup), with a
// read timeout of 5 s, and then with 30 % of writes cut after 200 ms (nginx
// answers 504 while NetBox goes on and commits). 500 new hosts with cables,
// MACs and both addresses go through each: every host comes out `created`,
// NetBox holds exactly one device/VM, interface, MAC, both addresses and (for
// devices) one cable per host, and no write request outlasts the target plus a
// margin. The client trusts the test CA through the credential's CA field only.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseHost } from '../../core/host';
import { NetBoxClient } from '../../core/netbox/client';
import { pushHosts } from '../../core/netbox/push';
import { demoEnv } from '../helpers/brownfield';
import { connectNetBox, credentialFor, netboxDirectEnv, netboxEnv, proxyEnv, proxyTls } from '../helpers/netbox';

const COUNT = Number(process.env.PROXY_HOSTS ?? 500);
const PREFIX = 'px-';
const SWITCH = 'px-sw1';
const SITE = 'it-lab';
const MAC_PREFIX = '02:00:00:23';
const IP_PARENTS = ['10.212.0.0/16', '2001:db8:212::/48'];
/** Below the proxy's 5 s: chunks aim at half of it. */
const TARGET_SECONDS = 4;
/** What a request may take beyond the target: a chunk sized on a quicker answer meets a busier NetBox. */
const MARGIN_MS = 2_000;

type Obj = Record<string, any>;
const { token } = netboxDirectEnv();
const proxied = proxyEnv();
const CA = proxyTls().ca;
const log = (text: string) => process.stdout.write(`netbox-proxy: ${text}\n`);

const hex = (n: number) => n.toString(16).padStart(2, '0');
const hosts = Array.from({ length: COUNT }, (_, i) => {
	const common = {
		name: `${PREFIX}${i}`,
		role: 'it-server',
		ipv4: `10.212.${1 + (i >> 8)}.${i & 255}/16`,
		ipv6: `2001:db8:212::${(i + 1).toString(16)}/64`,
		mac: `${MAC_PREFIX}:${hex(i >> 8)}:${hex(i & 255)}`,
		approved: true,
	};
	return i % 2 === 0 ? { ...common, kind: 'device', site: SITE, deviceType: 'it-box', switch: SWITCH, switchPort: `ge-0/0/${i >> 1}` } : { ...common, kind: 'vm', cluster: 'it-cluster' };
});

let direct: NetBoxClient;

async function del(client: NetBoxClient, endpoint: string, objects: Obj[]): Promise<void> {
	for (let i = 0; i < objects.length; i += 250) await client.request('DELETE', endpoint, { body: objects.slice(i, i + 250).map((o) => ({ id: o.id })) });
}

/** Deletes every px- host and what hangs off it; nothing else. */
async function cleanUp(): Promise<void> {
	const [sw] = await direct.list<Obj>('api/dcim/devices/', { name: SWITCH });
	if (sw) await del(direct, 'api/dcim/cables/', await direct.list<Obj>('api/dcim/cables/', { device_id: sw.id }));
	for (const parent of IP_PARENTS) await del(direct, 'api/ipam/ip-addresses/', await direct.list<Obj>('api/ipam/ip-addresses/', { parent, brief: 1 }));
	await del(direct, 'api/dcim/devices/', (await direct.list<Obj>('api/dcim/devices/', { name__isw: PREFIX, brief: 1 })).filter((d) => d.name !== SWITCH));
	await del(direct, 'api/virtualization/virtual-machines/', await direct.list<Obj>('api/virtualization/virtual-machines/', { name__isw: PREFIX, brief: 1 }));
	await del(direct, 'api/dcim/mac-addresses/', await direct.list<Obj>('api/dcim/mac-addresses/', { mac_address__isw: MAC_PREFIX, brief: 1 }));
}

/** Counts, by query, every px- object; each host must have exactly one of each. */
async function audit(): Promise<{ counts: Record<string, number>; problems: string[] }> {
	const devices = (await direct.list<Obj>('api/dcim/devices/', { name__isw: PREFIX, exclude: 'config_context' })).filter((d) => d.name !== SWITCH);
	const vms = await direct.list<Obj>('api/virtualization/virtual-machines/', { name__isw: PREFIX, exclude: 'config_context' });
	const ifaces = await direct.listWhereIn<Obj>('api/dcim/interfaces/', 'device_id', devices.map((d) => d.id));
	const vmIfaces = await direct.listWhereIn<Obj>('api/virtualization/interfaces/', 'virtual_machine_id', vms.map((v) => v.id));
	const macs = await direct.list<Obj>('api/dcim/mac-addresses/', { mac_address__isw: MAC_PREFIX });
	const ips = (await Promise.all(IP_PARENTS.map((parent) => direct.list<Obj>('api/ipam/ip-addresses/', { parent })))).flat();
	const [sw] = await direct.list<Obj>('api/dcim/devices/', { name: SWITCH });
	const cables = await direct.list<Obj>('api/dcim/cables/', { device_id: sw.id });
	const problems: string[] = [];
	const once = (label: string, keys: string[]) => {
		const seen = new Map<string, number>();
		for (const k of keys) seen.set(k, (seen.get(k) ?? 0) + 1);
		for (const [k, n] of seen) if (n > 1) problems.push(`${label} ${k} ×${n}`);
	};
	once('device', devices.map((d) => d.name));
	once('VM', vms.map((v) => v.name));
	once('interface', [...ifaces.map((i) => `${i.device.id}/${i.name}`), ...vmIfaces.map((i) => `vm${i.virtual_machine.id}/${i.name}`)]);
	once('MAC', macs.map((m) => String(m.mac_address).toUpperCase()));
	once('IP', ips.map((ip) => String(ip.address)));
	once('cable on', cables.flatMap((c) => [...c.a_terminations, ...c.b_terminations].map((t: Obj) => `${t.object_type}:${t.object_id}`)));
	for (const m of [...devices, ...vms]) {
		if (!m.primary_ip4 || !m.primary_ip6) problems.push(`${m.name}: primary IPv4 ${m.primary_ip4?.address ?? 'none'}, IPv6 ${m.primary_ip6?.address ?? 'none'}`);
	}
	for (const i of [...ifaces, ...vmIfaces]) if (!i.primary_mac_address) problems.push(`interface ${i.id}: no primary MAC`);
	return { counts: { devices: devices.length, vms: vms.length, interfaces: ifaces.length + vmIfaces.length, macs: macs.length, ips: ips.length, cables: cables.length }, problems };
}

/** nginx's own log of one listener since `from` bytes: statuses and the longest request. */
function accessLog(file: string, from: number): { lines: string[]; size: number } {
	const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
	return { lines: text.slice(from).split('\n').filter(Boolean), size: text.length };
}

async function pushThrough(url: string, label: string) {
	const client = new NetBoxClient({ baseUrl: url, token, caCertificate: CA });
	const started = Date.now();
	try {
		const parsed = hosts.map((h, index) => {
			const r = parseHost(h);
			if (!r.ok) throw new Error(`${h.name}: ${r.message}`);
			return { index, host: r.host };
		});
		const result = await pushHosts(client, parsed, {
			dryRun: false,
			ownershipTag: 'netbox-auto',
			interfaceType: 'other',
			changelogMessage: `netbox-proxy test: ${label}`,
			pacing: { targetSeconds: TARGET_SECONDS, concurrency: 3 },
		});
		const seconds = (Date.now() - started) / 1000;
		return { result, seconds, stats: { ...client.stats } };
	} finally {
		await client.close();
	}
}

beforeAll(async () => {
	direct = await connectNetBox(netboxDirectEnv());
	const [site] = await direct.list<Obj>('api/dcim/sites/', { slug: SITE });
	if (!site) throw new Error(`site ${SITE} is missing: the integration fixtures (test/helpers/netbox.ts ensureFixtures) make it`);
	let [sw] = await direct.list<Obj>('api/dcim/devices/', { name: SWITCH });
	sw ??= await direct.request<Obj>('POST', 'api/dcim/devices/', { body: { name: SWITCH, site: site.id, role: { slug: 'it-switch' }, device_type: { slug: 'it-box' } } });
	const have = new Set((await direct.list<Obj>('api/dcim/interfaces/', { device_id: sw.id, brief: 1 })).map((p) => p.name));
	const missing = Array.from({ length: Math.ceil(COUNT / 2) }, (_, i) => `ge-0/0/${i}`).filter((n) => !have.has(n));
	if (missing.length) await direct.request('POST', 'api/dcim/interfaces/', { body: missing.map((name) => ({ device: sw.id, name, type: '1000base-t' })) });
	await cleanUp();
}, 600_000);

afterAll(async () => {
	await cleanUp();
	await direct?.close();
}, 600_000);

describe(`NetBox behind nginx (contrib config, TLS from the test CA): ${COUNT} new hosts`, () => {
	it('the CA in the credential is trusted in addition to the system store, through nginx', async () => {
		const client = new NetBoxClient({ baseUrl: proxied.NETBOX_PROXY_URL, token, caCertificate: CA });
		const without = new NetBoxClient({ baseUrl: proxied.NETBOX_PROXY_URL, token }, { maxRetries: 0 });
		try {
			await expect(client.request('GET', 'api/status/')).resolves.toMatchObject({ 'netbox-version': expect.stringMatching(/^4\./) });
			await expect(without.request('GET', 'api/status/')).rejects.toThrow(/TLS certificate was not accepted/);
		} finally {
			await client.close();
			await without.close();
		}
	});

	it('the other integration and e2e tests reach both local NetBoxes through this nginx, the CA in their credential', () => {
		if (process.env.NETBOX_URL) return expect(netboxEnv().url).toBe(process.env.NETBOX_URL); // someone else's NetBox: used as given
		expect(netboxEnv()).toEqual({ url: proxied.NETBOX_PROXY_URL, token, ca: CA });
		expect(demoEnv()).toMatchObject({ url: proxied.NETBOX_PROXY_DEMO_URL, ca: CA });
		expect(credentialFor(demoEnv())).toMatchObject({ baseUrl: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/), caBundle: CA, allowSelfSigned: false });
	});

	for (const [label, key, cut] of [
		['proxy_read_timeout 5s', 'NETBOX_PROXY_SHORT_URL', false],
		['proxy_read_timeout 5s and 30 % of writes cut into 504s', 'NETBOX_PROXY_CUT_URL', true],
	] as const) {
		it(`${label}: every host created once, no duplicate, no request past the target`, async () => {
			await cleanUp();
			const port = new URL(proxied[key]).port;
			const logFile = path.join(proxied.NETBOX_PROXY_LOGS, `${port}.access.log`);
			const cutFile = path.join(proxied.NETBOX_PROXY_LOGS, 'cut.access.log');
			const before = accessLog(logFile, 0).size;
			const cutBefore = accessLog(cutFile, 0).size;
			const { result, seconds, stats } = await pushThrough(proxied[key], label);
			const served = accessLog(logFile, before).lines;
			const cutLines = accessLog(cutFile, cutBefore).lines;
			const gatewayTimeouts = [...served, ...cutLines].filter((l) => l.split(' ')[2] === '504').length;
			const writes = served.filter((l) => /^(POST|PATCH|PUT|DELETE) /.test(l));
			const longestServed = Math.max(0, ...served.filter((l) => !/ 504 /.test(l)).map((l) => Number(l.split(' ')[3]) * 1000));
			const actions = new Map<string, number>();
			for (const o of result.outcomes) actions.set(o.action, (actions.get(o.action) ?? 0) + 1);
			const failed = result.outcomes.filter((o) => o.action !== 'created').slice(0, 5).map((o) => `${hosts[o.index].name}: ${o.error?.message ?? o.action}`);
			const { counts, problems } = await audit();
			log(
				`${label}: ${COUNT} hosts in ${seconds.toFixed(1)} s; ${stats.requests} requests (${stats.reads} reads, ${stats.writes} writes, ${stats.retries} retried), ` +
					`${gatewayTimeouts} answered 504 by nginx, longest write ${(stats.longestWriteMs / 1000).toFixed(2)} s (nginx's longest answered ${(longestServed / 1000).toFixed(2)} s); ` +
					`chunks ${result.pacing.chunks}, largest ${result.pacing.largestChunk}; actions ${JSON.stringify(Object.fromEntries(actions))}; NetBox holds ${JSON.stringify(counts)}; duplicates/missing ${problems.length}`,
			);
			expect(failed).toEqual([]);
			expect(actions.get('created')).toBe(COUNT);
			expect(problems).toEqual([]);
			const devices = Math.ceil(COUNT / 2);
			expect(counts).toEqual({ devices, vms: COUNT - devices, interfaces: COUNT, macs: COUNT, ips: 2 * COUNT, cables: devices });
			expect(stats.longestWriteMs).toBeLessThan(TARGET_SECONDS * 1000 + MARGIN_MS);
			expect(writes.length).toBeGreaterThan(0);
			// The cut listener must have cut some; on the other, a 504 is possible but resolved the same way.
			if (cut) expect(gatewayTimeouts).toBeGreaterThan(0);
		}, 1_200_000);
	}
});
