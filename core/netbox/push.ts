// The two things the NetBox node does, without n8n: push hosts (or plan the
// push in a dry run) and report their status. Both read one snapshot and plan
// with the same pure planner.
import type { Host } from '../host';
import type { NetBoxClient } from './client';
import { createTags, executePlans } from './execute';
import { planPush, type Change, type HostPlan, type ObjectName, type PlanOptions } from './plan';
import { readSnapshot, supportsChangelogMessage } from './snapshot';

export type PushAction = 'created' | 'updated' | 'unchanged' | 'failed';
export type SyncState = 'in-sync' | 'missing' | 'drifted' | 'failed';

export interface HostOutcome {
	index: number;
	action: PushAction;
	changes: Change[];
	adopted: ObjectName[];
	objects: Partial<Record<ObjectName, { id: number; url?: string }>>;
	error?: { field: string; message: string };
}

export interface PushOptions extends PlanOptions {
	dryRun: boolean;
	changelogMessage?: string;
}

function objects(plan: HostPlan): HostOutcome['objects'] {
	const result: HostOutcome['objects'] = {};
	for (const [name, id] of Object.entries(plan.ids) as Array<[ObjectName, number]>) {
		result[name] = { id, url: plan.urls[name] };
	}
	return result;
}

function action(plan: HostPlan, dryRun: boolean): PushAction {
	if (plan.error) return 'failed';
	if (dryRun) return plan.creates ? 'created' : plan.steps.length ? 'updated' : 'unchanged';
	if (plan.creates && plan.applied.includes('device')) return 'created';
	return plan.applied.length ? 'updated' : 'unchanged';
}

export async function pushHosts(client: NetBoxClient, hosts: Array<{ index: number; host: Host }>, options: PushOptions): Promise<{ outcomes: HostOutcome[]; version: string }> {
	const snapshot = await readSnapshot(client, hosts.map((h) => h.host), options);
	const { plans, missingTags } = planPush(hosts, snapshot, options);
	if (!options.dryRun) {
		const writable = plans.filter((p) => !p.error && p.steps.length);
		if (writable.length) {
			await createTags(client, missingTags, writable);
			const changelogMessage = supportsChangelogMessage(snapshot.version) ? options.changelogMessage : undefined;
			await executePlans(client, writable, { changelogMessage });
		}
	}
	return {
		version: snapshot.version,
		outcomes: plans.map((plan) => ({
			index: plan.index,
			action: action(plan, options.dryRun),
			changes: plan.changes,
			adopted: plan.adopted,
			objects: objects(plan),
			error: plan.error,
		})),
	};
}

export interface HostStatus {
	index: number;
	state: SyncState;
	differences: Change[];
	objects: HostOutcome['objects'];
	error?: { field: string; message: string };
}

export async function statusOfHosts(client: NetBoxClient, hosts: Array<{ index: number; host: Host }>, options: PlanOptions): Promise<HostStatus[]> {
	const snapshot = await readSnapshot(client, hosts.map((h) => h.host), options);
	return planPush(hosts, snapshot, options).plans.map((plan) => ({
		index: plan.index,
		state: plan.error ? 'failed' : plan.creates ? 'missing' : plan.steps.length ? 'drifted' : 'in-sync',
		differences: plan.creates ? [] : plan.changes,
		objects: objects(plan),
		error: plan.error,
	}));
}
