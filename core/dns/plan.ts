// The pure part of a push: from the input hosts, the managed file and what
// Unbound serves, decide each host's outcome, the next managed file and the
// unbound-control changes that make Unbound serve exactly that file. Also the
// read-only status comparison. No I/O here.
import {
	TAKEABLE_TYPES,
	ForeignIndex,
	asForeign,
	conflictMessage,
	type ForeignRecord,
} from './foreign';
import {
	desiredRecords,
	qualify,
	type DnsHost,
	type DnsRecord,
	type RecordOptions,
	type ServedRR,
} from './records';

export interface PlanOptions extends RecordOptions {
	/** Remove managed records of hosts that are not in the input. */
	prune: boolean;
	/** Replace foreign A/AAAA/PTR at a pushed host's names instead of failing the host. */
	takeOverNames?: boolean;
}

export interface HostInput {
	index: number;
	host: DnsHost;
}

export type PushAction = 'created' | 'updated' | 'unchanged' | 'removed' | 'skipped' | 'failed';

export interface HostChange {
	/** Input item; absent for a pruned host no item carries. */
	index?: number;
	fqdn?: string;
	action: PushAction;
	/** RR lines the host has after the push. */
	records: string[];
	added: string[];
	removed: string[];
	reason?: string;
	error?: { field: string; message: string; kind?: 'conflict' };
	/** Records this package did not write at the host's names, and what the push does with them. */
	foreign?: ForeignRecord[];
}

/** What unbound-control must do so Unbound serves a given record set. */
export interface ServedChange {
	/** Owner names to clear first (`local_datas_remove` clears every record of a name). */
	remove: string[];
	/** RR lines to add afterwards (`local_datas`): a cleared name gets all it keeps back, foreign records too. */
	add: string[];
	/** Every owner name whose served data changes. */
	touched: string[];
}

export interface PushPlan {
	hosts: HostChange[];
	pruned: HostChange[];
	/** Records of the next managed file. */
	records: DnsRecord[];
	fileChanged: boolean;
	served: ServedChange;
	/** Whether `served` was planned from what Unbound serves (list_local_data) or assumed from the file. */
	servedKnown: boolean;
	/** Owner names whose served data the push may change: what to verify and, on failure, restore. */
	owners: string[];
	/** What Unbound should serve at `owners` afterwards: the new records and the foreign ones kept. */
	want: ServedRR[];
	/** Foreign records replaced (Take Over Names). One from a config file comes back at a reload. */
	takenOver: ServedRR[];
	/** Whether records not in the managed file are served at the names planned: then the backup is worth reading. */
	foreignSeen: boolean;
}

type Resolved =
	| { index: number; state: 'ok'; fqdn: string; desired: DnsRecord[]; foreign?: ForeignRecord[] }
	| { index: number; state: 'skipped'; fqdn?: string; reason: string }
	| {
			index: number;
			state: 'failed';
			fqdn?: string;
			field: string;
			message: string;
			kind?: 'conflict';
			foreign?: ForeignRecord[];
	  };

/**
 * Names each input host and its desired records. A duplicate is judged on the
 * qualified name ("web1" and "web1.lab.example" are one host), which the
 * batch check on raw names cannot see.
 */
function resolveHosts(hosts: HostInput[], options: RecordOptions): Resolved[] {
	const seen = new Map<string, number>();
	return hosts.map(({ index, host }): Resolved => {
		const fqdn = qualify(host.name, options.zone);
		if (typeof fqdn !== 'string')
			return { index, state: 'failed', field: 'name', message: fqdn.error };
		const first = seen.get(fqdn);
		if (first !== undefined)
			return {
				index,
				state: 'failed',
				fqdn,
				field: 'name',
				message: `${fqdn} is also pushed by item ${first + 1} of this batch`,
			};
		seen.set(fqdn, index);
		if (!host.ipv4 && !host.ipv6)
			return { index, state: 'skipped', fqdn, reason: 'no ipv4 or ipv6 address' };
		return { index, state: 'ok', fqdn, desired: desiredRecords(fqdn, host, options) };
	});
}

function groupBy<T>(list: T[], key: (t: T) => string): Map<string, T[]> {
	const map = new Map<string, T[]>();
	for (const t of list) {
		const k = key(t);
		const group = map.get(k);
		if (group) group.push(t);
		else map.set(k, [t]);
	}
	return map;
}

const rrs = (records: DnsRecord[]) => records.map((r) => r.rr);
/** a without b. A host has a handful of records: below 16, a scan beats building a Set. */
const minus = (a: string[], b: string[]) => {
	if (b.length < 16) return a.filter((x) => !b.includes(x));
	const drop = new Set(b);
	return a.filter((x) => !drop.has(x));
};
const sameSet = (a: string[], b: string[]) => {
	if (a.length !== b.length) return false;
	if (a.length < 16) return a.every((x) => b.includes(x)) && b.every((x) => a.includes(x));
	const [sa, sb] = [new Set(a), new Set(b)];
	return sa.size === sb.size && [...sa].every((x) => sb.has(x));
};

/** Per owner name: the RR lines `records` give it. */
export function servedForm(records: DnsRecord[]): ServedRR[] {
	return records.map(({ owner, type, rr }) => ({ owner, type, rr }));
}

/** `owners` sorted without repeats; a plan's owner list already is, and is then taken as it is. */
function sortedUnique(owners: Iterable<string>): string[] {
	if (Array.isArray(owners) && owners.every((o, i) => i === 0 || owners[i - 1] < o)) return owners;
	return [...new Set(owners)].sort();
}

function rrsByOwner(list: ServedRR[]): Map<string, string[]> {
	const map = new Map<string, string[]>();
	for (const { owner, rr } of list) {
		const group = map.get(owner);
		if (group) group.push(rr);
		else map.set(owner, [rr]);
	}
	return map;
}

/** The unbound-control changes that turn `have` into `want` on `owners` (and touch nothing else). */
export function servedChanges(
	want: ServedRR[],
	have: ServedRR[],
	owners: Iterable<string>,
): ServedChange {
	const wantBy = rrsByOwner(want);
	const haveBy = rrsByOwner(have);
	const change: ServedChange = { remove: [], add: [], touched: [] };
	for (const owner of sortedUnique(owners)) {
		const w = wantBy.get(owner) ?? [];
		const h = haveBy.get(owner) ?? [];
		if (sameSet(w, h)) continue;
		change.touched.push(owner);
		// Only additions: no need to clear the name (and re-send what it keeps).
		const missing = minus(w, h);
		if (missing.length === w.length - h.length) {
			change.add.push(...missing);
			continue;
		}
		change.remove.push(owner);
		change.add.push(...w);
	}
	return change;
}

/** Names that appear in the input but could not be planned still count as "in the input" for prune. */
function inputNames(resolved: Resolved[], extraNames: string[], zone: string): Set<string> {
	const names = new Set(resolved.flatMap((r) => (r.fqdn ? [r.fqdn] : [])));
	for (const name of extraNames) {
		const fqdn = qualify(name, zone);
		if (typeof fqdn === 'string') names.add(fqdn);
	}
	return names;
}

type Ok = Extract<Resolved, { state: 'ok' }>;

/**
 * A pushed host whose names (its own, its PTR owners, and those of its old
 * records) already serve foreign records fails, naming them: a push would
 * clear the name or serve a second answer beside someone else's. With Take
 * Over Names, foreign A/AAAA/PTR are replaced instead; other types never are.
 */
function failForeignConflicts(
	resolved: Resolved[],
	fileByHost: Map<string, DnsRecord[]>,
	foreign: ForeignIndex,
	takeOver: boolean,
): Resolved[] {
	if (!foreign.any) return resolved;
	return resolved.map((r): Resolved => {
		if (r.state !== 'ok') return r;
		const records = [...r.desired, ...(fileByHost.get(r.fqdn) ?? [])];
		const found = [...new Set(records.map((d) => d.owner))].flatMap((o) => foreign.at(o));
		if (!found.length) return r;
		if (takeOver && found.every((f) => TAKEABLE_TYPES.has(f.type)))
			return { ...r, foreign: asForeign(found, 'replaced') };
		// The field is the one whose name is taken: the host name, or an address (its PTR owner).
		const ptr = records.find((d) => d.type === 'PTR' && d.owner === found[0].owner);
		const field = !ptr ? 'name' : ptr.address.includes(':') ? 'ipv6' : 'ipv4';
		return {
			index: r.index,
			state: 'failed',
			fqdn: r.fqdn,
			field,
			message: `${field} ${ptr ? ptr.address : r.fqdn}: ${conflictMessage(found, takeOver)}`,
			kind: 'conflict',
			foreign: asForeign(found, 'conflict'),
		};
	});
}

/**
 * Two PTRs for one address would make reverse lookups ambiguous: the later
 * claimant fails. Repeats until stable, because a failed host keeps its old
 * records, and they claim their addresses again.
 */
function failPtrConflicts(
	resolved: Resolved[],
	file: DnsRecord[],
	pruned: Set<string>,
): Resolved[] {
	let hosts = resolved;
	for (let found = true; found; ) {
		found = false;
		const replaced = new Set(hosts.flatMap((r) => (r.state === 'ok' ? [r.fqdn] : [])));
		// Who claims each address; the message is only spelled out for a clash.
		const claims = new Map<string, { fqdn: string; index?: number }>();
		const claimant = (c: { fqdn: string; index?: number }) =>
			c.index === undefined ? `${c.fqdn} (in the managed file)` : `${c.fqdn} (item ${c.index + 1})`;
		for (const r of file)
			if (r.type === 'PTR' && !replaced.has(r.host) && !pruned.has(r.host))
				claims.set(r.address, { fqdn: r.host });
		hosts = hosts.map((r): Resolved => {
			if (r.state !== 'ok') return r;
			const clash = r.desired.find((d) => d.type === 'PTR' && claims.has(d.address));
			if (!clash) {
				for (const d of r.desired)
					if (d.type === 'PTR') claims.set(d.address, { fqdn: r.fqdn, index: r.index });
				return r;
			}
			found = true;
			const field = clash.address.includes(':') ? 'ipv6' : 'ipv4';
			return {
				index: r.index,
				state: 'failed',
				fqdn: r.fqdn,
				field,
				message: `${field} ${clash.address} already has a PTR record for ${claimant(claims.get(clash.address)!)}`,
			};
		});
	}
	return hosts;
}

function hostChange(r: Resolved, old: DnsRecord[]): HostChange {
	const untouched = { index: r.index, fqdn: r.fqdn, records: rrs(old), added: [], removed: [] };
	if (r.state === 'skipped') return { ...untouched, action: 'skipped', reason: r.reason };
	const foreign = r.foreign ? { foreign: r.foreign } : {};
	if (r.state === 'failed') {
		const error = { field: r.field, message: r.message, ...(r.kind ? { kind: r.kind } : {}) };
		return { ...untouched, action: 'failed', error, ...foreign };
	}
	const [now, before] = [rrs(r.desired), rrs(old)];
	const [added, removed] = [minus(now, before), minus(before, now)];
	const action = !old.length ? 'created' : added.length || removed.length ? 'updated' : 'unchanged';
	return { index: r.index, fqdn: r.fqdn, action, records: now, added, removed, ...foreign };
}

/**
 * Plans a push. `extraNames` are names of input items that never got here
 * (invalid or unapproved): prune must not remove their records. `backup`: the
 * records of the managed file before the last push, also ours (a push cut off
 * may have left them served); read only when `foreignSeen` says it matters.
 */
export function planPush(
	hosts: HostInput[],
	file: DnsRecord[],
	/** What Unbound serves; undefined: not read, assume the managed file (see `withServed`). */
	served: ServedRR[] | undefined,
	options: PlanOptions,
	extraNames: string[] = [],
	backup: DnsRecord[] = [],
): PushPlan {
	const fileByHost = groupBy(file, (r) => r.host);
	const foreign = served && new ForeignIndex(served, backup.length ? [...file, ...backup] : file);
	let firstPass = resolveHosts(hosts, options);
	const inInput = inputNames(firstPass, extraNames, options.zone);
	const pruned = new Set(
		options.prune ? [...fileByHost.keys()].filter((h) => !inInput.has(h)).sort() : [],
	);
	if (foreign)
		firstPass = failForeignConflicts(firstPass, fileByHost, foreign, !!options.takeOverNames);
	const resolved = failPtrConflicts(firstPass, file, pruned);

	const pushed = resolved.filter((r): r is Ok => r.state === 'ok');
	const replaced = new Set(pushed.map((r) => r.fqdn));
	const kept = file.filter((r) => !replaced.has(r.host) && !pruned.has(r.host));
	const records = [...pushed.flatMap((r) => r.desired), ...kept];
	const hostChanges = resolved.map((r) =>
		hostChange(r, r.fqdn ? (fileByHost.get(r.fqdn) ?? []) : []),
	);

	const owners = new Set<string>();
	for (const r of file) owners.add(r.owner);
	for (const r of records) owners.add(r.owner);
	const takenOver = pushed.flatMap((r) =>
		(r.foreign ?? []).map((f) => ({ owner: f.owner, type: f.type, rr: f.record })),
	);
	const plan: PushPlan = {
		hosts: hostChanges,
		pruned: [...pruned].map((fqdn) => ({
			fqdn,
			action: 'removed',
			records: [],
			added: [],
			removed: rrs(fileByHost.get(fqdn)!),
		})),
		records,
		// The file is rendered sorted, so it changes exactly when its record set
		// does: when a pushed host's records differ from its old ones, or a host is pruned.
		fileChanged: pruned.size > 0 || hostChanges.some((c) => c.added.length || c.removed.length),
		served: { remove: [], add: [], touched: [] },
		servedKnown: false,
		owners: [...owners].sort(),
		want: servedForm(records),
		takenOver,
		foreignSeen: resolved.some((r) => r.state !== 'skipped' && r.foreign?.length),
	};
	const changeOf = new Map(hostChanges.map((c) => [c.index, c]));
	contextOf.set(plan, {
		pushed: pushed.map((r) => ({
			change: changeOf.get(r.index)!,
			owners: r.desired.map((d) => d.owner),
		})),
		ours: backup.length ? [...file, ...backup] : file,
		index: foreign && { served: served!, foreign },
	});
	if (served) return withServed(plan, served);
	// Assumed to serve the file: an unchanged file means no change to serve.
	return plan.fileChanged ? withServed(plan, servedForm(file), false) : plan;
}

/** Per plan, what `withServed` needs: each pushed host's change and owner names, and the records that are ours. */
const contextOf = new WeakMap<
	PushPlan,
	{
		pushed: Array<{ change: HostChange; owners: string[] }>;
		ours: DnsRecord[];
		/** The index planPush built, reused while `served` and `ours` stay the same (it costs a pass over both). */
		index?: { served: ServedRR[]; foreign: ForeignIndex };
	}
>();

/**
 * Fills in what unbound-control must change, given what Unbound serves now:
 * at every owner name of the plan, the new records plus the foreign records
 * there (all but those taken over), so a name that must be cleared gets its
 * foreign records back at once. `known` false: `served` is an assumption (that
 * Unbound serves the managed file), good enough to size the change, not to
 * apply it with local_datas.
 */
export function withServed(
	plan: PushPlan,
	served: ServedRR[],
	known = true,
	/** More records known to be ours (from the backup, at names a cut-off push left served). */
	moreOurs: DnsRecord[] = [],
): PushPlan {
	const context = contextOf.get(plan);
	if (context && moreOurs.length) context.ours = [...context.ours, ...moreOurs];
	const foreign =
		context?.index?.served === served && !moreOurs.length
			? context.index.foreign
			: new ForeignIndex(served, context?.ours ?? plan.records);
	const takenOver = new Set(plan.takenOver.map((t) => t.rr));
	const keptForeign = foreign.any
		? plan.owners.flatMap((o) => foreign.at(o)).filter((f) => !takenOver.has(f.rr))
		: [];
	plan.want = [...servedForm(plan.records), ...keptForeign];
	plan.foreignSeen ||= keptForeign.length > 0;
	plan.served = servedChanges(plan.want, served, plan.owners);
	plan.servedKnown = known;
	const keptAt = groupBy(keptForeign, (f) => f.owner);
	for (const p of plan.pruned) {
		const kept = [...new Set(p.removed.map((rr) => rr.slice(0, rr.indexOf('. '))))].flatMap(
			(o) => keptAt.get(o) ?? [],
		);
		if (kept.length) p.foreign = asForeign(kept, 'kept');
	}
	// A host whose file records are right but whose served data is not gets fixed too: say so.
	const touched = new Set(plan.served.touched);
	for (const { change, owners } of context?.pushed ?? []) {
		if (change.action === 'unchanged' && owners.some((o) => touched.has(o))) {
			Object.assign(change, {
				action: 'updated',
				reason: change.foreign?.some((f) => f.action === 'replaced')
					? 'foreign records at its names were replaced (Take Over Names)'
					: 'Unbound did not serve what the managed file holds',
			});
		}
	}
	return plan;
}

/** How many lines `local_datas_remove` + `local_datas` would take: the size of a change. */
export function changedLines(change: ServedChange): number {
	return change.remove.length + change.add.length;
}

export type SyncState = 'in-sync' | 'missing' | 'drifted' | 'skipped' | 'failed';

export interface HostStatus {
	index: number;
	fqdn?: string;
	state: SyncState;
	records: string[];
	differences?: {
		file: { missing: string[]; extra: string[] };
		served: { missing: string[]; extra: string[] };
	};
	reason?: string;
	error?: { field: string; message: string };
	/** Why a push would fail this host (foreign records at its names): it is then `drifted`. */
	conflict?: { field: string; message: string };
	foreign?: ForeignRecord[];
}

export interface StatusReport {
	hosts: HostStatus[];
	/** Managed hosts no input item claims: what prune would remove. */
	stale: Array<{ fqdn: string; records: string[] }>;
}

/**
 * Compares each host's desired records with the managed file and with what
 * Unbound serves (foreign records aside: they are listed, and a host they
 * would fail in a push is `drifted` with the push's words under `conflict`).
 */
export function planStatus(
	hosts: HostInput[],
	file: DnsRecord[],
	served: ServedRR[],
	options: RecordOptions & { takeOverNames?: boolean },
	extraNames: string[] = [],
	backup: DnsRecord[] = [],
): StatusReport {
	const fileByHost = groupBy(file, (r) => r.host);
	const foreign = new ForeignIndex(served, [...file, ...backup]);
	const firstPass = resolveHosts(hosts, options);
	const checked = failForeignConflicts(firstPass, fileByHost, foreign, !!options.takeOverNames);
	const resolved = firstPass.map((r, i) => (checked[i].state === 'failed' ? r : checked[i]));
	const conflicts = new Map(
		checked.flatMap((c) => (c.state === 'failed' && c.kind ? [[c.index, c] as const] : [])),
	);
	const statuses = resolved.map((r): HostStatus => {
		if (r.state === 'skipped')
			return { index: r.index, fqdn: r.fqdn, state: 'skipped', records: [], reason: r.reason };
		if (r.state === 'failed')
			return {
				index: r.index,
				fqdn: r.fqdn,
				state: 'failed',
				records: [],
				error: { field: r.field, message: r.message },
			};
		const inFile = fileByHost.get(r.fqdn) ?? [];
		const owners = new Set([...r.desired, ...inFile].map((r) => r.owner));
		const [want, fileRRs] = [rrs(r.desired), rrs(inFile)];
		const servedRRs = [...owners].flatMap((o) => foreign.ours(o).map((s) => s.rr));
		const differences = {
			file: { missing: minus(want, fileRRs), extra: minus(fileRRs, want) },
			served: { missing: minus(want, servedRRs), extra: minus(servedRRs, want) },
		};
		const conflict = conflicts.get(r.index);
		const seen = conflict?.foreign ?? r.foreign;
		const inSync =
			!seen?.length &&
			Object.values(differences).every((d) => !d.missing.length && !d.extra.length);
		const state = inSync
			? 'in-sync'
			: !fileRRs.length && !servedRRs.length && !seen?.length
				? 'missing'
				: 'drifted';
		return {
			index: r.index,
			fqdn: r.fqdn,
			state,
			records: want,
			...(inSync ? {} : { differences }),
			...(conflict ? { conflict: { field: conflict.field, message: conflict.message } } : {}),
			...(seen?.length ? { foreign: seen } : {}),
		};
	});
	const inInput = inputNames(resolved, extraNames, options.zone);
	const stale = [...fileByHost.keys()]
		.filter((h) => !inInput.has(h))
		.sort()
		.map((fqdn) => ({ fqdn, records: rrs(fileByHost.get(fqdn)!) }));
	return { hosts: statuses, stale };
}
