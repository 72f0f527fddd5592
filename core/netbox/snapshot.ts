// Reads what NetBox holds for a whole batch of hosts in a handful of bulk
// requests: one per object type (more only when URLs must be split), never one
// per host.
import { hostPart, surroundingNetwork } from '../address';
import type { Host } from '../host';
import { adoptedTag } from './plan';
import { PAGE_SIZE, type NetBoxClient } from './client';
import { ENDPOINT, READ_FIELDS, REF_ENDPOINT, type NbCable, type NbInterface, type NbIpAddress, type NbMachine, type NbMacAddress, type NbRef, type NetBoxSnapshot, type RefKind } from './types';

const REF_FIELD: Record<Exclude<RefKind, 'tag' | 'vrf'>, keyof Host> = {
	site: 'site',
	role: 'role',
	deviceType: 'deviceType',
	platform: 'platform',
	tenant: 'tenant',
	cluster: 'cluster',
};

export async function readVersion(client: NetBoxClient): Promise<string> {
	const status = await client.request<{ 'netbox-version'?: string }>('GET', 'api/status/');
	return status['netbox-version'] ?? 'unknown';
}

function atLeast(version: string, major: number, minor: number): boolean {
	const [a, b] = version.split('.').map((n) => parseInt(n, 10));
	return a > major || (a === major && b >= minor);
}

export const supportsChangelogMessage = (version: string) => atLeast(version, 4, 4);

/**
 * Finds reference objects by slug (or cluster name, VRF RD), then by name for
 * what is left. Every match is kept: two device types can share a slug (one per
 * manufacturer), two clusters a name (one per group), and picking one of them
 * silently would put a host in the wrong place.
 */
async function readRefs(client: NetBoxClient, kind: RefKind, values: string[], slugOnly: string[] = []): Promise<Map<string, NbRef[]>> {
	const found = new Map<string, NbRef[]>();
	let missing = [...new Set(values.map((v) => v.toLowerCase()))];
	for (const key of REF_ENDPOINT[kind].keys) {
		if (key !== 'slug') missing = missing.filter((m) => !slugOnly.includes(m));
		if (missing.length === 0) break;
		const wanted = values.filter((v) => missing.includes(v.toLowerCase()));
		// Lookup by slug lower-cases: slugs are lower case; names are matched case-insensitively via __ie.
		const field = key === 'slug' ? 'slug' : `${key}__ie`;
		const objects = await client.listWhereIn<NbRef & Record<string, unknown>>(REF_ENDPOINT[kind].path, field, key === 'slug' ? wanted.map((v) => v.toLowerCase()) : wanted, { brief: 1 });
		for (const object of objects) {
			const value = String(object[key] ?? '').toLowerCase();
			if (missing.includes(value)) found.set(value, [...(found.get(value) ?? []), object]);
		}
		missing = missing.filter((m) => !found.has(m));
	}
	return found;
}

export interface SnapshotOptions {
	ownershipTag: string;
	/** VRF of hosts that name none (name or RD); none means the global table. */
	vrf?: string;
}

/**
 * Addresses wanted by the batch but not found on its hosts (free, on another
 * host, adopted). Asking by address costs one URL slot each (2,000 addresses
 * took 15 requests); asking for everything in their /24s and /64s usually
 * takes one, so that is used whenever it means far fewer filter values.
 */
async function readAddresses(client: NetBoxClient, addresses: string[]): Promise<NbIpAddress[]> {
	const networks = [...new Set(addresses.map(surroundingNetwork))];
	if (networks.length * 4 > addresses.length) return client.listWhereIn<NbIpAddress>(ENDPOINT.ip, 'address', addresses, READ_FIELDS.ip);
	const wanted = new Set(addresses);
	const found = await client.listWhereIn<NbIpAddress>(ENDPOINT.ip, 'parent', networks, READ_FIELDS.ip);
	return found.filter((ip) => wanted.has(hostPart(ip.address)));
}

export async function readSnapshot(client: NetBoxClient, hosts: Host[], options: SnapshotOptions): Promise<NetBoxSnapshot> {
	const refValues = (field: keyof Host) => hosts.map((h) => h[field]).filter((v): v is string => typeof v === 'string');
	const tagValues = [options.ownershipTag, adoptedTag(options.ownershipTag), ...hosts.flatMap((h) => h.tags ?? [])];
	const hostDeviceNames = new Set(hosts.filter((h) => h.kind === 'device').map((h) => h.name.toLowerCase()));
	const deviceNames = [...hosts.filter((h) => h.kind === 'device').map((h) => h.name), ...refValues('switch')];
	const vmNames = hosts.filter((h) => h.kind === 'vm').map((h) => h.name);

	// Independent reads go out together; each is still one request per type.
	const [refs, devices, vms] = await Promise.all([
		Promise.all(
			(Object.keys(REF_FIELD) as Array<keyof typeof REF_FIELD>).map(async (kind) => [kind, await readRefs(client, kind, refValues(REF_FIELD[kind]))] as const),
		).then(async (entries) => ({
			...Object.fromEntries(entries),
			// The adopted mark is only ever made by this package, under its own slug: no second lookup by name.
			tag: await readRefs(client, 'tag', tagValues, [adoptedTag(options.ownershipTag)]),
			vrf: await readRefs(client, 'vrf', [...refValues('vrf'), ...(options.vrf ? [options.vrf] : [])]),
		}) as NetBoxSnapshot['refs']),
		client.listWhereIn<NbMachine>(ENDPOINT.device, 'name', deviceNames, READ_FIELDS.device),
		client.listWhereIn<NbMachine>(ENDPOINT.vm, 'name', vmNames, READ_FIELDS.vm),
	]);
	// Every answer carries NetBox's API version; /api/status/ only when none did.
	const version = client.apiVersion ?? (await readVersion(client));
	const macObjects = atLeast(version, 4, 2);
	const deviceIds = devices.map((d) => d.id);
	const vmIds = vms.map((v) => v.id);
	// A switch's own addresses are not this push's business.
	const hostDeviceIds = devices.filter((d) => hostDeviceNames.has(d.name.toLowerCase())).map((d) => d.id);

	const [interfaces, vmInterfaces, ipsOnHosts] = await Promise.all([
		client.listWhereIn<NbInterface>(ENDPOINT.interface, 'device_id', deviceIds, READ_FIELDS.interface),
		client.listWhereIn<NbInterface>(ENDPOINT.vminterface, 'virtual_machine_id', vmIds, READ_FIELDS.interface),
		Promise.all([
			client.listWhereIn<NbIpAddress>(ENDPOINT.ip, 'device_id', hostDeviceIds, READ_FIELDS.ip),
			client.listWhereIn<NbIpAddress>(ENDPOINT.ip, 'virtual_machine_id', vmIds, READ_FIELDS.ip),
		]).then((lists) => lists.flat()),
	]);

	// Addresses not already found on the hosts may live elsewhere (adopted or moved).
	const known = new Set(ipsOnHosts.map((ip) => hostPart(ip.address)));
	const addresses = [...new Set(hosts.flatMap((h) => [h.ipv4?.ip, h.ipv6?.ip]).filter((a): a is string => !!a && !known.has(a)))];
	const onHostIds = new Set(ipsOnHosts.map((ip) => ip.id));
	const ips = [...ipsOnHosts, ...(await readAddresses(client, addresses)).filter((ip) => !onHostIds.has(ip.id))];

	const macs = macObjects ? await readMacs(client, hosts, devices, vms, interfaces, vmInterfaces) : [];
	const cables = await readCables(client, hosts, devices, interfaces);
	return { version, macObjects, refs, devices, vms, interfaces, vmInterfaces, macs, ips, cables };
}

/**
 * MAC objects the planner needs, only for hosts whose MAC is not already the
 * primary MAC of one of their interfaces (a re-push reads none): those on the
 * hosts' machines, and any object anywhere with the host's MAC, since NetBox
 * does not keep MACs unique and one assigned to another interface is a
 * conflict the planner must see before it writes.
 */
async function readMacs(client: NetBoxClient, hosts: Host[], devices: NbMachine[], vms: NbMachine[], interfaces: NbInterface[], vmInterfaces: NbInterface[]): Promise<NbMacAddress[]> {
	const primaries = new Set<string>();
	const machineName = new Map<string, string>([...devices.map((d) => [`device:${d.id}`, d.name.toLowerCase()] as const), ...vms.map((v) => [`vm:${v.id}`, v.name.toLowerCase()] as const)]);
	for (const i of [...interfaces, ...vmInterfaces]) {
		const owner = i.virtual_machine ? `vm:${i.virtual_machine.id}` : `device:${i.device?.id}`;
		const mac = i.primary_mac_address?.mac_address?.toUpperCase();
		if (mac && machineName.has(owner)) primaries.add(`${owner.split(':')[0]}:${machineName.get(owner)}/${mac}`);
	}
	const needing = hosts.filter((h) => h.mac && !primaries.has(`${h.kind}:${h.name.toLowerCase()}/${h.mac}`));
	if (!needing.length) return [];
	const names = new Set(needing.map((h) => `${h.kind}:${h.name.toLowerCase()}`));
	const ids = (machines: NbMachine[], kind: string) => machines.filter((m) => names.has(`${kind}:${m.name.toLowerCase()}`)).map((m) => m.id);
	const lists = await Promise.all([
		client.listWhereIn<NbMacAddress>(ENDPOINT.mac, 'device_id', ids(devices, 'device'), READ_FIELDS.mac),
		client.listWhereIn<NbMacAddress>(ENDPOINT.mac, 'virtual_machine_id', ids(vms, 'vm'), READ_FIELDS.mac),
		readMacsByValue(client, [...new Set(needing.map((h) => h.mac!))]),
	]);
	const seen = new Set<number>();
	return lists.flat().filter((m) => !seen.has(m.id) && !!seen.add(m.id));
}

/**
 * Every MAC object holding one of `macs`. Asked by value, 1,000 MACs take ~7
 * requests (bare hex, which NetBox parses, is 26 URL bytes a MAC instead of
 * 41); a NetBox that holds fewer MAC objects than that in all is read whole,
 * page by page, after one request that counts them.
 */
async function readMacsByValue(client: NetBoxClient, macs: string[]): Promise<NbMacAddress[]> {
	const byValue = Math.ceil((macs.length * 26) / 3700);
	if (byValue > 1) {
		const { count } = await client.request<{ count: number }>('GET', ENDPOINT.mac, { query: { limit: 1, fields: 'id' } });
		if (Math.ceil(count / PAGE_SIZE) < byValue) {
			const wanted = new Set(macs);
			return (await client.list<NbMacAddress>(ENDPOINT.mac, READ_FIELDS.mac)).filter((m) => wanted.has(m.mac_address.toUpperCase()));
		}
	}
	return client.listWhereIn<NbMacAddress>(ENDPOINT.mac, 'mac_address', macs.map((m) => m.replace(/:/g, '')), READ_FIELDS.mac);
}

/**
 * Tags of the cables a push might change: on a wanted switch port or on a
 * host's interface, where the two are not already linked to each other. Only
 * owned cables are ever re-terminated or mended; a re-push reads none.
 */
async function readCables(client: NetBoxClient, hosts: Host[], devices: NbMachine[], interfaces: NbInterface[]): Promise<NbCable[]> {
	const byDevice = new Map<number, NbInterface[]>();
	for (const i of interfaces) if (i.device) byDevice.set(i.device.id, [...(byDevice.get(i.device.id) ?? []), i]);
	const named = (name: string) => devices.filter((d) => d.name.toLowerCase() === name.toLowerCase());
	const ids = new Set<number>();
	for (const host of hosts) {
		if (!host.switch || !host.switchPort) continue;
		const ports = named(host.switch).flatMap((sw) => (byDevice.get(sw.id) ?? []).filter((p) => p.name === host.switchPort));
		const own = named(host.name).flatMap((d) => byDevice.get(d.id) ?? []);
		const linked = ports.some((p) => own.some((i) => p.link_peers?.some((peer) => peer.id === i.id) && i.link_peers?.some((peer) => peer.id === p.id)));
		if (linked) continue;
		for (const i of [...ports, ...own]) if (i.cable) ids.add(i.cable.id);
	}
	return client.listWhereIn<NbCable>(ENDPOINT.cable, 'id', [...ids], READ_FIELDS.cable);
}
