import { parseAddress, type ParsedAddress } from '../../core/address';
import { changedLines, planPush, servedForm, withServed, type HostInput, type PlanOptions } from '../../core/dns/plan';
import { AUTO_RELOAD_LINES, resolveMode } from '../../core/dns/push';
import { desiredRecords, type DnsHost } from '../../core/dns/records';

const options: PlanOptions = { zone: 'lab.example', ttl: 300, forward: true, reverse: true, prune: false };
const host = (i: number, third = 0): DnsHost => ({
	name: `h${i}`,
	ipv4: parseAddress(`10.${third}.${i >> 8}.${i & 255}`, 4) as ParsedAddress,
});
const inputs = (hosts: DnsHost[]): HostInput[] => hosts.map((h, index) => ({ index, host: h }));
const fileOf = (hosts: DnsHost[]) => hosts.flatMap((h) => desiredRecords(`${h.name}.lab.example`, h, options));

describe('apply mode', () => {
	it('auto: local_datas up to the threshold of changed lines, reload above it; the others are fixed', () => {
		// A new host is 2 lines (A + PTR): 1,000 hosts = 2,000 lines, 1,001 hosts = 2,002.
		const small = planPush(inputs(Array.from({ length: AUTO_RELOAD_LINES / 2 }, (_, i) => host(i))), [], [], options);
		const large = planPush(inputs(Array.from({ length: AUTO_RELOAD_LINES / 2 + 1 }, (_, i) => host(i))), [], [], options);
		expect(changedLines(small.served)).toBe(AUTO_RELOAD_LINES);
		expect(resolveMode('auto', small)).toBe('local_datas');
		expect(resolveMode('auto', large)).toBe('reload');
		expect(resolveMode('local_datas', large)).toBe('local_datas');
		expect(resolveMode('reload', small)).toBe('reload');
	});

	it('without what Unbound serves, sizes the change as if it served the file; the real read replaces that', () => {
		const before = [host(1), host(2)];
		const file = fileOf(before);
		const plan = planPush(inputs([host(1, 1), host(2)]), file, undefined, options);
		expect(plan.servedKnown).toBe(false);
		// h1 changes address: clear h1 and its old PTR name, add A + new PTR.
		expect(plan.served.remove).toEqual(['1.0.0.10.in-addr.arpa', 'h1.lab.example']);
		expect(plan.served.add).toHaveLength(2);
		// Unbound had lost h2: the real read finds that too, and says so on h2.
		withServed(plan, servedForm(fileOf([host(1)])));
		expect(plan.servedKnown).toBe(true);
		expect(plan.served.touched).toContain('h2.lab.example');
		expect(plan.hosts[1]).toMatchObject({ action: 'updated', reason: expect.stringMatching(/did not serve/) });
	});

	it('an unchanged file needs no served change until what is served is known', () => {
		const file = fileOf([host(1)]);
		const plan = planPush(inputs([host(1)]), file, undefined, options);
		expect(plan.fileChanged).toBe(false);
		expect(plan.served.touched).toEqual([]);
	});
});
