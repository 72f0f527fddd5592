// A seeded corpus of malformed host items. Each has exactly one defect, the
// field an error must name, whether the DNS node (which needs fewer fields)
// must refuse it too, and tokens that would show in NetBox's request log or
// in the DNS host's files if anything of it got through: every item carries a
// unique name fault-bad<n> or a unique address 10.211.x.y (whichever is not
// its defect), and a unique MAC 02:00:00:22:xx:xx.
// (Whitespace around a value, a trailing newline included, is trimmed by the
// host model by design, so it is not a defect here: the defects sit inside.)
import { rng } from './seed';

export interface BadItem {
	item: unknown;
	/** The field the error message must start with. */
	field: string;
	/** What is wrong, for failure messages. */
	why: string;
	/** Refused by the DNS node too (not only a NetBox requirement). */
	dns: boolean;
	/** Strings that must never reach NetBox or the DNS host. */
	tokens: string[];
	/**
	 * A valid item that NetBox cannot create (a device without its site, role or
	 * type): only NetBox can say the host does not exist yet, so it is read
	 * (never written) before it fails.
	 */
	readsNetBox?: boolean;
}


/** Letters that look like Latin ones: Cyrillic, Greek, fullwidth, dotless i. */
const LOOKALIKES: Record<string, string[]> = {
	a: ['\u0430', '\u03b1', '\uff41'],
	e: ['\u0435', '\u03b5'],
	o: ['\u043e', '\u03bf', '\uff4f'],
	c: ['\u0441'],
	p: ['\u0440'],
	i: ['\u0131', '\u0456'],
	l: ['\u04cf', '\u217c'],
	t: ['\u0442'],
};

const hex2 = (n: number) => (n & 255).toString(16).padStart(2, '0');

/** A valid device or VM with the unique markers of corpus item n. */
function base(n: number, kind: 'device' | 'vm'): Record<string, unknown> {
	const common = {
		name: `fault-bad${n}`,
		kind,
		role: 'fault-server',
		ipv4: `10.211.${1 + (n >> 8)}.${n & 255}/16`,
		ipv6: `2001:db8:211::${(n + 1).toString(16)}/64`,
		mac: `02:00:00:22:${hex2(n >> 8)}:${hex2(n)}`,
		approved: true,
	};
	return kind === 'device' ? { ...common, site: 'fault-lab', deviceType: 'fault-box' } : { ...common, cluster: 'fault-cluster' };
}

type Defect = { field: string; why: string; dns: boolean; readsNetBox?: boolean; apply: (item: Record<string, unknown>, n: number, random: () => number) => unknown };

const set = (field: string, value: unknown) => (item: Record<string, unknown>) => ({ ...item, [field]: value });
const drop = (field: string) => (item: Record<string, unknown>) => {
	const copy = { ...item };
	delete copy[field];
	return copy;
};

function lookalike(n: number, random: () => number): string {
	const name = `fault-bad${n}-portal`;
	const positions = [...name].map((c, i) => (LOOKALIKES[c] ? i : -1)).filter((i) => i >= 0);
	const at = positions[Math.floor(random() * positions.length)];
	const choices = LOOKALIKES[name[at]];
	return name.slice(0, at) + choices[Math.floor(random() * choices.length)] + name.slice(at + 1);
}

/** One entry per kind of defect; the generator cycles through them with seeded variations. */
const DEFECTS: Defect[] = [
	// Names: quotes, newlines, spaces, shell syntax, look-alikes, bad labels, over-long, wrong types.
	{ field: 'name', why: 'double quote', dns: true, apply: (h, n) => set('name', `fault-bad${n}"x`)(h) },
	{ field: 'name', why: 'single quote', dns: true, apply: (h, n) => set('name', `fault-bad${n}'x`)(h) },
	{ field: 'name', why: 'newline', dns: true, apply: (h, n) => set('name', `fault-bad${n}\nlocal-zone: "evil." static`)(h) },
	{ field: 'name', why: 'carriage return', dns: true, apply: (h, n) => set('name', `fault-bad${n}\rx`)(h) },
	{ field: 'name', why: 'space', dns: true, apply: (h, n) => set('name', `fault bad${n}`)(h) },
	{ field: 'name', why: 'tab', dns: true, apply: (h, n) => set('name', `fault-bad${n}\tx`)(h) },
	{ field: 'name', why: '$(…)', dns: true, apply: (h, n) => set('name', `$(touch /tmp/fault-pwned-${n})`)(h) },
	{ field: 'name', why: 'backticks', dns: true, apply: (h, n) => set('name', `\`touch /tmp/fault-pwned-${n}\``)(h) },
	{ field: 'name', why: 'semicolon', dns: true, apply: (h, n) => set('name', `fault-bad${n};reboot`)(h) },
	{ field: 'name', why: 'pipe and redirect', dns: true, apply: (h, n) => set('name', `fault-bad${n}|cat>/etc/x`)(h) },
	{ field: 'name', why: 'unicode look-alike', dns: true, apply: (h, n, r) => set('name', lookalike(n, r))(h) },
	{ field: 'name', why: 'zero-width space', dns: true, apply: (h, n) => set('name', `fault-bad${n}\u200b`)(h) },
	{ field: 'name', why: 'right-to-left override', dns: true, apply: (h, n) => set('name', `fault-bad${n}\u202egnp`)(h) },
	{ field: 'name', why: 'NUL byte', dns: true, apply: (h, n) => set('name', `fault-bad${n}\u0000`)(h) },
	{ field: 'name', why: 'emoji', dns: true, apply: (h, n) => set('name', `fault-bad${n}-\u{1F4A5}`)(h) },
	{ field: 'name', why: 'underscore', dns: true, apply: (h, n) => set('name', `fault_bad${n}`)(h) },
	{ field: 'name', why: 'leading hyphen', dns: true, apply: (h, n) => set('name', `-fault-bad${n}`)(h) },
	{ field: 'name', why: 'trailing hyphen', dns: true, apply: (h, n) => set('name', `fault-bad${n}-`)(h) },
	{ field: 'name', why: 'empty label', dns: true, apply: (h, n) => set('name', `fault-bad${n}..lab`)(h) },
	{ field: 'name', why: 'trailing dot', dns: true, apply: (h, n) => set('name', `fault-bad${n}.`)(h) },
	{ field: 'name', why: 'label over 63', dns: true, apply: (h, n) => set('name', `fault-bad${n}-${'x'.repeat(64)}`)(h) },
	{ field: 'name', why: 'name over 253', dns: true, apply: (h, n) => set('name', `fault-bad${n}.${Array(5).fill('y'.repeat(60)).join('.')}`)(h) },
	{ field: 'name', why: 'huge (100,000 chars)', dns: true, apply: (h, n) => set('name', `fault-bad${n}${'z'.repeat(100_000)}`)(h) },
	{ field: 'name', why: 'slash', dns: true, apply: (h, n) => set('name', `fault-bad${n}/../../etc/passwd`)(h) },
	{ field: 'name', why: 'number', dns: true, apply: set('name', 12345) },
	{ field: 'name', why: 'boolean', dns: true, apply: set('name', true) },
	{ field: 'name', why: 'array', dns: true, apply: (h, n) => set('name', [`fault-bad${n}`])(h) },
	{ field: 'name', why: 'object', dns: true, apply: (h, n) => set('name', { value: `fault-bad${n}` })(h) },
	{ field: 'name', why: 'missing', dns: true, apply: drop('name') },
	{ field: 'name', why: 'only spaces', dns: true, apply: set('name', '   ') },
	// Kind.
	{ field: 'kind', why: 'unknown kind', dns: true, apply: set('kind', 'server') },
	{ field: 'kind', why: 'upper-case kind', dns: true, apply: set('kind', 'VM') },
	{ field: 'kind', why: 'number kind', dns: true, apply: set('kind', 1) },
	// IPv4.
	{ field: 'ipv4', why: 'octet 256', dns: true, apply: (h, n) => set('ipv4', `10.211.0.${256 + (n % 700)}/16`)(h) },
	{ field: 'ipv4', why: 'prefix 33', dns: true, apply: set('ipv4', '10.211.9.9/33') },
	{ field: 'ipv4', why: 'prefix 0', dns: true, apply: set('ipv4', '10.211.9.9/0') },
	{ field: 'ipv4', why: 'three octets', dns: true, apply: set('ipv4', '10.211.9') },
	{ field: 'ipv4', why: 'five octets', dns: true, apply: set('ipv4', '10.211.9.9.9') },
	{ field: 'ipv4', why: 'leading zeros', dns: true, apply: set('ipv4', '010.211.9.9') },
	{ field: 'ipv4', why: 'IPv6 in ipv4', dns: true, apply: (h, n) => set('ipv4', `2001:db8:211::ff${n.toString(16)}`)(h) },
	{ field: 'ipv4', why: 'two prefixes', dns: true, apply: set('ipv4', '10.211.9.9/24/8') },
	{ field: 'ipv4', why: 'text', dns: true, apply: set('ipv4', 'not-an-address') },
	{ field: 'ipv4', why: 'negative prefix', dns: true, apply: set('ipv4', '10.211.9.9/-1') },
	{ field: 'ipv4', why: 'number', dns: true, apply: set('ipv4', 168430090) },
	{ field: 'ipv4', why: 'shell in address', dns: true, apply: set('ipv4', '10.211.9.9/24$(id)') },
	// IPv6.
	{ field: 'ipv6', why: 'zone index', dns: true, apply: set('ipv6', 'fe80::1%eth0') },
	{ field: 'ipv6', why: 'bad hex', dns: true, apply: set('ipv6', '2001:db8:211::g1') },
	{ field: 'ipv6', why: 'prefix 129', dns: true, apply: set('ipv6', '2001:db8:211::9/129') },
	{ field: 'ipv6', why: 'IPv4 in ipv6', dns: true, apply: (h, n) => set('ipv6', `10.211.250.${n % 250}`)(h) },
	{ field: 'ipv6', why: 'triple colon', dns: true, apply: set('ipv6', '2001:db8:::9') },
	{ field: 'ipv6', why: 'two ::', dns: true, apply: set('ipv6', '2001::db8::9') },
	{ field: 'ipv6', why: 'boolean', dns: true, apply: set('ipv6', false) },
	// MAC.
	{ field: 'mac', why: 'five octets', dns: true, apply: set('mac', '02:00:00:22:ff') },
	{ field: 'mac', why: 'seven octets', dns: true, apply: set('mac', '02:00:00:22:ff:ff:ff') },
	{ field: 'mac', why: 'not hex', dns: true, apply: set('mac', 'zz:zz:zz:zz:zz:zz') },
	{ field: 'mac', why: 'mixed separators', dns: true, apply: set('mac', '02:00-00:22:ff:ff') },
	{ field: 'mac', why: 'short dotted', dns: true, apply: set('mac', '0200.0022.fff') },
	{ field: 'mac', why: 'number', dns: true, apply: set('mac', 2199023255552) },
	{ field: 'mac', why: 'newline inside', dns: true, apply: set('mac', '02:00:00:22:ff\n:ff') },
	// Required only to create the host in NetBox (an existing device needs none of them).
	{ field: 'site', why: 'device without site', dns: false, readsNetBox: true, apply: (h) => drop('site')({ ...h, kind: 'device', deviceType: 'fault-box' }) },
	{ field: 'role', why: 'device without role', dns: false, readsNetBox: true, apply: (h) => drop('role')({ ...h, kind: 'device', site: 'fault-lab', deviceType: 'fault-box' }) },
	{ field: 'deviceType', why: 'device without type', dns: false, readsNetBox: true, apply: (h) => drop('deviceType')({ ...h, kind: 'device', site: 'fault-lab' }) },
	{ field: 'cluster', why: 'VM without cluster or site', dns: false, readsNetBox: true, apply: (h) => drop('site')(drop('cluster')({ ...h, kind: 'vm' })) },
	{ field: 'switchPort', why: 'switch without port', dns: false, apply: (h) => ({ ...h, kind: 'device', site: 'fault-lab', deviceType: 'fault-box', switch: 'fault-sw1' }) },
	{ field: 'switch', why: 'port without switch', dns: false, apply: (h) => ({ ...h, kind: 'device', site: 'fault-lab', deviceType: 'fault-box', switchPort: 'ge-0/0/1' }) },
	{ field: 'switch', why: 'a VM cabled', dns: false, apply: (h) => ({ ...h, kind: 'vm', cluster: 'fault-cluster', switch: 'fault-sw1', switchPort: 'ge-0/0/1' }) },
	// Wrong types and bad values elsewhere.
	{ field: 'site', why: 'site number', dns: true, apply: set('site', 7) },
	{ field: 'role', why: 'role object', dns: true, apply: set('role', { slug: 'fault-server' }) },
	{ field: 'cluster', why: 'cluster with newline', dns: true, apply: set('cluster', 'fault-cluster\nx') },
	{ field: 'deviceType', why: 'device type too long', dns: true, apply: set('deviceType', 'x'.repeat(101)) },
	{ field: 'status', why: 'unknown status', dns: true, apply: set('status', 'running') },
	{ field: 'tags', why: 'tags number', dns: true, apply: set('tags', 5) },
	{ field: 'tags', why: 'tag with control character', dns: true, apply: set('tags', ['ok', 'bad\u0007tag']) },
	{ field: 'tags', why: 'too many tags', dns: true, apply: set('tags', Array.from({ length: 51 }, (_, i) => `t${i}`)) },
	{ field: 'description', why: 'description of 201 chars', dns: true, apply: set('description', 'd'.repeat(201)) },
	{ field: 'description', why: 'huge description (1,000,000 chars)', dns: true, apply: set('description', 'D'.repeat(1_000_000)) },
	{ field: 'interface', why: 'interface object', dns: true, apply: set('interface', { name: 'eth0' }) },
	{ field: 'interface', why: 'interface of 65 chars', dns: true, apply: set('interface', 'e'.repeat(65)) },
	{ field: 'approved', why: 'approved "maybe"', dns: true, apply: set('approved', 'maybe') },
	{ field: 'approved', why: 'approved 1', dns: true, apply: set('approved', 1) },
	{ field: 'switch', why: 'switch with NUL', dns: true, apply: set('switch', 'fault-sw1\u0000') },
	{ field: 'platform', why: 'platform empty after trim', dns: true, apply: set('platform', ' \t ') },
];

/** Items an n8n node can be handed that are not host objects at all (n8n turns them into objects). */
const NOT_HOSTS: Array<{ item: unknown; why: string }> = [
	{ item: [1, 2, 3], why: 'an array' },
	{ item: 'fault-bad-string', why: 'a string' },
	{ item: 42, why: 'a number' },
	{ item: {}, why: 'an empty object' },
	{ item: { host: { name: 'fault-bad-nested' } }, why: 'a host nested one level down' },
	{ item: { json: { name: 'fault-bad-json' } }, why: 'an n8n item inside an item' },
];

/**
 * `count` malformed items (at least every defect and every non-host once),
 * plus batch duplicates of `companions` (valid items pushed alongside).
 */
export function makeCorpus(seed: number, count: number, companions: Array<Record<string, unknown>>): BadItem[] {
	const random = rng(seed);
	const corpus: BadItem[] = [];
	let n = 0;
	const next = () => n++;
	for (const { item, why } of NOT_HOSTS) corpus.push({ item, field: 'name', why: `not a host: ${why}`, dns: true, tokens: ['fault-bad-'] });
	// Duplicates inside the batch: the companion comes first, so the later item is the one refused.
	companions.slice(0, 4).forEach((c, i) => {
		const k = next();
		const fresh = base(k, c.kind as 'device' | 'vm');
		const marks = [`10.211.${1 + (k >> 8)}.${k & 255}`, String(fresh.mac)];
		if (i === 0) corpus.push({ item: { ...fresh, name: c.name }, field: 'name', why: 'same name as an earlier item', dns: true, tokens: marks });
		if (i === 1) corpus.push({ item: { ...fresh, name: String(c.name).toUpperCase() }, field: 'name', why: 'same name, other case', dns: true, tokens: marks });
		if (i === 2) corpus.push({ item: { ...fresh, ipv4: c.ipv4 }, field: 'ipv4', why: 'same IPv4 as an earlier item', dns: true, tokens: [`fault-bad${k}`] });
		if (i === 3) corpus.push({ item: { ...fresh, ipv6: c.ipv6 }, field: 'ipv6', why: 'same IPv6 as an earlier item', dns: true, tokens: [`fault-bad${k}`] });
	});
	const order = DEFECTS.map((_, i) => i);
	while (corpus.length < count) {
		// Every defect once, then seeded picks.
		const index = order.length ? order.shift()! : Math.floor(random() * DEFECTS.length);
		const defect = DEFECTS[index];
		const k = next();
		const fresh = base(k, random() < 0.5 ? 'device' : 'vm');
		const item = defect.apply(fresh, k, random);
		const tokens = [String(fresh.mac)];
		if (defect.field !== 'name') tokens.push(`fault-bad${k}`);
		if (defect.field !== 'ipv4') tokens.push(`10.211.${1 + (k >> 8)}.${k & 255}`);
		corpus.push({ item, field: defect.field, why: defect.why, dns: defect.dns, tokens, ...(defect.readsNetBox ? { readsNetBox: true } : {}) });
	}
	return corpus;
}

/** Seeded Fisher-Yates. */
export function shuffle<T>(list: T[], seed: number): T[] {
	const random = rng(seed);
	const out = [...list];
	for (let i = out.length - 1; i > 0; i--) {
		const j = Math.floor(random() * (i + 1));
		[out[i], out[j]] = [out[j], out[i]];
	}
	return out;
}
