import { parseAddress, type ParsedAddress } from '../../core/address';
import {
	planPush,
	planStatus,
	servedForm,
	type HostInput,
	type PlanOptions,
} from '../../core/dns/plan';
import { desiredRecords, type DnsHost, type DnsRecord } from '../../core/dns/records';

const options: PlanOptions = {
	zone: 'lab.example',
	ttl: 300,
	forward: true,
	reverse: true,
	prune: false,
};
const v4 = (ip: string) => parseAddress(ip, 4) as ParsedAddress;
const v6 = (ip: string) => parseAddress(ip, 6) as ParsedAddress;
const host = (name: string, ipv4?: string, ipv6?: string): DnsHost => ({
	name,
	ipv4: ipv4 ? v4(ipv4) : undefined,
	ipv6: ipv6 ? v6(ipv6) : undefined,
});
const inputs = (...hosts: DnsHost[]): HostInput[] => hosts.map((h, index) => ({ index, host: h }));
/** Records as a previous push would have left them in the file. */
const fileOf = (...hosts: DnsHost[]): DnsRecord[] =>
	hosts.flatMap((h) => desiredRecords(`${h.name}.lab.example`, h, options));

describe('planPush', () => {
	it('creates a new host in the file and adds its records to what Unbound serves', () => {
		const plan = planPush(inputs(host('web1', '10.0.0.5', '2001:db8::5')), [], [], options);
		expect(plan.hosts[0]).toMatchObject({
			index: 0,
			fqdn: 'web1.lab.example',
			action: 'created',
			removed: [],
		});
		expect(plan.hosts[0].added).toHaveLength(4);
		expect(plan.fileChanged).toBe(true);
		expect(plan.served.remove).toEqual([]);
		expect([...plan.served.add].sort()).toEqual([...plan.hosts[0].records].sort());
	});

	it('changes nothing when file and served data already match', () => {
		const file = fileOf(host('web1', '10.0.0.5'), host('web2', '10.0.0.6'));
		const plan = planPush(
			inputs(host('web1', '10.0.0.5'), host('web2.lab.example', '10.0.0.6')),
			file,
			servedForm(file),
			options,
		);
		expect(plan.hosts.map((h) => h.action)).toEqual(['unchanged', 'unchanged']);
		expect(plan.fileChanged).toBe(false);
		expect(plan.served).toEqual({ remove: [], add: [], touched: [] });
	});

	it('updates a changed address: the old forward and reverse names are cleared, the new ones added', () => {
		const file = fileOf(host('web1', '10.0.0.5'));
		const plan = planPush(inputs(host('web1', '10.0.0.9')), file, servedForm(file), options);
		expect(plan.hosts[0]).toMatchObject({
			action: 'updated',
			added: [
				'web1.lab.example. 300 IN A 10.0.0.9',
				'9.0.0.10.in-addr.arpa. 300 IN PTR web1.lab.example.',
			],
			removed: [
				'web1.lab.example. 300 IN A 10.0.0.5',
				'5.0.0.10.in-addr.arpa. 300 IN PTR web1.lab.example.',
			],
		});
		expect(plan.served.remove).toEqual(['5.0.0.10.in-addr.arpa', 'web1.lab.example']);
		expect(plan.served.add).toEqual([
			'9.0.0.10.in-addr.arpa. 300 IN PTR web1.lab.example.',
			'web1.lab.example. 300 IN A 10.0.0.9',
		]);
	});

	it('repairs served data that drifted from a correct file, and says so', () => {
		const file = fileOf(host('web1', '10.0.0.5'));
		const plan = planPush(
			inputs(host('web1', '10.0.0.5')),
			file,
			servedForm(file).slice(0, 1),
			options,
		);
		expect(plan.fileChanged).toBe(false);
		expect(plan.hosts[0]).toMatchObject({
			action: 'updated',
			reason: expect.stringContaining('did not serve'),
		});
		expect(plan.served).toMatchObject({
			remove: [],
			add: ['5.0.0.10.in-addr.arpa. 300 IN PTR web1.lab.example.'],
		});
	});

	it('keeps hosts not in the input unless prune is on', () => {
		const file = fileOf(host('old', '10.0.0.1'), host('web1', '10.0.0.5'));
		const kept = planPush(inputs(host('web1', '10.0.0.5')), file, servedForm(file), options);
		expect(kept.records).toHaveLength(4);
		expect(kept.pruned).toEqual([]);
		const pruned = planPush(inputs(host('web1', '10.0.0.5')), file, servedForm(file), {
			...options,
			prune: true,
		});
		expect(pruned.records.map((r) => r.host)).toEqual(['web1.lab.example', 'web1.lab.example']);
		expect(pruned.pruned).toEqual([
			expect.objectContaining({
				fqdn: 'old.lab.example',
				action: 'removed',
				removed: expect.arrayContaining(['old.lab.example. 300 IN A 10.0.0.1']),
			}),
		]);
		expect(pruned.served.remove).toEqual(['1.0.0.10.in-addr.arpa', 'old.lab.example']);
	});

	it('never prunes hosts that are in the input but failed, were skipped, or were never valid', () => {
		const file = fileOf(
			host('bad', '10.0.0.1'),
			host('noaddr', '10.0.0.2'),
			host('invalid', '10.0.0.3'),
		);
		const plan = planPush(
			inputs(host('bad', '10.0.0.1'), host('bad.lab.example', '10.0.0.7'), host('noaddr')),
			file,
			servedForm(file),
			{ ...options, prune: true },
			['invalid'],
		);
		expect(plan.hosts.map((h) => h.action)).toEqual(['unchanged', 'failed', 'skipped']);
		expect(plan.hosts[2].reason).toBe('no ipv4 or ipv6 address');
		expect(plan.pruned).toEqual([]);
		expect(plan.records).toHaveLength(6);
	});

	it('fails a host whose name is not valid in the zone, keeping the others', () => {
		const plan = planPush(
			inputs(host('lab.example', '10.0.0.1'), host('ok', '10.0.0.2')),
			[],
			[],
			options,
		);
		expect(plan.hosts[0]).toMatchObject({
			action: 'failed',
			error: { field: 'name', message: expect.stringContaining('zone itself') },
		});
		expect(plan.hosts[1].action).toBe('created');
	});

	it('refuses a second PTR for an address held by a host that stays in the file', () => {
		const file = fileOf(host('old', '10.0.0.5'));
		const plan = planPush(inputs(host('new', '10.0.0.5')), file, servedForm(file), options);
		expect(plan.hosts[0]).toMatchObject({
			action: 'failed',
			error: { field: 'ipv4', message: expect.stringContaining('old.lab.example') },
		});
		expect(plan.fileChanged).toBe(false);
		// With prune, the old host goes, and the address is free.
		expect(
			planPush(inputs(host('new', '10.0.0.5')), file, servedForm(file), { ...options, prune: true })
				.hosts[0].action,
		).toBe('created');
		// Forward-only pushes may share an address.
		expect(
			planPush(inputs(host('new', '10.0.0.5')), file, [], { ...options, reverse: false }).hosts[0]
				.action,
		).toBe('created');
	});

	it('lets an address move between two hosts of the same push', () => {
		const file = fileOf(host('a', '10.0.0.5'), host('b', '10.0.0.6'));
		const plan = planPush(
			inputs(host('a', '10.0.0.6'), host('b', '10.0.0.5')),
			file,
			servedForm(file),
			options,
		);
		expect(plan.hosts.map((h) => h.action)).toEqual(['updated', 'updated']);
	});

	it('refuses the later of two hosts in one batch claiming one address, and a repeated name', () => {
		const plan = planPush(
			inputs(host('a', '10.0.0.5'), host('b', '10.0.0.5'), host('A.lab.example', '10.0.0.9')),
			[],
			[],
			options,
		);
		expect(plan.hosts.map((h) => h.action)).toEqual(['created', 'failed', 'failed']);
		expect(plan.hosts[1].error?.message).toContain('a.lab.example (item 1)');
		expect(plan.hosts[2].error).toEqual({
			field: 'name',
			message: 'a.lab.example is also pushed by item 1 of this batch',
		});
	});
});

describe('planStatus', () => {
	const file = fileOf(
		host('sync', '10.0.0.1'),
		host('drift', '10.0.0.2'),
		host('stale', '10.0.0.3'),
	);
	const served = servedForm(file).filter((s) => s.owner !== '2.0.0.10.in-addr.arpa');

	it('compares each host with both the file and the served data', () => {
		const report = planStatus(
			inputs(
				host('sync', '10.0.0.1'),
				host('drift', '10.0.0.2'),
				host('new', '10.0.0.4'),
				host('noaddr'),
			),
			file,
			served,
			options,
		);
		expect(report.hosts.map((h) => h.state)).toEqual(['in-sync', 'drifted', 'missing', 'skipped']);
		expect(report.hosts[1].differences).toEqual({
			file: { missing: [], extra: [] },
			served: { missing: ['2.0.0.10.in-addr.arpa. 300 IN PTR drift.lab.example.'], extra: [] },
		});
		expect(report.stale).toEqual([{ fqdn: 'stale.lab.example', records: expect.any(Array) }]);
	});

	it('calls a host whose file records differ from the desired ones drifted', () => {
		const report = planStatus(inputs(host('sync', '10.0.0.9')), file, served, options);
		expect(report.hosts[0].state).toBe('drifted');
		expect(report.hosts[0].differences?.file.extra).toContain(
			'sync.lab.example. 300 IN A 10.0.0.1',
		);
	});
});
