import { planPush, sameValue } from '../../core/netbox/plan';
import { host, options, pushedState, snapshot } from './lib/planWorld';

describe('planner', () => {
	it('plans every object of a new host in dependency order', () => {
		const { plans, missingTags } = planPush([{ index: 0, host: host({}) }], snapshot(), options);
		expect(missingTags).toEqual([]);
		const [plan] = plans;
		expect(plan.error).toBeUndefined();
		expect(plan.creates).toBe(true);
		expect(plan.steps.map((s) => `${s.method} ${s.object}`)).toEqual([
			'POST device', 'POST interface', 'POST mac', 'PATCH primaryMac', 'POST ip4', 'POST ip6', 'PATCH primary', 'POST cable',
		]);
		expect(plan.steps[0].body).toMatchObject({ name: 'web01', site: 1, role: 2, device_type: 3, status: 'active', tags: [{ slug: 'netbox-auto' }] });
		expect(plan.steps[4].body).toMatchObject({ address: '10.0.0.5/24', dns_name: 'web01.lab.example', assigned_object_id: { $ref: 'interface' } });
		expect(plan.steps[7].body).toMatchObject({ a_terminations: [{ object_id: 500 }], b_terminations: [{ object_id: { $ref: 'interface' } }] });
	});

	it('plans nothing for a host that is already in NetBox as wanted', () => {
		const [plan] = planPush([{ index: 0, host: host({}) }], pushedState(), options).plans;
		expect(plan.changes).toEqual([]);
		expect(plan.steps).toEqual([]);
		expect(plan.ids).toMatchObject({ device: 10, interface: 20, mac: 40, ip4: 30, ip6: 31, cable: 70 });
	});

	it('updates a changed IP and MAC in place', () => {
		const [plan] = planPush([{ index: 0, host: host({ ipv4: '10.0.0.9/24', mac: 'aa:bb:cc:dd:ee:99' }) }], pushedState(), options).plans;
		expect(plan.steps).toEqual([
			expect.objectContaining({ method: 'PATCH', object: 'mac', id: 40, body: { mac_address: 'AA:BB:CC:DD:EE:99' } }),
			expect.objectContaining({ method: 'PATCH', object: 'ip4', id: 30, body: { address: '10.0.0.9/24' } }),
		]);
		expect(plan.changes).toContainEqual({ object: 'ip4', field: 'address', from: '10.0.0.5/24', to: '10.0.0.9/24' });
	});

	it('adopts an object made by hand: adds the ownership tag, keeps its other tags', () => {
		const state = pushedState();
		state.devices[1].tags = [{ id: 5, slug: 'manual', name: 'manual' }];
		const [plan] = planPush([{ index: 0, host: host({}) }], state, options).plans;
		expect(plan.adopted).toEqual(['device']);
		expect(plan.steps).toEqual([expect.objectContaining({ method: 'PATCH', object: 'device', body: { tags: [{ slug: 'manual' }, { slug: 'netbox-auto' }, { slug: 'netbox-auto-adopted' }] } })]);
	});

	it('fails a host whose site does not exist, naming the field', () => {
		const [plan] = planPush([{ index: 3, host: host({ site: 'nowhere' }) }], snapshot(), options).plans;
		expect(plan.error).toEqual({ field: 'site', message: 'site "nowhere" not found in NetBox' });
		expect(plan.steps).toEqual([]);
	});

	it('refuses a switch port cabled to another host', () => {
		const state = snapshot({ interfaces: [{ id: 500, name: 'ge-0/0/1', device: { id: 50 }, cable: { id: 71 }, link_peers: [{ id: 999, name: 'eth0', device: { id: 9, name: 'other' } }] }] });
		const [plan] = planPush([{ index: 0, host: host({}) }], state, options).plans;
		expect(plan.error?.field).toBe('switchPort');
		expect(plan.error?.message).toContain('other:eth0');
	});

	it('mends a cable whose host end was lost (switch end still names the interface): one PATCH with the ends swapped', () => {
		const state = pushedState();
		const [port, eth0] = state.interfaces;
		state.interfaces = [{ ...port, cable_end: 'A' }, { ...eth0, cable: null, link_peers: [] }];
		const [plan] = planPush([{ index: 0, host: host({}) }], state, options).plans;
		expect(plan.error).toBeUndefined();
		expect(plan.steps).toEqual([
			{
				object: 'cable', endpoint: 'api/dcim/cables/', method: 'PATCH', id: 70,
				body: { a_terminations: [{ object_type: 'dcim.interface', object_id: 20 }], b_terminations: [{ object_type: 'dcim.interface', object_id: 500 }] },
			},
		]);
		state.interfaces[0].cable_end = 'B';
		const [again] = planPush([{ index: 0, host: host({}) }], state, options).plans;
		expect(again.steps[0].body).toEqual({ a_terminations: [{ object_type: 'dcim.interface', object_id: 500 }], b_terminations: [{ object_type: 'dcim.interface', object_id: 20 }] });
	});

	it('plans missing tags once', () => {
		const { missingTags } = planPush([{ index: 0, host: host({ tags: ['K8s Nodes'] }) }, { index: 1, host: host({ name: 'web02', ipv4: '10.0.0.6/24', ipv6: undefined, tags: 'k8s nodes' }) }], snapshot(), options);
		expect(missingTags).toEqual([{ name: 'K8s Nodes', slug: 'k8s-nodes' }]);
	});

	it('compares lists without regard to order', () => {
		expect(sameValue(['a', 'b'], ['b', 'a'])).toBe(true);
		expect(sameValue(['a'], ['a', 'b'])).toBe(false);
	});
});
