// The editor's pick lists of NetBox Push, called as n8n calls them (a `this`
// with the credential) against the real NetBox and the demo-data NetBox.
import type { ICredentialTestFunctions, ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';
import type { NetBoxClient } from '../../core/netbox/client';
import { netBoxApiTest } from '../../nodes/NetBoxPush/methods/credentialTest';
import { loadOptions } from '../../nodes/NetBoxPush/methods/loadOptions';
import { connectDemoNetBox, demoEnv } from '../helpers/brownfield';
import { startCountingProxy, type CountingProxy } from '../helpers/countingProxy';
import { connectNetBox, credentialFor, ensureFixtures, netboxEnv, type NetBoxEndpoint } from '../helpers/netbox';

type Method = keyof typeof loadOptions;

/** What n8n hands a loadOptions method: the node's credential and the node. */
function fakeThis(endpoint: NetBoxEndpoint, baseUrl = endpoint.url): ILoadOptionsFunctions {
	return {
		getCredentials: async () => credentialFor(endpoint, baseUrl),
		getNode: () => ({ id: 'n', name: 'NetBox Push', type: 'n8n-nodes-netbox-auto.netBoxPush', typeVersion: 1, position: [0, 0], parameters: {} }),
	} as unknown as ILoadOptionsFunctions;
}

const call = (ctx: ILoadOptionsFunctions, method: Method): Promise<INodePropertyOptions[]> => loadOptions[method].call(ctx);
const values = (options: INodePropertyOptions[]) => options.map((o) => o.value);

describe('pick lists against the test NetBox', () => {
	let nb: NetBoxClient;
	let ctx: ILoadOptionsFunctions;
	beforeAll(async () => {
		nb = await connectNetBox();
		await ensureFixtures(nb);
		ctx = fakeThis(netboxEnv());
	});
	afterAll(() => nb.close());

	it('lists the fixtures by the value the planner looks up', async () => {
		expect(values(await call(ctx, 'getSites'))).toContain('it-lab');
		expect(values(await call(ctx, 'getRoles'))).toEqual(expect.arrayContaining(['it-server', 'it-switch']));
		const sites = await nb.list<{ slug: string }>('api/dcim/sites/', { brief: 1 });
		expect(new Set(values(await call(ctx, 'getSites')))).toEqual(new Set(sites.map((s) => s.slug)));
	});

	it('statuses and interface types are NetBox’s own choices, with its labels', async () => {
		const statuses = await call(ctx, 'getStatuses');
		expect(statuses).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'Active', value: 'active' }), expect.objectContaining({ value: 'planned' })]));
		expect(values(statuses)).not.toContain('paused'); // VMs have it, the host schema does not
		const types = await call(ctx, 'getInterfaceTypes');
		expect(values(types)).toEqual(expect.arrayContaining(['other', 'virtual', '1000base-t', '10gbase-x-sfpp']));
		expect(types.find((t) => t.value === '1000base-t')!.name).toMatch(/1000BASE-T/);
	});

	it('every method answers (tags, VRFs with the global table first, tenants, platforms, clusters, device types)', async () => {
		for (const method of Object.keys(loadOptions) as Method[]) expect(Array.isArray(await call(ctx, method))).toBe(true);
		expect((await call(ctx, 'getVrfs'))[0]).toMatchObject({ name: 'Global Table', value: '' });
	});

	it('a bad token fails the list with NetBox’s answer', async () => {
		await expect(call(fakeThis({ ...netboxEnv(), token: 'nbt_bad.token' }), 'getSites')).rejects.toThrow(/403/);
	});
});

describe('pick lists against the demo NetBox, through a URL ending in /api/', () => {
	let nb: NetBoxClient;
	let proxy: CountingProxy;
	let ctx: ILoadOptionsFunctions;
	beforeAll(async () => {
		nb = await connectDemoNetBox();
		proxy = await startCountingProxy(demoEnv());
		ctx = fakeThis(proxy.endpoint, `${proxy.url}/api/`);
	});
	afterAll(async () => {
		await proxy.close();
		await nb.close();
	});

	it('offers every demo site (brief, paginated), by slug with its name', async () => {
		proxy.reset();
		const options = await call(ctx, 'getSites');
		const sites = await nb.list<{ slug: string; name: string }>('api/dcim/sites/', { brief: 1 });
		expect(sites.length).toBeGreaterThan(20);
		expect(options).toHaveLength(sites.length);
		expect(options).toEqual(expect.arrayContaining([{ name: 'DM-Akron', value: 'dm-akron', description: 'dm-akron' }]));
		expect(proxy.log.every((line) => /^GET \/api\/dcim\/sites\/\?brief=1&limit=\d+&offset=\d+$/.test(line))).toBe(true);
	});

	it('device types name their manufacturer; statuses and types read NetBox with OPTIONS, never a write', async () => {
		proxy.reset();
		const types = await call(ctx, 'getDeviceTypes');
		expect(types.length).toBeGreaterThan(0);
		expect(types.every((t) => String(t.name).includes(' '))).toBe(true);
		expect(values(await call(ctx, 'getStatuses'))).toContain('active');
		expect(values(await call(ctx, 'getInterfaceTypes'))).toContain('1000base-t');
		expect(Object.keys(proxy.counts().byMethod).sort()).toEqual(['GET', 'OPTIONS']);
	});

	it('the credential Test accepts the /api/ URL too', async () => {
		const result = await netBoxApiTest.call({} as ICredentialTestFunctions, { id: 'c', name: 'NetBox', type: 'netBoxApi', data: credentialFor(demoEnv(), `${demoEnv().url}/api/`) });
		expect(result).toMatchObject({ status: 'OK', message: expect.stringMatching(/^Connected to NetBox 4\./) });
	});
});
