// The real NetBox the integration tests use: its address and token (from the
// environment or from scripts/services/netbox.sh), and the fixtures the test
// hosts refer to. Fails loudly when NetBox is not there: a missing service is a
// failed suite, never a skipped one.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { NetBoxClient } from '../../core/netbox/client';

/**
 * A NetBox's address and token: from the environment variables `<prefix>_URL` and
 * `<prefix>_TOKEN`, else from the env file a service script wrote under .cache/.
 */
export function serviceEnv(prefix: string, fileName: string): { url?: string; token?: string; file: string } {
	let url = process.env[`${prefix}_URL`];
	let token = process.env[`${prefix}_TOKEN`];
	const file = path.join(__dirname, '../../.cache', fileName);
	if ((!url || !token) && existsSync(file)) {
		for (const line of readFileSync(file, 'utf8').split('\n')) {
			const [key, ...rest] = line.split('=');
			if (key === `${prefix}_URL`) url ??= rest.join('=').trim();
			if (key === `${prefix}_TOKEN`) token ??= rest.join('=').trim();
		}
	}
	return { url, token, file };
}

export function netboxEnv(): { url: string; token: string } {
	const { url, token } = serviceEnv('NETBOX', 'netbox.env');
	if (!url || !token) {
		throw new Error('NetBox is not configured: set NETBOX_URL and NETBOX_TOKEN, or run scripts/services/netbox.sh (npm test does)');
	}
	return { url, token };
}

export async function connectNetBox(): Promise<NetBoxClient> {
	const { url, token } = netboxEnv();
	const client = new NetBoxClient({ baseUrl: url, token });
	try {
		await client.request('GET', 'api/status/');
	} catch (error) {
		throw new Error(`NetBox at ${url} does not answer: ${(error as Error).message}`);
	}
	return client;
}

type Obj = Record<string, any>;

async function ensure(client: NetBoxClient, path: string, lookup: Record<string, string>, body: Obj): Promise<Obj> {
	const [found] = await client.list<Obj>(path, lookup);
	return found ?? client.request<Obj>('POST', path, { body });
}

export const SWITCH_PORTS = 600;

/** Site, role, device type, cluster and a switch with SWITCH_PORTS ports, created once. */
export async function ensureFixtures(client: NetBoxClient): Promise<{ switchName: string; port: (i: number) => string }> {
	const site = await ensure(client, 'api/dcim/sites/', { slug: 'it-lab' }, { name: 'IT Lab', slug: 'it-lab' });
	await ensure(client, 'api/dcim/device-roles/', { slug: 'it-server' }, { name: 'IT Server', slug: 'it-server', vm_role: true });
	await ensure(client, 'api/dcim/device-roles/', { slug: 'it-switch' }, { name: 'IT Switch', slug: 'it-switch' });
	const maker = await ensure(client, 'api/dcim/manufacturers/', { slug: 'it-generic' }, { name: 'IT Generic', slug: 'it-generic' });
	await ensure(client, 'api/dcim/device-types/', { slug: 'it-box' }, { manufacturer: maker.id, model: 'IT Box', slug: 'it-box' });
	const clusterType = await ensure(client, 'api/virtualization/cluster-types/', { slug: 'it-kvm' }, { name: 'IT KVM', slug: 'it-kvm' });
	await ensure(client, 'api/virtualization/clusters/', { name: 'it-cluster' }, { name: 'it-cluster', type: clusterType.id });
	const sw = await ensure(client, 'api/dcim/devices/', { name: 'it-sw1', site_id: String(site.id) }, {
		name: 'it-sw1', site: site.id, role: { slug: 'it-switch' }, device_type: { slug: 'it-box' },
	});
	const ports = await client.list<Obj>('api/dcim/interfaces/', { device_id: sw.id });
	const have = new Set(ports.map((p) => p.name));
	const port = (i: number) => `ge-0/0/${i}`;
	const missing = Array.from({ length: SWITCH_PORTS }, (_, i) => port(i)).filter((name) => !have.has(name));
	if (missing.length) await client.request('POST', 'api/dcim/interfaces/', { body: missing.map((name) => ({ device: sw.id, name, type: '1000base-t' })) });
	return { switchName: 'it-sw1', port };
}

/** Deletes what earlier test runs made for hosts whose names start with `prefix`. */
export async function deleteHosts(client: NetBoxClient, prefix: string): Promise<void> {
	const devices = await client.list<Obj>('api/dcim/devices/', { name__isw: prefix });
	const vms = await client.list<Obj>('api/virtualization/virtual-machines/', { name__isw: prefix });
	const ips = await client.list<Obj>('api/ipam/ip-addresses/', { dns_name__isw: prefix });
	const del = async (path: string, objects: Obj[]) => {
		if (objects.length) await client.request('DELETE', path, { body: objects.map((o) => ({ id: o.id })) });
	};
	// Interfaces and cables go with their devices; IPs and MACs are deleted explicitly.
	const cables = await client.list<Obj>('api/dcim/cables/', { device: 'it-sw1' });
	await del('api/dcim/cables/', cables);
	await del('api/ipam/ip-addresses/', ips);
	await del('api/dcim/devices/', devices);
	await del('api/virtualization/virtual-machines/', vms);
	// MACs of deleted interfaces go with them; test MACs left unassigned (02:00:00:00…) go here.
	await del('api/dcim/mac-addresses/', await client.list<Obj>('api/dcim/mac-addresses/', { mac_address__isw: '02:00:00:00' }));
}

export interface TestHost {
	name: string;
	kind: 'device' | 'vm';
	site?: string;
	role: string;
	deviceType?: string;
	cluster?: string;
	ipv4: string;
	ipv6: string;
	mac: string;
	switch?: string;
	switchPort?: string;
	approved: boolean;
}

/** Hosts `prefix-<i>`: even ones devices cabled to the switch, odd ones VMs. */
export function makeHosts(prefix: string, count: number, offset: number, fixtures: { switchName: string; port: (i: number) => string }): TestHost[] {
	return Array.from({ length: count }, (_, k) => {
		const i = offset + k;
		const hex = i.toString(16).padStart(4, '0');
		const common = {
			name: `${prefix}-${i}`,
			role: 'it-server',
			ipv4: `10.${100 + Math.floor(i / 250)}.${i % 250}.${10 + (i % 7)}/24`,
			ipv6: `2001:db8:99::1:${i.toString(16)}/64`,
			mac: `02:00:00:00:${hex.slice(0, 2)}:${hex.slice(2)}`,
			approved: true,
		};
		return i % 2 === 0
			? { ...common, kind: 'device' as const, site: 'it-lab', deviceType: 'it-box', switch: fixtures.switchName, switchPort: fixtures.port(i) }
			: { ...common, kind: 'vm' as const, cluster: 'it-cluster' };
	});
}
