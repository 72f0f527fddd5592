// The executor's answer to two pushes of one host at the same moment, made
// deterministic with a scripted NetBox: both created a MAC object on the same
// interface (NetBox allows that); the oldest is kept, the interface points at
// it, the other is deleted, whoever made which. The live version of this race
// is the concurrency test in netbox-faults.test.ts.
import type { NetBoxClient } from '../../core/netbox/client';
import { executePlans } from '../../core/netbox/execute';
import type { HostPlan } from '../../core/netbox/plan';
import { ENDPOINT } from '../../core/netbox/types';

type Call = { method: string; path: string; body?: unknown };

function scriptedNetBox(ours: number, theirs: number) {
	const calls: Call[] = [];
	let primary = ours;
	const mac = (id: number) => ({ id, mac_address: '02:00:00:21:00:01', assigned_object_type: 'dcim.interface', assigned_object_id: 11, tags: [{ slug: 'netbox-auto' }] });
	const client = {
		async request(method: string, path: string, options: { body?: unknown } = {}) {
			calls.push({ method, path, body: options.body });
			const body = options.body as Array<Record<string, unknown>>;
			if (method === 'POST' && path === ENDPOINT.mac) return [{ id: ours }];
			if (method === 'PATCH' && path === ENDPOINT.interface) {
				for (const b of body) if (b.primary_mac_address !== undefined) primary = Number((b.primary_mac_address as { $ref?: string }).$ref ? ours : b.primary_mac_address);
				return body;
			}
			return [];
		},
		// The twins are looked for among recent objects with the ownership tag.
		async list(path: string, query: Record<string, unknown>) {
			calls.push({ method: 'LIST', path, body: query });
			if (path === ENDPOINT.mac && query.tag === 'netbox-auto' && typeof query.created__gte === 'string') return [mac(ours), mac(theirs)];
			return [];
		},
		async listWhereIn(path: string) {
			if (path === ENDPOINT.interface) return [{ id: 11, primary_mac_address: { id: primary } }];
			return [];
		},
	};
	return { client: client as unknown as NetBoxClient, calls, primary: () => primary };
}

function plan(): HostPlan {
	return {
		index: 0,
		host: { name: 'fault-1', kind: 'device', interface: 'eth0', mac: '02:00:00:21:00:01' } as HostPlan['host'],
		creates: false,
		foreign: [],
		steps: [
			{ object: 'mac', endpoint: ENDPOINT.mac, method: 'POST', body: { mac_address: '02:00:00:21:00:01', assigned_object_type: 'dcim.interface', assigned_object_id: { $ref: 'interface' }, tags: [{ slug: 'netbox-auto' }] } },
			{ object: 'primaryMac', endpoint: ENDPOINT.interface, method: 'PATCH', id: 11, body: { primary_mac_address: { $ref: 'mac' } } },
		],
		changes: [],
		adopted: [],
		ids: { device: 5, interface: 11 },
		urls: {},
		applied: [],
	};
}

describe('twin MAC objects from two pushes at once', () => {
	// Whoever made which, the older (lower id) is kept and the other deleted.
	it.each([
		['ours is the younger: it is deleted and the interface points at the older one', 101, 100],
		['ours is the older: the other push’s twin is deleted, ours kept', 100, 101],
	])('%s', async (_title, ours, theirs) => {
		const netbox = scriptedNetBox(ours, theirs);
		const p = plan();
		await executePlans(netbox.client, [p]);
		expect(p.error).toBeUndefined();
		expect(p.ids.mac).toBe(100);
		expect(netbox.calls).toContainEqual({ method: 'DELETE', path: ENDPOINT.mac, body: [{ id: 101 }] });
		expect(netbox.primary()).toBe(100);
	});
});
