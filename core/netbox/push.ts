// The two things the NetBox node does, without n8n: push hosts (or plan the
// push in a dry run) and report their status. Both read one snapshot and plan
// with the same pure planner.
import type { ChangeLimitOptions, ChangeLimitVerdict } from '../changeLimit';
import type { Host } from '../host';
import { changeLimitVerdict } from './changeLimit';
import { sleep, type NetBoxClient } from './client';
import { createTags, executePlans } from './execute';
import { Pacer, type PacingOptions, type PacingStats } from './pacing';
import { STAGES, planPush, type Change, type HostPlan, type PlanOptions } from './plan';
import { objectLinks, presentPlan, type CreatedObjects, type ObjectLinks, type ShownForeign } from './present';
import { readSnapshot, supportsChangelogMessage } from './snapshot';
import { pushSummary, statusSummary } from './summary';

export type PushAction = 'created' | 'updated' | 'unchanged' | 'failed';
export type SyncState = 'in-sync' | 'missing' | 'drifted' | 'failed';

/** Objects are named as results show them: `vm` for a VM (see present.ts). */
export interface HostOutcome {
	index: number;
	action: PushAction;
	/** One line for people: what was (or would be) done. */
	summary: string;
	changes: Change[];
	/** Each object created, once, with its fields. */
	created: CreatedObjects;
	adopted: string[];
	foreign: ShownForeign[];
	objects: ObjectLinks;
	error?: HostPlan['error'];
}

export interface PushOptions extends PlanOptions {
	dryRun: boolean;
	changelogMessage?: string;
	/** The change limit; none: no limit (the node always gives one). */
	changeLimit?: ChangeLimitOptions;
	/** Chunk sizes and write requests in flight (defaults: PACING_DEFAULTS). */
	pacing?: PacingOptions;
}

function action(plan: HostPlan, dryRun: boolean): PushAction {
	if (plan.error) return 'failed';
	if (dryRun) return plan.creates ? 'created' : plan.steps.length ? 'updated' : 'unchanged';
	if (plan.creates && plan.applied.includes('device')) return 'created';
	return plan.applied.length ? 'updated' : 'unchanged';
}

/**
 * How many more times a push reads and writes its hosts after another push
 * wrote the same hosts at the same moment. NetBox saves whole rows, so one
 * push's PATCH can undo a field the other had just set (a cable's host end, a
 * primary address); a host that lost the race to be created can be finished
 * from what the other push made. A push that trails the other can lose once
 * per stage (the device, then the interface it planned before the other made
 * it, … then the cable), so there is a pass for each stage.
 */
const CONTESTED_PASSES = STAGES.length;

/**
 * The other push is writing these hosts right now, stage after stage: a short,
 * growing, jittered pause before reading again lets one read see more of what
 * it made, and keeps two pushes from chasing each other in step.
 */
const contestedPause = (pass: number) => sleep(500 * pass * (0.5 + Math.random()));

/** Reads the hosts again, writes what is still missing, and folds the result into the plans. */
async function writeAgain(client: NetBoxClient, plans: HostPlan[], options: PushOptions, pacer: Pacer, changelogMessage?: string): Promise<boolean> {
	const hosts = plans.map((p) => ({ index: p.index, host: p.host }));
	let fresh: ReturnType<typeof planPush>;
	try {
		fresh = planPush(hosts, await readSnapshot(client, hosts.map((h) => h.host), options), options);
	} catch {
		// NetBox cannot be read just now: the first pass's outcomes stand as they are.
		return false;
	}
	const todo = fresh.plans.filter((p) => !p.error && p.steps.length);
	let contested = false;
	if (todo.length) {
		await createTags(client, fresh.missingTags, todo);
		contested = await executePlans(client, todo, { changelogMessage, pacer });
	}
	plans.forEach((plan, i) => foldPass(plan, fresh.plans[i]));
	return contested;
}

/** The later pass has the last word on errors; what either pass wrote counts. */
function foldPass(first: HostPlan, later: HostPlan): void {
	const redone = new Set(later.changes.map((c) => `${c.object} ${c.field}`));
	first.changes = first.error ? later.changes : [...first.changes.filter((c) => !redone.has(`${c.object} ${c.field}`)), ...later.changes];
	first.error = later.error;
	first.applied.push(...later.applied);
	Object.assign(first.ids, later.ids);
	Object.assign(first.urls, later.urls);
	first.adopted = [...new Set([...first.adopted, ...later.adopted])];
	for (const entry of later.foreign) if (!first.foreign.some((f) => f.object === entry.object && f.id === entry.id)) first.foreign.push(entry);
}

/**
 * A snapshot is read in several requests. When another push creates the same
 * host in between, this one can see the device missing but its MAC, address or
 * cable already made, held by "another" interface that carries the ownership
 * tag. Hosts stopped by such an object are read and planned once more, alone,
 * before anything is written for them; a real conflict stays one.
 */
async function replanOwnedConflicts(client: NetBoxClient, planned: ReturnType<typeof planPush>, options: PlanOptions): Promise<void> {
	const raced = planned.plans.flatMap((plan, position) => (plan.error?.owned ? [position] : []));
	if (!raced.length) return;
	const hosts = raced.map((position) => ({ index: planned.plans[position].index, host: planned.plans[position].host }));
	const again = planPush(hosts, await readSnapshot(client, hosts.map((h) => h.host), options), options);
	raced.forEach((position, i) => (planned.plans[position] = again.plans[i]));
	for (const tag of again.missingTags) if (!planned.missingTags.some((t) => t.slug === tag.slug)) planned.missingTags.push(tag);
}

/**
 * Reads NetBox, plans, checks the change limit and writes (not in a dry run).
 * A push over the limit and not forced writes nothing at all: every host that
 * does not fail on its own fails with the limit's message.
 */
export async function pushHosts(
	client: NetBoxClient,
	hosts: Array<{ index: number; host: Host }>,
	options: PushOptions,
): Promise<{ outcomes: HostOutcome[]; version: string; changeLimit?: ChangeLimitVerdict; pacing: PacingStats }> {
	const pacer = new Pacer(options.pacing);
	const snapshot = await readSnapshot(client, hosts.map((h) => h.host), options);
	const planned = planPush(hosts, snapshot, options);
	await replanOwnedConflicts(client, planned, options);
	const { plans, missingTags } = planned;
	const verdict = options.changeLimit ? await changeLimitVerdict(client, snapshot, plans, options.ownershipTag, options.changeLimit) : undefined;
	const refused = !options.dryRun && !!verdict?.exceeded;
	if (!options.dryRun && !refused) {
		const writable = plans.filter((p) => !p.error && p.steps.length);
		if (writable.length) {
			await createTags(client, missingTags, writable);
			const changelogMessage = supportsChangelogMessage(snapshot.version) ? options.changelogMessage : undefined;
			let contested = await executePlans(client, writable, { changelogMessage, pacer });
			for (let pass = 1; contested && pass <= CONTESTED_PASSES; pass++) {
				await contestedPause(pass);
				contested = await writeAgain(client, writable, options, pacer, changelogMessage);
			}
		}
	}
	return {
		version: snapshot.version,
		pacing: pacer.stats,
		...(verdict ? { changeLimit: verdict } : {}),
		outcomes: plans.map((plan): HostOutcome => {
			if (refused && !plan.error) {
				// Nothing was written for it: no changes, nothing adopted; the objects it already has.
				const error = { field: 'changeLimit', message: verdict!.message };
				const summary = pushSummary('failed', { ...presentPlan(plan), error }, false);
				return { index: plan.index, action: 'failed', summary, changes: [], created: {}, adopted: [], foreign: [], objects: objectLinks(plan), error };
			}
			const shown = presentPlan(plan);
			const done = action(plan, options.dryRun);
			return {
				index: plan.index,
				action: done,
				summary: pushSummary(done, shown, options.dryRun),
				changes: shown.changes,
				created: shown.created,
				adopted: shown.adopted,
				foreign: shown.foreign,
				objects: objectLinks(plan),
				error: plan.error,
			};
		}),
	};
}

export interface HostStatus {
	index: number;
	state: SyncState;
	summary: string;
	differences: Change[];
	/** Foreign objects the host would touch, as a push would list them. */
	foreign: HostOutcome['foreign'];
	objects: HostOutcome['objects'];
	/** Something NetBox holds that stops a push of this host, in the push's own words. */
	conflict?: { field: string; message: string };
	error?: { field: string; message: string };
}

export async function statusOfHosts(client: NetBoxClient, hosts: Array<{ index: number; host: Host }>, options: PlanOptions): Promise<HostStatus[]> {
	const snapshot = await readSnapshot(client, hosts.map((h) => h.host), options);
	const planned = planPush(hosts, snapshot, options);
	// The same second look a push takes, so that both say the same.
	await replanOwnedConflicts(client, planned, options);
	return planned.plans.map((plan): HostStatus => {
		// A conflict is a finding about NetBox, not a failure to read it: the host is drifted.
		const conflict = plan.error?.kind === 'conflict' ? { field: plan.error.field, message: plan.error.message } : undefined;
		const state = conflict ? 'drifted' : plan.error ? 'failed' : plan.creates ? 'missing' : plan.steps.length ? 'drifted' : 'in-sync';
		const shown = presentPlan(plan);
		return {
			index: plan.index,
			state,
			summary: statusSummary(state, shown),
			differences: plan.creates ? [] : shown.changes,
			foreign: shown.foreign,
			objects: objectLinks(plan),
			...(conflict ? { conflict } : plan.error ? { error: plan.error } : {}),
		};
	});
}
