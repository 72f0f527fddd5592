// NetBox Push's change limit against the real NetBox, run through n8n's
// engine: 12 hosts under an ownership tag of their own, then pushes that
// update 5 of them (refused, nothing written; dry run; Force) and 3 (passes).
import type { IDataObject } from 'n8n-workflow';
import type { NetBoxClient } from '../../core/netbox/client';
import { NetBoxPush } from '../../nodes/NetBoxPush/NetBoxPush.node';
import { changeLogMark, changesSince } from '../helpers/brownfield';
import { startCountingProxy, type CountingProxy } from '../helpers/countingProxy';
import { connectNetBox, credentialFor, ensureFixtures, netboxEnv } from '../helpers/netbox';
import { runNode } from '../helpers/runNode';

const PREFIX = 'itlim';
/** This file's own ownership tag: what it manages is exactly its 12 hosts. */
const TAG = 'itlim-owner';
const NET = '10.97.0';
const MAC = '02:97:00:00:00';
type Obj = Record<string, any>;
let nb: NetBoxClient;
let proxy: CountingProxy;

/** `itlim-<i>`: even ones devices, odd ones VMs; no cable (the it-sw1 ports belong to other tests). */
function hostItem(i: number): Obj {
	const common = { name: `${PREFIX}-${i}`, role: 'it-server', ipv4: `${NET}.${10 + i}/24`, mac: `${MAC}:${i.toString(16).padStart(2, '0')}`, description: 'first', approved: true };
	return i % 2 === 0 ? { ...common, kind: 'device', site: 'it-lab', deviceType: 'it-box' } : { ...common, kind: 'vm', cluster: 'it-cluster' };
}
const twelve = () => Array.from({ length: 12 }, (_, i) => hostItem(i));
const described = (items: Obj[], description: string) => items.map((h) => ({ ...h, description }));

function push(items: Obj[], options: IDataObject = {}, parameters: IDataObject = {}, onError: 'continueErrorOutput' | 'stopWorkflow' = 'continueErrorOutput') {
	return runNode({
		node: new NetBoxPush(),
		parameters: { operation: 'push', options: { dnsDomain: 'lab.example', ownershipTag: TAG, ...options }, ...parameters },
		credentials: { netBoxApi: credentialFor(proxy.endpoint) },
		items: items as IDataObject[],
		onError,
	});
}

const results = (items: Array<{ json: IDataObject }>) => items.map((i) => i.json.netbox as Obj);
const countRequests = () => proxy.log.filter((line) => line.startsWith('GET') && /[?&]tag=itlim-owner(&|$)/.test(line));

/** Every object this file's hosts have in NetBox, with when it last changed. */
async function exportMine(): Promise<Record<string, { last_updated: string; description?: string }>> {
	const devices = await nb.list<Obj>('api/dcim/devices/', { name__isw: PREFIX });
	const vms = await nb.list<Obj>('api/virtualization/virtual-machines/', { name__isw: PREFIX });
	const lists: Array<[string, Obj[]]> = [
		['device', devices],
		['vm', vms],
		['interface', await nb.listWhereIn<Obj>('api/dcim/interfaces/', 'device_id', devices.map((d) => d.id))],
		['vminterface', await nb.listWhereIn<Obj>('api/virtualization/interfaces/', 'virtual_machine_id', vms.map((v) => v.id))],
		['ip', (await nb.list<Obj>('api/ipam/ip-addresses/', { parent: `${NET}.0/24` })).filter((o) => String(o.address).startsWith(`${NET}.`))],
		['mac', (await nb.list<Obj>('api/dcim/mac-addresses/', { mac_address__isw: MAC })).filter((o) => String(o.mac_address).toLowerCase().startsWith(MAC))],
	];
	const out: Record<string, { last_updated: string; description?: string }> = {};
	for (const [kind, objects] of lists) for (const o of objects) out[`${kind}#${o.id}`] = { last_updated: o.last_updated, description: o.description };
	return out;
}

/** Change-log rows of this file's objects after a mark (NetBox is shared with other suites). */
async function myChanges(mark: number, keys: string[]) {
	const types: Record<string, string> = { 'dcim.device': 'device', 'virtualization.virtualmachine': 'vm', 'dcim.interface': 'interface', 'virtualization.vminterface': 'vminterface', 'ipam.ipaddress': 'ip', 'dcim.macaddress': 'mac' };
	const mine = new Set(keys);
	return (await changesSince(nb, mark)).filter(
		(c) => mine.has(`${types[c.changed_object_type]}#${c.changed_object_id}`) || String(c.object_repr).startsWith(PREFIX) || String(c.object_repr).startsWith(`${NET}.`),
	);
}

async function deleteMine(): Promise<void> {
	const del = async (path: string, objects: Obj[]) => {
		if (objects.length) await nb.request('DELETE', path, { body: objects.map((o) => ({ id: o.id })) });
	};
	// Every list is filtered again: a filter NetBox ignored must never widen a delete.
	const named = (objects: Obj[]) => objects.filter((o) => String(o.name).startsWith(`${PREFIX}-`));
	await del('api/ipam/ip-addresses/', (await nb.list<Obj>('api/ipam/ip-addresses/', { parent: `${NET}.0/24` })).filter((o) => String(o.address).startsWith(`${NET}.`)));
	await del('api/dcim/devices/', named(await nb.list<Obj>('api/dcim/devices/', { name__isw: PREFIX })));
	await del('api/virtualization/virtual-machines/', named(await nb.list<Obj>('api/virtualization/virtual-machines/', { name__isw: PREFIX })));
	await del('api/dcim/mac-addresses/', (await nb.list<Obj>('api/dcim/mac-addresses/', { mac_address__isw: MAC })).filter((o) => String(o.mac_address).toLowerCase().startsWith(MAC)));
}

beforeAll(async () => {
	nb = await connectNetBox();
	await ensureFixtures(nb);
	await deleteMine();
	proxy = await startCountingProxy(netboxEnv());
});

afterAll(async () => {
	await proxy?.close();
	await nb?.close();
});

beforeEach(() => proxy.reset());

describe('NetBox Push change limit against a real NetBox', () => {
	const REFUSED = 'the push would update 5 and remove 0 of 12 managed hosts (41.7 %), over the change limit of 30 %; nothing was written. Check the input, or turn on Force to let it through';

	it('creates 12 hosts (creating is not updating); a re-push asks nothing more', async () => {
		const first = await push(twelve());
		expect(first.errors).toHaveLength(0);
		expect(results(first.success).map((r) => r.action)).toEqual(Array(12).fill('created'));
		expect(results(first.success).every((r) => !('changeLimit' in r))).toBe(true);
		expect(await nb.request<Obj>('GET', 'api/dcim/devices/', { query: { tag: TAG, limit: 1 } })).toMatchObject({ count: 6 });
		expect(await nb.request<Obj>('GET', 'api/virtualization/virtual-machines/', { query: { tag: TAG, limit: 1 } })).toMatchObject({ count: 6 });

		proxy.reset();
		const again = await push(twelve());
		expect(results(again.success).map((r) => r.action)).toEqual(Array(12).fill('unchanged'));
		expect(proxy.counts().writes).toBe(0);
		expect(countRequests()).toEqual([]);
	});

	it('refuses a push that updates 5 of 12: every host fails with the counts, own failures keep theirs, NetBox unchanged', async () => {
		const batch = [
			...described(twelve().slice(0, 5), 'changed'),
			// Fails on its own: a new host at a site NetBox does not have.
			{ ...hostItem(20), site: 'no-such-site' },
			// Invalid: never reaches NetBox.
			{ ...hostItem(21), ipv4: '10.97.0.999/24' },
		];
		const before = await exportMine();
		const mark = await changeLogMark(nb);
		const result = await push(batch);

		expect(result.success).toHaveLength(0);
		expect(result.errors.map((e) => e.pairedItem)).toEqual(batch.map((_, item) => ({ item })));
		const messages = result.errors.map((e) => String(e.json.error));
		expect(messages.slice(0, 5)).toEqual(Array(5).fill(REFUSED));
		expect(messages[5]).toMatch(/^site "no-such-site" not found/);
		expect(messages[6]).toMatch(/^ipv4 "10\.97\.0\.999\/24"/);
		const details = result.errors.map((e) => (e.json.details as Obj).netbox);
		expect(details[0]).toMatchObject({
			action: 'failed',
			field: 'changeLimit',
			changes: [],
			changeLimit: { exceeded: true, forced: false, managed: 12, managedHosts: 12, updated: 5, removed: 0, unit: 'hosts', maxPercent: 30, message: REFUSED },
		});

		// Nothing written, at the wire and in NetBox.
		expect(proxy.counts().writes).toBe(0);
		// 5 of the 5 tagged hosts the snapshot saw is over 30 %: NetBox was asked for the real number, once per type.
		expect(countRequests()).toHaveLength(2);
		const after = await exportMine();
		expect(after).toEqual(before);
		expect(await myChanges(mark, Object.keys(before))).toEqual([]);
		expect(Object.keys(before).filter((key) => key.includes('interface'))).toHaveLength(12);
		expect(await nb.list('api/dcim/devices/', { name: `${PREFIX}-20` })).toHaveLength(0);
		console.log(`refused push: ${proxy.counts().requests} requests, 0 writes, ${Object.keys(before).length} objects unchanged`);
	});

	it('with continue-on-fail off, the node fails naming the limit', async () => {
		const result = await push(described(twelve().slice(0, 5), 'changed'), {}, {}, 'stopWorkflow');
		expect(result.error?.message).toBe(`5 of 5 hosts failed: ${PREFIX}-0 (item 1): ${REFUSED}; ${PREFIX}-1 (item 2): ${REFUSED}; ${PREFIX}-2 (item 3): ${REFUSED}; ...`);
		expect(proxy.counts().writes).toBe(0);
	});

	it('a dry run plans as usual and says the limit would be exceeded, writing nothing', async () => {
		const result = await push(described(twelve().slice(0, 5), 'changed'), {}, { dryRun: true });
		expect(result.errors).toHaveLength(0);
		expect(result.hints).toEqual([expect.objectContaining({ type: 'warning', message: `Dry run: a push of these hosts would be refused by the change limit: ${REFUSED}.` })]);
		const planned = results(result.success);
		expect(planned.map((r) => r.action)).toEqual(Array(5).fill('plan:updated'));
		expect(planned[0].changes).toEqual([{ object: 'device', field: 'description', from: 'first', to: 'changed' }]);
		for (const r of planned) expect(r.changeLimit).toEqual({ exceeded: true, forced: false, message: REFUSED, managed: 12, managedHosts: 12, updated: 5, removed: 0, unit: 'hosts', maxPercent: 30 });
		expect(proxy.counts().writes).toBe(0);
	});

	it('Force lets the same push through, and the items say it was forced', async () => {
		const result = await push(described(twelve().slice(0, 5), 'changed'), { force: true });
		expect(result.errors).toHaveLength(0);
		const pushed = results(result.success);
		expect(pushed.map((r) => r.action)).toEqual(Array(5).fill('updated'));
		for (const r of pushed) {
			expect(r.changeLimit).toMatchObject({ exceeded: true, forced: true, managed: 12, updated: 5 });
			expect(r.changeLimit.message).toMatch(/over the change limit of 30 %; let through by Force$/);
		}
		const devices = await nb.list<Obj>('api/dcim/devices/', { name__isw: PREFIX });
		const vms = await nb.list<Obj>('api/virtualization/virtual-machines/', { name__isw: PREFIX });
		const description = Object.fromEntries([...devices, ...vms].map((m) => [m.name, m.description]));
		expect(twelve().map((h) => description[h.name])).toEqual([...Array(5).fill('changed'), ...Array(7).fill('first')]);
	});

	it('3 changed of 12 (25 %) passes; among all 12 items NetBox is not even asked for the count', async () => {
		// Three items alone: the snapshot sees 3 tagged hosts, so NetBox counts them (12).
		const three = await push(described(twelve().slice(5, 8), 'second'));
		expect(results(three.success).map((r) => r.action)).toEqual(Array(3).fill('updated'));
		expect(results(three.success).every((r) => !('changeLimit' in r))).toBe(true);
		expect(countRequests()).toHaveLength(2);

		proxy.reset();
		const all = twelve().map((h, i) => ({ ...h, description: i < 5 ? 'changed' : i < 8 ? 'second' : i < 11 ? 'third' : 'first' }));
		const result = await push(all);
		expect(results(result.success).map((r) => r.action)).toEqual([...Array(8).fill('unchanged'), ...Array(3).fill('updated'), 'unchanged']);
		expect(countRequests()).toEqual([]);
	});

	it('the limit and its floor can be set; a bad value fails the node naming the option', async () => {
		// 50 % lets 5 of 12 through; a floor of 13 hosts means the limit does not apply yet.
		const half = await push(described(twelve().slice(0, 5), 'fourth'), { changeLimitPercent: 50 });
		expect(results(half.success).map((r) => r.action)).toEqual(Array(5).fill('updated'));
		const floor = await push(described(twelve().slice(0, 5), 'fifth'), { changeLimitMinHosts: 13 });
		expect(results(floor.success).map((r) => r.action)).toEqual(Array(5).fill('updated'));
		const tight = await push(described(twelve().slice(0, 2), 'sixth'), { changeLimitPercent: 10 });
		expect(tight.errors.map((e) => String(e.json.error))).toEqual(Array(2).fill(expect.stringMatching(/^the push would update 2 and remove 0 of 12 managed hosts \(16\.7 %\), over the change limit of 10 %/)));

		proxy.reset();
		// Parameters are read per item: the item fails, on the error output, naming the option.
		const bad = await push(twelve().slice(0, 1), { changeLimitPercent: 150 });
		expect(bad.error).toBeUndefined();
		expect(bad.errors.map((e) => e.json.error)).toEqual(['Change Limit (%) 150 must be a number from 0 to 100']);
		expect(proxy.counts().requests).toBe(0);
	});
});
