// NetBox Push on a NetBox people already run: NetBox's own demo data plus
// foreign objects this suite adds (addresses on other devices, eno1/bond0
// devices, a cable to a patch panel, a twin at another site, two device types
// of one slug, two clusters of one name), first checked as seeded. Blast radius: every object the
// package does not own is exported field by field before and after a push of
// 210 hosts; the only differences allowed are those the outputs list.
import type { IDataObject } from 'n8n-workflow';
import type { NetBoxClient } from '../../core/netbox/client';
import { NetBoxPush } from '../../nodes/NetBoxPush/NetBoxPush.node';
import { changeLogMark, changesSince, connectDemoNetBox, demoEnv, diffExports, exportForeign, exportObjects, seedForeign, type Export, type ForeignWorld } from '../helpers/brownfield';
import { startCountingProxy, type CountingProxy } from '../helpers/countingProxy';
import { credentialFor } from '../helpers/netbox';
import { runNode, type RunNodeResult } from '../helpers/runNode';

type Obj = Record<string, any>;
let nb: NetBoxClient;
let proxy: CountingProxy;
let world: ForeignWorld;

const count = async (endpoint: string, query: Record<string, string> = {}) =>
	(await nb.request<{ count: number }>('GET', `api/${endpoint}/`, { query: { ...query, limit: 1, brief: 1 } })).count;
const ms = (t0: number) => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

/** The ways a host can collide with what people made, and what each must give. */
type Kind = 'clean' | 'ipPrimary' | 'ipSecondary' | 'macElsewhere' | 'otherVrf' | 'reservation' | 'existingEno' | 'existingBond' | 'noInterface' | 'foreignCable' | 'twinSite' | 'sharedSlug' | 'dupCluster';
const CONFLICTS: Record<string, string> = {
	ipPrimary: 'ipv4',
	ipSecondary: 'ipv4',
	macElsewhere: 'mac',
	noInterface: 'interface',
	foreignCable: 'switchPort',
	twinSite: 'name',
	sharedSlug: 'deviceType',
	dupCluster: 'cluster',
};
const N = 10;
const CLEAN = 90;

function hosts(): Array<{ kind: Kind; item: Obj }> {
	const list: Array<{ kind: Kind; item: Obj }> = [];
	const hex = (i: number) => i.toString(16).padStart(2, '0');
	const add = (kind: Kind, item: Obj) => list.push({ kind, item: { approved: true, ...item } });
	for (let i = 0; i < CLEAN; i++) {
		const common = { name: `bfn-${i}`, ipv4: `10.210.${i}.10/24`, ipv6: `2001:db8:bf::${i.toString(16)}:10/64`, mac: `02:bf:10:00:00:${hex(i)}` };
		if (i % 2) add('clean', { ...common, kind: 'vm', cluster: world.cluster.name });
		else add('clean', { ...common, switch: world.switch.name, switchPort: `ge-0/0/${100 + i}` });
	}
	for (let i = 0; i < N; i++) {
		add('ipPrimary', { name: `bfa-${i}`, ipv4: world.routers[i].gi0.ip.address });
		add('ipSecondary', { name: `bfb-${i}`, ipv4: world.routers[i].gi1.ip.address });
		add('macElsewhere', { name: `bfc-${i}`, ipv4: `10.211.${i}.10/24`, mac: world.routers[i].gi1.mac.address });
		add('otherVrf', { name: `bfd-${i}`, ipv4: world.vrfOnly[i].address });
		add('reservation', { name: `bfe-${i}`, ipv4: world.reservations[i].address });
		// Stating the role on half of them: a foreign device keeps it (listed as kept).
		add('existingEno', { name: world.enos[i].name, mac: world.enos[i].iface.mac.address, ipv4: world.enos[i].iface.ip.address, ...(i % 2 ? {} : { role: world.roles.server.slug }) });
		add('existingBond', { name: world.bonds[i].name, ipv4: world.bonds[i].iface.ip.address });
		add('noInterface', { name: world.plains[i].name, ipv4: `10.212.${i}.10/24` });
		add('foreignCable', { name: world.cabled[i].name, interface: world.cabled[i].iface.name, switch: world.switch.name, switchPort: `ge-0/0/${300 + i}` });
		add('twinSite', { name: world.twins[i].name, site: world.siteA.slug, ipv4: `10.213.${i}.10/24` });
		add('sharedSlug', { name: `bfk-${i}`, deviceType: world.sharedSlugTypes[0].slug, ipv4: `10.214.${i}.10/24` });
		add('dupCluster', { name: `bfl-${i}`, kind: 'vm', cluster: world.dupClusters[0].name, ipv4: `10.215.${i}.10/24` });
	}
	return list;
}

function run(operation: 'push' | 'status', dryRun = false): Promise<RunNodeResult> {
	return runNode({
		node: new NetBoxPush(),
		parameters: {
			operation,
			dryRun,
			hostDefaults: { site: world.siteA.slug, role: world.roles.server.slug, deviceType: world.deviceType.slug, interface: 'eth0' },
			options: { dnsDomain: 'lab.example' },
		},
		credentials: { netBoxApi: credentialFor(proxy.endpoint) },
		items: hosts().map((h) => h.item) as IDataObject[],
		onError: 'continueErrorOutput',
	});
}

/** Each input item's result, success or error output, by item index. */
function byItem(result: RunNodeResult): Obj[] {
	const out: Obj[] = [];
	for (const item of result.success) out[(item.pairedItem as { item: number }).item] = item.json.netbox as Obj;
	for (const item of result.errors) out[(item.pairedItem as { item: number }).item] = (item.json.details as Obj).netbox;
	return out;
}

const ENDPOINT_OF: Record<string, (vm: boolean) => string> = {
	device: () => 'dcim/devices',
	vm: () => 'virtualization/virtual-machines',
	interface: (vm) => (vm ? 'virtualization/interfaces' : 'dcim/interfaces'),
	switchPort: () => 'dcim/interfaces',
	mac: () => 'dcim/mac-addresses',
	ip4: () => 'ipam/ip-addresses',
	ip6: () => 'ipam/ip-addresses',
	cable: () => 'dcim/cables',
};

/** Fields NetBox itself derives from a listed one (a cable end's path, a primary IP's shortcut). */
const DERIVED: Record<string, string[]> = {
	cable: ['cable_end', 'link_peers', 'link_peers_type', 'connected_endpoints', 'connected_endpoints_type', 'connected_endpoints_reachable', '_occupied'],
	assigned_object_id: ['assigned_object'],
	primary_mac_address: ['mac_address'],
	primary_ip4: ['primary_ip'],
	primary_ip6: ['primary_ip'],
};

/**
 * An export with nested objects reduced to their ids. A device's nested
 * `device_type` carries NetBox's live `device_count`, which moves whenever any
 * device is made: that is not a change of the device. A reference that points
 * elsewhere still shows as a changed id.
 */
function references(data: Export): Export {
	const ref = (v: unknown): unknown =>
		Array.isArray(v) ? v.map(ref) : v && typeof v === 'object' && 'id' in (v as Obj) ? (v as Obj).id : v;
	return Object.fromEntries(Object.entries(data).map(([key, o]) => [key, Object.fromEntries(Object.entries(o).map(([f, v]) => [f, ref(v)]))]));
}

/** `endpoint#id` → the fields the outputs say may change on that foreign object. */
function allowedChanges(results: Obj[], items: Obj[]): Map<string, Set<string>> {
	const allowed = new Map<string, Set<string>>();
	results.forEach((r, i) => {
		for (const f of (r.foreign ?? []) as Obj[]) {
			if (f.action === 'left') continue;
			const key = `${ENDPOINT_OF[f.object](items[i].kind === 'vm')}#${f.id}`;
			const fields = allowed.get(key) ?? new Set<string>(['last_updated']);
			for (const field of f.fields as string[]) for (const name of [field, ...(DERIVED[field] ?? [])]) fields.add(name);
			allowed.set(key, fields);
		}
	});
	return allowed;
}

beforeAll(async () => {
	nb = await connectDemoNetBox();
	const t0 = Date.now();
	world = await seedForeign(nb, N);
	console.log(`seedForeign(${N}): ${ms(t0)}, created ${JSON.stringify(world.created)}, updated ${JSON.stringify(world.updated)}`);
	proxy = await startCountingProxy(demoEnv());
}, 600_000);

afterAll(async () => {
	await proxy?.close();
	await nb?.close();
});

// The world first (in this file, so that it runs before the push changes it).
describe('the brownfield NetBox', () => {
	it('holds the demo data', async () => {
		expect(await count('dcim/devices', { name__nisw: 'bf-' })).toBeGreaterThanOrEqual(70);
		expect(await count('ipam/vrfs')).toBeGreaterThanOrEqual(6);
		expect(await count('dcim/cables')).toBeGreaterThanOrEqual(100);
		expect(await count('virtualization/virtual-machines')).toBeGreaterThanOrEqual(100);
	});

	it('holds the foreign objects, untagged, as described', async () => {
		const n = world.n;
		expect(world.siteA.id).not.toBe(world.siteB.id);
		for (const list of [world.routers, world.enos, world.bonds, world.cabled, world.twins, world.plains, world.reservations]) expect(list).toHaveLength(n);
		expect(world.switch.ports).toHaveLength(400);
		expect(world.patchPanel.frontPorts).toHaveLength(n);
		expect(world.sharedSlugTypes.map((t) => t.slug)).toEqual(['bf-shared', 'bf-shared']);
		expect(world.dupClusters.map((c) => c.name)).toEqual(['bf-dup', 'bf-dup']);
		expect(world.vrfOnly.length).toBeGreaterThan(0);
		for (const a of world.vrfOnly) expect(a.vrf.name).toBeTruthy();

		const rtr = await nb.request<Obj>('GET', `api/dcim/devices/${world.routers[3].id}/`);
		expect(rtr.primary_ip4.id).toBe(world.routers[3].gi0.ip.id);
		expect(rtr.primary_ip4.address).toBe('10.201.3.1/24');
		const gi1 = await nb.request<Obj>('GET', `api/dcim/interfaces/${world.routers[3].gi1.id}/`);
		expect(gi1.primary_mac_address.id).toBe(world.routers[3].gi1.mac.id);
		expect(gi1.mac_address.toLowerCase()).toBe('02:bf:01:00:00:03');
		const eno = await nb.request<Obj>('GET', `api/dcim/devices/${world.enos[9].id}/`);
		expect(eno.role.slug).not.toBe('bf-server');
		expect(eno.primary_ip4.address).toBe('10.203.9.5/24');
		const cab = await nb.request<Obj>('GET', `api/dcim/interfaces/${world.cabled[0].iface.id}/`);
		expect(cab.cable.id).toBe(world.cabled[0].cable.id);
		expect(cab.link_peers[0].id).toBe(world.cabled[0].frontPort.id);
		const [reserved] = await nb.list<Obj>('api/ipam/ip-addresses/', { address: '10.205.0.10/24' });
		expect(reserved).toMatchObject({ status: { value: 'reserved' }, vrf: null, assigned_object_id: null });
	});

	it('exports the same twice when nothing writes, and re-reads the same set by key', async () => {
		let t0 = Date.now();
		const first: Export = await exportForeign(nb);
		const took = ms(t0);
		const second = await exportForeign(nb);
		t0 = Date.now();
		const again = await exportObjects(nb, Object.keys(first));
		const tookByKey = ms(t0);
		const perEndpoint: Record<string, number> = {};
		for (const key of Object.keys(first)) perEndpoint[key.split('#')[0]] = (perEndpoint[key.split('#')[0]] ?? 0) + 1;
		console.log(`exportForeign: ${Object.keys(first).length} objects in ${took} ${JSON.stringify(perEndpoint)}; exportObjects by key: ${tookByKey}`);
		expect(Object.keys(first).length).toBeGreaterThan(1000);
		expect(diffExports(first, second)).toEqual([]);
		expect(diffExports(first, again)).toEqual([]);
		expect(first['dcim/devices#' + world.routers[0].id].name).toBe('bf-rtr-0');
		// Every foreign object seeded is in the export (none carries the ownership tag).
		const seeded = [world.switch, world.patchPanel, ...world.routers, ...world.enos, ...world.bonds, ...world.cabled, ...world.twins, ...world.plains];
		for (const d of seeded) expect(first).toHaveProperty([`dcim/devices#${d.id}`]);
		for (const r of world.routers) expect(first).toHaveProperty([`dcim/mac-addresses#${r.gi1.mac.id}`]);
		for (const c of world.cabled) expect(first).toHaveProperty([`dcim/cables#${c.cable.id}`]);
		for (const a of world.reservations) expect(first).toHaveProperty([`ipam/ip-addresses#${a.id}`]);
	});

	it('diffExports reports changed fields, deleted and added keys', () => {
		const before: Export = { 'dcim/devices#1': { id: 1, name: 'a', tags: [] }, 'dcim/devices#2': { id: 2 } };
		const after: Export = { 'dcim/devices#1': { id: 1, name: 'b', tags: [] }, 'dcim/devices#3': { id: 3 } };
		expect(diffExports(before, after)).toEqual([
			{ key: 'dcim/devices#1', field: 'name', from: 'a', to: 'b' },
			{ key: 'dcim/devices#2', field: '<deleted>', from: { id: 2 } },
			{ key: 'dcim/devices#3', field: '<added>', to: { id: 3 } },
		]);
	});

	it('a second seedForeign writes nothing', async () => {
		const before = await exportForeign(nb);
		const mark = await changeLogMark(nb);
		const t0 = Date.now();
		const again = await seedForeign(nb, N);
		console.log(`seedForeign again: ${ms(t0)}`);
		expect(again.created).toEqual({});
		expect(again.updated).toEqual({});
		expect(await changesSince(nb, mark)).toEqual([]);
		expect(diffExports(before, await exportForeign(nb))).toEqual([]);
		expect(again.routers.map((r) => r.id)).toEqual(world.routers.map((r) => r.id));
	});
});

describe('NetBox Push on a brownfield NetBox (NetBox demo data + foreign objects)', () => {
	let dry: Obj[];
	let pushed: Obj[];
	let before: Export;
	const items = () => hosts().map((h) => h.item);
	const kinds = () => hosts().map((h) => h.kind);

	it('a dry run reports every conflict before any write, naming the object and its owner', async () => {
		proxy.reset();
		const result = await run('push', true);
		expect(proxy.counts().writes).toBe(0);
		dry = byItem(result);
		expect(dry).toHaveLength(CLEAN + 12 * N);
		const conflicts: Record<string, number> = {};
		kinds().forEach((kind, i) => {
			if (!CONFLICTS[kind]) {
				expect({ i, kind, error: dry[i].error }).toEqual({ i, kind, error: undefined });
				return;
			}
			expect({ i, kind, field: dry[i].field, action: dry[i].action }).toEqual({ i, kind, field: CONFLICTS[kind], action: 'plan:failed' });
			expect(dry[i].conflict).toBe(dry[i].error);
			conflicts[kind] = (conflicts[kind] ?? 0) + 1;
		});
		// The words name the object that is in the way and who holds it.
		const word = (kind: Kind, n = 0) => dry[kinds().indexOf(kind) + n].error as string;
		expect(word('ipPrimary')).toContain(`is assigned to ${world.routers[0].name} GigabitEthernet0/0`);
		expect(word('ipSecondary')).toContain(`is assigned to ${world.routers[0].name} GigabitEthernet0/1`);
		expect(word('macElsewhere')).toContain(`is assigned to ${world.routers[0].name} GigabitEthernet0/1`);
		expect(word('foreignCable')).toContain(`is cabled to ${world.patchPanel.name}:`);
		expect(word('twinSite')).toContain(`already exists, not in site "${world.siteA.slug}"`);
		expect(word('sharedSlug')).toContain('matches 2 device types');
		expect(word('dupCluster')).toContain('matches 2 clusters');
		expect(word('noInterface')).toContain('give the interface name');
		console.log(`brownfield dry run: ${result.success.length + result.errors.length} hosts, conflicts by kind ${JSON.stringify(conflicts)}, ${proxy.counts().requests} requests`);
	});

	it('the push changes no foreign object beyond what its outputs list, and writes nothing for failed hosts', async () => {
		before = await exportForeign(nb);
		const mark = await changeLogMark(nb);
		proxy.reset();
		const result = await run('push');
		pushed = byItem(result);
		const counts = proxy.counts();

		// Same conflicts, same words, same foreign objects as the dry run.
		pushed.forEach((r, i) => {
			expect({ i, error: r.error }).toEqual({ i, error: dry[i].error });
			expect({ i, foreign: r.foreign }).toEqual({ i, foreign: dry[i].foreign });
		});
		const kind = kinds();
		const actions = (k: Kind) => [...new Set(pushed.filter((_, i) => kind[i] === k).map((r) => r.action))];
		expect(actions('clean')).toEqual(['created']);
		expect(actions('otherVrf')).toEqual(['created']);
		expect(actions('reservation')).toEqual(['created']);
		expect(actions('existingEno')).toEqual(['updated']);
		expect(actions('existingBond')).toEqual(['updated']);
		for (const k of Object.keys(CONFLICTS) as Kind[]) expect(actions(k)).toEqual(['failed']);

		// What the outputs say about foreign objects: adopted reservations, adopted eno1/bond0 hosts, kept roles.
		const eno = pushed[kind.indexOf('existingEno')];
		expect(eno.foreign).toContainEqual(expect.objectContaining({ object: 'device', name: world.enos[0].name, action: 'adopted', kept: ['role'] }));
		expect(eno.objects.interface.id).toBe(world.enos[0].iface.id);
		expect(pushed[kind.indexOf('existingBond')].objects.interface.id).toBe(world.bonds[0].iface.id);
		expect(pushed[kind.indexOf('reservation')].foreign).toContainEqual(expect.objectContaining({ object: 'ip4', id: world.reservations[0].id, action: 'adopted' }));

		// Blast radius: re-read every object that was foreign before, field by field.
		const after = await exportObjects(nb, Object.keys(before));
		const allowed = allowedChanges(pushed, items());
		const diff = diffExports(references(before), references(after));
		const outside = diff.filter((d) => !allowed.get(d.key)?.has(d.field));
		const newForeign = Object.keys(await exportForeign(nb)).filter((key) => !(key in before));
		const changedObjects = new Set(diff.map((d) => d.key));

		// The change log since the push began: only objects the package owns now, or foreign ones an output lists.
		const log = await changesSince(nb, mark);
		const endpointOf: Record<string, string> = { 'dcim.device': 'dcim/devices', 'virtualization.virtualmachine': 'virtualization/virtual-machines', 'dcim.interface': 'dcim/interfaces', 'virtualization.vminterface': 'virtualization/interfaces', 'dcim.macaddress': 'dcim/mac-addresses', 'ipam.ipaddress': 'ipam/ip-addresses', 'dcim.cable': 'dcim/cables' };
		const failedNames = new Set(items().filter((_, i) => pushed[i].action === 'failed').map((h) => String(h.name).toLowerCase()));
		const unlisted = log.filter((c) => {
			const key = `${endpointOf[c.changed_object_type] ?? c.changed_object_type}#${c.changed_object_id}`;
			return key in before && !allowed.has(key);
		});
		const forFailed = log.filter((c) => failedNames.has(String(c.object_repr).toLowerCase()));
		const failedObjects = await Promise.all(
			[...failedNames].filter((name) => !name.startsWith('bf-')).map(async (name) => [...(await nb.list<Obj>('api/dcim/devices/', { name })), ...(await nb.list<Obj>('api/virtualization/virtual-machines/', { name }))]),
		);

		console.log(
			`brownfield push: ${pushed.length} hosts (${pushed.filter((r) => r.action !== 'failed').length} done, ${failedNames.size} failed on conflicts), ` +
				`${counts.requests} requests (${counts.writes} writes); foreign objects before ${Object.keys(before).length}, changed ${changedObjects.size} ` +
				`(all listed: ${outside.length === 0}), changed outside the outputs ${outside.length}, new untagged objects ${newForeign.length}, ` +
				`change-log rows ${log.length}, rows for failed hosts ${forFailed.length + unlisted.length}, objects of failed hosts ${failedObjects.flat().length}`,
		);
		expect(outside).toEqual([]);
		expect(newForeign).toEqual([]);
		expect(unlisted).toEqual([]);
		expect(forFailed).toEqual([]);
		expect(failedObjects.flat()).toEqual([]);
		// The address that lives only in a VRF is still there, untouched, and the host got its own in the global table.
		const vrfAddress = world.vrfOnly[0].address.split('/')[0];
		const copies = await nb.list<Obj>('api/ipam/ip-addresses/', { address: vrfAddress });
		expect(copies.map((c) => c.vrf?.id ?? null).sort()).toEqual([null, world.vrfOnly[0].vrf.id].sort());
	});

	it('Status reports the conflicts as drifted in the same words, and a second push writes nothing', async () => {
		const status = byItem(await run('status'));
		kinds().forEach((kind, i) => {
			if (CONFLICTS[kind]) expect({ i, state: status[i].state, conflict: status[i].conflict }).toEqual({ i, state: 'drifted', conflict: pushed[i].error });
			else expect({ i, state: status[i].state }).toEqual({ i, state: 'in-sync' });
		});
		proxy.reset();
		const again = byItem(await run('push'));
		expect(proxy.counts().writes).toBe(0);
		kinds().forEach((kind, i) => expect({ i, action: again[i].action }).toEqual({ i, action: CONFLICTS[kind] ? 'failed' : 'unchanged' }));
		console.log(`brownfield re-push: ${proxy.counts().requests} requests, 0 writes`);
	});
});
