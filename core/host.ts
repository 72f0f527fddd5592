// The host model shared by every node of the package: one zod schema, the
// defaults a node can set, and batch checks (duplicates) that a single-item
// schema cannot see. Knows nothing of n8n.
import { z } from 'zod/v4';
import { normaliseMac, parseAddress, type ParsedAddress } from './address';

export const HOST_FIELDS = [
	'name',
	'kind',
	'ipv4',
	'ipv6',
	'mac',
	'interface',
	'site',
	'role',
	'deviceType',
	'platform',
	'tenant',
	'cluster',
	'status',
	'tags',
	'description',
	'switch',
	'switchPort',
	'vrf',
	'approved',
] as const;
export type HostField = (typeof HOST_FIELDS)[number];

/** RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens. */
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;
export function isHostName(value: string): boolean {
	return value.length <= 253 && value.split('.').every((label) => LABEL.test(label));
}

export const NETBOX_STATUSES = [
	'active',
	'offline',
	'planned',
	'staged',
	'failed',
	'inventory',
	'decommissioning',
] as const;

/** Printable, single-line text of bounded length: what NetBox names and slugs can hold. */
const text = (max: number) =>
	z
		.string()
		.trim()
		.min(1, 'must not be empty')
		.max(max, `must be at most ${max} characters`)
		.refine(
			(s) => ![...s].some((c) => c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127),
			'must not contain control characters',
		);

const address = (family: 4 | 6) =>
	z.string().transform((value, ctx): ParsedAddress => {
		const parsed = parseAddress(value, family);
		if (typeof parsed === 'string') {
			ctx.addIssue({ code: 'custom', message: parsed });
			return z.NEVER;
		}
		return parsed;
	});

const booleanish = z.union([
	z.boolean(),
	z.enum(['true', 'false', 'yes', 'no']).transform((v) => v === 'true' || v === 'yes'),
]);

const tagList = z
	.union([
		z.array(text(100)),
		z.string().transform((s) =>
			s
				.split(',')
				.map((t) => t.trim())
				.filter(Boolean),
		),
	])
	.pipe(z.array(text(100)).max(50));

/** Each field and its own rules: all a DNS push needs. */
export const hostFieldsSchema = z.object({
	name: text(253).refine(
		isHostName,
		'must be an RFC 1123 host name (letters, digits, hyphens, dots)',
	),
	kind: z.enum(['device', 'vm']).default('device'),
	ipv4: address(4).optional(),
	ipv6: address(6).optional(),
	mac: z
		.string()
		.transform((value, ctx) => {
			const mac = normaliseMac(value);
			if (!mac) {
				ctx.addIssue({ code: 'custom', message: 'not a MAC address' });
				return z.NEVER;
			}
			return mac;
		})
		.optional(),
	interface: text(64).default('eth0'),
	site: text(100).optional(),
	role: text(100).optional(),
	deviceType: text(100).optional(),
	platform: text(100).optional(),
	tenant: text(100).optional(),
	cluster: text(100).optional(),
	status: z.enum(NETBOX_STATUSES).optional(),
	tags: tagList.optional(),
	description: z.string().max(200, 'must be at most 200 characters').optional(),
	switch: text(64).optional(),
	switchPort: text(64).optional(),
	/** VRF of the host's addresses (name or RD); none means the global table. */
	vrf: text(100).optional(),
	approved: booleanish.optional(),
});

const NETBOX_NAME_MAX = 64;

/**
 * Plus NetBox's own rules for any host: name length and cabling. What a host
 * needs only to be *created* (a device's site, role and type, a VM's cluster)
 * is checked by the planner, which knows whether the host exists: pushing a
 * router people already made must not require its role and type.
 */
export const hostSchema = hostFieldsSchema.superRefine((host, ctx) => {
	// DNS allows 253 characters; NetBox refuses device and VM names over 64 with a 400.
	if (host.name.length > NETBOX_NAME_MAX) {
		ctx.addIssue({ code: 'custom', path: ['name'], message: `must be at most ${NETBOX_NAME_MAX} characters for NetBox` });
	}
	if (!!host.switch !== !!host.switchPort) {
		ctx.addIssue({
			code: 'custom',
			path: [host.switch ? 'switchPort' : 'switch'],
			message: 'switch and switchPort go together',
		});
	}
	if (host.switch && host.kind === 'vm') {
		ctx.addIssue({ code: 'custom', path: ['switch'], message: 'a VM interface cannot be cabled' });
	}
});

/** Fields a node's Defaults can fill in. */
export const DEFAULTABLE = ['site', 'role', 'deviceType', 'cluster', 'platform', 'tenant', 'status', 'interface', 'tags'] as const;
export type DefaultableField = (typeof DEFAULTABLE)[number];

export type Host = z.output<typeof hostFieldsSchema> & {
	/**
	 * Fields whose value came from Defaults (or the built-in interface name),
	 * not from the item. Defaults apply only to objects being created: an
	 * existing device keeps its own site, role, type, status and interfaces.
	 */
	defaulted?: DefaultableField[];
	/** Tags that came from Defaults only (added on create, like other defaults). */
	defaultTags?: string[];
};
export type HostSchema = typeof hostFieldsSchema | typeof hostSchema;

/** Values a node applies when an item leaves a field empty. */
export type HostDefaults = Partial<
	Pick<
		Host,
		'site' | 'role' | 'deviceType' | 'cluster' | 'platform' | 'tenant' | 'status' | 'interface'
	>
> & {
	tags?: string[];
};

export type HostResult = { ok: true; host: Host } | { ok: false; field: string; message: string };

function describe(value: unknown): string {
	if (value === undefined) return 'missing';
	const json = JSON.stringify(value) ?? String(value);
	return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

/**
 * Validates one raw item. Empty strings and null count as "not given", so a
 * webhook that sends `"mac": ""` is treated like one that leaves it out.
 */
export function parseHost(
	raw: unknown,
	defaults: HostDefaults = {},
	schema: HostSchema = hostSchema,
): HostResult {
	if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
		return { ok: false, field: 'item', message: `item must be an object, got ${describe(raw)}` };
	}
	const input: Record<string, unknown> = {};
	for (const field of HOST_FIELDS) {
		const value = (raw as Record<string, unknown>)[field];
		if (value !== undefined && value !== null && value !== '') input[field] = value;
	}
	const stated = new Set(Object.keys(input));
	for (const [field, value] of Object.entries(defaults)) {
		if (input[field] === undefined && value !== undefined && value !== '') input[field] = value;
	}
	const itemTags = input.tags;
	if (defaults.tags?.length && Array.isArray(input.tags))
		input.tags = [...new Set([...(input.tags as string[]), ...defaults.tags])];
	const parsed = schema.safeParse(input);
	if (parsed.success) {
		const host: Host = parsed.data;
		const defaulted = DEFAULTABLE.filter((field) => !stated.has(field) && (host[field] !== undefined || field === 'interface'));
		if (defaulted.length) host.defaulted = defaulted;
		if (defaults.tags?.length) {
			const own = new Set((Array.isArray(itemTags) ? (itemTags as string[]) : []).map((t) => t.toLowerCase()));
			const extra = defaults.tags.filter((t) => !own.has(t.toLowerCase()));
			if (extra.length) host.defaultTags = extra;
		}
		return { ok: true, host };
	}
	const issue = parsed.error.issues[0];
	const field = issue.path.length ? String(issue.path[0]) : 'item';
	return { ok: false, field, message: `${field} ${describe(input[field])}: ${issue.message}` };
}

/**
 * Marks later items that repeat an earlier item's name or address. The first
 * occurrence wins; the error names the host it collides with.
 */
export function findBatchDuplicates(
	hosts: Array<Host | undefined>,
	/** Each host's input index, when `hosts` is part of the input. */
	indices?: number[],
): Map<number, { field: string; message: string }> {
	const seen = new Map<string, number>();
	const errors = new Map<number, { field: string; message: string }>();
	hosts.forEach((host, index) => {
		if (!host) return;
		const keys: Array<[string, string | undefined]> = [
			['name', host.name.toLowerCase()],
			['ipv4', host.ipv4?.ip],
			['ipv6', host.ipv6?.ip],
		];
		for (const [field, key] of keys) {
			if (key === undefined) continue;
			const first = seen.get(`${field}:${key}`);
			if (first !== undefined) {
				errors.set(index, {
					field,
					// Items counted from 1, as the editor shows them.
					message: `${field} "${key}" duplicates ${hosts[first]!.name} (item ${(indices?.[first] ?? first) + 1}) of this batch`,
				});
				return;
			}
		}
		for (const [field, key] of keys) if (key !== undefined) seen.set(`${field}:${key}`, index);
	});
	return errors;
}
