// The brownfield NetBox: NetBox's demo data served by scripts/services/netbox-demo.sh
// (reloaded pristine on every start), plus hand-made "foreign" objects a push must live
// with (seedForeign), and a field-by-field export of everything the push does not own
// (exportForeign / exportObjects / diffExports) to prove it left them alone.
// A missing demo NetBox is a failed test, never a skipped one.
import type { NetBoxClient } from '../../core/netbox/client';
import { connectTo, endpointOf, type NetBoxEndpoint } from './netbox';

type Obj = Record<string, any>;

/** The brownfield NetBox over HTTPS through nginx (or the one NETBOX_DEMO_URL names). */
export function demoEnv(): NetBoxEndpoint {
	return endpointOf('NETBOX_DEMO', 'netbox-demo.env', 'NETBOX_PROXY_DEMO_URL', 'The brownfield (demo data) NetBox is not configured (scripts/services/netbox-demo.sh)');
}

export async function connectDemoNetBox(): Promise<NetBoxClient> {
	return connectTo(demoEnv(), 'The brownfield NetBox (scripts/services/netbox-demo.sh)', { maxRetries: 1 });
}

// ---------------------------------------------------------------------------------------
// Foreign objects

export interface Ref {
	id: number;
	name: string;
	slug?: string;
}
export interface IpRef {
	id: number;
	/** CIDR as NetBox returns it, e.g. "10.201.0.1/24". */
	address: string;
}
export interface MacRef {
	id: number;
	/** Lower case, as written here ("02:bf:01:00:00:0a"); NetBox shows it upper case. */
	address: string;
}
export interface IfaceRef {
	id: number;
	name: string;
}

export interface ForeignWorld {
	n: number;
	/** An existing demo site (the first by slug on pristine data) and another one. */
	siteA: Ref;
	siteB: Ref;
	roles: { server: Ref; host: Ref; router: Ref; switch: Ref; panel: Ref };
	manufacturer: Ref;
	/** Slug bf-server, manufacturer bf-maker: every bf-* host device has it. */
	deviceType: Ref & { manufacturer: string };
	/** Two device types with one slug (bf-shared), of bf-maker-a and bf-maker-b. */
	sharedSlugTypes: Array<Ref & { manufacturer: string }>;
	clusterType: Ref;
	cluster: Ref;
	/** Two clusters named bf-dup, in cluster groups bf-g1 and bf-g2. */
	dupClusters: Array<Ref & { group: string }>;
	switch: Ref & { site: string; ports: IfaceRef[] };
	patchPanel: Ref & { site: string; frontPorts: IfaceRef[]; rearPorts: IfaceRef[] };
	/** bf-rtr-i: GigabitEthernet0/0 10.201.i.1/24 (primary_ip4), GigabitEthernet0/1 10.202.i.1/24 + MAC 02:bf:01:00:00:XX. */
	routers: Array<Ref & { site: string; gi0: IfaceRef & { ip: IpRef }; gi1: IfaceRef & { ip: IpRef; mac: MacRef } }>;
	/** bf-eno-i (role bf-host): eno1 with MAC 02:bf:02:00:00:XX (primary MAC) and 10.203.i.5/24 (primary_ip4). */
	enos: Array<Ref & { site: string; role: string; iface: IfaceRef & { ip: IpRef; mac: MacRef } }>;
	/** bf-bond-i: bond0 (lag) with 10.204.i.5/24, no MAC, no primary IP. */
	bonds: Array<Ref & { site: string; iface: IfaceRef & { ip: IpRef } }>;
	/** bf-cab-i: eth0 cabled to bf-pp1 front port i (an untagged cable). */
	cabled: Array<Ref & { site: string; iface: IfaceRef; cable: { id: number }; frontPort: IfaceRef }>;
	/** 10.205.i.10/24, status reserved, unassigned, global table. */
	reservations: Array<IpRef & { status: string }>;
	/** bf-twin-i at siteB. */
	twins: Array<Ref & { site: string }>;
	/** bf-plain-i at siteA: eth0 and nothing else. */
	plains: Array<Ref & { site: string; iface: IfaceRef }>;
	/** Demo-data addresses that exist only inside a VRF (none with the same host in the global table). */
	vrfOnly: Array<IpRef & { vrf: Ref }>;
	/** Objects this call created, per endpoint (all zero on a second call). */
	created: Record<string, number>;
	/** Objects this call changed (assignment, primary IP/MAC), per endpoint. */
	updated: Record<string, number>;
}

export const BF = {
	prefix: 'bf-',
	switchPorts: 400,
	port: (i: number) => `ge-0/0/${i}`,
	mac: (kind: 1 | 2, i: number) => `02:bf:0${kind}:00:00:${i.toString(16).padStart(2, '0')}`,
} as const;

const hex = (mac: string) => mac.toLowerCase();

/**
 * Creates (find-or-create, so a second call writes nothing) the foreign objects described by
 * ForeignWorld in the demo NetBox, none tagged netbox-auto, with bulk list POSTs.
 */
export async function seedForeign(client: NetBoxClient, n = 10): Promise<ForeignWorld> {
	if (n < 1 || n > 250) throw new Error(`seedForeign: n must be 1..250 (addresses 10.20x.<i>.y), not ${n}`);
	const created: Record<string, number> = {};
	const updated: Record<string, number> = {};
	// Bulk POSTs, in chunks on two of the demo server's workers at once (NetBox spends ~40 ms of
	// CPU per interface or device; one request uses one core).
	const post = async (endpoint: string, bodies: Obj[], chunk = 40): Promise<Obj[]> => {
		if (!bodies.length) return [];
		const chunks = Array.from({ length: Math.ceil(bodies.length / chunk) }, (_, k) => bodies.slice(k * chunk, (k + 1) * chunk));
		const results: Obj[][] = new Array(chunks.length);
		let next = 0;
		const worker = async () => {
			while (next < chunks.length) {
				const k = next++;
				results[k] = await client.request<Obj[]>('POST', `api/${endpoint}/`, { body: chunks[k] });
			}
		};
		await Promise.all([worker(), worker()]);
		const out = results.flat();
		created[endpoint] = (created[endpoint] ?? 0) + out.length;
		return out;
	};
	const patch = async (endpoint: string, bodies: Obj[]): Promise<void> => {
		if (!bodies.length) return;
		await client.request('PATCH', `api/${endpoint}/`, { body: bodies });
		updated[endpoint] = (updated[endpoint] ?? 0) + bodies.length;
	};
	const ensure = async (endpoint: string, lookup: Record<string, string | number>, body: Obj): Promise<Obj> => {
		const found = await client.list<Obj>(`api/${endpoint}/`, lookup);
		if (found.length > 1) throw new Error(`seedForeign: ${found.length} ${endpoint} match ${JSON.stringify(lookup)}`);
		return found[0] ?? (await post(endpoint, [body]))[0];
	};
	const ref = (o: Obj): Ref => ({ id: o.id, name: o.name, ...(o.slug ? { slug: o.slug } : {}) });

	// Sites: keep those of an earlier seed (a site added later must not move the world).
	const sites = await client.list<Obj>('api/dcim/sites/', { ordering: 'slug' });
	if (sites.length < 2) throw new Error(`seedForeign: the demo NetBox has ${sites.length} sites, expected the demo data's 24`);
	const [oldSwitch] = await client.list<Obj>('api/dcim/devices/', { name: 'bf-sw1' });
	const [oldTwin] = await client.list<Obj>('api/dcim/devices/', { name: 'bf-twin-0' });
	const siteA = sites.find((s) => s.id === oldSwitch?.site?.id) ?? sites[0];
	const siteB = sites.find((s) => s.id === oldTwin?.site?.id) ?? sites.find((s) => s.id !== siteA.id)!;

	// Roles, makers, types, clusters (independent lookups in parallel).
	const role = (slug: string, name: string, vmRole: boolean) => ensure('dcim/device-roles', { slug }, { name, slug, vm_role: vmRole });
	const maker = (slug: string, name: string) => ensure('dcim/manufacturers', { slug }, { name, slug });
	const [server, hostRole, router, switchRole, panel, bfMaker, makerA, makerB, clusterType, group1, group2] = await Promise.all([
		role('bf-server', 'BF Server', true),
		role('bf-host', 'BF Host', false),
		role('bf-router', 'BF Router', false),
		role('bf-switch', 'BF Switch', false),
		role('bf-patch-panel', 'BF Patch Panel', false),
		maker('bf-maker', 'BF Maker'),
		maker('bf-maker-a', 'BF Maker A'),
		maker('bf-maker-b', 'BF Maker B'),
		ensure('virtualization/cluster-types', { slug: 'bf-kvm' }, { name: 'BF KVM', slug: 'bf-kvm' }),
		ensure('virtualization/cluster-groups', { slug: 'bf-g1' }, { name: 'BF-G1', slug: 'bf-g1' }),
		ensure('virtualization/cluster-groups', { slug: 'bf-g2' }, { name: 'BF-G2', slug: 'bf-g2' }),
	]);
	const roles = { server, host: hostRole, router, switch: switchRole, panel };
	const type = (m: Obj, slug: string, model: string) =>
		ensure('dcim/device-types', { slug, manufacturer_id: m.id }, { manufacturer: m.id, slug, model });
	const cluster = (name: string, group?: Obj) =>
		ensure('virtualization/clusters', { name, ...(group ? { group_id: group.id } : {}) }, { name, type: clusterType.id, ...(group ? { group: group.id } : {}) });
	const [serverType, switchType, panelType, sharedA, sharedB, bfCluster, dup1, dup2] = await Promise.all([
		type(bfMaker, 'bf-server', 'BF Server'),
		type(bfMaker, 'bf-switch', 'BF Switch 400'),
		type(bfMaker, 'bf-panel', 'BF Patch Panel'),
		type(makerA, 'bf-shared', 'BF Shared A'),
		type(makerB, 'bf-shared', 'BF Shared B'),
		cluster('bf-cluster'),
		cluster('bf-dup', group1),
		cluster('bf-dup', group2),
	]);
	const dupClusters: ForeignWorld['dupClusters'] = [
		{ ...ref(dup1), group: 'bf-g1' },
		{ ...ref(dup2), group: 'bf-g2' },
	];
	// The switch's 400 ports come from its device type's interface templates: NetBox makes them
	// with the device (~5 s), where a POST of 400 interfaces on one device takes ~18 s.
	const templates = new Set((await client.list<Obj>('api/dcim/interface-templates/', { device_type_id: switchType.id })).map((t) => t.name));
	await post(
		'dcim/interface-templates',
		Array.from({ length: BF.switchPorts }, (_, p) => BF.port(p))
			.filter((name) => !templates.has(name))
			.map((name) => ({ device_type: switchType.id, name, type: '1000base-t' })),
		200,
	);

	// Devices: bulk POSTs of the missing ones.
	const idx = Array.from({ length: n }, (_, i) => i);
	const wantDevices: Array<{ name: string; site: Obj; role: Obj; type: Obj }> = [
		{ name: 'bf-sw1', site: siteA, role: roles.switch, type: switchType },
		{ name: 'bf-pp1', site: siteA, role: roles.panel, type: panelType },
		...idx.flatMap((i) => [
			{ name: `bf-rtr-${i}`, site: siteA, role: roles.router, type: serverType },
			{ name: `bf-eno-${i}`, site: siteA, role: roles.host, type: serverType },
			{ name: `bf-bond-${i}`, site: siteA, role: roles.server, type: serverType },
			{ name: `bf-cab-${i}`, site: siteA, role: roles.server, type: serverType },
			{ name: `bf-twin-${i}`, site: siteB, role: roles.server, type: serverType },
			{ name: `bf-plain-${i}`, site: siteA, role: roles.server, type: serverType },
		]),
	];
	const devKey = (name: string, siteId: number) => `${name.toLowerCase()}@${siteId}`;
	const devices = new Map<string, Obj>();
	for (const d of await client.list<Obj>('api/dcim/devices/', { name__isw: BF.prefix })) devices.set(devKey(d.name, d.site.id), d);
	const missingDevices = wantDevices
		.filter((d) => !devices.has(devKey(d.name, d.site.id)))
		.map((d) => ({ name: d.name, site: d.site.id, role: d.role.id, device_type: d.type.id, status: 'active' }));
	// The switch (400 ports to instantiate) in a request of its own, beside the others.
	const made = await Promise.all([
		post('dcim/devices', missingDevices.filter((d) => d.name === 'bf-sw1')),
		post('dcim/devices', missingDevices.filter((d) => d.name !== 'bf-sw1'), 32),
	]);
	for (const d of made.flat()) devices.set(devKey(d.name, d.site.id), d);
	const dev = (name: string, site: Obj = siteA): Obj => {
		const d = devices.get(devKey(name, site.id));
		if (!d) throw new Error(`seedForeign: device ${name} missing after create`);
		return d;
	};

	// Interfaces.
	const wantIfaces: Array<{ device: Obj; name: string; type: string }> = [
		...Array.from({ length: BF.switchPorts }, (_, p) => ({ device: dev('bf-sw1'), name: BF.port(p), type: '1000base-t' })),
		...idx.flatMap((i) => [
			{ device: dev(`bf-rtr-${i}`), name: 'GigabitEthernet0/0', type: '1000base-t' },
			{ device: dev(`bf-rtr-${i}`), name: 'GigabitEthernet0/1', type: '1000base-t' },
			{ device: dev(`bf-eno-${i}`), name: 'eno1', type: '1000base-t' },
			{ device: dev(`bf-bond-${i}`), name: 'bond0', type: 'lag' },
			{ device: dev(`bf-cab-${i}`), name: 'eth0', type: '1000base-t' },
			{ device: dev(`bf-plain-${i}`), name: 'eth0', type: '1000base-t' },
		]),
	];
	const ifKey = (deviceId: number, name: string) => `${deviceId}/${name}`;
	const ifaces = new Map<string, Obj>();
	const deviceIds = [...new Set(wantIfaces.map((w) => w.device.id))];
	for (const f of await client.listWhereIn<Obj>('api/dcim/interfaces/', 'device_id', deviceIds)) ifaces.set(ifKey(f.device.id, f.name), f);
	const missingIfaces = wantIfaces.filter((w) => !ifaces.has(ifKey(w.device.id, w.name)));
	for (const f of await post('dcim/interfaces', missingIfaces.map((w) => ({ device: w.device.id, name: w.name, type: w.type })))) {
		ifaces.set(ifKey(f.device.id, f.name), f);
	}
	const iface = (device: string, name: string): Obj => {
		const f = ifaces.get(ifKey(dev(device).id, name));
		if (!f) throw new Error(`seedForeign: interface ${device} ${name} missing after create`);
		return f;
	};

	// Patch panel: rear ports first (a front port maps onto one), then front ports.
	const pp = dev('bf-pp1');
	const portsOf = async (endpoint: string) => new Map((await client.list<Obj>(`api/dcim/${endpoint}/`, { device_id: pp.id })).map((p) => [p.name as string, p]));
	const rear = await portsOf('rear-ports');
	for (const p of await post(
		'dcim/rear-ports',
		idx.filter((i) => !rear.has(`rear${i}`)).map((i) => ({ device: pp.id, name: `rear${i}`, type: '8p8c', positions: 1 })),
	)) {
		rear.set(p.name, p);
	}
	const front = await portsOf('front-ports');
	for (const p of await post(
		'dcim/front-ports',
		idx
			.filter((i) => !front.has(`front${i}`))
			.map((i) => ({ device: pp.id, name: `front${i}`, type: '8p8c', rear_ports: [{ position: 1, rear_port: rear.get(`rear${i}`)!.id, rear_port_position: 1 }] })),
	)) {
		front.set(p.name, p);
	}

	// MAC objects, assigned to their interface, then made its primary MAC.
	const wantMacs = idx.flatMap((i) => [
		{ mac: BF.mac(1, i), iface: iface(`bf-rtr-${i}`, 'GigabitEthernet0/1') },
		{ mac: BF.mac(2, i), iface: iface(`bf-eno-${i}`, 'eno1') },
	]);
	const macKey = (mac: string, ifaceId: number) => `${hex(mac)}@${ifaceId}`;
	const macs = new Map<string, Obj>();
	for (const m of await client.list<Obj>('api/dcim/mac-addresses/', { mac_address__isw: '02:bf:0' })) {
		if (m.assigned_object_type === 'dcim.interface') macs.set(macKey(m.mac_address, m.assigned_object_id), m);
	}
	for (const m of await post(
		'dcim/mac-addresses',
		wantMacs
			.filter((w) => !macs.has(macKey(w.mac, w.iface.id)))
			.map((w) => ({ mac_address: w.mac, assigned_object_type: 'dcim.interface', assigned_object_id: w.iface.id })),
	)) {
		macs.set(macKey(m.mac_address, m.assigned_object_id), m);
	}
	const macOf = (mac: string, f: Obj) => macs.get(macKey(mac, f.id))!;
	await patch(
		'dcim/interfaces',
		wantMacs.filter((w) => w.iface.primary_mac_address?.id !== macOf(w.mac, w.iface).id).map((w) => ({ id: w.iface.id, primary_mac_address: macOf(w.mac, w.iface).id })),
	);

	// IP addresses (global table): assigned ones and the reservations.
	const wantIps: Array<{ address: string; iface?: Obj; status: string }> = idx.flatMap((i) => [
		{ address: `10.201.${i}.1/24`, iface: iface(`bf-rtr-${i}`, 'GigabitEthernet0/0'), status: 'active' },
		{ address: `10.202.${i}.1/24`, iface: iface(`bf-rtr-${i}`, 'GigabitEthernet0/1'), status: 'active' },
		{ address: `10.203.${i}.5/24`, iface: iface(`bf-eno-${i}`, 'eno1'), status: 'active' },
		{ address: `10.204.${i}.5/24`, iface: iface(`bf-bond-${i}`, 'bond0'), status: 'active' },
		{ address: `10.205.${i}.10/24`, status: 'reserved' },
	]);
	const ips = new Map<string, Obj>();
	for (const a of await client.list<Obj>('api/ipam/ip-addresses/', { parent: '10.200.0.0/13' })) {
		if (!a.vrf) ips.set(a.address, a);
	}
	for (const a of await post(
		'ipam/ip-addresses',
		wantIps
			.filter((w) => !ips.has(w.address))
			.map((w) => ({
				address: w.address,
				status: w.status,
				...(w.iface ? { assigned_object_type: 'dcim.interface', assigned_object_id: w.iface.id } : {}),
			})),
	)) {
		ips.set(a.address, a);
	}
	await patch(
		'ipam/ip-addresses',
		wantIps
			.filter((w) => (ips.get(w.address)!.assigned_object_id ?? null) !== (w.iface?.id ?? null) || ips.get(w.address)!.status?.value !== w.status)
			.map((w) => ({
				id: ips.get(w.address)!.id,
				status: w.status,
				assigned_object_type: w.iface ? 'dcim.interface' : null,
				assigned_object_id: w.iface?.id ?? null,
			})),
	);
	const ip = (address: string): IpRef => ({ id: ips.get(address)!.id, address });

	// Primary IPv4 of the routers and the eno hosts.
	const wantPrimary = idx.flatMap((i) => [
		{ device: dev(`bf-rtr-${i}`), ip: ip(`10.201.${i}.1/24`) },
		{ device: dev(`bf-eno-${i}`), ip: ip(`10.203.${i}.5/24`) },
	]);
	await patch(
		'dcim/devices',
		wantPrimary.filter((w) => w.device.primary_ip4?.id !== w.ip.id).map((w) => ({ id: w.device.id, primary_ip4: w.ip.id })),
	);

	// Cables bf-cab-i eth0 <-> bf-pp1 front i (untagged).
	const wantCables = idx.map((i) => ({ iface: iface(`bf-cab-${i}`, 'eth0'), front: front.get(`front${i}`)! }));
	const newCables = await post(
		'dcim/cables',
		wantCables
			.filter((w) => !w.iface.cable)
			.map((w) => ({
				a_terminations: [{ object_type: 'dcim.interface', object_id: w.iface.id }],
				b_terminations: [{ object_type: 'dcim.frontport', object_id: w.front.id }],
				status: 'connected',
			})),
	);
	const cableOf = new Map<number, number>(); // interface id -> cable id
	for (const w of wantCables) if (w.iface.cable) cableOf.set(w.iface.id, w.iface.cable.id);
	for (const c of newCables) cableOf.set(c.a_terminations[0].object_id, c.id);

	// Addresses of the demo data that exist only inside a VRF.
	const allIps = await client.list<Obj>('api/ipam/ip-addresses/', {});
	const host = (a: string) => a.split('/')[0];
	const globalHosts = new Set(allIps.filter((a) => !a.vrf).map((a) => host(a.address)));
	const seen = new Set<string>();
	const vrfOnly = allIps
		.filter((a) => a.vrf && !globalHosts.has(host(a.address)))
		.sort((x, y) => x.vrf.name.localeCompare(y.vrf.name) || x.id - y.id)
		.filter((a) => !seen.has(host(a.address)) && seen.add(host(a.address)))
		.slice(0, n)
		.map((a) => ({ id: a.id, address: a.address, vrf: { id: a.vrf.id, name: a.vrf.name } }));

	const ifRef = (f: Obj): IfaceRef => ({ id: f.id, name: f.name });
	const macRef = (mac: string, f: Obj): MacRef => ({ id: macOf(mac, f).id, address: hex(mac) });
	const at = (name: string, site: Obj = siteA) => ({ ...ref(dev(name, site)), site: site.slug as string });
	return {
		n,
		siteA: ref(siteA),
		siteB: ref(siteB),
		roles: { server: ref(roles.server), host: ref(roles.host), router: ref(roles.router), switch: ref(roles.switch), panel: ref(roles.panel) },
		manufacturer: ref(bfMaker),
		deviceType: { id: serverType.id, name: serverType.model, slug: serverType.slug, manufacturer: 'bf-maker' },
		sharedSlugTypes: [
			{ id: sharedA.id, name: sharedA.model, slug: sharedA.slug, manufacturer: 'bf-maker-a' },
			{ id: sharedB.id, name: sharedB.model, slug: sharedB.slug, manufacturer: 'bf-maker-b' },
		],
		clusterType: ref(clusterType),
		cluster: ref(bfCluster),
		dupClusters,
		switch: { ...at('bf-sw1'), ports: Array.from({ length: BF.switchPorts }, (_, p) => ifRef(iface('bf-sw1', BF.port(p)))) },
		patchPanel: {
			...at('bf-pp1'),
			frontPorts: idx.map((i) => ifRef(front.get(`front${i}`)!)),
			rearPorts: idx.map((i) => ifRef(rear.get(`rear${i}`)!)),
		},
		routers: idx.map((i) => {
			const gi0 = iface(`bf-rtr-${i}`, 'GigabitEthernet0/0');
			const gi1 = iface(`bf-rtr-${i}`, 'GigabitEthernet0/1');
			return {
				...at(`bf-rtr-${i}`),
				gi0: { ...ifRef(gi0), ip: ip(`10.201.${i}.1/24`) },
				gi1: { ...ifRef(gi1), ip: ip(`10.202.${i}.1/24`), mac: macRef(BF.mac(1, i), gi1) },
			};
		}),
		enos: idx.map((i) => {
			const f = iface(`bf-eno-${i}`, 'eno1');
			return { ...at(`bf-eno-${i}`), role: 'bf-host', iface: { ...ifRef(f), ip: ip(`10.203.${i}.5/24`), mac: macRef(BF.mac(2, i), f) } };
		}),
		bonds: idx.map((i) => ({ ...at(`bf-bond-${i}`), iface: { ...ifRef(iface(`bf-bond-${i}`, 'bond0')), ip: ip(`10.204.${i}.5/24`) } })),
		cabled: idx.map((i) => {
			const f = iface(`bf-cab-${i}`, 'eth0');
			return { ...at(`bf-cab-${i}`), iface: ifRef(f), cable: { id: cableOf.get(f.id)! }, frontPort: ifRef(front.get(`front${i}`)!) };
		}),
		reservations: idx.map((i) => ({ ...ip(`10.205.${i}.10/24`), status: 'reserved' })),
		twins: idx.map((i) => at(`bf-twin-${i}`, siteB)),
		plains: idx.map((i) => ({ ...at(`bf-plain-${i}`), iface: ifRef(iface(`bf-plain-${i}`, 'eth0')) })),
		vrfOnly,
		created,
		updated,
	};
}

// ---------------------------------------------------------------------------------------
// Export and diff of what a push does not own

/** The endpoints a host push writes to. */
export const EXPORT_ENDPOINTS = [
	'dcim/devices',
	'virtualization/virtual-machines',
	'dcim/interfaces',
	'virtualization/interfaces',
	'dcim/mac-addresses',
	'ipam/ip-addresses',
	'dcim/cables',
] as const;

/** Full objects (brief off) keyed `endpoint#id`, e.g. `dcim/devices#12`. */
export type Export = Record<string, Obj>;

const hasTag = (o: Obj, slug: string) => Array.isArray(o.tags) && o.tags.some((t: Obj) => t?.slug === slug || t?.name === slug);

/**
 * Every object of EXPORT_ENDPOINTS that does not carry the ownership tag, field by field,
 * `last_updated` included. Nothing is dropped: computed fields (`_occupied`, `cable`,
 * `link_peers`, `connected_endpoints`, counters such as a device's `interface_count`) stay in,
 * so a diff shows them; several of them change when a related object is written, without the
 * object's own `last_updated` moving (see diffExports).
 */
export async function exportForeign(client: NetBoxClient, ownershipTag = 'netbox-auto'): Promise<Export> {
	const out: Export = {};
	const lists = await Promise.all(EXPORT_ENDPOINTS.map((endpoint) => client.list<Obj>(`api/${endpoint}/`, {})));
	EXPORT_ENDPOINTS.forEach((endpoint, k) => {
		for (const o of lists[k]) if (!hasTag(o, ownershipTag)) out[`${endpoint}#${o.id}`] = o;
	});
	return out;
}

/**
 * Re-reads exactly the objects `keys` names (e.g. the keys of an earlier exportForeign), tagged
 * or not: an object that gained the ownership tag during a push is in here with its new tags.
 * An object that no longer exists is absent (diffExports reports it as deleted).
 */
export async function exportObjects(client: NetBoxClient, keys: Iterable<string>): Promise<Export> {
	const byEndpoint = new Map<string, number[]>();
	for (const key of keys) {
		const [endpoint, id] = key.split('#');
		if (!endpoint || !/^\d+$/.test(id ?? '')) throw new Error(`exportObjects: bad key ${key} (expected endpoint#id)`);
		byEndpoint.set(endpoint, [...(byEndpoint.get(endpoint) ?? []), Number(id)]);
	}
	const out: Export = {};
	await Promise.all(
		[...byEndpoint].map(async ([endpoint, ids]) => {
			for (const o of await client.listWhereIn<Obj>(`api/${endpoint}/`, 'id', ids)) out[`${endpoint}#${o.id}`] = o;
		}),
	);
	return out;
}

export interface FieldChange {
	key: string;
	/** A top-level field, or '<deleted>' (in before only) / '<added>' (in after only). */
	field: string;
	from?: unknown;
	to?: unknown;
}

/** JSON with object keys sorted, so equal values compare equal whatever their key order. */
function canonical(value: unknown): string {
	return JSON.stringify(value, (_key, v) =>
		v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v,
	);
}

/**
 * Every field that differs between two exports, `{key, field, from, to}`, sorted by key and
 * field; keys missing from `after` as `{key, field: '<deleted>'}`; keys only in `after` (a new
 * foreign object, e.g. an untagged MAC made by NetBox) as `{key, field: '<added>', to}`.
 */
export function diffExports(before: Export, after: Export): FieldChange[] {
	const changes: FieldChange[] = [];
	for (const key of Object.keys(before).sort()) {
		const a = before[key];
		const b = after[key];
		if (!b) {
			changes.push({ key, field: '<deleted>', from: a });
			continue;
		}
		for (const field of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
			if (canonical(a[field]) !== canonical(b[field])) changes.push({ key, field, from: a[field], to: b[field] });
		}
	}
	for (const key of Object.keys(after).sort()) if (!(key in before)) changes.push({ key, field: '<added>', to: after[key] });
	return changes;
}

export interface ObjectChange {
	time: string;
	changed_object_type: string;
	changed_object_id: number;
	action: string;
	object_repr: string;
	request_id: string;
}

/**
 * The id of NetBox's newest change-log row. What a step writes after it is read back
 * with changesSince: ids, not clock times, so a write that ended just before the step
 * (or a NetBox whose clock differs) can never fall into its window.
 */
export async function changeLogMark(client: NetBoxClient): Promise<number> {
	const page = await client.request<{ results: Obj[] }>('GET', 'api/core/object-changes/', { query: { ordering: '-id', limit: 1 } });
	return page.results[0]?.id ?? 0;
}

/** NetBox's change log after a mark (changeLogMark), all pages, oldest first. */
export async function changesSince(client: NetBoxClient, mark: number): Promise<ObjectChange[]> {
	const rows = await client.list<Obj>('api/core/object-changes/', { id__gt: mark, ordering: 'id' });
	return rows.map((c) => ({
		time: c.time,
		changed_object_type: c.changed_object_type,
		changed_object_id: c.changed_object_id,
		action: typeof c.action === 'object' && c.action ? c.action.value : c.action,
		object_repr: c.object_repr,
		request_id: c.request_id,
	}));
}
