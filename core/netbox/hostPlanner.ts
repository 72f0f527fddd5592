// Plans one host against the snapshot: which existing objects are the host's
// (identity), which of them the package may change (ownership), the field
// diff and the writes. A conflict with what people made stops the host here,
// before anything is written for it, in the same words for a push, a dry run
// and Status.
import type { Host } from '../host';
import type { Change, ForeignObject, HostPlan, ObjectName, PlanOptions } from './plan';
import { adoptedTag, fqdn, sameValue } from './plan';
import { indexOf, type SnapshotIndex } from './snapshotIndex';
import { ENDPOINT, type NbAssigned, type NbInterface, type NbIpAddress, type NbMachine, type NbRef, type NbTag, type NetBoxSnapshot, type RefKind } from './types';

/** One field to compare: what NetBox has, what the host wants (both as shown to people), and what to send. */
type FieldDiff = [field: string, from: unknown, to: unknown, value: unknown];

/** What a push does with one existing object: manage (owned), adopt, leave, or create it. */
type Mode = 'create' | 'manage' | 'adopt' | 'leave';

/** Where a device or VM lives and what it is: never changed on a foreign one unless Update Foreign Fields is on. */
const PLACEMENT = new Set(['site', 'cluster', 'role', 'device_type', 'platform', 'tenant']);

const WORD: Record<ObjectName | 'vm', string> = { device: 'device', vm: 'virtual machine', interface: 'interface', mac: 'MAC address', ip4: 'IP address', ip6: 'IP address', cable: 'cable' };

const KIND_WORDS: Record<RefKind, string> = { site: 'sites', role: 'roles', deviceType: 'device types', platform: 'platforms', tenant: 'tenants', cluster: 'clusters', vrf: 'VRFs', tag: 'tags' };

/** Stops planning one host: a conflict with NetBox's data, or a value NetBox does not have. */
class Stop extends Error {
	constructor(
		readonly field: string,
		message: string,
		readonly kind?: 'conflict',
		/** The object in the way carries the ownership tag: perhaps another push of this host, halfway. */
		readonly owned?: boolean,
	) {
		super(message);
	}
}

const label = (ref: NbRef | null | undefined) => (ref ? ref.slug ?? ref.name ?? ref.model ?? ref.id : null);
const objectUrl = (o: { url?: string; display_url?: string }) => o.display_url ?? o.url;
/**
 * The page of an object NetBox only nests (an interface's primary MAC, its
 * cable): nested objects carry their API url, and the page is the same path
 * without `/api`.
 */
const pageOf = (o: { url?: string } | null | undefined) => o?.url?.replace(/\/api\//, '/');
/** "dmi01-akron-rtr01 GigabitEthernet0/1/2": the interface an IP or MAC is assigned to, as a person names it. */
const holder = (a: NbAssigned | null | undefined, fallback: string) =>
	a ? [a.device?.name ?? a.virtual_machine?.name, a.name].filter(Boolean).join(' ') || `${fallback}` : fallback;
const peersOf = (i: NbInterface | undefined) => i?.link_peers?.map((p) => `${p.device?.name ?? '?'}:${p.name ?? p.id}`).join(',') || null;

export class HostPlanner {
	private readonly plan: HostPlan;
	private readonly index: SnapshotIndex;
	private readonly ownerSlug: string;
	/** Second tag of what was adopted rather than created: its placement is never changed. */
	private readonly adoptedSlug: string;
	private readonly isVm: boolean;
	private vrf?: NbRef;

	constructor(
		host: Host,
		index: number,
		private readonly snapshot: NetBoxSnapshot,
		private readonly options: PlanOptions,
		private readonly tagSlug: (value: string) => string,
	) {
		this.plan = { index, host, creates: false, steps: [], changes: [], adopted: [], foreign: [], ids: {}, urls: {}, applied: [] };
		this.index = indexOf(snapshot);
		this.ownerSlug = tagSlug(options.ownershipTag);
		this.adoptedSlug = tagSlug(adoptedTag(options.ownershipTag));
		this.isVm = host.kind === 'vm';
	}

	run(): HostPlan {
		const { host } = this.plan;
		try {
			this.vrf = this.ref('vrf', 'vrf', host.vrf ?? this.options.vrf);
			const machine = this.isVm ? this.machineVm() : this.machineDevice();
			const iface = this.interface(machine);
			if (host.mac && this.snapshot.macObjects) this.mac(iface);
			const ip4 = host.ipv4 ? this.ip('ip4', host.ipv4.ip, host.ipv4.cidr, iface, machine) : undefined;
			const ip6 = host.ipv6 ? this.ip('ip6', host.ipv6.ip, host.ipv6.cidr, iface, machine) : undefined;
			this.primary(machine, ip4, ip6);
			if (host.switch && host.switchPort) this.cable(iface, machine);
		} catch (error) {
			if (!(error instanceof Stop)) throw error;
			// A host that cannot be finished gets no write at all.
			Object.assign(this.plan, { steps: [], changes: [], adopted: [], foreign: [] });
			this.plan.error = { field: error.field, message: error.message, ...(error.kind ? { kind: error.kind } : {}), ...(error.owned ? { owned: true } : {}) };
		}
		return this.plan;
	}

	// ---- ownership ----------------------------------------------------------------

	private owned(o: { tags?: NbTag[] } | undefined): boolean {
		return !!o?.tags?.some((t) => t.slug === this.ownerSlug);
	}

	private ownerWords(o: { tags?: NbTag[] }): string {
		return this.owned(o) ? `owned by ${this.options.ownershipTag}` : `not owned by ${this.options.ownershipTag}`;
	}

	private mode(object: ObjectName, existing: { id: number; tags?: NbTag[] } | undefined, name: string, field: string): Mode {
		if (!existing) return 'create';
		if (this.owned(existing)) return 'manage';
		const policy = this.options.foreignObjects ?? 'adopt';
		if (policy === 'fail') {
			throw new Stop(field, `${this.word(object)} "${name}" (id ${existing.id}) exists and is ${this.ownerWords(existing)}; Foreign Objects is set to Fail`, 'conflict');
		}
		return policy;
	}

	private word(object: ObjectName): string {
		return object === 'device' && this.isVm ? WORD.vm : WORD[object];
	}

	/** The entry of a foreign object in the result, made on first use. */
	private foreignEntry(object: ForeignObject['object'], id: number, name: string, action: ForeignObject['action']): ForeignObject {
		let entry = this.plan.foreign.find((f) => f.object === object && f.id === id);
		if (!entry) {
			entry = { object, id, name, action, fields: [] };
			this.plan.foreign.push(entry);
		}
		return entry;
	}

	/**
	 * Diffs `fields` against `existing` and records a PATCH, or a POST when it
	 * does not exist. An owned object gets every difference; a foreign one,
	 * when adopted, the ownership tag and the item's fields but not its
	 * placement; when left alone, nothing (the differences are reported).
	 */
	private write(object: ObjectName, endpoint: string, existing: { id: number; tags?: NbTag[] } | undefined, fields: FieldDiff[], how: { name: string; field: string; createOnly?: Record<string, unknown>; tags?: string[] }): Mode {
		const mode = this.mode(object, existing, how.name, how.field);
		const current = (existing?.tags ?? []).map((t) => t.slug);
		if (mode !== 'leave') {
			const marks = mode === 'adopt' ? [this.ownerSlug, this.adoptedSlug] : [this.ownerSlug];
			const wanted = [...new Set([...current, ...marks, ...(how.tags ?? []).map(this.tagSlug)])];
			fields = [...fields, ['tags', current, wanted, wanted.map((slug) => ({ slug }))]];
		}
		// An adopted object stays where its people put it, on this push and every later one.
		const keepPlacement = !this.options.updateForeignFields && (mode === 'adopt' || mode === 'leave' || current.includes(this.adoptedSlug));
		const body: Record<string, unknown> = {};
		const changed: string[] = [];
		const kept: string[] = [];
		for (const [field, from, to, value] of fields) {
			if (existing && sameValue(from, to)) continue;
			if (keepPlacement && PLACEMENT.has(field)) {
				kept.push(field);
				continue;
			}
			changed.push(field);
			if (mode === 'leave') continue;
			body[field] = value;
			this.plan.changes.push({ object, field, from: existing ? from : null, to });
		}
		if (mode === 'adopt' || mode === 'leave') {
			const entry = this.foreignEntry(object, existing!.id, how.name, mode === 'adopt' ? 'adopted' : 'left');
			entry.fields.push(...changed);
			if (kept.length) entry.kept = kept;
			if (mode === 'adopt') this.plan.adopted.push(object);
		}
		if (mode === 'create') this.plan.steps.push({ object, endpoint, method: 'POST', body: { ...how.createOnly, ...body } });
		else if (Object.keys(body).length) this.plan.steps.push({ object, endpoint, method: 'PATCH', id: existing!.id, body });
		return mode;
	}

	/** A PATCH of a primary pointer of an existing object, honouring ownership like `write`. */
	private point(object: 'primary' | 'primaryMac', owner: NbMachine | NbInterface | undefined, mode: Mode, body: Record<string, unknown>, changes: Change[]) {
		const target = object === 'primary' ? 'device' : 'interface';
		if (owner && (mode === 'adopt' || mode === 'leave')) {
			this.foreignEntry(target, owner.id, owner.name, mode === 'adopt' ? 'adopted' : 'left').fields.push(...Object.keys(body));
			if (mode === 'leave') return;
		}
		this.plan.changes.push(...changes);
		const endpoint = object === 'primary' ? (this.isVm ? ENDPOINT.vm : ENDPOINT.device) : this.isVm ? ENDPOINT.vminterface : ENDPOINT.interface;
		this.plan.steps.push({ object, endpoint, method: 'PATCH', id: owner?.id, body });
	}

	// ---- references and identity ------------------------------------------------------

	/** A field the item itself gave (not filled in from Defaults). */
	private stated<F extends keyof Host>(field: F): Host[F] | undefined {
		return (this.plan.host.defaulted as string[] | undefined)?.includes(field) ? undefined : this.plan.host[field];
	}

	private ref(kind: RefKind, field: string, value: string | undefined): NbRef | undefined {
		if (value === undefined) return undefined;
		const found = this.snapshot.refs[kind].get(value.toLowerCase()) ?? [];
		if (!found.length) throw new Stop(field, `${field} "${value}" not found in NetBox`);
		if (found.length > 1) {
			const names = found.map((r) => `${r.manufacturer?.name ? `${r.manufacturer.name} ` : ''}${r.display ?? r.name ?? r.model ?? r.slug} (id ${r.id})`).join(', ');
			throw new Stop(field, `${field} "${value}" matches ${found.length} ${KIND_WORDS[kind]} in NetBox: ${names}; refusing to pick one`, 'conflict');
		}
		return found[0];
	}

	/**
	 * The existing device or VM that is this host. A name is one host for DNS,
	 * so the same name elsewhere (another site, another cluster) is not a
	 * second host to create but a conflict, unless the one found is owned (then
	 * the push moves it) or Update Foreign Fields allows moving it.
	 */
	private identify(all: NbMachine[], scope: { field: 'site' | 'cluster'; ref: NbRef; value: string } | undefined, tenant: NbRef | undefined): NbMachine | undefined {
		const name = this.plan.host.name;
		const kind = this.isVm ? WORD.vm : WORD.device;
		const where = (m: NbMachine) => `${kind} ${m.name} (id ${m.id}, ${m.cluster ? `cluster "${label(m.cluster)}"` : `site "${label(m.site)}"`}, ${this.ownerWords(m)})`;
		if (!scope) {
			if (all.length > 1) throw new Stop('name', `name "${name}" matches ${all.length} ${kind}s: ${all.map(where).join('; ')}; give the ${this.isVm ? 'cluster' : 'site'}`, 'conflict');
			return all[0];
		}
		let here = all.filter((m) => m[scope.field]?.id === scope.ref.id);
		if (here.length > 1 && tenant) here = here.filter((m) => m.tenant?.id === tenant.id);
		if (here.length > 1) throw new Stop('name', `name "${name}" matches ${here.length} ${kind}s in ${scope.field} "${scope.value}": ${here.map(where).join('; ')}; give the tenant`, 'conflict');
		if (here.length) return here[0];
		if (!all.length) return undefined;
		if (all.length === 1 && (this.owned(all[0]) || this.options.updateForeignFields)) return all[0];
		throw new Stop(
			'name',
			`name "${name}": ${all.map(where).join('; ')} already exists, not in ${scope.field} "${scope.value}"; a second ${kind} of that name would make it ambiguous in NetBox and DNS`,
			'conflict',
		);
	}

	/** Refs of a device or VM, and which of them apply: all when it is created, the item's own otherwise. */
	private refsFor(fields: Array<[api: string, kind: RefKind, field: 'site' | 'role' | 'deviceType' | 'platform' | 'tenant' | 'cluster']>, existing: boolean) {
		return fields.map(([api, kind, field]) => [api, this.ref(kind, field, existing ? this.stated(field) : this.plan.host[field])] as const);
	}

	private require(fields: Array<'site' | 'role' | 'deviceType'>) {
		for (const field of fields) {
			if (!this.plan.host[field]) throw new Stop(field, `${field} missing: is required to create ${this.isVm ? 'a VM' : 'a device'} ("${this.plan.host.name}" is not in NetBox yet)`);
		}
	}

	private machineDevice(): NbMachine | undefined {
		const { host } = this.plan;
		const all = this.index.devicesByName.get(host.name.toLowerCase()) ?? [];
		const site = this.stated('site');
		const scope = site ? { field: 'site' as const, ref: this.ref('site', 'site', site)!, value: site } : undefined;
		const existing = this.identify(all, scope, this.ref('tenant', 'tenant', this.stated('tenant')));
		if (!existing) this.require(['site', 'role', 'deviceType']);
		const refs = this.refsFor([['site', 'site', 'site'], ['role', 'role', 'role'], ['device_type', 'deviceType', 'deviceType'], ['platform', 'platform', 'platform'], ['tenant', 'tenant', 'tenant']], !!existing);
		this.machineFields(ENDPOINT.device, existing, refs);
		return existing;
	}

	private machineVm(): NbMachine | undefined {
		const { host } = this.plan;
		const all = this.index.vmsByName.get(host.name.toLowerCase()) ?? [];
		// A VM lives in its cluster, or in its site when it has none.
		const cluster = this.stated('cluster');
		const site = this.stated('site');
		const scope = cluster
			? { field: 'cluster' as const, ref: this.ref('cluster', 'cluster', cluster)!, value: cluster }
			: site
				? { field: 'site' as const, ref: this.ref('site', 'site', site)!, value: site }
				: undefined;
		const existing = this.identify(all, scope, this.ref('tenant', 'tenant', this.stated('tenant')));
		if (!existing && !host.cluster && !host.site) throw new Stop('cluster', `cluster missing: is required to create a VM (or give a site; "${host.name}" is not in NetBox yet)`);
		const refs = this.refsFor([['cluster', 'cluster', 'cluster'], ['site', 'site', 'site'], ['role', 'role', 'role'], ['platform', 'platform', 'platform'], ['tenant', 'tenant', 'tenant']], !!existing);
		this.machineFields(ENDPOINT.vm, existing, refs);
		return existing;
	}

	private machineMode: Mode = 'create';

	private machineFields(endpoint: string, existing: NbMachine | undefined, refs: ReadonlyArray<readonly [string, NbRef | undefined]>) {
		const { host } = this.plan;
		const fields: FieldDiff[] = [];
		for (const [field, to] of refs) if (to) fields.push([field, label(existing?.[field as keyof NbMachine] as NbRef | undefined), label(to), to.id]);
		const status = existing ? this.stated('status') : host.status ?? 'active';
		if (status) fields.push(['status', existing?.status?.value, status, status]);
		if (host.description !== undefined) fields.push(['description', existing?.description ?? '', host.description, host.description]);
		// Tags from Defaults only go on what is created, like every other default.
		const tags = (host.tags ?? []).filter((t) => !existing || !host.defaultTags?.includes(t));
		this.plan.creates = !existing;
		if (existing) {
			this.plan.ids.device = existing.id;
			this.plan.urls.device = objectUrl(existing);
		}
		this.machineMode = this.write('device', endpoint, existing, fields, { name: host.name, field: 'name', createOnly: { name: host.name }, tags });
	}

	// ---- interface, MAC, addresses, cable ----------------------------------------------

	private get interfaceType() {
		return this.isVm ? 'virtualization.vminterface' : 'dcim.interface';
	}

	private ifaceMode: Mode = 'create';

	/**
	 * The item's interface when it names one. Otherwise, on an existing
	 * machine, the interface that has the host's MAC, then the one with its
	 * address; the default name (eth0) only on a machine the package made.
	 */
	private interface(machine: NbMachine | undefined): NbInterface | undefined {
		const { host } = this.plan;
		const owner = machine && `${this.isVm ? 'vm' : 'device'}:${machine.id}`;
		let name = host.interface;
		let existing = owner ? this.index.ifaceByOwner.get(`${owner}/${name}`) : undefined;
		if (machine && owner && !this.stated('interface')) {
			const found = this.findInterface(owner);
			if (found) [existing, name] = [found, found.name];
			else if (!this.owned(machine)) {
				const clues = [host.mac && `MAC ${host.mac}`, host.ipv4 && `address ${host.ipv4.ip}`, host.ipv6 && `address ${host.ipv6.ip}`].filter(Boolean).join(' or ');
				throw new Stop(
					'interface',
					`interface missing: ${this.word('device')} "${machine.name}" exists and is ${this.ownerWords(machine)}, and none of its interfaces has ${clues || 'the host\'s MAC or address'}; give the interface name`,
					'conflict',
				);
			}
		}
		const fields: FieldDiff[] = [];
		if (host.mac && !this.snapshot.macObjects) fields.push(['mac_address', existing?.mac_address ?? null, host.mac, host.mac]);
		const parent = { $ref: 'device' };
		this.ifaceMode = this.write('interface', this.isVm ? ENDPOINT.vminterface : ENDPOINT.interface, existing, fields, {
			name: `${machine?.name ?? host.name} ${name}`,
			field: 'interface',
			createOnly: { name, ...(this.isVm ? { virtual_machine: parent } : { device: parent, type: this.options.interfaceType }) },
		});
		if (!existing && machine && !this.owned(machine)) this.foreignEntry('device', machine.id, machine.name, 'attached').fields.push('interface_count');
		if (existing) {
			this.plan.ids.interface = existing.id;
			this.plan.urls.interface = objectUrl(existing);
		}
		return existing;
	}

	private findInterface(owner: string): NbInterface | undefined {
		const { host } = this.plan;
		const ifaces = this.index.ifacesOf.get(owner) ?? [];
		const byMac = host.mac && ifaces.find((i) => [i.primary_mac_address?.mac_address, i.mac_address].some((m) => m?.toUpperCase() === host.mac));
		if (byMac) return byMac;
		const addresses = [host.ipv4?.ip, host.ipv6?.ip].filter(Boolean);
		return ifaces.find((i) => (this.index.ipsByIface.get(`${this.interfaceType}:${i.id}`) ?? []).some((a) => this.inVrf(a) && addresses.includes(a.address.split('/')[0])));
	}

	private inVrf(a: NbIpAddress): boolean {
		return (a.vrf?.id ?? null) === (this.vrf?.id ?? null);
	}

	/** NetBox 4.2+: the MAC is an object assigned to the interface and made its primary MAC. */
	private mac(iface: NbInterface | undefined) {
		const wanted = this.plan.host.mac!;
		const primary = iface?.primary_mac_address;
		if (primary && primary.mac_address.toUpperCase() === wanted) {
			// Already the primary MAC: nothing to read or write (the snapshot skips these MAC objects).
			this.plan.ids.mac = primary.id;
			this.plan.urls.mac = pageOf(primary);
			return;
		}
		const mine = (m: { assigned_object_type: string | null; assigned_object_id: number | null }) => !!iface && m.assigned_object_type === this.interfaceType && m.assigned_object_id === iface.id;
		const elsewhere = (this.index.macsByValue.get(wanted) ?? []).find((m) => m.assigned_object_id !== null && !mine(m));
		if (elsewhere) {
			throw new Stop('mac', `mac "${wanted}" is assigned to ${holder(elsewhere.assigned_object, `${elsewhere.assigned_object_type} ${elsewhere.assigned_object_id}`)} (MAC address id ${elsewhere.id}, ${this.ownerWords(elsewhere)}); it is never moved`, 'conflict', this.owned(elsewhere));
		}
		const assigned = iface ? this.index.macsByIface.get(`${this.interfaceType}:${iface.id}`) ?? [] : [];
		const same = assigned.find((m) => m.mac_address.toUpperCase() === wanted);
		// Changing the primary MAC's value in place keeps its id, history and references; only on our own.
		const old = primary ? assigned.find((m) => m.id === primary.id && this.owned(m)) : undefined;
		const target = same ?? old;
		const how = { name: wanted, field: 'mac' };
		if (target) {
			this.plan.ids.mac = target.id;
			this.plan.urls.mac = objectUrl(target);
			this.write('mac', ENDPOINT.mac, target, [['mac_address', target.mac_address.toUpperCase(), wanted, wanted]], how);
		} else {
			this.write('mac', ENDPOINT.mac, undefined, [['mac_address', null, wanted, wanted]], { ...how, createOnly: { assigned_object_type: this.interfaceType, assigned_object_id: { $ref: 'interface' } } });
		}
		if (primary?.id !== target?.id || !target) {
			const change = { object: 'interface', field: 'primary_mac_address', from: primary?.mac_address ?? null, to: wanted };
			this.point('primaryMac', iface, this.ifaceMode, { primary_mac_address: { $ref: 'mac' } }, [change]);
		}
	}

	/**
	 * The host's address in its VRF. An address assigned to any other device,
	 * VM or interface is a conflict (never moved); one in another VRF is
	 * another address; an unassigned one is a reservation and may be adopted.
	 */
	private ip(object: 'ip4' | 'ip6', ip: string, cidr: string, iface: NbInterface | undefined, machine: NbMachine | undefined): NbIpAddress | undefined {
		const field = object === 'ip4' ? 'ipv4' : 'ipv6';
		const onIface = (a: NbIpAddress) => !!iface && a.assigned_object_type === this.interfaceType && a.assigned_object_id === iface.id;
		const inVrf = (this.index.ipsByHost.get(ip) ?? []).filter((a) => this.inVrf(a));
		let existing = inVrf.find(onIface);
		if (!existing) {
			const held = inVrf.find((a) => a.assigned_object_id !== null);
			const onThisMachine = (a: NbIpAddress) => !!machine && (this.isVm ? a.assigned_object?.virtual_machine?.id : a.assigned_object?.device?.id) === machine.id;
			if (held && !(this.owned(held) && onThisMachine(held))) {
				const vrf = this.vrf ? ` in VRF "${this.vrf.name ?? this.vrf.display}"` : '';
				throw new Stop(field, `${field} "${cidr}"${vrf} is assigned to ${holder(held.assigned_object, `${held.assigned_object_type} ${held.assigned_object_id}`)} (IP address id ${held.id}, ${this.ownerWords(held)}); it is never moved`, 'conflict', this.owned(held));
			}
			existing = held ?? inVrf[0];
			if (existing && !held && this.options.foreignObjects === 'leave' && !this.owned(existing)) {
				throw new Stop(field, `${field} "${cidr}" exists unassigned (a reservation, IP address id ${existing.id}, ${this.ownerWords(existing)}) and Foreign Objects is set to Leave`, 'conflict');
			}
			if (!existing && iface) {
				// The interface's own old address of that family, renumbered in place: only one the package made.
				const family = (a: NbIpAddress) => a.address.includes(':') === (object === 'ip6');
				existing = (this.index.ipsByIface.get(`${this.interfaceType}:${iface.id}`) ?? []).find((a) => family(a) && this.inVrf(a) && this.owned(a));
			}
		}
		const dnsName = fqdn(this.plan.host, this.options.dnsDomain);
		const fields: FieldDiff[] = [
			['address', existing?.address ?? null, cidr, cidr],
			['dns_name', existing?.dns_name ?? '', dnsName, dnsName],
		];
		if (!existing || !onIface(existing)) {
			const from = existing?.assigned_object_id ? `${existing.assigned_object_type}:${existing.assigned_object_id}` : null;
			const to = `${this.interfaceType}:${machine?.name ?? this.plan.host.name}/${iface?.name ?? this.plan.host.interface}`;
			fields.push(['assigned_object_type', from, to, this.interfaceType]);
			fields.push(['assigned_object_id', from, to, { $ref: 'interface' }]);
		}
		this.write(object, ENDPOINT.ip, existing, fields, { name: cidr, field, createOnly: { status: 'active', ...(this.vrf ? { vrf: this.vrf.id } : {}) } });
		if (existing) {
			this.plan.ids[object] = existing.id;
			this.plan.urls[object] = objectUrl(existing);
		}
		return existing;
	}

	private primary(machine: NbMachine | undefined, ip4?: NbIpAddress, ip6?: NbIpAddress) {
		const { host } = this.plan;
		const body: Record<string, unknown> = {};
		const changes: Change[] = [];
		const check = (field: 'primary_ip4' | 'primary_ip6', object: 'ip4' | 'ip6', ip: NbIpAddress | undefined, cidr: string | undefined) => {
			if (!cidr) return;
			if (machine && ip && machine[field]?.id === ip.id) return;
			body[field] = { $ref: object };
			changes.push({ object: 'device', field, from: machine?.[field] ? (machine[field] as { address?: string }).address ?? machine[field]!.id : null, to: cidr });
		};
		check('primary_ip4', 'ip4', ip4, host.ipv4?.cidr);
		check('primary_ip6', 'ip6', ip6, host.ipv6?.cidr);
		if (Object.keys(body).length) this.point('primary', machine, this.machineMode, body, changes);
	}

	private switchOf(): NbMachine {
		const { host } = this.plan;
		const all = this.index.devicesByName.get(host.switch!.toLowerCase()) ?? [];
		if (!all.length) throw new Stop('switch', `switch "${host.switch}" not found in NetBox`);
		if (all.length === 1) return all[0];
		const site = host.site?.toLowerCase();
		const here = all.filter((d) => site && (d.site?.slug === site || d.site?.name?.toLowerCase() === site));
		if (here.length === 1) return here[0];
		throw new Stop('switch', `switch "${host.switch}" matches ${all.length} devices (${all.map((d) => `id ${d.id} at site "${label(d.site)}"`).join(', ')}); give the site`, 'conflict');
	}

	private cableId(cable: NbRef): void {
		this.plan.ids.cable = cable.id;
		this.plan.urls.cable = objectUrl(this.index.cables.get(cable.id) ?? {}) ?? pageOf(cable);
	}

	/** Only owned cables are ever re-terminated or mended; a foreign one in the way is a conflict. */
	private cable(iface: NbInterface | undefined, machine: NbMachine | undefined): void {
		const { host } = this.plan;
		const sw = this.switchOf();
		const port = this.index.ifaceByOwner.get(`device:${sw.id}/${host.switchPort}`);
		if (!port) throw new Stop('switchPort', `switchPort "${host.switchPort}" not found on switch "${sw.name}"`);
		if (iface?.link_peers?.some((p) => p.id === port.id)) {
			if (iface.cable) this.cableId(iface.cable);
			return;
		}
		const portName = `${sw.name}:${port.name}`;
		const cableOf = (c: NbRef) => this.index.cables.get(c.id) ?? { id: c.id };
		const notOurs = (c: NbRef | null | undefined): boolean => !!c && !this.owned(cableOf(c));
		if (port.cable && port.link_peers?.length && !port.link_peers.some((p) => p.id === iface?.id)) {
			throw new Stop('switchPort', `switchPort "${host.switchPort}" on "${sw.name}" is already cabled to ${peersOf(port)} (cable id ${port.cable.id}, ${this.ownerWords(cableOf(port.cable))})`, 'conflict', !notOurs(port.cable));
		}
		if (iface && port.cable && port.link_peers?.some((p) => p.id === iface.id)) {
			if (notOurs(port.cable)) throw new Stop('switchPort', `cable id ${port.cable.id} from ${portName} to ${iface.name} lost its host end and is ${this.ownerWords(cableOf(port.cable))}; mend it by hand`, 'conflict');
			// The switch end names this interface, but the interface has lost its
			// cable: NetBox saves whole rows, so a PATCH of the interface by another
			// push, loaded before this cable was made, wrote its old empty cable
			// back. Saving the cable with its ends swapped makes NetBox write both
			// ends (and the path) again; the same ends in place would change nothing.
			const ends = [{ object_type: 'dcim.interface', object_id: iface.id }, { object_type: 'dcim.interface', object_id: port.id }];
			if (port.cable_end === 'B') ends.reverse();
			this.cableId(port.cable);
			this.plan.changes.push({ object: 'cable', field: 'host end', from: null, to: portName });
			this.plan.steps.push({ object: 'cable', endpoint: ENDPOINT.cable, method: 'PATCH', id: port.cable.id, body: { a_terminations: [ends[0]], b_terminations: [ends[1]] } });
			return;
		}
		if (iface?.cable && notOurs(iface.cable)) {
			throw new Stop('switchPort', `interface "${iface.name}" of "${machine?.name ?? host.name}" is cabled to ${peersOf(iface) ?? 'nothing'} (cable id ${iface.cable.id}, ${this.ownerWords(cableOf(iface.cable))}); it is never re-terminated`, 'conflict');
		}
		const loose = port.cable && !port.link_peers?.length ? port.cable : undefined;
		if (loose && notOurs(loose)) throw new Stop('switchPort', `switchPort "${host.switchPort}" on "${sw.name}" carries cable id ${loose.id} without a far end (${this.ownerWords(cableOf(loose))}); it is never re-terminated`, 'conflict');
		// A cable of ours left without a far end (its host was deleted) is reused rather than duplicated.
		const reuse = iface?.cable ?? loose;
		const termination = { a_terminations: [{ object_type: 'dcim.interface', object_id: port.id }], b_terminations: [{ object_type: 'dcim.interface', object_id: { $ref: 'interface' } }] };
		this.plan.changes.push({ object: 'cable', field: 'terminations', from: peersOf(iface), to: portName });
		if (!this.owned(port)) this.foreignEntry('switchPort', port.id, portName, 'attached').fields.push('cable');
		if (reuse) {
			this.cableId(reuse);
			this.plan.steps.push({ object: 'cable', endpoint: ENDPOINT.cable, method: 'PATCH', id: reuse.id, body: termination });
		} else {
			this.plan.steps.push({ object: 'cable', endpoint: ENDPOINT.cable, method: 'POST', body: { ...termination, status: 'connected', tags: [{ slug: this.ownerSlug }] } });
		}
	}
}
