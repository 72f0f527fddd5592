// The results people read: one-line summaries, created objects grouped, a VM
// called `vm`, one row per address assignment, a page for every object.
import type { IExecuteFunctions } from 'n8n-workflow';
import { dnsPushSummary, dnsStatusSummary, shortRecord } from '../../core/dns/summary';
import type { HostChange, HostStatus } from '../../core/dns/plan';
import { NetBoxError, type NetBoxClient } from '../../core/netbox/client';
import { executePlans } from '../../core/netbox/execute';
import { planPush } from '../../core/netbox/plan';
import { objectLinks, presentPlan } from '../../core/netbox/present';
import { pushSummary, statusSummary } from '../../core/netbox/summary';
import { joinParts, shown } from '../../core/summary';
import { toOutputItems } from '../../nodes/shared/results';
import { host, options, owner, pushedState, snapshot } from './lib/planWorld';

const planOf = (raw: object, state = snapshot()) => planPush([{ index: 0, host: host(raw) }], state, options).plans[0];
const vmHost = { kind: 'vm', cluster: 'c1', site: undefined, switch: undefined, switchPort: undefined };

describe('NetBox results', () => {
	it('sums up a new device in one line, and groups what it creates by object', () => {
		const shownPlan = presentPlan(planOf({}));
		expect(pushSummary('created', shownPlan, false)).toBe('created device web01 (eth0, MAC AA:BB:CC:DD:EE:01, 10.0.0.5/24, 2001:db8::5/64, cable sw1:ge-0/0/1)');
		expect(pushSummary('created', shownPlan, true)).toBe('plan: create device web01 (eth0, MAC AA:BB:CC:DD:EE:01, 10.0.0.5/24, 2001:db8::5/64, cable sw1:ge-0/0/1)');
		expect(statusSummary('missing', shownPlan)).toBe('missing: device web01 (eth0, MAC AA:BB:CC:DD:EE:01, 10.0.0.5/24, 2001:db8::5/64, cable sw1:ge-0/0/1)');
		expect(shownPlan.created).toEqual({
			device: { name: 'web01', site: 'lab', role: 'server', device_type: 'generic', status: 'active', tags: ['netbox-auto'], primary_ip4: '10.0.0.5/24', primary_ip6: '2001:db8::5/64' },
			interface: { name: 'eth0', type: 'other', tags: ['netbox-auto'], primary_mac_address: 'AA:BB:CC:DD:EE:01' },
			mac: { mac_address: 'AA:BB:CC:DD:EE:01', tags: ['netbox-auto'] },
			ip4: { address: '10.0.0.5/24', dns_name: 'web01.lab.example', assigned_object: 'dcim.interface:web01/eth0', tags: ['netbox-auto'] },
			ip6: { address: '2001:db8::5/64', dns_name: 'web01.lab.example', assigned_object: 'dcim.interface:web01/eth0', tags: ['netbox-auto'] },
			cable: { terminations: 'sw1:ge-0/0/1' },
		});
	});

	it('shows an address assignment once, not as assigned_object_type and _id', () => {
		const { changes } = presentPlan(planOf({}));
		expect(changes.filter((c) => c.object === 'ip4').map((c) => c.field)).toEqual(['address', 'dns_name', 'assigned_object', 'tags']);
		expect(changes.some((c) => c.field.startsWith('assigned_object_'))).toBe(false);
	});

	it('calls a VM `vm` in changes, created objects, object links, adopted and foreign', () => {
		const shownPlan = presentPlan(planOf(vmHost));
		expect(pushSummary('created', shownPlan, false)).toBe('created vm web01 (eth0, MAC AA:BB:CC:DD:EE:01, 10.0.0.5/24, 2001:db8::5/64)');
		expect(Object.keys(shownPlan.created)).toEqual(['vm', 'interface', 'mac', 'ip4', 'ip6']);
		expect(shownPlan.changes.filter((c) => c.field === 'primary_ip4')).toEqual([{ object: 'vm', field: 'primary_ip4', from: null, to: '10.0.0.5/24' }]);
		expect(shownPlan.changes.some((c) => c.object === 'device')).toBe(false);

		const state = snapshot({ vms: [{ id: 11, name: 'web01', cluster: { id: 4, name: 'c1' }, status: { value: 'active' }, display_url: 'http://nb/virtualization/virtual-machines/11/', tags: [] }] });
		const adopted = planOf({ ...vmHost, mac: undefined, ipv4: undefined, ipv6: undefined, interface: 'eth0' }, state);
		const links = objectLinks(adopted);
		expect(links.vm).toEqual({ id: 11, url: 'http://nb/virtualization/virtual-machines/11/' });
		expect(links).not.toHaveProperty('device');
		const shownAdopted = presentPlan(adopted);
		expect(shownAdopted.adopted).toEqual(['vm']);
		expect(shownAdopted.foreign.map((f) => f.object)).toEqual(['vm']);
		expect(pushSummary('updated', shownAdopted, true)).toBe('plan: update vm web01: + eth0, adopt vm');
	});

	it('sums up an update field by field, the machine’s own fields without its name', () => {
		const shownPlan = presentPlan(planOf({ ipv4: '10.0.0.9/24', status: 'offline' }, pushedState()));
		expect(pushSummary('updated', shownPlan, false)).toBe('updated device web01: status active → offline, ip4 address 10.0.0.5/24 → 10.0.0.9/24');
		expect(statusSummary('drifted', shownPlan)).toBe('drifted: device web01: status active → offline, ip4 address 10.0.0.5/24 → 10.0.0.9/24');
		expect(shownPlan.created).toEqual({});
	});

	it('names an object added to an existing machine with a +', () => {
		const state = pushedState();
		state.ips = state.ips.filter((ip) => ip.id !== 31);
		state.devices[1].primary_ip6 = null;
		expect(pushSummary('updated', presentPlan(planOf({}, state)), true)).toBe('plan: update device web01: + 2001:db8::5/64, primary_ip6 ∅ → 2001:db8::5/64');
	});

	it('says unchanged, failed and conflict in so many words', () => {
		const same = presentPlan(planOf({}, pushedState()));
		expect(pushSummary('unchanged', same, false)).toBe('unchanged');
		expect(pushSummary('unchanged', same, true)).toBe('plan: unchanged');
		expect(statusSummary('in-sync', same)).toBe('in-sync');
		const missingSite = presentPlan(planOf({ site: 'nowhere' }));
		expect(pushSummary('failed', missingSite, false)).toBe('failed: site "nowhere" not found in NetBox');
		expect(statusSummary('failed', missingSite)).toBe('failed: site "nowhere" not found in NetBox');
		const state = pushedState();
		state.devices[1].tags = [];
		const conflict = presentPlan(planPush([{ index: 0, host: host({}) }], state, { ...options, foreignObjects: 'fail' }).plans[0]);
		expect(pushSummary('failed', conflict, true)).toMatch(/^plan: conflict: device "web01" \(id 10\) exists and is not owned by netbox-auto/);
		expect(statusSummary('drifted', conflict)).toMatch(/^drifted: conflict: device "web01"/);
	});

	it('names a VM `vm` when NetBox refuses it', async () => {
		const plan = planOf(vmHost);
		// NetBox refuses the VM: no later step of the host is sent.
		const refusing = { request: async (method: string, path: string) => Promise.reject(new NetBoxError('cluster belongs to another site', 403, method, path)) } as unknown as NetBoxClient;
		await executePlans(refusing, [plan]);
		expect(plan.error).toEqual({ field: 'vm', message: 'vm: cluster belongs to another site' });
	});

	it('gives the MAC and the cable a page like the other objects', () => {
		const state = pushedState();
		state.interfaces[1].primary_mac_address = { id: 40, mac_address: 'AA:BB:CC:DD:EE:01', url: 'http://nb/api/dcim/mac-addresses/40/' };
		state.cables = [{ id: 70, tags: [owner], display_url: 'http://nb/dcim/cables/70/' }];
		const links = objectLinks(planOf({}, state));
		expect(links.mac).toEqual({ id: 40, url: 'http://nb/dcim/mac-addresses/40/' });
		expect(links.cable).toEqual({ id: 70, url: 'http://nb/dcim/cables/70/' });
	});
});

describe('summary helpers', () => {
	it('shows values as people read them and keeps a long list to one line', () => {
		expect([null, '', [], ['a', 'b'], 5].map(shown)).toEqual(['∅', '∅', '∅', 'a,b', '5']);
		expect(joinParts(['1', '2', '3', '4', '5', '6', '7', '8'])).toBe('1, 2, 3, 4, 5, 6, … (2 more)');
	});
});

describe('DNS results', () => {
	const rr = {
		a5: 'web01.lab.example. 300 IN A 10.0.0.5',
		a9: 'web01.lab.example. 300 IN A 10.0.0.9',
		ptr5: '5.0.0.10.in-addr.arpa. 300 IN PTR web01.lab.example.',
	};
	const change = (c: Partial<HostChange>): HostChange => ({ index: 0, fqdn: 'web01.lab.example', action: 'created', records: [], added: [], removed: [], ...c });

	it('reads an RR line as its type and address, a PTR as its name', () => {
		expect([rr.a5, rr.ptr5].map(shortRecord)).toEqual(['A 10.0.0.5', 'PTR 5.0.0.10.in-addr.arpa']);
	});

	it('lists a new host’s records, and what comes and goes for a changed one', () => {
		expect(dnsPushSummary(change({ added: [rr.a5, rr.ptr5] }), false)).toBe('created web01.lab.example: A 10.0.0.5, PTR 5.0.0.10.in-addr.arpa');
		expect(dnsPushSummary(change({ added: [rr.a5, rr.ptr5] }), true)).toBe('plan: create web01.lab.example: A 10.0.0.5, PTR 5.0.0.10.in-addr.arpa');
		expect(dnsPushSummary(change({ action: 'updated', added: [rr.a9], removed: [rr.a5] }), false)).toBe('updated web01.lab.example: +A 10.0.0.9, −A 10.0.0.5');
		expect(dnsPushSummary(change({ action: 'removed', removed: [rr.a5] }), true)).toBe('plan: remove web01.lab.example: −A 10.0.0.5');
		expect(dnsPushSummary(change({ action: 'updated', reason: 'Unbound did not serve what the managed file holds' }), false)).toBe(
			'updated web01.lab.example: Unbound did not serve what the managed file holds',
		);
	});

	it('says unchanged, skipped, failed and conflict', () => {
		expect(dnsPushSummary(change({ action: 'unchanged' }), true)).toBe('plan: unchanged');
		expect(dnsPushSummary(change({ action: 'skipped', reason: 'no ipv4 or ipv6 address' }), false)).toBe('skipped: no ipv4 or ipv6 address');
		expect(dnsPushSummary(change({ action: 'failed', error: { field: 'name', message: 'bad name' } }), false)).toBe('failed: bad name');
		expect(dnsPushSummary(change({ action: 'failed', error: { field: 'name', message: 'records this node did not write …', kind: 'conflict' } }), false)).toBe('conflict: records this node did not write …');
	});

	it('sums up a status: missing records, what differs, a conflict', () => {
		const status = (s: Partial<HostStatus>): HostStatus => ({ index: 0, fqdn: 'web01.lab.example', state: 'in-sync', records: [rr.a5, rr.ptr5], ...s });
		expect(dnsStatusSummary(status({}))).toBe('in-sync');
		expect(dnsStatusSummary(status({ state: 'missing' }))).toBe('missing: A 10.0.0.5, PTR 5.0.0.10.in-addr.arpa');
		const differences = { file: { missing: [], extra: [] }, served: { missing: [rr.a5], extra: [rr.a9] } };
		expect(dnsStatusSummary(status({ state: 'drifted', differences }))).toBe('drifted: not served: A 10.0.0.5; served but not wanted: A 10.0.0.9');
		expect(dnsStatusSummary(status({ state: 'drifted', differences, conflict: { field: 'name', message: 'TXT at web01' } }))).toBe('drifted: conflict: TXT at web01');
	});
});

describe('output items', () => {
	const ctx = { continueOnFail: () => true, getNode: () => ({ name: 'NetBox Push' }) } as unknown as IExecuteFunctions;
	const items = [{ json: { name: 'ux-a' } }, { json: { name: 'ux-b' } }];

	it('give a host that never reached its system a summary from its error or reason, `plan:` in a dry run, and put it first', () => {
		const output = toOutputItems(ctx, items, 'netbox', [
			{ index: 0, result: { action: 'plan:failed', error: 'connect ECONNREFUSED' }, error: { message: 'connect ECONNREFUSED' } },
			{ index: 1, result: { action: 'skipped', reason: 'not approved' } },
		]);
		const netbox = (i: number) => ((output[i].json.details ?? output[i].json) as { netbox: Record<string, unknown> }).netbox;
		expect(netbox(0)).toEqual({ summary: 'plan: failed: connect ECONNREFUSED', action: 'plan:failed', error: 'connect ECONNREFUSED' });
		expect(Object.keys(netbox(1))).toEqual(['summary', 'action', 'reason']);
		expect(netbox(1).summary).toBe('skipped: not approved');
	});

	it('name a failed host first and count from 1 when the node fails', () => {
		const failing = { ...ctx, continueOnFail: () => false } as IExecuteFunctions;
		expect(() => toOutputItems(failing, items, 'dns', [
			{ index: 0, result: { action: 'created' } },
			{ index: 1, result: { action: 'failed' }, error: { message: 'name "ux-b" is bad' } },
		])).toThrow('1 of 2 hosts failed: ux-b (item 2): name "ux-b" is bad');
	});
});
