// Address parsing shared by the NetBox and DNS sides. Everything that leaves this
// file is canonical, so two spellings of one address always compare equal.
import { isIPv4, isIPv6 } from 'node:net';

export interface ParsedAddress {
	/** Canonical address without prefix length: "10.0.0.5", "2001:db8::5". */
	ip: string;
	prefixLength: number;
	/** "10.0.0.5/24": the form NetBox stores. */
	cidr: string;
}

/** RFC 5952 form, via the WHATWG URL serializer (lower case, longest zero run compressed). */
function canonicalIPv6(ip: string): string {
	return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
}

/**
 * Parses "addr" or "addr/len" of the given family. A bare address gets a host
 * prefix (/32, /128). Returns an error string instead of throwing so callers can
 * name the field.
 */
export function parseAddress(value: string, family: 4 | 6): ParsedAddress | string {
	const [ip, len, extra] = value.trim().split('/');
	if (extra !== undefined) return 'expected address/prefix-length';
	const max = family === 4 ? 32 : 128;
	if (family === 4 ? !isIPv4(ip) : !isIPv6(ip) || ip.includes('%')) {
		return `not an IPv${family} address`;
	}
	let prefixLength = max;
	if (len !== undefined) {
		if (!/^\d{1,3}$/.test(len) || Number(len) > max || Number(len) < 1) {
			return `prefix length must be 1-${max}`;
		}
		prefixLength = Number(len);
	}
	const canonical = family === 4 ? ip : canonicalIPv6(ip);
	return { ip: canonical, prefixLength, cidr: `${canonical}/${prefixLength}` };
}

/** Strips the prefix length from a NetBox address and canonicalises it. */
export function hostPart(cidr: string): string {
	const ip = cidr.split('/')[0];
	return isIPv6(ip) ? canonicalIPv6(ip) : ip;
}

/** The /24 (IPv4) or /64 (IPv6) network around a canonical address: "10.0.0.0/24", "2001:db8:0:1::/64". */
export function surroundingNetwork(ip: string): string {
	if (isIPv4(ip)) return `${ip.split('.').slice(0, 3).join('.')}.0/24`;
	const [head, tail = ''] = ip.split('::');
	const left = head ? head.split(':') : [];
	const right = tail ? tail.split(':') : [];
	const groups = ip.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
	return `${canonicalIPv6(`${groups.slice(0, 4).join(':')}::`)}/64`;
}

/** "aa-bb-cc-dd-ee-ff", "aabb.ccdd.eeff", "AABBCCDDEEFF" → "AA:BB:CC:DD:EE:FF" (NetBox's form). */
export function normaliseMac(value: string): string | undefined {
	const v = value.trim();
	if (!/^[0-9a-f]{2}([:-])(?:[0-9a-f]{2}\1){4}[0-9a-f]{2}$/i.test(v) && !/^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/i.test(v) && !/^[0-9a-f]{12}$/i.test(v)) {
		return undefined;
	}
	const hex = v.replace(/[:.-]/g, '').toUpperCase();
	return hex.match(/../g)!.join(':');
}
