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
	if (!isHostName(record.host) || record.host !== record.host.toLowerCase())
		return `bad host name "${record.host}"`;
	if (!RECORD_TYPES.includes(record.type)) return `bad record type "${record.type}"`;
	const ttlError = checkTtl(record.ttl);
	if (ttlError) return ttlError;
	const family = record.type === 'A' || (record.type === 'PTR' && isIPv4(record.address)) ? 4 : 6;
	const parsed = parseAddress(record.address, family);
	if (typeof parsed === 'string' || parsed.ip !== record.address || record.address.includes('/')) {
		return `bad ${record.type} address "${record.address}"`;
	}
	return undefined;
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
		rr: `${owner}. ${ttl} IN ${type} ${data}`,
	} as DnsRecord;
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
	const missing = 8 - groups(head).length - groups(tail).length;
	const full = [
		...groups(head),
		...Array<string>(address.includes('::') ? missing : 0).fill('0'),
		...groups(tail),
	];
	return `${[...full.map((g) => g.padStart(4, '0')).join('')].reverse().join('.')}.ip6.arpa`;
}

const TYPE_ORDER: Record<RecordType, number> = { A: 0, AAAA: 1, PTR: 2 };

/** Host, then A, AAAA, PTR, then IPv4 before IPv6: a total order, so rendering is deterministic. */
export function sortRecords(records: DnsRecord[]): DnsRecord[] {
	const family = (r: DnsRecord) => (r.address.includes(':') ? 1 : 0);
	return [...records].sort(
		(a, b) =>
			(a.host < b.host ? -1 : a.host > b.host ? 1 : 0) ||
			TYPE_ORDER[a.type] - TYPE_ORDER[b.type] ||
			family(a) - family(b) ||
			(a.address < b.address ? -1 : a.address > b.address ? 1 : 0) ||
			a.ttl - b.ttl,
	);
}

/** One RR of `list_local_data`, normalised so it compares equal to the `rr` of the same record. */
export interface ServedRR {
	owner: string;
	rr: string;
}

/**
 * Parses `unbound-control list_local_data` output, keeping A, AAAA and PTR
 * (the only types this package manages). Unknown or odd lines are ignored:
 * this is a read of what Unbound serves, not of anything we wrote.
 */
export function parseServed(output: string): ServedRR[] {
	const served: ServedRR[] = [];
	for (const line of output.split('\n')) {
		const f = line.trim().split(/\s+/);
		if (f.length !== 5 || f[2] !== 'IN' || !/^\d+$/.test(f[1])) continue;
		const owner = f[0].toLowerCase().replace(/\.$/, '');
		const type = f[3];
		let data: string;
		if (type === 'A' || type === 'AAAA') {
			const parsed = parseAddress(f[4], type === 'A' ? 4 : 6);
			if (typeof parsed === 'string') continue;
			data = parsed.ip;
		} else if (type === 'PTR') {
			data = `${f[4].toLowerCase().replace(/\.$/, '')}.`;
		} else continue;
		served.push({ owner, rr: `${owner}. ${Number(f[1])} IN ${type} ${data}` });
	}
	return served;
}
