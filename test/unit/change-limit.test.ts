// The change limit: the verdict's boundaries, the settings, what items say,
// and how NetBox Push counts hosts (asking NetBox only when it could matter).
import { checkChangeLimit, changeLimitOptions, CHANGE_LIMIT_DEFAULTS, type ChangeCount } from '../../core/changeLimit';
import { changeLimitVerdict, managedSeen, updatedHosts } from '../../core/netbox/changeLimit';
import type { NetBoxClient } from '../../core/netbox/client';
import { planPush, type HostPlan } from '../../core/netbox/plan';
import type { NbMachine } from '../../core/netbox/types';
import { changeLimitField, readChangeLimit } from '../../nodes/shared/changeLimit';
import { host, options, owner, pushedState, ref, snapshot } from './lib/planWorld';

const hosts = (managed: number, updated: number, removed = 0): ChangeCount => ({ managed, managedHosts: managed, updated, removed, unit: 'hosts' });
const limit = (o: Partial<typeof CHANGE_LIMIT_DEFAULTS> = {}) => ({ ...CHANGE_LIMIT_DEFAULTS, ...o });

describe('checkChangeLimit', () => {
	it('passes exactly 30 % and refuses anything above, with the counts', () => {
		expect(checkChangeLimit(hosts(10, 3), limit())).toMatchObject({ exceeded: false, forced: false });
		expect(checkChangeLimit(hosts(100, 30), limit())).toMatchObject({ exceeded: false });
		const over = checkChangeLimit(hosts(10, 4), limit());
		expect(over).toMatchObject({ exceeded: true, forced: false, maxPercent: 30, count: hosts(10, 4) });
		expect(over.message).toBe(
			'the push would update 4 and remove 0 of 10 managed hosts (40 %), over the change limit of 30 %; nothing was written. Check the input, or turn on Force to let it through',
		);
		expect(checkChangeLimit(hosts(1000, 301), limit())).toMatchObject({ exceeded: true });
		expect(checkChangeLimit(hosts(12, 5), limit()).message).toContain('(41.7 %)');
	});

	it('counts removals with updates, and names Prune only when something is removed', () => {
		const verdict = checkChangeLimit({ managed: 40, managedHosts: 20, updated: 4, removed: 12, unit: 'records' }, limit());
		expect(verdict.exceeded).toBe(true);
		expect(verdict.message).toMatch(/^the push would update 4 and remove 12 of 40 managed records \(40 %\), over the change limit of 30 %/);
		expect(verdict.message).toContain('Prune');
		expect(checkChangeLimit({ managed: 40, managedHosts: 20, updated: 12, removed: 0, unit: 'records' }, limit()).exceeded).toBe(false);
	});

	it('never applies below the managed-hosts floor, counted in hosts whatever the unit', () => {
		const below = checkChangeLimit(hosts(9, 9), limit());
		expect(below).toMatchObject({ exceeded: false, forced: false });
		expect(below.message).toContain('the change limit applies from 10 managed hosts (9 now)');
		expect(checkChangeLimit(hosts(10, 10), limit()).exceeded).toBe(true);
		// 300 records of 9 hosts: still below the floor.
		expect(checkChangeLimit({ managed: 300, managedHosts: 9, updated: 0, removed: 300, unit: 'records' }, limit()).exceeded).toBe(false);
		expect(checkChangeLimit(hosts(0, 0), limit({ minManaged: 0 })).exceeded).toBe(false);
		expect(checkChangeLimit(hosts(3, 3), limit({ minManaged: 2 })).exceeded).toBe(true);
	});

	it('Force lets a push over the limit through and says so', () => {
		const forced = checkChangeLimit(hosts(10, 4), limit({ force: true }));
		expect(forced).toMatchObject({ exceeded: false, forced: true });
		expect(forced.message).toBe('the push would update 4 and remove 0 of 10 managed hosts (40 %), over the change limit of 30 %; let through by Force');
		// Within the limit, Force changes nothing.
		expect(checkChangeLimit(hosts(10, 3), limit({ force: true }))).toMatchObject({ exceeded: false, forced: false });
	});

	it('other limits: 0 % refuses any change, 100 % any share', () => {
		expect(checkChangeLimit(hosts(10, 1), limit({ maxPercent: 0 })).exceeded).toBe(true);
		expect(checkChangeLimit(hosts(10, 0), limit({ maxPercent: 0 })).exceeded).toBe(false);
		expect(checkChangeLimit(hosts(10, 10), limit({ maxPercent: 100 })).exceeded).toBe(false);
	});
});

describe('the change-limit settings', () => {
	it('defaults to 30 % from 10 managed hosts, not forced', () => {
		expect(CHANGE_LIMIT_DEFAULTS).toEqual({ maxPercent: 30, minManaged: 10, force: false });
		expect(readChangeLimit({})).toEqual(CHANGE_LIMIT_DEFAULTS);
		expect(readChangeLimit({ changeLimitPercent: null as never, changeLimitMinHosts: '' })).toEqual(CHANGE_LIMIT_DEFAULTS);
		expect(readChangeLimit({ changeLimitPercent: 12.5, changeLimitMinHosts: 3, force: true })).toEqual({ maxPercent: 12.5, minManaged: 3, force: true });
	});

	it('refuses a bad value, naming the option', () => {
		expect(() => readChangeLimit({ changeLimitPercent: 150 })).toThrow('Change Limit (%) 150 must be a number from 0 to 100');
		expect(() => readChangeLimit({ changeLimitPercent: 'lots' })).toThrow(/^Change Limit \(%\) "lots"/);
		expect(() => readChangeLimit({ changeLimitMinHosts: -1 })).toThrow(/^Change Limit From \(Managed Hosts\) -1/);
		expect(() => changeLimitOptions({ maxPercent: Number.NaN })).toThrow(/Change Limit \(%\)/);
	});

	it('items carry the verdict only when the push is over the limit', () => {
		expect(changeLimitField(undefined)).toEqual({});
		expect(changeLimitField(checkChangeLimit(hosts(10, 3), limit()))).toEqual({});
		const field = changeLimitField(checkChangeLimit(hosts(10, 4), limit({ force: true })));
		expect(field).toEqual({
			changeLimit: expect.objectContaining({ exceeded: true, forced: true, managed: 10, updated: 4, removed: 0, unit: 'hosts', maxPercent: 30 }),
		});
	});
});

describe('NetBox Push counts hosts', () => {
	/** A client that answers only the two count requests, and records them. */
	function countingClient(devices: number, vms: number) {
		const calls: string[] = [];
		const client = {
			async request(method: string, path: string, o: { query?: Record<string, unknown> } = {}) {
				calls.push(`${method} ${path} ${JSON.stringify(o.query)}`);
				if (path.includes('virtual-machines')) return { count: vms };
				if (path.includes('devices')) return { count: devices };
				throw new Error(`unexpected ${path}`);
			},
		} as unknown as NetBoxClient;
		return { client, calls };
	}
	const machine = (id: number, tagged = true): NbMachine => ({ id, name: `m${id}`, site: ref(1, 'lab'), tags: tagged ? [owner] : [] });
	const plan = (p: Partial<HostPlan>) => ({ creates: false, steps: [], ...p }) as HostPlan;
	const step = { object: 'device', endpoint: 'x', method: 'PATCH', body: {} } as const;

	it('updated: hosts that change an existing device or VM; not created, unchanged or failed ones', () => {
		const state = pushedState();
		const planned = planPush(
			[
				{ index: 0, host: host({ description: 'changed' }) },
				{ index: 1, host: host({ name: 'web02', ipv4: '10.0.0.6/24', ipv6: undefined, mac: undefined, switch: undefined, switchPort: undefined }) },
			],
			state,
			options,
		).plans;
		expect(planned.map((p) => [p.creates, p.steps.length > 0])).toEqual([[false, true], [true, true]]);
		expect(updatedHosts(planned)).toBe(1);
		expect(updatedHosts(planPush([{ index: 0, host: host({}) }], state, options).plans)).toBe(0);
		expect(updatedHosts([plan({ steps: [step], error: { field: 'ipv4', message: 'x', kind: 'conflict' } })])).toBe(0);
		// An adopted device (not yet tagged) is an update too.
		state.devices[1].tags = [];
		expect(updatedHosts(planPush([{ index: 0, host: host({}) }], state, options).plans)).toBe(1);
	});

	it('the tagged devices and VMs the snapshot holds are a lower bound, counted once each', () => {
		const s = snapshot({ devices: [machine(1), machine(1), machine(2, false)], vms: [machine(3)] });
		expect(managedSeen(s, 'netbox-auto')).toBe(2);
	});

	it('asks NetBox nothing when nothing changes, or when the lower bound already passes', async () => {
		const seen = snapshot({ devices: Array.from({ length: 10 }, (_, i) => machine(i + 1)) });
		const { client, calls } = countingClient(500, 500);
		const none = await changeLimitVerdict(client, seen, [plan({})], 'netbox-auto', limit());
		expect(none).toMatchObject({ exceeded: false, count: { updated: 0 } });
		const three = await changeLimitVerdict(client, seen, Array.from({ length: 3 }, () => plan({ steps: [step] })), 'netbox-auto', limit());
		expect(three).toMatchObject({ exceeded: false, count: { managed: 10, updated: 3 } });
		expect(calls).toEqual([]);
	});

	it('counts devices and VMs by tag when the lower bound is too small to tell, then decides', async () => {
		const seen = snapshot({ devices: Array.from({ length: 5 }, (_, i) => machine(i + 1)) });
		const updates = Array.from({ length: 5 }, () => plan({ steps: [step] }));
		const over = countingClient(6, 6);
		const refused = await changeLimitVerdict(over.client, seen, updates, 'netbox-auto', limit());
		expect(over.calls.sort()).toEqual([
			'GET api/dcim/devices/ {"tag":"netbox-auto","limit":1,"fields":"id"}',
			'GET api/virtualization/virtual-machines/ {"tag":"netbox-auto","limit":1,"fields":"id"}',
		]);
		expect(refused).toMatchObject({ exceeded: true, count: { managed: 12, managedHosts: 12, updated: 5, removed: 0, unit: 'hosts' } });
		expect(refused.message).toContain('update 5 and remove 0 of 12 managed hosts (41.7 %)');
		const many = countingClient(10, 10);
		expect(await changeLimitVerdict(many.client, seen, updates, 'netbox-auto', limit())).toMatchObject({ exceeded: false, count: { managed: 20 } });
		const forced = countingClient(6, 6);
		expect(await changeLimitVerdict(forced.client, seen, updates, 'netbox-auto', limit({ force: true }))).toMatchObject({ exceeded: false, forced: true });
	});

	it('nothing is managed while NetBox has no ownership tag: no request', async () => {
		const { client, calls } = countingClient(0, 0);
		const verdict = await changeLimitVerdict(client, snapshot(), [plan({ steps: [step] })], 'some-new-tag', limit());
		expect(verdict).toMatchObject({ exceeded: false, count: { managed: 0, updated: 1 } });
		expect(calls).toEqual([]);
	});
});
