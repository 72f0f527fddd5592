// The planner on a NetBox people already run: foreign objects (no ownership
// tag) are never taken, moved or rewritten; conflicts fail the host before any
// write, with words that name the object and its owner.
import { parseHost, type Host, type HostDefaults } from '../../core/host';
import { qualify } from '../../core/dns/records';
import { fqdn, planPush, type PlanOptions } from '../../core/netbox/plan';
import type { NbRef, NbTag, NetBoxSnapshot } from '../../core/netbox/types';
import { owner, ref, snapshot, options as baseOptions } from './lib/planWorld';

const manual = { id: 5, slug: 'manual', name: 'manual' };
const router = ref(6, 'router');
const isr = { id: 7, slug: 'isr1111', model: 'ISR1111', manufacturer: { name: 'Cisco' } };
const defaults: HostDefaults = { site: 'lab', role: 'server', deviceType: 'generic' };

/** A NetBox with a hand-made router rtr1 (eno1 with a MAC and 10.9.0.1, bond0 with 10.9.1.1). */
function brownfield(extra: Partial<NetBoxSnapshot> = {}): NetBoxSnapshot {
	const base = snapshot();
	return {
		...base,
		refs: { ...base.refs, role: new Map([['server', [ref(2, 'server')]], ['router', [router]]]), deviceType: new Map([['generic', [ref(3, 'generic')]], ['isr1111', [isr]]]) },
		devices: [...base.devices, { id: 60, name: 'rtr1', site: ref(1, 'lab'), role: router, device_type: isr, status: { value: 'active' }, tags: [manual], primary_ip4: { id: 81 } }],
		interfaces: [
			...base.interfaces,
			{ id: 61, name: 'eno1', device: { id: 60 }, tags: [], primary_mac_address: { id: 71, mac_address: 'AA:BB:CC:00:00:01' } },
			{ id: 62, name: 'bond0', device: { id: 60 }, tags: [] },
		],
		macs: [{ id: 71, mac_address: 'AA:BB:CC:00:00:01', assigned_object_type: 'dcim.interface', assigned_object_id: 61, assigned_object: { id: 61, name: 'eno1', device: { id: 60, name: 'rtr1' } }, tags: [] }],
		ips: [
			{ id: 81, address: '10.9.0.1/24', dns_name: '', assigned_object_type: 'dcim.interface', assigned_object_id: 61, assigned_object: { id: 61, name: 'eno1', device: { id: 60, name: 'rtr1' } }, tags: [] },
			{ id: 82, address: '10.9.1.1/24', dns_name: '', assigned_object_type: 'dcim.interface', assigned_object_id: 62, assigned_object: { id: 62, name: 'bond0', device: { id: 60, name: 'rtr1' } }, tags: [] },
		],
		...extra,
	};
}

function plan(raw: object, state: NetBoxSnapshot, more: Partial<PlanOptions> = {}) {
	const parsed = parseHost({ approved: true, ...raw }, defaults);
	if (!parsed.ok) throw new Error(parsed.message);
	return planPush([{ index: 0, host: parsed.host }], state, { ...baseOptions, ...more }).plans[0];
}

const newHost = { name: 'web01', ipv4: '10.0.0.5/24', mac: 'aa:bb:cc:dd:ee:01' };

describe('planner on a brownfield NetBox', () => {
	describe('defaults and foreign devices', () => {
		it('applies Defaults only when creating: an existing router keeps its role and type, and needs neither', () => {
			const p = plan({ name: 'rtr1', mac: 'aa:bb:cc:00:00:01' }, brownfield());
			expect(p.error).toBeUndefined();
			expect(p.creates).toBe(false);
			expect(p.changes.filter((c) => c.object === 'device').map((c) => c.field)).toEqual(['tags']);
			expect(p.foreign).toContainEqual({ object: 'device', id: 60, name: 'rtr1', action: 'adopted', fields: ['tags'] });
		});

		it('keeps the placement the item states on a foreign device, unless Update Foreign Fields is on', () => {
			const kept = plan({ name: 'rtr1', role: 'server', mac: 'aa:bb:cc:00:00:01' }, brownfield());
			expect(kept.steps.find((s) => s.object === 'device')?.body).not.toHaveProperty('role');
			expect(kept.foreign.find((f) => f.object === 'device')).toMatchObject({ kept: ['role'] });
			const moved = plan({ name: 'rtr1', role: 'server', mac: 'aa:bb:cc:00:00:01' }, brownfield(), { updateForeignFields: true });
			expect(moved.steps.find((s) => s.object === 'device')?.body).toMatchObject({ role: 2 });
		});

		it('keeps the placement of an adopted device on later pushes too', () => {
			const adopted = { id: 91, slug: 'netbox-auto-adopted', name: 'netbox-auto-adopted' };
			const state = brownfield();
			state.devices[1] = { ...state.devices[1], tags: [manual, owner, adopted] };
			const p = plan({ name: 'rtr1', role: 'server', mac: 'aa:bb:cc:00:00:01' }, state);
			expect(p.steps.filter((s) => s.object === 'device')).toEqual([]);
		});

		it('names the adopted mark after the ownership tag as a slug, and creates it only when adopting', () => {
			const parsed = parseHost({ name: 'rtr1', mac: 'aa:bb:cc:00:00:01' }, defaults);
			const result = planPush([{ index: 0, host: (parsed as { host: Host }).host }], brownfield(), { ...baseOptions, ownershipTag: 'Lab Owner' });
			expect(result.missingTags).toEqual([{ name: 'Lab Owner', slug: 'lab-owner' }, { name: 'lab-owner-adopted', slug: 'lab-owner-adopted' }]);
			expect(result.plans[0].steps[0].body).toMatchObject({ tags: [{ slug: 'manual' }, { slug: 'lab-owner' }, { slug: 'lab-owner-adopted' }] });
			const fresh = planPush([{ index: 0, host: (parseHost({ name: 'new1' }, defaults) as { host: Host }).host }], brownfield(), { ...baseOptions, ownershipTag: 'Lab Owner' });
			expect(fresh.missingTags.map((t) => t.slug)).toEqual(['lab-owner']);
		});

		it('requires site, role and type only for a device it creates, naming the field', () => {
			const p = planPush([{ index: 0, host: (parseHost({ name: 'web02' }) as { host: Host }).host }], brownfield(), baseOptions).plans[0];
			expect(p.error).toMatchObject({ field: 'site' });
			expect(p.error!.message).toContain('required to create a device');
		});

		it('Leave Alone writes nothing to a foreign object and lists what differs', () => {
			const p = plan({ name: 'rtr1', status: 'offline', mac: 'aa:bb:cc:00:00:01' }, brownfield(), { foreignObjects: 'leave' });
			expect(p.steps.filter((s) => ['device', 'primary'].includes(s.object))).toEqual([]);
			expect(p.foreign).toContainEqual(expect.objectContaining({ object: 'device', id: 60, action: 'left', fields: ['status'] }));
		});

		it('Fail the Host fails before any write, naming the object', () => {
			const p = plan({ name: 'rtr1', mac: 'aa:bb:cc:00:00:01' }, brownfield(), { foreignObjects: 'fail' });
			expect(p.error).toMatchObject({ field: 'name', kind: 'conflict' });
			expect(p.error!.message).toContain('device "rtr1" (id 60) exists and is not owned by netbox-auto');
			expect(p.steps).toEqual([]);
		});
	});

	describe('interfaces', () => {
		it('finds the interface of an existing device by the MAC, then by the address, never creating eth0 on it', () => {
			expect(plan({ name: 'rtr1', mac: 'aa:bb:cc:00:00:01' }, brownfield()).ids.interface).toBe(61);
			expect(plan({ name: 'rtr1', ipv4: '10.9.1.1/24' }, brownfield()).ids.interface).toBe(62);
			const none = plan({ name: 'rtr1', ipv4: '10.9.2.1/24' }, brownfield());
			expect(none.error).toMatchObject({ field: 'interface', kind: 'conflict' });
			expect(none.error!.message).toContain('give the interface name');
			expect(none.steps).toEqual([]);
		});

		it('uses the interface the item names, creating it beside the others when missing', () => {
			const p = plan({ name: 'rtr1', interface: 'Gi0/9', ipv4: '10.9.3.1/24' }, brownfield());
			expect(p.steps.find((s) => s.object === 'interface')).toMatchObject({ method: 'POST', body: { name: 'Gi0/9' } });
			expect(p.foreign).toContainEqual(expect.objectContaining({ object: 'device', id: 60, fields: expect.arrayContaining(['interface_count']) }));
		});
	});

	describe('addresses', () => {
		it('fails a host whose address is assigned to another device, naming the owner, primary or not', () => {
			for (const address of ['10.9.0.1/24', '10.9.1.1/24']) {
				const p = plan({ ...newHost, ipv4: address }, brownfield());
				expect(p.error).toMatchObject({ field: 'ipv4', kind: 'conflict' });
				expect(p.error!.message).toMatch(/is assigned to rtr1 (eno1|bond0) \(IP address id 8\d, not owned by netbox-auto\); it is never moved/);
				expect(p.steps).toEqual([]);
			}
		});

		it('treats an address in another VRF as another address, and creates the host one in its own VRF', () => {
			const alpha = { id: 9, name: 'Alpha', rd: '65000:1' };
			const state = brownfield({ ips: [{ id: 83, address: '172.16.0.5/24', vrf: alpha, assigned_object_type: null, assigned_object_id: null, tags: [] }] });
			const global = plan({ ...newHost, ipv4: '172.16.0.5/24' }, state);
			expect(global.error).toBeUndefined();
			expect(global.steps.find((s) => s.object === 'ip4')).toMatchObject({ method: 'POST', body: { address: '172.16.0.5/24' } });
			expect(global.steps.find((s) => s.object === 'ip4')!.body).not.toHaveProperty('vrf');
			state.refs.vrf = new Map([['alpha', [alpha as NbRef]]]);
			const inAlpha = plan({ ...newHost, ipv4: '172.16.0.5/24', vrf: 'Alpha' }, state);
			expect(inAlpha.steps.find((s) => s.object === 'ip4')).toMatchObject({ method: 'PATCH', id: 83 });
		});

		it('adopts an unassigned foreign address (a reservation) and says so', () => {
			const state = brownfield({ ips: [{ id: 84, address: '10.0.0.5/24', dns_name: '', assigned_object_type: null, assigned_object_id: null, tags: [manual] }] });
			const p = plan(newHost, state);
			expect(p.error).toBeUndefined();
			expect(p.steps.find((s) => s.object === 'ip4')).toMatchObject({ method: 'PATCH', id: 84, body: { assigned_object_type: 'dcim.interface', tags: [{ slug: 'manual' }, { slug: 'netbox-auto' }, { slug: 'netbox-auto-adopted' }] } });
			expect(p.foreign).toContainEqual(expect.objectContaining({ object: 'ip4', id: 84, action: 'adopted' }));
		});

		it('never renumbers a foreign address of the interface in place', () => {
			const p = plan({ name: 'rtr1', interface: 'bond0', ipv4: '10.9.1.2/24' }, brownfield());
			expect(p.steps.find((s) => s.object === 'ip4')).toMatchObject({ method: 'POST' });
		});
	});

	describe('MACs and cables', () => {
		it('fails a host whose MAC is assigned to another interface', () => {
			const p = plan({ ...newHost, mac: 'aa:bb:cc:00:00:01' }, brownfield());
			expect(p.error).toMatchObject({ field: 'mac', kind: 'conflict' });
			expect(p.error!.message).toContain('is assigned to rtr1 eno1 (MAC address id 71, not owned by netbox-auto)');
		});

		it('never re-terminates a foreign cable on the host interface, naming its peer', () => {
			const state = brownfield();
			state.interfaces[1] = { ...state.interfaces[1], cable: { id: 95 }, link_peers: [{ id: 99, name: 'front1', device: { id: 98, name: 'pp1' } }] };
			state.cables = [{ id: 95, tags: [] }];
			const p = plan({ name: 'rtr1', interface: 'eno1', switch: 'sw1', switchPort: 'ge-0/0/1' }, state);
			expect(p.error).toMatchObject({ field: 'switchPort', kind: 'conflict' });
			expect(p.error!.message).toContain('is cabled to pp1:front1 (cable id 95, not owned by netbox-auto)');
		});

		it('mends or reuses only cables it owns', () => {
			const loose = (tags: NbTag[]) => snapshot({ interfaces: [{ id: 500, name: 'ge-0/0/1', device: { id: 50 }, cable: { id: 96 }, link_peers: [] }], cables: [{ id: 96, tags }] });
			const p = plan({ ...newHost, switch: 'sw1', switchPort: 'ge-0/0/1' }, loose([]));
			expect(p.error!.message).toContain('carries cable id 96 without a far end (not owned by netbox-auto)');
			expect(plan({ ...newHost, switch: 'sw1', switchPort: 'ge-0/0/1' }, loose([owner])).steps.find((s) => s.object === 'cable')).toMatchObject({ method: 'PATCH', id: 96 });
		});
	});

	describe('identity', () => {
		it('refuses a second device of a name that exists at another site', () => {
			const state = brownfield();
			state.refs.site.set('dc2', [ref(11, 'dc2')]);
			const p = plan({ ...newHost, name: 'rtr1', site: 'dc2', interface: 'eth0' }, state);
			expect(p.error).toMatchObject({ field: 'name', kind: 'conflict' });
			expect(p.error!.message).toContain('device rtr1 (id 60, site "lab", not owned by netbox-auto) already exists, not in site "dc2"');
		});

		it('refuses to pick between two device types of one slug, or two clusters of one name', () => {
			const state = brownfield();
			state.refs.deviceType.set('shared', [{ id: 21, slug: 'shared', model: 'A', manufacturer: { name: 'Acme' } }, { id: 22, slug: 'shared', model: 'B', manufacturer: { name: 'Bolt' } }]);
			const type = plan({ ...newHost, deviceType: 'shared' }, state);
			expect(type.error).toMatchObject({ field: 'deviceType', kind: 'conflict' });
			expect(type.error!.message).toContain('matches 2 device types in NetBox: Acme A (id 21), Bolt B (id 22)');
			state.refs.cluster.set('dup', [{ id: 31, name: 'dup' }, { id: 32, name: 'dup' }]);
			const vm = plan({ ...newHost, kind: 'vm', cluster: 'dup' }, state);
			expect(vm.error).toMatchObject({ field: 'cluster', kind: 'conflict' });
		});

		it('refuses a VM whose name lives in another cluster', () => {
			const state = brownfield({ vms: [{ id: 70, name: 'app1', cluster: { id: 33, name: 'other' }, tags: [] }] });
			const p = plan({ name: 'app1', kind: 'vm', cluster: 'c1', ipv4: '10.0.0.7/24' }, state);
			expect(p.error?.message).toContain('already exists, not in cluster "c1"');
		});

		it('gives a dotted name the same DNS name in NetBox as the DNS node serves', () => {
			const host = (parseHost({ name: 'web01.dc1' }) as { host: Host }).host;
			expect(fqdn(host, 'lab.example')).toBe('web01.dc1.lab.example');
			expect(fqdn(host, 'lab.example')).toBe(qualify('web01.dc1', 'lab.example'));
			expect(fqdn((parseHost({ name: 'web02.lab.example' }) as { host: Host }).host, 'lab.example')).toBe('web02.lab.example');
		});
	});
});
