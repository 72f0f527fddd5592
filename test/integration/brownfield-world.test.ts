// The brownfield world itself: the demo-data NetBox (scripts/services/netbox-demo.sh) is
// there, the foreign objects seed idempotently, and an export is stable when nothing writes.
import type { NetBoxClient } from '../../core/netbox/client';
import {
	changesInWindow,
	connectDemoNetBox,
	diffExports,
	exportForeign,
	exportObjects,
	seedForeign,
	type Export,
	type ForeignWorld,
} from '../helpers/brownfield';

type Obj = Record<string, any>;
let nb: NetBoxClient;
let world: ForeignWorld;

const count = async (endpoint: string, query: Record<string, string> = {}) =>
	(await nb.request<{ count: number }>('GET', `api/${endpoint}/`, { query: { ...query, limit: 1, brief: 1 } })).count;
const ms = (t0: number) => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

beforeAll(async () => {
	nb = await connectDemoNetBox();
	const t0 = Date.now();
	world = await seedForeign(nb);
	console.log(`seedForeign(10): ${ms(t0)}, created ${JSON.stringify(world.created)}, updated ${JSON.stringify(world.updated)}`);
});

afterAll(async () => {
	await nb?.close();
});

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
		const since = new Date(Date.now() - 1000).toISOString();
		const t0 = Date.now();
		const again = await seedForeign(nb);
		console.log(`seedForeign again: ${ms(t0)}`);
		const until = new Date(Date.now() + 1000).toISOString();
		expect(again.created).toEqual({});
		expect(again.updated).toEqual({});
		expect(await changesInWindow(nb, since, until)).toEqual([]);
		expect(diffExports(before, await exportForeign(nb))).toEqual([]);
		expect(again.routers.map((r) => r.id)).toEqual(world.routers.map((r) => r.id));
	});
});
