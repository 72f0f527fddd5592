// Reads what NetBox holds for a whole batch of hosts in a handful of bulk
// requests: one per object type (more only when URLs must be split), never one
// per host.
import { hostPart } from '../address';
import type { Host } from '../host';
import type { NetBoxClient } from './client';
import { ENDPOINT, REF_ENDPOINT, type NbInterface, type NbIpAddress, type NbMachine, type NbMacAddress, type NbRef, type NetBoxSnapshot, type RefKind } from './types';

const REF_FIELD: Record<Exclude<RefKind, 'tag'>, keyof Host> = {
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

/** Finds reference objects by slug (or cluster name), then by name for what is left. */
async function readRefs(client: NetBoxClient, kind: RefKind, values: string[]): Promise<Map<string, NbRef>> {
	const found = new Map<string, NbRef>();
	let missing = [...new Set(values.map((v) => v.toLowerCase()))];
	for (const key of REF_ENDPOINT[kind].keys) {
		if (missing.length === 0) break;
		const wanted = values.filter((v) => missing.includes(v.toLowerCase()));
		// Lookup by slug lower-cases: slugs are lower case; names are matched case-insensitively via __ie.
		const field = key === 'slug' ? 'slug' : `${key}__ie`;
		const objects = await client.listWhereIn<NbRef & Record<string, unknown>>(REF_ENDPOINT[kind].path, field, key === 'slug' ? wanted.map((v) => v.toLowerCase()) : wanted, { brief: 1 });
		for (const object of objects) {
			const value = String(object[key] ?? '').toLowerCase();
			if (missing.includes(value)) found.set(value, object);
		}
		missing = missing.filter((m) => !found.has(m));
	}
	return found;
}

export interface SnapshotOptions {
	ownershipTag: string;
}

export async function readSnapshot(client: NetBoxClient, hosts: Host[], options: SnapshotOptions): Promise<NetBoxSnapshot> {
	const refValues = (field: keyof Host) => hosts.map((h) => h[field]).filter((v): v is string => typeof v === 'string');
	const tagValues = [options.ownershipTag, ...hosts.flatMap((h) => h.tags ?? [])];
	const deviceNames = [...hosts.filter((h) => h.kind === 'device').map((h) => h.name), ...refValues('switch')];
	const vmNames = hosts.filter((h) => h.kind === 'vm').map((h) => h.name);
	const noConfigContext = { exclude: 'config_context' };

	// Independent reads go out together; each is still one request per type.
	const [version, refs, devices, vms] = await Promise.all([
		readVersion(client),
		Promise.all(
			(Object.keys(REF_FIELD) as Array<keyof typeof REF_FIELD>).map(async (kind) => [kind, await readRefs(client, kind, refValues(REF_FIELD[kind]))] as const),
		).then(async (entries) => ({ ...Object.fromEntries(entries), tag: await readRefs(client, 'tag', tagValues) }) as NetBoxSnapshot['refs']),
		client.listWhereIn<NbMachine>(ENDPOINT.device, 'name', deviceNames, noConfigContext),
		client.listWhereIn<NbMachine>(ENDPOINT.vm, 'name', vmNames, noConfigContext),
	]);
	const macObjects = atLeast(version, 4, 2);
	const deviceIds = devices.map((d) => d.id);
	const vmIds = vms.map((v) => v.id);

	const [interfaces, vmInterfaces, ipsOnHosts] = await Promise.all([
		client.listWhereIn<NbInterface>(ENDPOINT.interface, 'device_id', deviceIds),
		client.listWhereIn<NbInterface>(ENDPOINT.vminterface, 'virtual_machine_id', vmIds),
		Promise.all([
			client.listWhereIn<NbIpAddress>(ENDPOINT.ip, 'device_id', deviceIds),
			client.listWhereIn<NbIpAddress>(ENDPOINT.ip, 'virtual_machine_id', vmIds),
		]).then((lists) => lists.flat()),
	]);

	// Addresses not already found on the hosts may live elsewhere (adopted or moved).
	const known = new Set(ipsOnHosts.map((ip) => hostPart(ip.address)));
	const addresses = hosts.flatMap((h) => [h.ipv4?.ip, h.ipv6?.ip]).filter((a): a is string => !!a && !known.has(a));
	const elsewhere = await client.listWhereIn<NbIpAddress>(ENDPOINT.ip, 'address', addresses);
	const ips = [...ipsOnHosts, ...elsewhere.filter((ip) => !ipsOnHosts.some((o) => o.id === ip.id))];

	// MAC objects are only needed where an interface's primary MAC is not already the wanted one.
	let macs: NbMacAddress[] = [];
	if (macObjects) {
		const wantedMac = new Map(hosts.filter((h) => h.mac).map((h) => [`${h.kind}:${h.name.toLowerCase()}/${h.interface}`, h.mac!]));
		const needs = (machines: NbMachine[], ifaces: NbInterface[], kind: 'device' | 'vm') =>
			machines
				.filter((m) =>
					ifaces.some((i) => {
						const owner = kind === 'vm' ? i.virtual_machine?.id : i.device?.id;
						const wanted = wantedMac.get(`${kind}:${m.name.toLowerCase()}/${i.name}`);
						return owner === m.id && wanted !== undefined && i.primary_mac_address?.mac_address?.toUpperCase() !== wanted;
					}),
				)
				.map((m) => m.id);
		const [deviceMacs, vmMacs] = await Promise.all([
			client.listWhereIn<NbMacAddress>(ENDPOINT.mac, 'device_id', needs(devices, interfaces, 'device')),
			client.listWhereIn<NbMacAddress>(ENDPOINT.mac, 'virtual_machine_id', needs(vms, vmInterfaces, 'vm')),
		]);
		macs = [...deviceMacs, ...vmMacs];
	}
	return { version, macObjects, refs, devices, vms, interfaces, vmInterfaces, macs, ips };
}
