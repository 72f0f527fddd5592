import { parseAddress, type ParsedAddress } from '../../core/address';
import {
	checkRecord,
	desiredRecords,
	normaliseZone,
	parseServed,
	qualify,
	reverseName,
	toRecord,
	type RecordOptions,
} from '../../core/dns/records';

const addr = (value: string, family: 4 | 6) => parseAddress(value, family) as ParsedAddress;
const options: RecordOptions = { zone: 'lab.example', ttl: 300, forward: true, reverse: true };

describe('zone and name', () => {
	it('normalises a zone and refuses a bad one', () => {
		expect(normaliseZone(' Lab.Example. ')).toBe('lab.example');
		expect(normaliseZone('lab example')).toEqual({
			error: expect.stringContaining('not a DNS name'),
		});
		expect(normaliseZone('')).toEqual({ error: expect.any(String) });
	});

	it('appends the zone to a short name and keeps a name already in the zone', () => {
		expect(qualify('Web1', 'lab.example')).toBe('web1.lab.example');
		expect(qualify('web1.dc1', 'lab.example')).toBe('web1.dc1.lab.example');
		expect(qualify('web1.lab.example', 'lab.example')).toBe('web1.lab.example');
		expect(qualify('WEB1.LAB.EXAMPLE', 'lab.example')).toBe('web1.lab.example');
	});

	it.each([
		['lab.example'],
		['we"b'],
		['a\nb'],
		['$(reboot)'],
		['x'.repeat(64)],
		['a..b'],
		['-a'],
		['a b'],
	])('refuses %j', (name) => {
		expect(qualify(name, 'lab.example')).toEqual({ error: expect.any(String) });
	});

	it('refuses a name that only fits before the zone is appended', () => {
		const long = Array(4).fill('a'.repeat(60)).join('.'); // 243 characters
		expect(qualify(long, 'lab.example')).toEqual({ error: expect.stringContaining('253') });
	});
});

describe('desiredRecords', () => {
	const host = { name: 'web1', ipv4: addr('10.0.0.5/24', 4), ipv6: addr('2001:DB8:0::5/64', 6) };

	it('gives A, AAAA and a PTR per address, in file order', () => {
		expect(desiredRecords('web1.lab.example', host, options).map((r) => r.rr)).toEqual([
			'web1.lab.example. 300 IN A 10.0.0.5',
			'web1.lab.example. 300 IN AAAA 2001:db8::5',
			'5.0.0.10.in-addr.arpa. 300 IN PTR web1.lab.example.',
			'5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. 300 IN PTR web1.lab.example.',
		]);
	});

	it('honours the record type switches', () => {
		expect(
			desiredRecords('web1.lab.example', host, { ...options, reverse: false }).map((r) => r.type),
		).toEqual(['A', 'AAAA']);
		expect(
			desiredRecords(
				'web1.lab.example',
				{ name: 'web1', ipv4: host.ipv4 },
				{ ...options, forward: false },
			).map((r) => r.type),
		).toEqual(['PTR']);
	});
});

describe('checkRecord', () => {
	const good = { host: 'web1.lab.example', type: 'A' as const, ttl: 300, address: '10.0.0.5' };

	it('accepts a sound record', () => expect(checkRecord(good)).toBeUndefined());

	it.each([
		[{ host: 'web"1.lab.example' }],
		[{ host: 'Web1.lab.example' }],
		[{ address: '10.0.0.5" 1 IN A 1.1.1.1' }],
		[{ address: '10.0.0.256' }],
		[{ type: 'AAAA', address: '10.0.0.5' }],
		[{ type: 'PTR', address: '2001:DB8::5' }],
		[{ ttl: -1 }],
		[{ ttl: 1.5 }],
		[{ type: 'TXT' }],
	])('refuses %j', (change) => {
		expect(checkRecord({ ...good, ...(change as object) })).toEqual(expect.any(String));
		expect(() => toRecord({ ...good, ...(change as object) })).toThrow('refusing');
	});
});

describe('reverseName', () => {
	it.each([
		['10.1.2.3', '3.2.1.10.in-addr.arpa'],
		['::1', `1.${'0.'.repeat(31)}ip6.arpa`],
		['2001:db8:1::', `${'0.'.repeat(20)}1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa`],
	])('%s → %s', (address, name) => expect(reverseName(address)).toBe(name));
});

describe('parseServed', () => {
	it('reads every record list_local_data prints, A/AAAA/PTR in the form records are written in, other types as Unbound renders them', () => {
		const output = [
			'web1.lab.example.\t300\tIN\tA\t10.0.0.5',
			'',
			'WEB1.lab.example.\t300\tIN\tAAAA\t2001:DB8::5',
			'5.0.0.10.in-addr.arpa.\t300\tIN\tPTR\tweb1.lab.example.',
			'localhost.\t10800\tIN\tNS\tlocalhost.',
			'lab.example.\t10800\tIN\tSOA\tlocalhost. nobody.invalid. 1 3600 1200 604800 10800',
			'web1.lab.example.\t300\tIN\tTXT\t"owner=ops" "two\twords"',
			'not a record line',
		].join('\n');
		expect(parseServed(output)).toEqual([
			{ owner: 'web1.lab.example', type: 'A', rr: 'web1.lab.example. 300 IN A 10.0.0.5' },
			{ owner: 'web1.lab.example', type: 'AAAA', rr: 'web1.lab.example. 300 IN AAAA 2001:db8::5' },
			{ owner: '5.0.0.10.in-addr.arpa', type: 'PTR', rr: '5.0.0.10.in-addr.arpa. 300 IN PTR web1.lab.example.' },
			{ owner: 'localhost', type: 'NS', rr: 'localhost. 10800 IN NS localhost.' },
			{ owner: 'lab.example', type: 'SOA', rr: 'lab.example. 10800 IN SOA localhost. nobody.invalid. 1 3600 1200 604800 10800' },
			{ owner: 'web1.lab.example', type: 'TXT', rr: 'web1.lab.example. 300 IN TXT "owner=ops" "two words"' },
		]);
	});
});
