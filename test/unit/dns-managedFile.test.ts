import {
	MANAGED_HEADER,
	ManagedFileError,
	parseManagedFile,
	renderManagedFile,
} from '../../core/dns/managedFile';
import { toRecord, type RecordFields } from '../../core/dns/records';

const fields: RecordFields[] = [
	{ host: 'web2.lab.example', type: 'PTR', ttl: 300, address: '10.0.0.6' },
	{ host: 'web1.lab.example', type: 'PTR', ttl: 300, address: '2001:db8::5' },
	{ host: 'web1.lab.example', type: 'A', ttl: 300, address: '10.0.0.5' },
	{ host: 'web2.lab.example', type: 'A', ttl: 300, address: '10.0.0.6' },
	{ host: 'web1.lab.example', type: 'AAAA', ttl: 300, address: '2001:db8::5' },
	{ host: 'web1.lab.example', type: 'PTR', ttl: 300, address: '10.0.0.5' },
];
const records = fields.map(toRecord);

const expected = [
	...MANAGED_HEADER,
	'server:',
	'\tlocal-data: "web1.lab.example. 300 IN A 10.0.0.5"',
	'\tlocal-data: "web1.lab.example. 300 IN AAAA 2001:db8::5"',
	'\tlocal-data-ptr: "10.0.0.5 300 web1.lab.example."',
	'\tlocal-data-ptr: "2001:db8::5 300 web1.lab.example."',
	'\tlocal-data: "web2.lab.example. 300 IN A 10.0.0.6"',
	'\tlocal-data-ptr: "10.0.0.6 300 web2.lab.example."',
	'',
].join('\n');

describe('managed file', () => {
	it('renders sorted, grouped per host, under a header that says who owns it', () => {
		expect(renderManagedFile(records)).toBe(expected);
		expect(MANAGED_HEADER[0]).toContain('Managed by n8n-nodes-netbox-auto');
	});

	it('round-trips byte for byte', () => {
		const parsed = parseManagedFile(expected);
		expect(renderManagedFile(parsed)).toBe(expected);
		expect(parsed).toHaveLength(6);
	});

	it('reads an empty file (created so the include resolves) and an empty rendering as no records', () => {
		expect(parseManagedFile('')).toEqual([]);
		expect(parseManagedFile(renderManagedFile([]))).toEqual([]);
	});

	it.each([
		['a foreign line', expected.replace('server:\n', 'server:\n\tlocal-zone: "evil." static\n')],
		['an edited header', expected.replace('Do not edit', 'Edit freely')],
		[
			'a reordered file',
			expected.replace(
				/(\tlocal-data: "web1[^\n]*A 10[^\n]*\n)(\tlocal-data: "web1[^\n]*AAAA[^\n]*\n)/,
				'$2$1',
			),
		],
		['a duplicated line', expected + '\tlocal-data: "web2.lab.example. 300 IN A 10.0.0.6"\n'],
		['a missing final newline', expected.slice(0, -1)],
		['CRLF line ends', expected.replace(/\n/g, '\r\n')],
		['an upper-case name', expected.replace('web2.lab.example. 300', 'WEB2.lab.example. 300')],
		['a non-canonical address', expected.replace('AAAA 2001:db8::5', 'AAAA 2001:0db8::5')],
		['an injected quote', expected.replace('IN A 10.0.0.6', 'IN A 10.0.0.6" "x')],
		['text without header', '\tlocal-data: "web1.lab.example. 300 IN A 10.0.0.5"\n'],
	])('refuses %s', (_, text) => {
		expect(() => parseManagedFile(text, '/etc/unbound/x.conf')).toThrow(ManagedFileError);
		expect(() => parseManagedFile(text, '/etc/unbound/x.conf')).toThrow(/\/etc\/unbound\/x\.conf/);
	});

	it('cannot render a record that would not be a clean config line', () => {
		// A DnsRecord can only come from toRecord, which refuses it; the type system does the rest.
		expect(() =>
			renderManagedFile([
				toRecord({ host: 'a"b.lab.example', type: 'A', ttl: 1, address: '10.0.0.1' }),
			]),
		).toThrow('refusing');
	});
});
