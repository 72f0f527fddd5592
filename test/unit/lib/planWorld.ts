// A small NetBox, as snapshots, for the planner's unit tests: `snapshot()` is
// an empty lab with a switch, `pushedState()` the lab after web01 was pushed.
import { parseHost, type Host } from '../../../core/host';
import type { NbRef, NetBoxSnapshot } from '../../../core/netbox/types';

export const ref = (id: number, slug: string): NbRef => ({ id, slug, name: slug });
export const owner = { id: 90, slug: 'netbox-auto', name: 'netbox-auto' };
export const options = { ownershipTag: 'netbox-auto', interfaceType: 'other', dnsDomain: 'lab.example' };

export function snapshot(extra: Partial<NetBoxSnapshot> = {}): NetBoxSnapshot {
	const map = (...refs: NbRef[]) => new Map(refs.map((r) => [(r.slug ?? r.name)!, [r]]));
	return {
		version: '4.7.3',
		macObjects: true,
		refs: { site: map(ref(1, 'lab')), role: map(ref(2, 'server')), deviceType: map(ref(3, 'generic')), platform: map(), tenant: map(), cluster: map({ id: 4, name: 'c1' } as NbRef & { slug: string }), tag: map(owner), vrf: map() },
		devices: [{ id: 50, name: 'sw1', site: ref(1, 'lab') }],
		vms: [],
		interfaces: [{ id: 500, name: 'ge-0/0/1', device: { id: 50 } }],
		vmInterfaces: [],
		macs: [],
		ips: [],
		cables: [],
		...extra,
	};
}

export const host = (raw: object): Host => {
	const r = parseHost({ name: 'web01', site: 'lab', role: 'server', deviceType: 'generic', ipv4: '10.0.0.5/24', ipv6: '2001:db8::5/64', mac: 'aa:bb:cc:dd:ee:01', switch: 'sw1', switchPort: 'ge-0/0/1', approved: true, ...raw });
	if (!r.ok) throw new Error(r.message);
	return r.host;
};

/** The NetBox state after `web01` was pushed as `host({})`. */
export function pushedState(): NetBoxSnapshot {
	return snapshot({
		devices: [
			{ id: 50, name: 'sw1', site: ref(1, 'lab') },
			{ id: 10, name: 'web01', site: ref(1, 'lab'), role: ref(2, 'server'), device_type: ref(3, 'generic'), status: { value: 'active' }, tags: [owner], primary_ip4: { id: 30 }, primary_ip6: { id: 31 } },
		],
		interfaces: [
			{ id: 500, name: 'ge-0/0/1', device: { id: 50 }, cable: { id: 70 }, link_peers: [{ id: 20 }] },
			{ id: 20, name: 'eth0', device: { id: 10 }, tags: [owner], primary_mac_address: { id: 40, mac_address: 'AA:BB:CC:DD:EE:01' }, cable: { id: 70 }, link_peers: [{ id: 500 }] },
		],
		macs: [{ id: 40, mac_address: 'AA:BB:CC:DD:EE:01', assigned_object_type: 'dcim.interface', assigned_object_id: 20, tags: [owner] }],
		ips: [
			{ id: 30, address: '10.0.0.5/24', dns_name: 'web01.lab.example', assigned_object_type: 'dcim.interface', assigned_object_id: 20, tags: [owner] },
			{ id: 31, address: '2001:db8::5/64', dns_name: 'web01.lab.example', assigned_object_type: 'dcim.interface', assigned_object_id: 20, tags: [owner] },
		],
		cables: [{ id: 70, tags: [owner] }],
	});
}

