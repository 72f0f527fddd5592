// Records Unbound serves that this package did not write. list_local_data
// cannot say where a record comes from (another include, the main config, a
// runtime local_data), so ours is what the managed file (and its latest
// backup, the file before the last push) holds, and everything else at a name
// is foreign: never removed, and a conflict for a host that wants that name.
import type { DnsRecord, ServedRR } from './records';

/** A foreign record as a host's result lists it. */
export interface ForeignRecord {
	owner: string;
	type: string;
	/** The record as Unbound serves it, e.g. `ho-admin.lab.example. 300 IN TXT "owner=ops"`. */
	record: string;
	/** conflict: it fails the host; replaced: taken over (Take Over Names); kept: left beside. */
	action: 'conflict' | 'replaced' | 'kept';
}

/** Types Take Over Names may replace: the ones this package writes. */
export const TAKEABLE_TYPES = new Set(['A', 'AAAA', 'PTR']);

function byOwner<T extends { owner: string }>(list: T[]): Map<string, T[]> {
	const map = new Map<string, T[]>();
	for (const item of list) {
		const group = map.get(item.owner);
		if (group) group.push(item);
		else map.set(item.owner, [item]);
	}
	return map;
}

export class ForeignIndex {
	/** Foreign records by owner name: usually few, so built from one pass over what is served. */
	private readonly foreign: Map<string, ServedRR[]>;
	private servedBy?: Map<string, ServedRR[]>;

	/** `ours`: every record this package wrote and may still be served (managed file, backup). */
	constructor(
		private readonly served: ServedRR[],
		ours: DnsRecord[],
	) {
		const mine = new Set(ours.map((r) => r.rr));
		this.foreign = byOwner(served.filter((s) => !mine.has(s.rr)));
	}

	/** Whether any foreign record is served at all. */
	get any(): boolean {
		return this.foreign.size > 0;
	}

	/** What Unbound serves at `owner` that is not ours. */
	at(owner: string): ServedRR[] {
		return this.foreign.get(owner) ?? [];
	}

	/** What Unbound serves at `owner` that is ours. */
	ours(owner: string): ServedRR[] {
		this.servedBy ??= byOwner(this.served);
		const foreign = this.at(owner);
		const served = this.servedBy.get(owner) ?? [];
		return foreign.length ? served.filter((s) => !foreign.includes(s)) : served;
	}
}

/** "TXT \"owner=ops\"": a record's type and data, as a message names it. */
export function describeRecord(rr: string): string {
	const m = /^\S+ \d+ IN (\S+) (.*)$/.exec(rr);
	return m ? `${m[1]} ${m[2]}` : rr;
}

/** The words a conflict fails a host with (push, dry run and status alike). */
export function conflictMessage(found: ServedRR[], takeOver: boolean): string {
	const owners = [...new Set(found.map((f) => f.owner))];
	const where = owners
		.map(
			(o) =>
				`${o}: ${found
					.filter((f) => f.owner === o)
					.map((f) => describeRecord(f.rr))
					.join(', ')}`,
		)
		.join('; ');
	const others = [...new Set(found.filter((f) => !TAKEABLE_TYPES.has(f.type)).map((f) => f.type))];
	const way = takeOver
		? `Take Over Names replaces only A, AAAA and PTR, and ${others.join(', ')} ${others.length > 1 ? 'are' : 'is'} never removed`
		: 'turn on Take Over Names to replace foreign A, AAAA and PTR records';
	return (
		`records this node did not write are served at ${where} ` +
		`(from another include, the main config or a runtime local_data); remove them there, or ${way}`
	);
}

export const asForeign = (found: ServedRR[], action: ForeignRecord['action']): ForeignRecord[] =>
	found.map((f) => ({ owner: f.owner, type: f.type, record: f.rr, action }));
