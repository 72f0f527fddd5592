// The real NetBox the tests use: its address, token and CA (from the environment
// or from the service scripts), and the fixtures the test hosts refer to. Fails
// loudly when NetBox is not there: a missing service is a failed suite, never a
// skipped one.
//
// The local NetBoxes are reached as a user reaches theirs: over HTTPS through
// nginx with NetBox's contrib settings (scripts/services/netbox-proxy.sh), the
// test CA in the credential. Only the fault tests, whose own fault proxies stand
// where nginx would, talk to gunicorn directly (netboxDirectEnv).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { NetBoxClient, type ClientOptions } from '../../core/netbox/client';

const CACHE = path.join(__dirname, '../../.cache');

/** Where and how a test reaches a NetBox; `ca` is the PEM of the CA that signed its certificate. */
export interface NetBoxEndpoint {
	url: string;
	token: string;
	ca?: string;
}

function readEnvFile(file: string): Record<string, string> {
	const out: Record<string, string> = {};
	if (!existsSync(file)) return out;
	for (const line of readFileSync(file, 'utf8').split('\n')) {
		const [key, ...rest] = line.split('=');
		if (key.trim()) out[key.trim()] = rest.join('=').trim();
	}
	return out;
}

/**
 * A NetBox's own address and token: from the environment variables `<prefix>_URL` and
 * `<prefix>_TOKEN`, else from the env file its service script wrote under .cache/.
 */
function serviceEnv(prefix: string, fileName: string, setUp: string): NetBoxEndpoint {
	const written = readEnvFile(path.join(CACHE, fileName));
	const url = process.env[`${prefix}_URL`] || written[`${prefix}_URL`];
	const token = process.env[`${prefix}_TOKEN`] || written[`${prefix}_TOKEN`];
	if (!url || !token) throw new Error(`${setUp}: set ${prefix}_URL and ${prefix}_TOKEN, or run its service script (npm test does)`);
	return { url, token };
}

/** What scripts/services/netbox-proxy.sh wrote: nginx's URLs, the test CA, certificate and key, the log folder. */
export function proxyEnv(): Record<string, string> {
	const env = readEnvFile(path.join(CACHE, 'netbox-proxy.env'));
	if (!env.NETBOX_PROXY_CERT || !env.NETBOX_PROXY_KEY || !env.NETBOX_PROXY_CA) {
		throw new Error('The NetBox proxy is not configured (.cache/netbox-proxy.env): run scripts/services/netbox-proxy.sh (npm test does)');
	}
	return env;
}

/** The test certificate and key nginx serves, for a test's own TLS proxy in front of it, and the CA. */
export function proxyTls(): { cert: string; key: string; ca: string } {
	const env = proxyEnv();
	return { cert: readFileSync(env.NETBOX_PROXY_CERT, 'utf8'), key: readFileSync(env.NETBOX_PROXY_KEY, 'utf8'), ca: readFileSync(env.NETBOX_PROXY_CA, 'utf8') };
}

/**
 * The NetBox `<prefix>` as the tests reach it. A NetBox given by `<prefix>_URL` is
 * used as given (its CA from the PEM file `<prefix>_CA`, if set); the local one
 * through nginx (`proxyKey` of .cache/netbox-proxy.env) with the test CA.
 */
export function endpointOf(prefix: string, fileName: string, proxyKey: string, setUp: string): NetBoxEndpoint {
	const own = serviceEnv(prefix, fileName, setUp);
	if (process.env[`${prefix}_URL`]) {
		const caFile = process.env[`${prefix}_CA`];
		return { ...own, ...(caFile ? { ca: readFileSync(caFile, 'utf8') } : {}) };
	}
	const proxy = proxyEnv();
	if (!proxy[proxyKey]) throw new Error(`${setUp}: ${proxyKey} is missing from .cache/netbox-proxy.env; run scripts/services/netbox-proxy.sh (npm test does)`);
	return { url: proxy[proxyKey], token: own.token, ca: readFileSync(proxy.NETBOX_PROXY_CA, 'utf8') };
}

const NOT_CONFIGURED = 'NetBox is not configured (scripts/services/netbox.sh)';

/** The local test NetBox over HTTPS through nginx, or the one NETBOX_URL names. */
export function netboxEnv(): NetBoxEndpoint {
	return endpointOf('NETBOX', 'netbox.env', 'NETBOX_PROXY_URL', NOT_CONFIGURED);
}

/** The same NetBox without nginx (gunicorn itself), for tests that put their own fault proxy in front. */
export function netboxDirectEnv(): NetBoxEndpoint {
	return serviceEnv('NETBOX', 'netbox.env', NOT_CONFIGURED);
}

/** The NetBox API credential of a node for an endpoint; `baseUrl` when a test proxy stands in front of it. */
export function credentialFor(endpoint: NetBoxEndpoint, baseUrl = endpoint.url): { baseUrl: string; token: string; allowSelfSigned: false; caBundle: string } {
	return { baseUrl, token: endpoint.token, allowSelfSigned: false, caBundle: endpoint.ca ?? '' };
}

/** A client for an endpoint, checked with GET /api/status/. */
export async function connectTo(endpoint: NetBoxEndpoint, what: string, options: ClientOptions = {}): Promise<NetBoxClient> {
	const client = new NetBoxClient({ baseUrl: endpoint.url, token: endpoint.token, caCertificate: endpoint.ca }, options);
	try {
		const status = await client.request<Record<string, unknown>>('GET', 'api/status/');
		if (!status?.['netbox-version']) throw new Error('GET /api/status/ carries no netbox-version');
	} catch (error) {
		await client.close();
		throw new Error(`${what} at ${endpoint.url} does not answer: ${(error as Error).message}`);
	}
	return client;
}

export async function connectNetBox(endpoint: NetBoxEndpoint = netboxEnv()): Promise<NetBoxClient> {
	return connectTo(endpoint, 'NetBox');
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
