// One line per host that says what a push did or would do, e.g.
// `created device web01 (eth0, MAC 52:54:00:12:34:56, 10.0.0.5/24, cable sw1:ge-0/0/5)`
// or `plan: update vm db01: ip4 dns_name db01 → db01.lab.example`. The detailed
// `changes` stay beside it for tools; this is for the person reading the run.
import { failure, joinParts, planned, shown } from '../summary';
import type { Change } from './plan';
import type { CreatedObjects, ShownObject } from './present';
import type { PushAction, SyncState } from './push';

export interface SummaryInput {
	name: string;
	vm: boolean;
	/** As the result shows them (`vm`, one `assigned_object` row). */
	changes: Change[];
	created: CreatedObjects;
	adopted: string[];
	error?: { message: string; kind?: string };
}

/** How a created object is named in a summary: its address, MAC, name or far end. */
function createdLabel(object: string, fields: Record<string, unknown>): string {
	if (object === 'mac') return `MAC ${shown(fields.mac_address)}`;
	if (object === 'cable') return `cable ${shown(fields.terminations)}`;
	if (object === 'ip4' || object === 'ip6') return shown(fields.address);
	return shown(fields.name);
}

/** `ip4 dns_name a → b`; the machine's own fields without its name, which heads the line. */
function changeText(change: Change, machine: string): string {
	const what = change.object === machine ? change.field : `${change.object} ${change.field}`;
	if (change.field === 'tags' && Array.isArray(change.from) && Array.isArray(change.to)) {
		const before = new Set(change.from.map(String));
		const after = new Set(change.to.map(String));
		const marks = [...[...after].filter((t) => !before.has(t)).map((t) => `+${t}`), ...[...before].filter((t) => !after.has(t)).map((t) => `−${t}`)];
		return `${what} ${marks.join(' ')}`;
	}
	return `${what} ${shown(change.from)} → ${shown(change.to)}`;
}

/**
 * `device web01 (eth0, …)` when the machine is created, else `device web01:
 * what changes`. `planned`: worded as what a push would do (dry run, Status).
 */
export function describeChanges(input: SummaryInput, planned = false): string {
	const machine = input.vm ? 'vm' : 'device';
	const created = Object.entries(input.created).filter(([object]) => object !== machine);
	const createdParts = created.map(([object, fields]) => createdLabel(object, fields ?? {}));
	// An adopted object's new tags are the adoption itself: said once, as "adopted …".
	const updates = input.changes.filter((c) => !(c.object in input.created) && !(c.field === 'tags' && input.adopted.includes(c.object)));
	const adoption = input.adopted.length ? [`${planned ? 'adopt' : 'adopted'} ${input.adopted.join(', ')}`] : [];
	const updateParts = [...adoption, ...updates.map((c) => changeText(c, machine))];
	const head = `${machine} ${input.name}`;
	if (input.created[machine as ShownObject]) {
		const body = createdParts.length ? ` (${joinParts(createdParts)})` : '';
		return `${head}${body}${updateParts.length ? `; ${joinParts(updateParts)}` : ''}`;
	}
	return `${head}: ${joinParts([...createdParts.map((p) => `+ ${p}`), ...updateParts])}`;
}

const VERB: Record<'created' | 'updated', [done: string, plan: string]> = { created: ['created', 'create'], updated: ['updated', 'update'] };

export function pushSummary(action: PushAction, input: SummaryInput, dryRun: boolean): string {
	if (input.error) return planned(dryRun, failure(input.error));
	if (action === 'created' || action === 'updated') return planned(dryRun, `${VERB[action][dryRun ? 1 : 0]} ${describeChanges(input, dryRun)}`);
	return planned(dryRun, action);
}

export function statusSummary(state: SyncState, input: SummaryInput): string {
	if (input.error) return input.error.kind === 'conflict' ? `drifted: ${failure(input.error)}` : failure(input.error);
	if (state === 'missing' || state === 'drifted') return `${state}: ${describeChanges(input, true)}`;
	return state;
}
