// The NetBox Push node against a real NetBox 4.7, run through n8n's engine.
import type { IDataObject } from 'n8n-workflow';
import type { NetBoxClient } from '../../core/netbox/client';
import { NetBoxPush } from '../../nodes/NetBoxPush/NetBoxPush.node';
import { startCountingProxy, type CountingProxy } from '../helpers/countingProxy';
import { connectNetBox, credentialFor, deleteHosts, ensureFixtures, makeHosts, netboxEnv, type TestHost } from '../helpers/netbox';
import { runNode } from '../helpers/runNode';

const PREFIX = 'itpush';
let nb: NetBoxClient;
let proxy: CountingProxy;
let fixtures: Awaited<ReturnType<typeof ensureFixtures>>;
type Obj = Record<string, any>;

function push(items: object[], parameters: IDataObject = {}, onError: 'continueErrorOutput' | 'stopWorkflow' = 'continueErrorOutput') {
	return runNode({
		node: new NetBoxPush(),
		parameters: { operation: 'push', options: { dnsDomain: 'lab.example' }, ...parameters },
		credentials: { netBoxApi: credentialFor(proxy.endpoint) },
		items: items as IDataObject[],
		onError,
	});
}

const actions = (items: Array<{ json: IDataObject }>) => items.map((i) => (i.json.netbox as IDataObject).action);

beforeAll(async () => {
	nb = await connectNetBox();
	fixtures = await ensureFixtures(nb);
	await deleteHosts(nb, PREFIX);
	proxy = await startCountingProxy(netboxEnv());
});

afterAll(async () => {
	await proxy?.close();
	await nb?.close();
});

beforeEach(() => proxy.reset());

describe('NetBox Push against a real NetBox', () => {
	const hosts = () => makeHosts(PREFIX, 50, 0, fixtures);

	it('pushes 50 new hosts, and NetBox holds every field', async () => {
		const result = await push(hosts());
		expect(result.error).toBeUndefined();
		expect(result.errors).toHaveLength(0);
		expect(actions(result.success)).toEqual(Array(50).fill('created'));
		result.success.forEach((item, i) => expect(item.pairedItem).toEqual({ item: i }));

		for (const host of [hosts()[0], hosts()[1], hosts()[48], hosts()[49]]) await expectInNetBox(host);
		const [first, second] = result.success.map((i) => i.json.netbox as { summary: string; created: Record<string, IDataObject> });
		expect(first.summary).toBe(`created device ${hosts()[0].name} (eth0, MAC ${hosts()[0].mac.toUpperCase()}, ${hosts()[0].ipv4}, ${hosts()[0].ipv6}, cable ${fixtures.switchName}:${fixtures.port(0)})`);
		expect(second.summary).toMatch(new RegExp(`^created vm ${hosts()[1].name} \\(eth0, MAC `));
		expect(second.created.vm).toMatchObject({ name: hosts()[1].name, cluster: 'it-cluster', primary_ip4: hosts()[1].ipv4 });
		// NetBox 4.4+ records the node's changelog message with each change.
		const device = (result.success[0].json.netbox as Obj).objects.device;
		const [change] = await nb.list<Obj>('api/core/object-changes/', { changed_object_type: 'dcim.device', changed_object_id: device.id });
		expect(change.message).toBe('Pushed by n8n (n8n-nodes-netbox-auto)');
		console.log(`50-host push: ${proxy.counts().requests} requests (${proxy.counts().writes} writes)`);
	});

	it('writes nothing on an identical second push and says unchanged', async () => {
		const result = await push(hosts());
		expect(actions(result.success)).toEqual(Array(50).fill('unchanged'));
		expect(proxy.counts().writes).toBe(0);
		// Every object has a page in NetBox's UI, the MAC and the cable too; a VM is `vm`.
		const [device, vm] = result.success.map((i) => i.json.netbox as { summary: string; objects: Record<string, { url?: string }> });
		expect(Object.keys(device.objects).sort()).toEqual(['cable', 'device', 'interface', 'ip4', 'ip6', 'mac']);
		expect(Object.keys(vm.objects).sort()).toEqual(['interface', 'ip4', 'ip6', 'mac', 'vm']);
		for (const { objects } of [device, vm]) for (const { url } of Object.values(objects)) expect(url).toMatch(/^http.*\/(dcim|ipam|virtualization)\/[a-z-]+\/\d+\/$/);
		expect(vm.objects.vm.url).toContain('/virtualization/virtual-machines/');
		expect(device.summary).toBe('unchanged');
	});

	it('updates a changed IP and a changed MAC in place, without duplicates', async () => {
		const changed = hosts();
		changed[2] = { ...changed[2], ipv4: '10.250.0.2/24', mac: '02:00:00:00:ff:02' };
		changed[3] = { ...changed[3], ipv4: '10.250.0.3/24', mac: '02:00:00:00:ff:03' };
		const result = await push(changed);
		expect(actions(result.success)).toEqual(changed.map((_, i) => (i === 2 || i === 3 ? 'updated' : 'unchanged')));
		for (const host of [changed[2], changed[3]]) {
			await expectInNetBox(host);
			const old = await nb.list<Obj>('api/ipam/ip-addresses/', { address: hosts()[changed.indexOf(host)].ipv4.split('/')[0] });
			expect(old).toHaveLength(0);
		}
		const changes = (result.success[2].json.netbox as IDataObject).changes as Obj[];
		expect(changes).toContainEqual({ object: 'ip4', field: 'address', from: hosts()[2].ipv4, to: '10.250.0.2/24' });
		// Put them back for the tests below.
		await push(hosts());
	});

	it('dry-run writes nothing and reports the plan the real push then carries out', async () => {
		const batch = [...makeHosts(PREFIX, 6, 100, fixtures), { ...hosts()[4], ipv4: '10.250.1.4/24' }, hosts()[5]];
		const plan = await push(batch, { dryRun: true });
		expect(proxy.counts().writes).toBe(0);
		expect(await nb.list('api/dcim/devices/', { name: `${PREFIX}-100` })).toHaveLength(0);
		expect(actions(plan.success)).toEqual([...Array(6).fill('plan:created'), 'plan:updated', 'plan:unchanged']);

		const real = await push(batch);
		expect(actions(real.success)).toEqual(actions(plan.success).map((a) => String(a).replace('plan:', '')));
		real.success.forEach((item, i) => {
			expect((item.json.netbox as IDataObject).changes).toEqual((plan.success[i].json.netbox as IDataObject).changes);
		});
		await push(hosts());
	});

	it('pushes the valid hosts and puts 3 invalid ones on the error output, naming the field', async () => {
		const batch: object[] = makeHosts(PREFIX, 47, 200, fixtures);
		batch.splice(5, 0, { ...makeHosts(PREFIX, 1, 300, fixtures)[0], ipv4: '10.0.0.999/24' });
		batch.splice(20, 0, { ...makeHosts(PREFIX, 1, 301, fixtures)[0], name: 'bad"name' });
		batch.splice(40, 0, { ...makeHosts(PREFIX, 1, 302, fixtures)[0], mac: 'not-a-mac' });
		const result = await push(batch);
		expect(result.success).toHaveLength(47);
		expect(result.errors).toHaveLength(3);
		expect(actions(result.success)).toEqual(Array(47).fill('created'));
		expect(result.errors.map((e) => e.pairedItem)).toEqual([{ item: 5 }, { item: 20 }, { item: 40 }]);
		// n8n's engine reduces an error item's json to { error: message }.
		const messages = result.errors.map((e) => String(e.json.error));
		expect(messages[0]).toMatch(/^ipv4 "10\.0\.0\.999\/24"/);
		expect(messages[1]).toMatch(/^name "bad\\"name"/);
		expect(messages[2]).toMatch(/^mac "not-a-mac"/);
		expect(await nb.list('api/dcim/devices/', { name: `${PREFIX}-300` })).toHaveLength(0);
	});

	it('with continue-on-fail off, finishes every host then fails naming the failed ones', async () => {
		const batch: object[] = [...makeHosts(PREFIX, 2, 400, fixtures), { ...makeHosts(PREFIX, 1, 402, fixtures)[0], site: 'no-such-site' }];
		const result = await push(batch, {}, 'stopWorkflow');
		expect(result.error?.message).toMatch(/1 of 3 hosts failed: itpush-402 \(item 3\): site "no-such-site" not found/);
		expect(await nb.list('api/dcim/devices/', { name: `${PREFIX}-400` })).toHaveLength(1);
	});

	it('pushes 200 new hosts in under 25 reads and bounded write chunks, and re-pushes them in under 20 requests', async () => {
		const batch = makeHosts(PREFIX, 200, 1000, fixtures).map((h, i) => (h.switch ? { ...h, switchPort: fixtures.port(450 + (i >> 1)) } : h));
		let started = Date.now();
		const first = await push(batch);
		const firstFigures = { ...proxy.counts(), seconds: (Date.now() - started) / 1000 };
		expect(first.errors).toHaveLength(0);
		expect(actions(first.success)).toEqual(Array(200).fill('created'));
		proxy.reset();
		started = Date.now();
		const again = await push(batch);
		const againFigures = { ...proxy.counts(), seconds: (Date.now() - started) / 1000 };
		console.log(`200-host push: ${JSON.stringify(firstFigures)}\n200-host re-push: ${JSON.stringify(againFigures)}`);
		expect(actions(again.success)).toEqual(Array(200).fill('unchanged'));
		// Writes go in time-bounded chunks (core/netbox/pacing.ts): a small probe
		// per kind, then larger ones; far fewer than one request per object.
		expect(firstFigures.byMethod.GET).toBeLessThan(25);
		expect(firstFigures.writes).toBeLessThan(80);
		expect(againFigures.requests).toBeLessThan(20);
		expect(againFigures.writes).toBe(0);
	});

	it('Status reports in-sync, missing and drifted after a manual change', async () => {
		const [a, b] = hosts();
		const [device] = await nb.list<Obj>('api/dcim/devices/', { name: a.name });
		const [ip] = await nb.list<Obj>('api/ipam/ip-addresses/', { address: b.ipv4.split('/')[0] });
		await nb.request('PATCH', `api/dcim/devices/${device.id}/`, { body: { status: 'offline' } });
		await nb.request('PATCH', `api/ipam/ip-addresses/${ip.id}/`, { body: { dns_name: 'changed.by.hand' } });
		const batch = [{ ...a, status: 'active' }, b, hosts()[6], { ...makeHosts(PREFIX, 1, 9000, fixtures)[0], switchPort: fixtures.port(599) }];
		const result = await push(batch, { operation: 'status', summary: true });
		expect(proxy.counts().writes).toBe(0);
		const states = result.success.slice(0, 4).map((i) => (i.json.netbox as IDataObject).state);
		expect(states).toEqual(['drifted', 'drifted', 'in-sync', 'missing']);
		expect((result.success[0].json.netbox as IDataObject).differences).toContainEqual({ object: 'device', field: 'status', from: 'offline', to: 'active' });
		expect((result.success[1].json.netbox as IDataObject).differences).toContainEqual({ object: 'ip4', field: 'dns_name', from: 'changed.by.hand', to: `${b.name}.lab.example` });
		expect(result.success[4].json).toEqual({ summary: { netbox: { total: 4, drifted: 2, 'in-sync': 1, missing: 1 } } });
		await push(hosts());
	});

	it('credential test reports the NetBox version, and a bad token as an error', async () => {
		const test = new NetBoxPush().methods.credentialTest.netBoxApiTest;
		const check = (token: string) =>
			test.call({} as never, { id: 'c', name: 'c', type: 'netBoxApi', data: { ...credentialFor(proxy.endpoint), token } });
		expect(await check(netboxEnv().token)).toEqual({ status: 'OK', message: expect.stringMatching(/^Connected to NetBox 4\.\d+/) });
		const bad = await check(`nbt_${'A'.repeat(12)}.${'B'.repeat(40)}`); // well-formed, unknown to NetBox
		expect(bad.status).toBe('Error');
		expect(bad.message).toMatch(/403/);
		expect(bad.message).not.toContain('BBBBBBBB');
	});

	it('never returns the token, not even in errors', async () => {
		const { token } = netboxEnv();
		const bad = await runNode({
			node: new NetBoxPush(),
			parameters: { operation: 'push' },
			credentials: { netBoxApi: { ...credentialFor(proxy.endpoint), token: `${token}x` } },
			items: hosts().slice(0, 2) as unknown as IDataObject[],
			onError: 'continueErrorOutput',
		});
		expect(bad.errors).toHaveLength(2);
		expect(String(bad.errors[0].json.error)).toMatch(/403/);
		const good = await push(hosts().slice(0, 2));
		const text = JSON.stringify([bad, good]);
		expect(text).not.toContain(token);
		expect(text).not.toContain(token.slice(-20));
	});
});

async function expectInNetBox(host: TestHost) {
	const isVm = host.kind === 'vm';
	const [machine] = await nb.list<Obj>(isVm ? 'api/virtualization/virtual-machines/' : 'api/dcim/devices/', { name: host.name });
	expect(machine).toBeDefined();
	expect(machine.role.slug).toBe(host.role);
	if (isVm) expect(machine.cluster.name).toBe(host.cluster);
	else expect([machine.site.slug, machine.device_type.slug]).toEqual([host.site, host.deviceType]);
	expect(machine.tags.map((t: Obj) => t.slug)).toContain('netbox-auto');
	const ifaces = await nb.list<Obj>(isVm ? 'api/virtualization/interfaces/' : 'api/dcim/interfaces/', isVm ? { virtual_machine_id: machine.id } : { device_id: machine.id });
	expect(ifaces.map((i) => i.name)).toEqual(['eth0']);
	expect(ifaces[0].primary_mac_address?.mac_address).toBe(host.mac.toUpperCase());
	const macs = await nb.list<Obj>('api/dcim/mac-addresses/', { mac_address: host.mac });
	expect(macs).toHaveLength(1);
	const ips = await nb.list<Obj>('api/ipam/ip-addresses/', isVm ? { virtual_machine_id: machine.id } : { device_id: machine.id });
	expect(ips.map((ip) => ip.address).sort()).toEqual([host.ipv4, host.ipv6].sort());
	for (const ip of ips) {
		expect(ip.dns_name).toBe(`${host.name}.lab.example`);
		expect(ip.assigned_object_id).toBe(ifaces[0].id);
	}
	expect(machine.primary_ip4.address).toBe(host.ipv4);
	expect(machine.primary_ip6.address).toBe(host.ipv6);
	if (!isVm) {
		expect(ifaces[0].link_peers.map((p: Obj) => `${p.device.name}:${p.name}`)).toEqual([`${host.switch}:${host.switchPort}`]);
	}
}
