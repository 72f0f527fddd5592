import { findBatchDuplicates, hostFieldsSchema, parseHost, type Host } from '../../core/host';

const device = { name: 'web01', site: 'lab', role: 'server', deviceType: 'generic' };

describe('host schema', () => {
	it('accepts a device and applies defaults', () => {
		const result = parseHost({ ...device, ipv4: '10.0.0.5/24', ipv6: '2001:DB8:0:0::5/64', mac: 'aa-bb-cc-dd-ee-0f' });
		expect(result.ok).toBe(true);
		const host = (result as { host: Host }).host;
		expect(host.kind).toBe('device');
		expect(host.interface).toBe('eth0');
		expect(host.ipv4).toEqual({ ip: '10.0.0.5', prefixLength: 24, cidr: '10.0.0.5/24' });
		expect(host.ipv6?.cidr).toBe('2001:db8::5/64');
		expect(host.mac).toBe('AA:BB:CC:DD:EE:0F');
	});

	it.each([
		['aabb.ccdd.eeff', 'AA:BB:CC:DD:EE:FF'],
		['AABBCCDDEEFF', 'AA:BB:CC:DD:EE:FF'],
		['aa:bb:cc:dd:ee:ff', 'AA:BB:CC:DD:EE:FF'],
	])('normalises MAC %s', (mac, expected) => {
		expect(parseHost({ ...device, mac })).toMatchObject({ ok: true, host: { mac: expected } });
	});

	it('lets DNS take a name longer than NetBox allows', () => {
		const long = `${'a'.repeat(30)}.${'b'.repeat(39)}`;
		expect(parseHost({ name: long, ipv4: '10.0.0.1' }, {}, hostFieldsSchema)).toMatchObject({ ok: true, host: { name: long } });
	});

	it('gives a bare address a host prefix', () => {
		expect(parseHost({ ...device, ipv4: '10.1.1.1' })).toMatchObject({ ok: true, host: { ipv4: { cidr: '10.1.1.1/32' } } });
	});

	it.each([
		[{ ...device, name: 'bad name' }, 'name', '"bad name"'],
		[{ ...device, name: 'a$(reboot)' }, 'name', 'a$(reboot)'],
		[{ ...device, name: 'x'.repeat(64) }, 'name', 'RFC 1123'],
		[{ ...device, name: `${'a'.repeat(30)}.${'b'.repeat(39)}` }, 'name', 'at most 64 characters for NetBox'],
		[{ ...device, ipv4: '10.0.0.300/24' }, 'ipv4', '10.0.0.300/24'],
		[{ ...device, ipv4: '2001:db8::1/64' }, 'ipv4', 'not an IPv4'],
		[{ ...device, ipv6: '2001:db8::1/129' }, 'ipv6', 'prefix length'],
		[{ ...device, mac: 'zz:bb:cc:dd:ee:ff' }, 'mac', 'zz:bb'],
		[{ ...device, kind: 'router' }, 'kind', 'router'],
		[{ ...device, switch: 'sw1' }, 'switchPort', 'go together'],
		[{ ...device, name: 42 }, 'name', '42'],
		[{ ...device, approved: 'maybe' }, 'approved', 'maybe'],
	])('rejects %j naming field %s', (raw, field, fragment) => {
		const result = parseHost(raw);
		expect(result.ok).toBe(false);
		expect(result).toMatchObject({ field });
		expect((result as { message: string }).message).toContain(fragment);
		expect((result as { message: string }).message.startsWith(field)).toBe(true);
	});

	it('records which fields came from Defaults (they apply only to objects being created)', () => {
		const result = parseHost({ name: 'rtr1', tags: ['edge'] }, { role: 'server', deviceType: 'generic', tags: ['edge', 'lab'] });
		expect(result).toMatchObject({ ok: true, host: { role: 'server', interface: 'eth0', tags: ['edge', 'lab'], defaultTags: ['lab'] } });
		expect((result as { host: Host }).host.defaulted).toEqual(['role', 'deviceType', 'interface']);
		expect((parseHost({ ...device, interface: 'eno1' }) as { host: Host }).host.defaulted).toBeUndefined();
	});

	it('rejects non-objects', () => {
		expect(parseHost('web01')).toMatchObject({ ok: false, field: 'item' });
		expect(parseHost(null)).toMatchObject({ ok: false, field: 'item' });
	});

	it('treats empty strings as not given and fills defaults', () => {
		expect(parseHost({ name: 'web03', site: '', mac: '' }, { site: 'lab', role: 'r', deviceType: 't' })).toMatchObject({ ok: true, host: { site: 'lab' } });
	});

	it('finds duplicate names and addresses inside a batch, first one wins', () => {
		const hosts = [
			parseHost({ ...device, ipv4: '10.0.0.1/24' }),
			parseHost({ ...device, name: 'WEB01' }),
			parseHost({ ...device, name: 'web09', ipv4: '10.0.0.1/16' }),
			parseHost({ ...device, name: 'web10', ipv4: '10.0.0.2/24' }),
		].map((r) => (r.ok ? r.host : undefined));
		const duplicates = findBatchDuplicates(hosts);
		expect([...duplicates.keys()]).toEqual([1, 2]);
		expect(duplicates.get(1)).toMatchObject({ field: 'name' });
		expect(duplicates.get(2)?.message).toBe('ipv4 "10.0.0.1" duplicates web01 (item 1) of this batch');
	});
});
