// Records Unbound serves that the managed file does not hold are foreign: a
// host that wants their name fails before anything changes, and no plan ever
// clears a name without giving its foreign records back.
import { parseAddress, type ParsedAddress } from '../../core/address';
import { planPush, planStatus, servedForm, type HostInput, type PlanOptions } from '../../core/dns/plan';
import { changeCount } from '../../core/dns/push';
import { checkChangeLimit, CHANGE_LIMIT_DEFAULTS } from '../../core/changeLimit';
import { desiredRecords, parseServed, type DnsHost, type DnsRecord, type ServedRR } from '../../core/dns/records';

const options: PlanOptions = { zone: 'lab.example', ttl: 300, forward: true, reverse: true, prune: false };
const v4 = (ip: string) => parseAddress(ip, 4) as ParsedAddress;
const host = (name: string, ipv4: string): DnsHost => ({ name, ipv4: v4(ipv4) });
const inputs = (...hosts: DnsHost[]): HostInput[] => hosts.map((h, index) => ({ index, host: h }));
const fileOf = (...hosts: DnsHost[]): DnsRecord[] =>
	hosts.flatMap((h) => desiredRecords(`${h.name}.lab.example`, h, options));
const served = (...lines: string[]): ServedRR[] => parseServed(lines.join('\n'));

const ADMIN = [
	'ho-admin.lab.example.\t300\tIN\tA\t10.77.9.9',
	'ho-admin.lab.example.\t300\tIN\tTXT\t"owner=ops"',
];

describe('foreign records at a pushed name', () => {
	it('fail the host before anything changes, naming every record and its type, with the field', () => {
		const plan = planPush(inputs(host('ho-admin', '10.77.9.10')), [], served(...ADMIN), options);
		expect(plan.hosts[0]).toMatchObject({ action: 'failed', error: { field: 'name', kind: 'conflict' } });
		expect(plan.hosts[0].error!.message).toContain('ho-admin.lab.example: A 10.77.9.9, TXT "owner=ops"');
		expect(plan.hosts[0].foreign).toEqual([
			expect.objectContaining({ type: 'A', action: 'conflict' }),
			expect.objectContaining({ type: 'TXT', action: 'conflict' }),
		]);
		expect(plan.fileChanged).toBe(false);
		expect(plan.served).toEqual({ remove: [], add: [], touched: [] });
	});

	it('a foreign PTR for the host address fails it on ipv4', () => {
		const plan = planPush(
			inputs(host('web1', '10.77.9.11')),
			[],
			served('11.9.77.10.in-addr.arpa.\t3600\tIN\tPTR\tprinter.corp.example.'),
			options,
		);
		expect(plan.hosts[0]).toMatchObject({ action: 'failed', error: { field: 'ipv4', kind: 'conflict' } });
		expect(plan.hosts[0].error!.message).toMatch(/^ipv4 10\.77\.9\.11: .*PTR printer\.corp\.example\./);
	});

	it('Take Over Names replaces foreign A/AAAA/PTR, but never another type', () => {
		const onlyA = planPush(inputs(host('ho-admin', '10.77.9.10')), [], served(ADMIN[0]), {
			...options,
			takeOverNames: true,
		});
		expect(onlyA.hosts[0]).toMatchObject({ action: 'created', foreign: [{ type: 'A', action: 'replaced' }] });
		expect(onlyA.served.remove).toEqual(['ho-admin.lab.example']);
		expect(onlyA.served.add).not.toContain('ho-admin.lab.example. 300 IN A 10.77.9.9');
		const withTxt = planPush(inputs(host('ho-admin', '10.77.9.10')), [], served(...ADMIN), {
			...options,
			takeOverNames: true,
		});
		expect(withTxt.hosts[0]).toMatchObject({ action: 'failed', error: { kind: 'conflict' } });
		expect(withTxt.hosts[0].error!.message).toContain('TXT is never removed');
	});

	it('records the backup holds are ours (a push cut off), not foreign', () => {
		const file = fileOf(host('web1', '10.0.0.6'));
		const backup = fileOf(host('web1', '10.0.0.5'));
		const now = servedForm(backup);
		const first = planPush(inputs(host('web1', '10.0.0.6')), file, now, options);
		expect(first.foreignSeen).toBe(true);
		const again = planPush(inputs(host('web1', '10.0.0.6')), file, now, options, [], backup);
		expect(again.hosts[0].action).toBe('updated');
		expect(again.served.remove).toContain('web1.lab.example');
	});
});

describe('foreign records are never cleared', () => {
	const file = fileOf(host('web1', '10.0.0.5'), host('old1', '10.0.0.7'));
	const txt = 'old1.lab.example.\t300\tIN\tTXT\t"keep me"';
	const mx = 'lab.example.\t300\tIN\tMX\t10 web1.lab.example.';

	it('prune clears a name and gives its foreign records back in the same change, listing them as kept', () => {
		const plan = planPush(inputs(host('web1', '10.0.0.5')), file, [...servedForm(file), ...served(txt, mx)], {
			...options,
			prune: true,
		});
		expect(plan.pruned[0]).toMatchObject({ fqdn: 'old1.lab.example', foreign: [{ type: 'TXT', action: 'kept' }] });
		expect(plan.served.remove).toContain('old1.lab.example');
		expect(plan.served.add).toContain('old1.lab.example. 300 IN TXT "keep me"');
		// The MX points at a managed name but lives at the apex: never touched.
		expect(plan.served.remove).not.toContain('lab.example');
		expect(plan.served.add.some((l) => l.includes(' MX '))).toBe(false);
	});

	it('a kept host with a foreign record beside it is left alone, not "fixed"', () => {
		const plan = planPush(inputs(host('web1', '10.0.0.5')), file, [...servedForm(file), ...served(txt)], options);
		expect(plan.served).toEqual({ remove: [], add: [], touched: [] });
	});

	it('a record missing from what Unbound serves is added without clearing the name', () => {
		const now = [...servedForm(file).filter((s) => s.type !== 'PTR' || !s.rr.includes('old1')), ...served(txt)];
		const plan = planPush(inputs(host('web1', '10.0.0.5')), file, now, options);
		expect(plan.served.remove).toEqual([]);
		expect(plan.served.add).toEqual(['7.0.0.10.in-addr.arpa. 300 IN PTR old1.lab.example.']);
	});
});

describe('status', () => {
	it('shows the push conflict: drifted, with the same words and the foreign records', () => {
		const report = planStatus(inputs(host('ho-admin', '10.77.9.10')), [], served(...ADMIN), options);
		const push = planPush(inputs(host('ho-admin', '10.77.9.10')), [], served(...ADMIN), options);
		expect(report.hosts[0]).toMatchObject({ state: 'drifted', conflict: { field: 'name', message: push.hosts[0].error!.message } });
		expect(report.hosts[0].foreign).toHaveLength(2);
	});

	it('an in-sync host stays in sync when foreign records live elsewhere', () => {
		const file = fileOf(host('web1', '10.0.0.5'));
		const report = planStatus(inputs(host('web1', '10.0.0.5')), file, [...servedForm(file), ...served(...ADMIN)], options);
		expect(report.hosts[0].state).toBe('in-sync');
	});
});

describe('change limit counts', () => {
	const many = Array.from({ length: 20 }, (_, i) => host(`h${i}`, `10.1.0.${i + 1}`));
	const file = fileOf(...many);
	const now = servedForm(file);

	it('records replaced by updates and removed by prune, against the managed records', () => {
		const moved = many.map((h, i) => (i < 4 ? host(h.name, `10.2.0.${i + 1}`) : h));
		const plan = planPush(inputs(...moved.slice(0, 15)), file, now, { ...options, prune: true });
		const count = changeCount(plan, file);
		expect(count).toEqual({ managed: 40, managedHosts: 20, updated: 8, removed: 10, unit: 'records' });
		const verdict = checkChangeLimit(count, CHANGE_LIMIT_DEFAULTS);
		expect(verdict.exceeded).toBe(true);
		expect(verdict.message).toContain('update 8 and remove 10 of 40 managed records (45 %)');
	});

	it('a prune on a partial list (one batch of Loop Over Items) is stopped by the limit', () => {
		const plan = planPush(inputs(...many.slice(0, 5)), file, now, { ...options, prune: true });
		expect(checkChangeLimit(changeCount(plan, file), CHANGE_LIMIT_DEFAULTS).exceeded).toBe(true);
	});

	it('creating hosts never counts', () => {
		const plan = planPush(inputs(...many, host('new1', '10.3.0.1')), file, now, options);
		expect(changeCount(plan, file)).toMatchObject({ updated: 0, removed: 0 });
	});
});
