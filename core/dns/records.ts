// The DNS records a host should have: name.zone → A / AAAA, and PTR back from
// each address. A `DnsRecord` can only be made by `toRecord`, which validates
// every field, and config lines and unbound-control input are only ever built
// from a `DnsRecord`: the type system keeps unvalidated text off the DNS host.
import { isIPv4 } from 'node:net';
import { parseAddress, type ParsedAddress } from '../address';
import { isHostName } from '../host';

export type RecordType = 'A' | 'AAAA' | 'PTR';
export const RECORD_TYPES: readonly RecordType[] = ['A', 'AAAA', 'PTR'];

/** One record's fields. Both kinds hang off the host they belong to, which is what the managed file groups by. */
export interface RecordFields {
	/** Fully qualified host name, lower case, without the trailing dot: "web1.lab.example". */
	host: string;
	type: RecordType;
	ttl: number;
	/** Canonical address: the A/AAAA data, or the address a PTR answers for. */
	address: string;
}

declare const validated: unique symbol;
/** Record fields that passed `checkRecord`, with the forms Unbound shows them in. */
export type DnsRecord = Readonly<RecordFields> & {
	/** The DNS name that answers: the host, or the reverse name of a PTR's address. */
	readonly owner: string;
	/** As an RR line, the form unbound-control takes and `list_local_data` prints. */
	readonly rr: string;
	readonly [validated]: true;
};

export interface RecordOptions {
	zone: string;
	ttl: number;
	/** A / AAAA records. */
	forward: boolean;
	/** PTR records. */
	reverse: boolean;
}

/** The host fields DNS needs; a `Host` from core/host.ts fits. */
export interface DnsHost {
	name: string;
	ipv4?: ParsedAddress;
	ipv6?: ParsedAddress;
}

export const MAX_TTL = 2_147_483_647; // RFC 2181

/** Zone as the user typed it → "lab.example", or an error message. */
export function normaliseZone(zone: string): string | { error: string } {
	const z = zone.trim().toLowerCase().replace(/\.$/, '');
	if (!z || !isHostName(z))
		return { error: `zone "${zone}" is not a DNS name (letters, digits, hyphens, dots)` };
	return z;
}

export function checkTtl(ttl: number): string | undefined {
	return Number.isInteger(ttl) && ttl >= 0 && ttl <= MAX_TTL
		? undefined
		: `TTL ${ttl} must be a whole number of seconds, 0-${MAX_TTL}`;
}

/**
 * "web1" → "web1.lab.example"; a name already inside the zone is kept as is.
 * The zone apex itself is refused: removing its data would remove the zone's.
 */
export function qualify(name: string, zone: string): string | { error: string } {
	const lower = name.trim().toLowerCase();
	const fqdn = lower === zone || lower.endsWith(`.${zone}`) ? lower : `${lower}.${zone}`;
	if (fqdn === zone) return { error: `name "${name}" is the zone itself, not a host in it` };
	if (!isHostName(lower) || !isHostName(fqdn)) {
		return {
			error: `name "${name}" does not make a valid DNS name in zone ${zone} (labels of letters, digits, inner hyphens; 253 characters in all)`,
		};
	}
	return fqdn;
}

/** The records `host` should have, in the managed file's order. */
export function desiredRecords(fqdn: string, host: DnsHost, options: RecordOptions): DnsRecord[] {
	const records: DnsRecord[] = [];
	const addresses = [
		host.ipv4 && { type: 'A' as const, ip: host.ipv4.ip },
		host.ipv6 && { type: 'AAAA' as const, ip: host.ipv6.ip },
	];
	for (const a of addresses)
		if (a && options.forward)
			records.push(toRecord({ host: fqdn, type: a.type, ttl: options.ttl, address: a.ip }));
	for (const a of addresses)
		if (a && options.reverse)
			records.push(toRecord({ host: fqdn, type: 'PTR', ttl: options.ttl, address: a.ip }));
	return sortRecords(records);
}

/** Why `record` may not be written, or undefined when it is sound. */
export function checkRecord(record: RecordFields): string | undefined {
	if (!hostNameOk(record.host) || record.host !== record.host.toLowerCase())
		return `bad host name "${record.host}"`;
	if (!RECORD_TYPES.includes(record.type)) return `bad record type "${record.type}"`;
	const ttlError = checkTtl(record.ttl);
	if (ttlError) return ttlError;
	const family = record.type === 'A' || (record.type === 'PTR' && isIPv4(record.address)) ? 4 : 6;
	if (canonicalIp(record.address, family) !== record.address)
		return `bad ${record.type} address "${record.address}"`;
	return undefined;
}

/**
 * Memo of pure string checks a push repeats tens of thousands of times (every
 * host has several records, and the managed file and list_local_data are read
 * back): the answers depend on the string alone, so caching cannot change one.
 * Bounded: cleared when it grows past `MEMO_LIMIT` entries.
 */
const MEMO_LIMIT = 200_000;
function memo<T>(compute: (key: string) => T): (key: string) => T {
	const cache = new Map<string, T>();
	return (key) => {
		const hit = cache.get(key);
		if (hit !== undefined || cache.has(key)) return hit as T;
		if (cache.size >= MEMO_LIMIT) cache.clear();
		const value = compute(key);
		// A copy as the key: `key` may be a slice of a large text (a managed file,
		// a list_local_data output) that it would otherwise keep in memory.
		cache.set(Buffer.from(key, 'utf8').toString('utf8'), value);
		return value;
	};
}

const hostNameOk = memo(isHostName);
// parseAddress keeps a valid IPv4 as it is: no memo needed.
const canonical4 = (text: string) => (isIPv4(text) ? text : undefined);
const canonical6 = memo((text) => {
	const parsed = parseAddress(text, 6);
	return typeof parsed === 'string' || text.includes('/') ? undefined : parsed.ip;
});

/** The canonical form of a bare address of `family` (no prefix length), or undefined when it is not one. */
export function canonicalIp(text: string, family: 4 | 6): string | undefined {
	return family === 4 ? canonical4(text) : canonical6(text);
}

/** The only way to make a DnsRecord: the record, or why its fields are unsound. */
export function validRecord(fields: RecordFields): DnsRecord | string {
	const error = checkRecord(fields);
	if (error) return error;
	const owner = fields.type === 'PTR' ? reverseName(fields.address) : fields.host;
	const data = fields.type === 'PTR' ? `${fields.host}.` : fields.address;
	const { host, type, ttl, address } = fields;
	return {
		host,
		type,
		ttl,
		address,
		owner,
		rr: rrLine(owner, ttl, type, data),
	} as DnsRecord;
}

/**
 * "owner. TTL IN TYPE data". Joined, not a template literal: V8 builds a long
 * template as a tree of pieces, and every comparison of such strings (the plan
 * compares these lines by the 100,000) first copies it flat.
 */
function rrLine(owner: string, ttl: number, type: string, data: string): string {
	return [owner, '. ', ttl, ' IN ', type, ' ', data].join('');
}

export function toRecord(fields: RecordFields): DnsRecord {
	const record = validRecord(fields);
	if (typeof record === 'string') throw new Error(`refusing a record: ${record}`);
	return record;
}

/** "10.0.0.5" → "5.0.0.10.in-addr.arpa"; IPv6 → 32 nibbles under ip6.arpa. */
export function reverseName(address: string): string {
	if (isIPv4(address)) return `${address.split('.').reverse().join('.')}.in-addr.arpa`;
	const [head, tail = ''] = address.split('::');
	const groups = (part: string) => (part ? part.split(':') : []);
	const [left, right] = [groups(head), groups(tail)];
	const missing = address.includes('::') ? 8 - left.length - right.length : 0;
	let hex = '';
	for (const g of left) hex += g.padStart(4, '0');
	hex += '0000'.repeat(missing);
	for (const g of right) hex += g.padStart(4, '0');
	// Built as one flat string (not 64 concatenations): it hashes and compares fast.
	const codes: number[] = [];
	for (let i = hex.length - 1; i >= 0; i--) codes.push(hex.charCodeAt(i), 46); // "."
	return `${String.fromCharCode(...codes)}ip6.arpa`;
}

const TYPE_ORDER: Record<RecordType, number> = { A: 0, AAAA: 1, PTR: 2 };

/** Host, then A, AAAA, PTR, then IPv4 before IPv6: a total order, so rendering is deterministic. */
export function compareRecords(a: DnsRecord, b: DnsRecord): number {
	return (
		(a.host < b.host ? -1 : a.host > b.host ? 1 : 0) ||
		TYPE_ORDER[a.type] - TYPE_ORDER[b.type] ||
		family(a) - family(b) ||
		(a.address < b.address ? -1 : a.address > b.address ? 1 : 0) ||
		a.ttl - b.ttl
	);
}

const family = (r: DnsRecord) => (r.address.includes(':') ? 1 : 0);

export function sortRecords(records: DnsRecord[]): DnsRecord[] {
	return [...records].sort(compareRecords);
}

/** One RR of `list_local_data`, normalised so it compares equal to the `rr` of the same record. */
export interface ServedRR {
	owner: string;
	/** "A", "TXT", "MX"…: every type Unbound serves, not only the ones this package writes. */
	type: string;
	rr: string;
}

/**
 * Parses `unbound-control list_local_data` output: every record Unbound
 * serves, of every type, from every include and from runtime local_data alike
 * (it cannot say which). A, AAAA and PTR are normalised to the form this
 * package writes them in; other types keep Unbound's own rendering of their
 * data, which `local_datas` reads back. Odd lines are ignored.
 */
export function parseServed(output: string): ServedRR[] {
	const served: ServedRR[] = [];
	// One pass over the whole output (it runs to 100,000s of lines).
	for (const [, name, ttl, type, raw] of output.matchAll(SERVED_LINE)) {
		const owner = name.toLowerCase().replace(/\.$/, '');
		let data: string;
		if (type === 'A' || type === 'AAAA') {
			const ip = canonicalIp(raw, type === 'A' ? 4 : 6);
			if (ip === undefined) continue;
			data = ip;
		} else if (type === 'PTR') {
			if (/\s/.test(raw)) continue;
			data = `${raw.toLowerCase().replace(/\.$/, '')}.`;
		} else {
			data = raw.replace(/[ \t]+/g, ' ');
		}
		served.push({ owner, type, rr: rrLine(owner, Number(ttl), type, data) });
	}
	return served;
}

const SERVED_LINE =
	/^[ \t\r]*(\S+)[ \t]+(\d+)[ \t]+IN[ \t]+([A-Z][A-Z0-9]*)[ \t]+([^\r\n]*?)[ \t\r]*$/gm;
