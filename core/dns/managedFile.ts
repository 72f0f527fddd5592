// The include file this package owns on the DNS host. It holds only our
// records, one canonical rendering of them, and nothing else: parsing accepts
// exactly what `renderManagedFile` writes (or an empty file an admin created so
// Unbound's include resolves), so a hand edit is refused instead of lost.
import {
	compareRecords,
	sortRecords,
	validRecord,
	type DnsRecord,
	type RecordFields,
	type RecordType,
} from './records';

export const MANAGED_HEADER = [
	'# Managed by n8n-nodes-netbox-auto (Unbound DNS Push node). Do not edit:',
	'# every push rewrites this file, and a push refuses to run if it holds lines it did not write.',
];

function line(record: DnsRecord): string {
	return record.type === 'PTR'
		? `\tlocal-data-ptr: "${record.address} ${record.ttl} ${record.host}."`
		: `\tlocal-data: "${record.host}. ${record.ttl} IN ${record.type} ${record.address}"`;
}

export function renderManagedFile(records: DnsRecord[]): string {
	return [...MANAGED_HEADER, 'server:', ...sortRecords(records).map(line), ''].join('\n');
}

export class ManagedFileError extends Error {}

const DATA = /^\tlocal-data: "([^" ]+)\. (\d+) IN (A|AAAA) ([^" ]+)"$/;
const PTR = /^\tlocal-data-ptr: "([^" ]+) (\d+) ([^" ]+)\."$/;

function parseLine(text: string): RecordFields | undefined {
	let m = DATA.exec(text);
	if (m) return { host: m[1], ttl: Number(m[2]), type: m[3] as RecordType, address: m[4] };
	m = PTR.exec(text);
	if (m) return { host: m[3], ttl: Number(m[2]), type: 'PTR', address: m[1] };
	return undefined;
}

/** The records of a managed file; throws ManagedFileError naming the first line it did not write. */
export function parseManagedFile(text: string, path = 'managed file'): DnsRecord[] {
	if (text === '') return [];
	const lines = text.split('\n');
	const records: DnsRecord[] = [];
	const changed = (at: number) =>
		new ManagedFileError(
			`${path} was changed outside this node at line ${at + 1} (${JSON.stringify((lines[at] ?? '<end of file>').slice(0, 120))}); ` +
				'restore it from the newest .bak-<time> beside it or empty it, then push again',
		);
	// Exactly what renderManagedFile writes: the header, "server:", one line per
	// record in strictly increasing order (so sorted and without duplicates),
	// each the rendering of its own record, and a final newline. Checked line by
	// line instead of by rendering the file again: same test, a fraction of the work.
	const head = [...MANAGED_HEADER, 'server:'];
	const first = head.length;
	if (lines.length < first + 1) throw changed(lines.length);
	for (let i = 0; i < first; i++) if (lines[i] !== head[i]) throw changed(i);
	const last = lines.length - 1;
	for (let i = first; i < last; i++) {
		const fields = parseLine(lines[i]);
		const record = fields ? validRecord(fields) : 'not a record line';
		if (typeof record === 'string')
			throw new ManagedFileError(
				`${path} line ${i + 1} was not written by this node (${record}): ${JSON.stringify(lines[i].slice(0, 120))}`,
			);
		if (line(record) !== lines[i]) throw changed(i);
		if (records.length && compareRecords(records[records.length - 1], record) >= 0) throw changed(i);
		records.push(record);
	}
	if (lines[last] !== '') throw changed(last);
	return records;
}
