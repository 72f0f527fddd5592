// NetBox side of the fault suite: its own fixtures (all named fault-*), its
// hosts (fault-<n>: IPs in 10.210.0.0/16 and 2001:db8:210::/48, MACs
// 02:00:00:21:xx:xx, even ones devices cabled to fault-sw1, odd ones VMs), a
// cleanup that deletes only those, and an audit that finds, by query, missing
// pieces and duplicate devices, VMs, interfaces, MACs, IPs and cables.
import type { IDataObject } from 'n8n-workflow';
import type { NetBoxClient } from '../../../core/netbox/client';

type Obj = Record<string, any>;

export const PREFIX = 'fault-';
export const SWITCH = 'fault-sw1';
export const SWITCH_PORTS = 320;
export const SITE = 'fault-lab';
export const CLUSTER = 'fault-cluster';
export const port = (i: number) => `ge-0/0/${i}`;

async function ensure(client: NetBoxClient, path: string, lookup: Record<string, string>, body: Obj): Promise<Obj> {
	const [found] = await client.list<Obj>(path, lookup);
	return found ?? client.request<Obj>('POST', path, { body });
}

/** Site, roles, device type, cluster and the switch with its ports, each created once. */
export async function ensureFaultFixtures(client: NetBoxClient): Promise<void> {
	const site = await ensure(client, 'api/dcim/sites/', { slug: SITE }, { name: 'Fault Lab', slug: SITE });
	await ensure(client, 'api/dcim/device-roles/', { slug: 'fault-server' }, { name: 'Fault Server', slug: 'fault-server', vm_role: true });
	await ensure(client, 'api/dcim/device-roles/', { slug: 'fault-switch' }, { name: 'Fault Switch', slug: 'fault-switch' });
	const maker = await ensure(client, 'api/dcim/manufacturers/', { slug: 'fault-generic' }, { name: 'Fault Generic', slug: 'fault-generic' });
	await ensure(client, 'api/dcim/device-types/', { slug: 'fault-box' }, { manufacturer: maker.id, model: 'Fault Box', slug: 'fault-box' });
	const type = await ensure(client, 'api/virtualization/cluster-types/', { slug: 'fault-kvm' }, { name: 'Fault KVM', slug: 'fault-kvm' });
	await ensure(client, 'api/virtualization/clusters/', { name: CLUSTER }, { name: CLUSTER, type: type.id });
	const sw = await ensure(client, 'api/dcim/devices/', { name: SWITCH, site_id: String(site.id) }, {
		name: SWITCH, site: site.id, role: { slug: 'fault-switch' }, device_type: { slug: 'fault-box' },
	});
	const have = new Set((await client.list<Obj>('api/dcim/interfaces/', { device_id: sw.id })).map((p) => p.name));
	const missing = Array.from({ length: SWITCH_PORTS }, (_, i) => port(i)).filter((name) => !have.has(name));
	if (missing.length) await client.request('POST', 'api/dcim/interfaces/', { body: missing.map((name) => ({ device: sw.id, name, type: '1000base-t' })) });
}

const IP_PARENTS = ['10.210.0.0/16', '2001:db8:210::/48'];

async function del(client: NetBoxClient, path: string, objects: Obj[]): Promise<void> {
	for (let i = 0; i < objects.length; i += 500) {
		await client.request('DELETE', path, { body: objects.slice(i, i + 500).map((o) => ({ id: o.id })) });
	}
}

/**
 * Deletes the devices and VMs named (their interfaces, MACs and IPs go with
 * them), then what is left over in this suite's ranges: unassigned IPs and
 * MACs, and cables of fault-sw1 that lost their far end. Never anything else.
 */
export async function deleteFaultHosts(client: NetBoxClient, names: string[]): Promise<void> {
	const wanted = new Set(names.filter((n) => n.startsWith(PREFIX) && n !== SWITCH).map((n) => n.toLowerCase()));
	const devices = (await client.list<Obj>('api/dcim/devices/', { name__isw: PREFIX })).filter((d) => wanted.has(d.name.toLowerCase()));
	const vms = (await client.list<Obj>('api/virtualization/virtual-machines/', { name__isw: PREFIX })).filter((v) => wanted.has(v.name.toLowerCase()));
	await del(client, 'api/dcim/devices/', devices);
	await del(client, 'api/virtualization/virtual-machines/', vms);
	for (const parent of IP_PARENTS) {
		await del(client, 'api/ipam/ip-addresses/', (await client.list<Obj>('api/ipam/ip-addresses/', { parent })).filter((ip) => !ip.assigned_object_id));
	}
	await del(client, 'api/dcim/mac-addresses/', (await client.list<Obj>('api/dcim/mac-addresses/', { mac_address__isw: '02:00:00:21' })).filter((m) => !m.assigned_object_id));
	const cables = await client.list<Obj>('api/dcim/cables/', { device: SWITCH });
	await del(client, 'api/dcim/cables/', cables.filter((c) => !c.a_terminations?.length || !c.b_terminations?.length));
}

/** Deletes whatever a failed bad-input run let into NetBox (names fault-bad…, 10.211.0.0/16, MACs 02:00:00:22…). */
export async function deleteBadLeftovers(client: NetBoxClient): Promise<number> {
	const devices = await client.list<Obj>('api/dcim/devices/', { name__isw: 'fault-bad' });
	const vms = await client.list<Obj>('api/virtualization/virtual-machines/', { name__isw: 'fault-bad' });
	await del(client, 'api/dcim/devices/', devices);
	await del(client, 'api/virtualization/virtual-machines/', vms);
	let count = devices.length + vms.length;
	for (const parent of ['10.211.0.0/16', '2001:db8:211::/48']) {
		const ips = await client.list<Obj>('api/ipam/ip-addresses/', { parent });
		await del(client, 'api/ipam/ip-addresses/', ips);
		count += ips.length;
	}
	const macs = await client.list<Obj>('api/dcim/mac-addresses/', { mac_address__isw: '02:00:00:22' });
	await del(client, 'api/dcim/mac-addresses/', macs);
	return count + macs.length;
}

export interface FaultHost extends IDataObject {
	name: string;
	description?: string;
	kind: 'device' | 'vm';
	ipv4: string;
	ipv6: string;
	mac: string;
}

/**
 * The switch port of host i. Host ranges: 0-199 the 200-host set, 300-399
 * concurrency, 400-499 the timeout scenario, 900-999 bad-input companions.
 */
export function portIndex(i: number): number {
	if (i < 200) return i;
	if (i >= 300 && i < 350) return 200 + (i - 300);
	if (i >= 400 && i < 430) return 250 + (i - 400);
	if (i >= 900 && i < 940) return 280 + (i - 900);
	throw new Error(`host ${i} has no switch port`);
}

/** Host fault-<i>: devices (even i) are cabled to port portIndex(i) of fault-sw1. */
export function faultHost(i: number): FaultHost {
	const hex = (n: number) => n.toString(16).padStart(2, '0');
	const common = {
		name: `${PREFIX}${i}`,
		role: 'fault-server',
		ipv4: `10.210.${1 + (i >> 8)}.${i & 255}/16`,
		ipv6: `2001:db8:210::${(i + 1).toString(16)}/64`,
		mac: `02:00:00:21:${hex(i >> 8)}:${hex(i & 255)}`,
		approved: true,
	};
	return i % 2 === 0
		? { ...common, kind: 'device', site: SITE, deviceType: 'fault-box', switch: SWITCH, switchPort: port(portIndex(i)) }
		: { ...common, kind: 'vm', cluster: CLUSTER };
}

export const faultHosts = (from: number, count: number) => Array.from({ length: count }, (_, k) => faultHost(from + k));

export interface Audit {
	/** "fault-12: no primary IPv4" … for hosts that are not complete. */
	missing: string[];
	/** "MAC 02:00:00:21:00:0C ×2" … */
	duplicates: string[];
	/** Objects counted, by type. */
	counted: Record<string, number>;
}

function dupes(label: string, keys: string[]): string[] {
	const counts = new Map<string, number>();
	for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
	return [...counts].filter(([, n]) => n > 1).map(([key, n]) => `${label} ${key} ×${n}`);
}

/**
 * Reads, by query, every fault-* object in NetBox; reports duplicates among
 * all of them and, for `expected` hosts, every piece that is missing or wrong.
 */
export async function auditNetBox(client: NetBoxClient, expected: FaultHost[]): Promise<Audit> {
	const devices = (await client.list<Obj>('api/dcim/devices/', { name__isw: PREFIX, exclude: 'config_context' })).filter((d) => d.name !== SWITCH);
	const vms = await client.list<Obj>('api/virtualization/virtual-machines/', { name__isw: PREFIX, exclude: 'config_context' });
	const [sw] = await client.list<Obj>('api/dcim/devices/', { name: SWITCH });
	const ifaces = await client.listWhereIn<Obj>('api/dcim/interfaces/', 'device_id', devices.map((d) => d.id));
	const vmIfaces = await client.listWhereIn<Obj>('api/virtualization/interfaces/', 'virtual_machine_id', vms.map((v) => v.id));
	const macs = await client.list<Obj>('api/dcim/mac-addresses/', { mac_address__isw: '02:00:00:21' });
	const ips = (await Promise.all(IP_PARENTS.map((parent) => client.list<Obj>('api/ipam/ip-addresses/', { parent })))).flat();
	const cables = await client.list<Obj>('api/dcim/cables/', { device_id: sw.id });
	const swPorts = await client.list<Obj>('api/dcim/interfaces/', { device_id: sw.id });

	const duplicates = [
		...dupes('device', devices.map((d) => `${d.name.toLowerCase()}@${d.site?.id}`)),
		...dupes('VM', vms.map((v) => `${v.name.toLowerCase()}@${v.cluster?.id}`)),
		...dupes('interface', ifaces.map((i) => `${i.device.id}/${i.name}`)),
		...dupes('VM interface', vmIfaces.map((i) => `${i.virtual_machine.id}/${i.name}`)),
		...dupes('MAC', macs.map((m) => String(m.mac_address).toUpperCase())),
		...dupes('IP', ips.map((ip) => String(ip.address).split('/')[0])),
		// A cable per switch port, and per host interface.
		...dupes('cable on switch port', cables.flatMap((c) => [...c.a_terminations, ...c.b_terminations].filter((t: Obj) => t.object?.device?.id === sw.id).map((t: Obj) => String(t.object_id)))),
		...dupes('cable on host interface', cables.flatMap((c) => [...c.a_terminations, ...c.b_terminations].filter((t: Obj) => t.object?.device?.id !== sw.id).map((t: Obj) => String(t.object_id)))),
	];

	const missing: string[] = [];
	const byName = (list: Obj[]) => new Map(list.map((o) => [o.name.toLowerCase(), o]));
	const deviceByName = byName(devices);
	const vmByName = byName(vms);
	const portByName = new Map(swPorts.map((p) => [p.name, p]));
	for (const host of expected) {
		const isVm = host.kind === 'vm';
		const machine = (isVm ? vmByName : deviceByName).get(host.name.toLowerCase());
		const say = (what: string) => missing.push(`${host.name}: ${what}`);
		if (!machine) {
			say(`no ${host.kind}`);
			continue;
		}
		if (host.description !== undefined && machine.description !== host.description) say(`description is ${JSON.stringify(machine.description)}`);
		const mine = (isVm ? vmIfaces : ifaces).filter((i) => (isVm ? i.virtual_machine.id : i.device.id) === machine.id);
		const iface = mine.find((i) => i.name === 'eth0');
		if (!iface) {
			say('no interface eth0');
			continue;
		}
		if (iface.primary_mac_address?.mac_address?.toUpperCase() !== host.mac.toUpperCase()) say(`primary MAC is ${iface.primary_mac_address?.mac_address ?? 'none'}`);
		const onIface = ips.filter((ip) => ip.assigned_object_id === iface.id && ip.assigned_object_type === (isVm ? 'virtualization.vminterface' : 'dcim.interface'));
		for (const [family, wanted] of [['ip4', host.ipv4], ['ip6', host.ipv6]] as const) {
			const ip = onIface.find((a) => a.address === wanted);
			if (!ip) say(`${wanted} not on eth0`);
			const primary = machine[family === 'ip4' ? 'primary_ip4' : 'primary_ip6'];
			if (!primary || primary.address !== wanted) say(`primary ${family} is ${primary?.address ?? 'none'}`);
		}
		if (!isVm) {
			const peer = portByName.get(String(host.switchPort));
			if (!iface.cable || !(iface.link_peers ?? []).some((p: Obj) => p.id === peer?.id)) say(`no cable to ${SWITCH}:${host.switchPort}`);
		}
	}
	return {
		missing,
		duplicates,
		counted: { devices: devices.length, vms: vms.length, interfaces: ifaces.length + vmIfaces.length, macs: macs.length, ips: ips.length, cables: cables.length },
	};
}

/**
 * Takes away the IPv6 address, the MAC object and the cable of each host (all
 * made by this suite), so that the next push has to create them again.
 */
export async function stripHosts(client: NetBoxClient, hosts: FaultHost[]): Promise<number> {
	const names = hosts.map((h) => h.name);
	const devices = await client.listWhereIn<Obj>('api/dcim/devices/', 'name', names.filter((_, i) => hosts[i].kind === 'device'), { brief: 1 });
	const vms = await client.listWhereIn<Obj>('api/virtualization/virtual-machines/', 'name', names.filter((_, i) => hosts[i].kind === 'vm'), { brief: 1 });
	const ifaces = await client.listWhereIn<Obj>('api/dcim/interfaces/', 'device_id', devices.map((d) => d.id));
	const ips = [
		...(await client.listWhereIn<Obj>('api/ipam/ip-addresses/', 'device_id', devices.map((d) => d.id))),
		...(await client.listWhereIn<Obj>('api/ipam/ip-addresses/', 'virtual_machine_id', vms.map((v) => v.id))),
	].filter((ip) => String(ip.address).includes(':'));
	const macs = [
		...(await client.listWhereIn<Obj>('api/dcim/mac-addresses/', 'device_id', devices.map((d) => d.id))),
		...(await client.listWhereIn<Obj>('api/dcim/mac-addresses/', 'virtual_machine_id', vms.map((v) => v.id))),
	];
	const cables = ifaces.filter((i) => i.cable).map((i) => ({ id: i.cable.id }));
	await del(client, 'api/dcim/cables/', cables);
	await del(client, 'api/ipam/ip-addresses/', ips);
	await del(client, 'api/dcim/mac-addresses/', macs);
	return cables.length + ips.length + macs.length;
}
