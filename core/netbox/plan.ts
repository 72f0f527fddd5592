// Planning: a pure function from (hosts, what NetBox holds now) to the writes
// that make NetBox match, with a field-level diff per host. No I/O here, so the
// dry-run, the push and the Status operation all share one truth.
import { hostPart } from '../address';
import type { Host } from '../host';
import { ENDPOINT, type NbInterface, type NbMacAddress, type NbIpAddress, type NbMachine, type NbRef, type NbTag, type NetBoxSnapshot, type RefKind } from './types';

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

export interface HostPlan {
	index: number;
	host: Host;
	/** True when the device/VM does not exist yet. */
	creates: boolean;
	steps: Step[];
	changes: Change[];
	/** Objects that exist without the ownership tag and will be taken over. */
	adopted: ObjectName[];
	/** Ids of the host's objects, known now or filled in as they are created. */
	ids: Partial<Record<ObjectName, number>>;
	urls: Partial<Record<ObjectName, string>>;
	/** Steps carried out so far (filled in by the executor). */
	applied: StepObject[];
	error?: { field: string; message: string };
}

export interface PlanOptions {
	ownershipTag: string;
	/** Appended to host names without a dot to form the IPs' dns_name. */
	dnsDomain?: string;
	/** NetBox interface type for new device interfaces. */
	interfaceType: string;
}

/** Write order: each stage only references objects of earlier stages. */
export const STAGES: StepObject[][] = [['device'], ['interface'], ['mac'], ['ip4', 'ip6'], ['primary', 'primaryMac'], ['cable']];

export function slugify(value: string): string {
	return value.toLowerCase().replace(/[^a-z0-9_]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 100) || 'tag';
}

export function fqdn(host: Host, dnsDomain?: string): string {
	const name = host.name.toLowerCase();
	const domain = dnsDomain?.trim().replace(/^\.+|\.+$/g, '').toLowerCase();
	return !domain || name === domain || name.endsWith(`.${domain}`) || name.includes('.') ? name : `${name}.${domain}`;
}

/** Tag slugs a host's objects carry, and the tags to create first. */
export function wantedTags(hosts: Host[], snapshot: NetBoxSnapshot, options: PlanOptions): { slugOf: Map<string, string>; missing: Array<{ name: string; slug: string }> } {
	const slugOf = new Map<string, string>();
	const missing = new Map<string, { name: string; slug: string }>();
	for (const value of [options.ownershipTag, ...hosts.flatMap((h) => h.tags ?? [])]) {
		const found = snapshot.refs.tag.get(value.toLowerCase());
		const slug = found?.slug ?? slugify(value);
		slugOf.set(value.toLowerCase(), slug);
		if (!found && !missing.has(slug)) missing.set(slug, { name: value, slug });
	}
	return { slugOf, missing: [...missing.values()] };
}

/** One field to compare: what NetBox has, what the host wants (both as shown to people), and what to send. */
type FieldDiff = [field: string, from: unknown, to: unknown, value: unknown];


/**
 * The snapshot's objects keyed the way the planner looks them up. Built once
 * per snapshot: scanning the lists per host made planning 1,000 hosts take
 * seconds (quadratic); with the index it takes ~0.1 s.
 */
interface SnapshotIndex {
	devicesByName: Map<string, NbMachine[]>;
	vmsByName: Map<string, NbMachine[]>;
	/** "device:<id>/<name>" or "vm:<id>/<name>" → the interface. */
	ifaceByOwner: Map<string, NbInterface>;
	/** "<assigned_object_type>:<id>" → MACs / IPs assigned to that interface. */
	macsByIface: Map<string, NbMacAddress[]>;
	ipsByIface: Map<string, NbIpAddress[]>;
	/** Address without its mask → IPs (several VRFs may hold one address). */
	ipsByHost: Map<string, NbIpAddress[]>;
}

const INDEXES = new WeakMap<NetBoxSnapshot, SnapshotIndex>();

function addTo<V>(map: Map<string, V[]>, key: string, value: V): void {
	const list = map.get(key);
	if (list) list.push(value);
	else map.set(key, [value]);
}

function indexOf(snapshot: NetBoxSnapshot): SnapshotIndex {
	const cached = INDEXES.get(snapshot);
	if (cached) return cached;
	const index: SnapshotIndex = { devicesByName: new Map(), vmsByName: new Map(), ifaceByOwner: new Map(), macsByIface: new Map(), ipsByIface: new Map(), ipsByHost: new Map() };
	for (const d of snapshot.devices) addTo(index.devicesByName, d.name.toLowerCase(), d);
	for (const v of snapshot.vms) addTo(index.vmsByName, v.name.toLowerCase(), v);
	const owned = (key: string, i: NbInterface) => index.ifaceByOwner.has(key) || index.ifaceByOwner.set(key, i);
	for (const i of snapshot.interfaces) if (i.device) owned(`device:${i.device.id}/${i.name}`, i);
	for (const i of snapshot.vmInterfaces) if (i.virtual_machine) owned(`vm:${i.virtual_machine.id}/${i.name}`, i);
	for (const m of snapshot.macs) addTo(index.macsByIface, `${m.assigned_object_type}:${m.assigned_object_id}`, m);
	for (const a of snapshot.ips) {
		addTo(index.ipsByHost, hostPart(a.address), a);
		if (a.assigned_object_type) addTo(index.ipsByIface, `${a.assigned_object_type}:${a.assigned_object_id}`, a);
	}
	INDEXES.set(snapshot, index);
	return index;
}

const label = (ref: NbRef | null | undefined) => (ref ? ref.slug ?? ref.name ?? ref.model ?? ref.id : null);
const objectUrl = (o: { url?: string; display_url?: string }) => o.display_url ?? o.url;

class HostPlanner {
	readonly plan: HostPlan;
	constructor(
		host: Host,
		index: number,
		private readonly snapshot: NetBoxSnapshot,
		private readonly options: PlanOptions,
		private readonly tagSlug: (value: string) => string,
	) {
		this.plan = { index, host, creates: false, steps: [], changes: [], adopted: [], ids: {}, urls: {}, applied: [] };
	}

	private fail(field: string, message: string): HostPlan {
		this.plan.error = { field, message };
		this.plan.steps = [];
		return this.plan;
	}

	private ref(kind: RefKind, field: string, value: string | undefined): NbRef | undefined | null {
		if (value === undefined) return undefined;
		const found = this.snapshot.refs[kind].get(value.toLowerCase());
		if (!found) {
			this.fail(field, `${field} "${value}" not found in NetBox`);
			return null;
		}
		return found;
	}

	/** Diffs `wanted` against `existing` and records an update step, or a create step when `existing` is absent. */
	private write(object: StepObject, endpoint: string, existing: { id: number } | undefined, fields: FieldDiff[], createOnly: Record<string, unknown> = {}) {
		const body: Record<string, unknown> = {};
		const name = object === 'primary' ? 'device' : object === 'primaryMac' ? 'interface' : object;
		for (const [field, from, to, value] of fields) {
			if (existing && sameValue(from, to)) continue;
			body[field] = value;
			this.plan.changes.push({ object: name, field, from: existing ? from : null, to });
		}
		if (!existing) {
			this.plan.steps.push({ object, endpoint, method: 'POST', body: { ...createOnly, ...body } });
		} else if (Object.keys(body).length) {
			this.plan.steps.push({ object, endpoint, method: 'PATCH', id: existing.id, body });
		}
	}

	/** The tags field: existing tags are never removed; the ownership tag marks what we manage. */
	private tags(object: ObjectName, existing: { tags?: NbTag[] } | undefined, extra: string[] = []): FieldDiff {
		const owner = this.tagSlug(this.options.ownershipTag);
		const current = (existing?.tags ?? []).map((t) => t.slug);
		if (existing && !current.includes(owner)) this.plan.adopted.push(object);
		const wanted = [...new Set([...current, owner, ...extra.map(this.tagSlug)])];
		return ['tags', current, wanted, wanted.map((slug) => ({ slug }))];
	}

	run(): HostPlan {
		const { host } = this.plan;
		const snapshot = this.snapshot;
		const machine = host.kind === 'vm' ? this.machineVm() : this.machineDevice();
		if (this.plan.error || machine === undefined) return this.plan;
		const iface = this.interface(machine);
		if (this.plan.error) return this.plan;
		if (host.mac && snapshot.macObjects) this.mac(iface);
		const ip4 = host.ipv4 ? this.ip('ip4', host.ipv4.ip, host.ipv4.cidr, iface) : undefined;
		const ip6 = host.ipv6 ? this.ip('ip6', host.ipv6.ip, host.ipv6.cidr, iface) : undefined;
		this.primary(machine, ip4, ip6);
		if (host.switch && host.switchPort) this.cable(iface);
		return this.plan;
	}

	private machineDevice(): NbMachine | null | undefined {
		const { host } = this.plan;
		const snapshot = this.snapshot;
		const site = this.ref('site', 'site', host.site);
		const role = this.ref('role', 'role', host.role);
		const type = this.ref('deviceType', 'deviceType', host.deviceType);
		const platform = this.ref('platform', 'platform', host.platform);
		const tenant = this.ref('tenant', 'tenant', host.tenant);
		if (this.plan.error || !site) return undefined;
		const candidates = (indexOf(snapshot).devicesByName.get(host.name.toLowerCase()) ?? []).filter((d) => d.site?.id === site.id);
		const existing = candidates.find((d) => !tenant || d.tenant?.id === tenant.id) ?? candidates[0];
		this.machineFields('device', ENDPOINT.device, existing, [
			['site', existing?.site, site],
			['role', existing?.role, role],
			['device_type', existing?.device_type, type],
			['platform', existing?.platform, platform],
			['tenant', existing?.tenant, tenant],
		]);
		return existing ?? null;
	}

	private machineVm(): NbMachine | null | undefined {
		const { host } = this.plan;
		const snapshot = this.snapshot;
		const cluster = this.ref('cluster', 'cluster', host.cluster);
		const site = this.ref('site', 'site', host.site);
		const role = this.ref('role', 'role', host.role);
		const platform = this.ref('platform', 'platform', host.platform);
		const tenant = this.ref('tenant', 'tenant', host.tenant);
		if (this.plan.error) return undefined;
		// A VM is identified by name within its cluster, or within its site when it has no cluster.
		const existing = (indexOf(snapshot).vmsByName.get(host.name.toLowerCase()) ?? []).find(
			(vm) => (cluster ? vm.cluster?.id === cluster.id : vm.site?.id === site?.id),
		);
		this.machineFields('device', ENDPOINT.vm, existing, [
			['cluster', existing?.cluster, cluster],
			['site', existing?.site, site],
			['role', existing?.role, role],
			['platform', existing?.platform, platform],
			['tenant', existing?.tenant, tenant],
		]);
		return existing ?? null;
	}

	private machineFields(object: 'device', endpoint: string, existing: NbMachine | undefined, refs: Array<[string, NbRef | null | undefined, NbRef | null | undefined]>) {
		const { host } = this.plan;
		const fields: FieldDiff[] = [];
		for (const [field, from, to] of refs) if (to) fields.push([field, label(from), label(to), to.id]);
		if (host.status || !existing) fields.push(['status', existing?.status?.value, host.status ?? 'active', host.status ?? 'active']);
		if (host.description !== undefined) fields.push(['description', existing?.description ?? '', host.description, host.description]);
		fields.push(this.tags(object, existing, host.tags));
		this.plan.creates = !existing;
		if (existing) {
			this.plan.ids.device = existing.id;
			this.plan.urls.device = objectUrl(existing);
		}
		this.write(object, endpoint, existing, fields, { name: host.name });
	}

	private interface(machine: NbMachine | null): NbInterface | undefined {
		const { host } = this.plan;
		const snapshot = this.snapshot;
		const isVm = host.kind === 'vm';
		const existing = machine
			? indexOf(snapshot).ifaceByOwner.get(`${isVm ? 'vm' : 'device'}:${machine.id}/${host.interface}`)
			: undefined;
		const fields: FieldDiff[] = [this.tags('interface', existing)];
		if (host.mac && !snapshot.macObjects) fields.push(['mac_address', existing?.mac_address ?? null, host.mac, host.mac]);
		const owner: Placeholder = { $ref: 'device' };
		this.write('interface', isVm ? ENDPOINT.vminterface : ENDPOINT.interface, existing, fields, {
			name: host.interface,
			...(isVm ? { virtual_machine: owner } : { device: owner, type: this.options.interfaceType }),
		});
		if (existing) {
			this.plan.ids.interface = existing.id;
			this.plan.urls.interface = objectUrl(existing);
		}
		return existing;
	}

	private get interfaceType() {
		return this.plan.host.kind === 'vm' ? 'virtualization.vminterface' : 'dcim.interface';
	}

	/** NetBox 4.2+: the MAC is an object assigned to the interface and made its primary MAC. */
	private mac(iface: NbInterface | undefined) {
		const wanted = this.plan.host.mac!;
		const primary = iface?.primary_mac_address;
		if (primary && primary.mac_address.toUpperCase() === wanted) {
			// Already the primary MAC: nothing to read or write (the snapshot skips these MAC objects).
			this.plan.ids.mac = primary.id;
			return;
		}
		const ifaceEndpoint = this.plan.host.kind === 'vm' ? ENDPOINT.vminterface : ENDPOINT.interface;
		const assigned = iface ? indexOf(this.snapshot).macsByIface.get(`${this.interfaceType}:${iface.id}`) ?? [] : [];
		const same = assigned.find((m) => m.mac_address.toUpperCase() === wanted);
		const target = same ?? (primary ? assigned.find((m) => m.id === primary.id) : undefined);
		if (target) {
			this.plan.ids.mac = target.id;
			this.plan.urls.mac = objectUrl(target);
			// Changing the primary MAC's value in place keeps its id, history and references.
			this.write('mac', ENDPOINT.mac, target, [['mac_address', target.mac_address.toUpperCase(), wanted, wanted], this.tags('mac', target)]);
		} else {
			this.write('mac', ENDPOINT.mac, undefined, [['mac_address', null, wanted, wanted], this.tags('mac', undefined)], {
				assigned_object_type: this.interfaceType,
				assigned_object_id: { $ref: 'interface' },
			});
		}
		if (primary?.id !== target?.id || !target) {
			this.plan.steps.push({ object: 'primaryMac', endpoint: ifaceEndpoint, method: 'PATCH', id: iface?.id, body: { primary_mac_address: { $ref: 'mac' } } });
			this.plan.changes.push({ object: 'interface', field: 'primary_mac_address', from: primary?.mac_address ?? null, to: wanted });
		}
	}

	private ip(object: 'ip4' | 'ip6', ip: string, cidr: string, iface: NbInterface | undefined): NbIpAddress | undefined {
		const family = object === 'ip4' ? 4 : 6;
		const onIface = (a: NbIpAddress) => !!iface && a.assigned_object_type === this.interfaceType && a.assigned_object_id === iface.id;
		const sameAddress = indexOf(this.snapshot).ipsByHost.get(ip) ?? [];
		const ifaceOfFamily = (iface ? indexOf(this.snapshot).ipsByIface.get(`${this.interfaceType}:${iface.id}`) ?? [] : []).filter((a) => a.address.includes(':') === (family === 6));
		// Prefer the exact address (wherever it lives); else move the interface's old address in place.
		const existing = sameAddress.find(onIface) ?? sameAddress.find((a) => !a.vrf) ?? sameAddress[0] ?? ifaceOfFamily[0];
		const dnsName = fqdn(this.plan.host, this.options.dnsDomain);
		const fields: FieldDiff[] = [
			['address', existing?.address ?? null, cidr, cidr],
			['dns_name', existing?.dns_name ?? '', dnsName, dnsName],
		];
		if (!existing || !onIface(existing)) {
			const from = existing?.assigned_object_id ? `${existing.assigned_object_type}:${existing.assigned_object_id}` : null;
			const to = `${this.interfaceType}:${this.plan.host.name}/${this.plan.host.interface}`;
			fields.push(['assigned_object_type', from, to, this.interfaceType]);
			fields.push(['assigned_object_id', from, to, { $ref: 'interface' }]);
		}
		fields.push(this.tags(object, existing));
		this.write(object, ENDPOINT.ip, existing, fields, { status: 'active' });
		if (existing) {
			this.plan.ids[object] = existing.id;
			this.plan.urls[object] = objectUrl(existing);
		}
		return existing;
	}

	private primary(machine: NbMachine | null, ip4?: NbIpAddress, ip6?: NbIpAddress) {
		const { host } = this.plan;
		const body: Record<string, unknown> = {};
		const check = (field: 'primary_ip4' | 'primary_ip6', object: 'ip4' | 'ip6', ip: NbIpAddress | undefined, cidr: string | undefined) => {
			if (!cidr) return;
			if (machine && ip && machine[field]?.id === ip.id) return;
			body[field] = { $ref: object };
			this.plan.changes.push({ object: 'device', field, from: machine?.[field] ? (machine[field] as { address?: string }).address ?? machine[field]!.id : null, to: cidr });
		};
		check('primary_ip4', 'ip4', ip4, host.ipv4?.cidr);
		check('primary_ip6', 'ip6', ip6, host.ipv6?.cidr);
		if (Object.keys(body).length) {
			this.plan.steps.push({ object: 'primary', endpoint: host.kind === 'vm' ? ENDPOINT.vm : ENDPOINT.device, method: 'PATCH', id: machine?.id, body });
		}
	}

	private cable(iface: NbInterface | undefined): void {
		const { host } = this.plan;
		const snapshot = this.snapshot;
		const switches = indexOf(snapshot).devicesByName.get(host.switch!.toLowerCase()) ?? [];
		const sw = switches.find((d) => d.site?.slug === host.site || d.site?.name === host.site) ?? switches[0];
		if (!sw) return void this.fail('switch', `switch "${host.switch}" not found in NetBox`);
		const port = indexOf(snapshot).ifaceByOwner.get(`device:${sw.id}/${host.switchPort}`);
		if (!port) return void this.fail('switchPort', `switchPort "${host.switchPort}" not found on switch "${sw.name}"`);
		const peerOf = (i: NbInterface | undefined) => i?.link_peers?.map((p) => `${p.device?.name ?? '?'}:${p.name ?? p.id}`).join(',') || null;
		if (iface?.link_peers?.some((p) => p.id === port.id)) {
			this.plan.ids.cable = iface.cable?.id;
			return;
		}
		if (port.cable && port.link_peers?.length && !port.link_peers.some((p) => p.id === iface?.id)) {
			return void this.fail('switchPort', `switchPort "${host.switchPort}" on "${sw.name}" is already cabled to ${peerOf(port)}`);
		}
		if (iface && port.cable && port.link_peers?.some((p) => p.id === iface.id)) {
			// The switch end names this interface, but the interface has lost its
			// cable: NetBox saves whole rows, so a PATCH of the interface by another
			// push, loaded before this cable was made, wrote its old empty cable
			// back. Saving the cable with its ends swapped makes NetBox write both
			// ends (and the path) again; the same ends in place would change nothing.
			const ends = [{ object_type: 'dcim.interface', object_id: iface.id }, { object_type: 'dcim.interface', object_id: port.id }];
			if (port.cable_end === 'B') ends.reverse();
			this.plan.ids.cable = port.cable.id;
			this.plan.changes.push({ object: 'cable', field: 'host end', from: null, to: `${sw.name}:${port.name}` });
			this.plan.steps.push({ object: 'cable', endpoint: ENDPOINT.cable, method: 'PATCH', id: port.cable.id, body: { a_terminations: [ends[0]], b_terminations: [ends[1]] } });
			return;
		}
		// A cable left without a far end (its host was deleted) is reused rather than duplicated.
		const reuse = iface?.cable ?? (port.cable && !port.link_peers?.length ? port.cable : undefined);
		const termination = { a_terminations: [{ object_type: 'dcim.interface', object_id: port.id }], b_terminations: [{ object_type: 'dcim.interface', object_id: { $ref: 'interface' } }] };
		this.plan.changes.push({ object: 'cable', field: 'terminations', from: peerOf(iface), to: `${sw.name}:${port.name}` });
		if (reuse) {
			this.plan.ids.cable = reuse.id;
			this.plan.steps.push({ object: 'cable', endpoint: ENDPOINT.cable, method: 'PATCH', id: reuse.id, body: termination });
		} else {
			this.plan.steps.push({ object: 'cable', endpoint: ENDPOINT.cable, method: 'POST', body: { ...termination, status: 'connected', tags: [{ slug: this.tagSlug(this.options.ownershipTag) }] } });
		}
	}
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
	return { plans, missingTags: missing };
}
