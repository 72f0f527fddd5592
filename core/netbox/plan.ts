// Planning: a pure function from (hosts, what NetBox holds now) to the writes
// that make NetBox match, with a field-level diff per host. No I/O here, so the
// dry-run, the push and the Status operation all share one truth.
import { qualify } from '../dns/records';
import type { Host } from '../host';
import { HostPlanner } from './hostPlanner';
import type { NetBoxSnapshot } from './types';

/** A value the executor fills in with the id of an object created earlier for the same host. */
export interface Placeholder {
	$ref: 'device' | 'interface' | 'mac' | 'ip4' | 'ip6';
}
export type ObjectName = 'device' | 'interface' | 'mac' | 'ip4' | 'ip6' | 'cable';
export type StepObject = ObjectName | 'primary' | 'primaryMac';

export interface Step {
	object: StepObject;
	endpoint: string;
	method: 'POST' | 'PATCH';
	/** Set for PATCH. */
	id?: number;
	body: Record<string, unknown>;
}

export interface Change {
	object: string;
	field: string;
	from: unknown;
	to: unknown;
}

/** What the push does with an object it did not create (one without the ownership tag). */
export type ForeignPolicy = 'adopt' | 'leave' | 'fail';

/**
 * An object the push met that it does not own, and what it did or would do
 * to it: `adopted` (tagged, the listed fields written), `left` (nothing
 * written; `fields` are the differences it left), or `attached` (a new cable
 * now ends on it). `kept` lists fields that differ but are never changed on a
 * foreign object unless Update Foreign Fields is on.
 */
export interface ForeignObject {
	object: ObjectName | 'switchPort';
	id: number;
	name: string;
	action: 'adopted' | 'left' | 'attached';
	fields: string[];
	kept?: string[];
}

export interface HostPlan {
	index: number;
	host: Host;
	/** True when the device/VM does not exist yet. */
	creates: boolean;
	steps: Step[];
	changes: Change[];
	/** Objects that exist without the ownership tag and will be taken over. */
	adopted: ObjectName[];
	/** Every foreign object the host touches, with the fields. */
	foreign: ForeignObject[];
	/** Ids of the host's objects, known now or filled in as they are created. */
	ids: Partial<Record<ObjectName, number>>;
	urls: Partial<Record<ObjectName, string>>;
	/** Steps carried out so far (filled in by the executor). */
	applied: StepObject[];
	/**
	 * `conflict`: NetBox holds something that stops this host (seen before any
	 * write); `owned`: that thing carries the ownership tag.
	 */
	error?: { field: string; message: string; kind?: 'conflict'; owned?: boolean };
}

export interface PlanOptions {
	ownershipTag: string;
	/** The zone of the IPs' dns_name: the same rule as the DNS node's zone. */
	dnsDomain?: string;
	/** NetBox interface type for new device interfaces. */
	interfaceType: string;
	/** Objects found without the ownership tag: adopt (default), leave alone, or fail the host. */
	foreignObjects?: ForeignPolicy;
	/** Whether a foreign device's or VM's site, cluster, role, type, platform and tenant may be changed. */
	updateForeignFields?: boolean;
	/** VRF of hosts that name none (name or RD); none means the global table. */
	vrf?: string;
}

/** Write order: each stage only references objects of earlier stages. */
export const STAGES: StepObject[][] = [['device'], ['interface'], ['mac'], ['ip4', 'ip6'], ['primary', 'primaryMac'], ['cable']];

export function slugify(value: string): string {
	return value.toLowerCase().replace(/[^a-z0-9_]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 100) || 'tag';
}

/**
 * The IPs' dns_name: the name the DNS node serves (`web01.dc1` in zone
 * lab.example is web01.dc1.lab.example in both), by the DNS node's own rule.
 */
export function fqdn(host: Host, dnsDomain?: string): string {
	const domain = dnsDomain?.trim().replace(/^\.+|\.+$/g, '').toLowerCase();
	const name = domain ? qualify(host.name, domain) : host.name.toLowerCase();
	return typeof name === 'string' ? name : host.name.toLowerCase();
}

/**
 * The tag an adopted object carries beside the ownership tag, e.g.
 * `netbox-auto-adopted`: its name is its slug, so one lookup by slug finds it.
 */
export const adoptedTag = (ownershipTag: string) => `${slugify(ownershipTag)}-adopted`;

/** Tag slugs a host's objects carry, and the tags to create first. */
export function wantedTags(hosts: Host[], snapshot: NetBoxSnapshot, options: PlanOptions): { slugOf: Map<string, string>; missing: Array<{ name: string; slug: string }> } {
	const slugOf = new Map<string, string>();
	const missing = new Map<string, { name: string; slug: string }>();
	for (const value of [options.ownershipTag, adoptedTag(options.ownershipTag), ...hosts.flatMap((h) => h.tags ?? [])]) {
		const found = snapshot.refs.tag.get(value.toLowerCase())?.[0];
		const slug = found?.slug ?? slugify(value);
		slugOf.set(value.toLowerCase(), slug);
		if (!found && !missing.has(slug)) missing.set(slug, { name: value, slug });
	}
	return { slugOf, missing: [...missing.values()] };
}

/** Order-insensitive equality for lists (tags), plain equality otherwise. */
export function sameValue(a: unknown, b: unknown): boolean {
	if (Array.isArray(a) && Array.isArray(b)) {
		const left = new Set(a.map(String));
		return a.length === b.length && b.every((x) => left.has(String(x))) && new Set(b.map(String)).size === left.size;
	}
	return (a ?? null) === (b ?? null);
}

/** Plans every host against one snapshot. */
export function planPush(hosts: Array<{ index: number; host: Host }>, snapshot: NetBoxSnapshot, options: PlanOptions): { plans: HostPlan[]; missingTags: Array<{ name: string; slug: string }> } {
	const { slugOf, missing } = wantedTags(hosts.map((h) => h.host), snapshot, options);
	const tagSlug = (value: string) => slugOf.get(value.toLowerCase()) ?? slugify(value);
	const plans = hosts.map(({ index, host }) => new HostPlanner(host, index, snapshot, options, tagSlug).run());
	// The adopted mark is made only when something is adopted.
	const adopting = plans.some((p) => !p.error && p.adopted.length);
	const adoptedSlug = tagSlug(adoptedTag(options.ownershipTag));
	return { plans, missingTags: missing.filter((t) => adopting || t.slug !== adoptedSlug) };
}

