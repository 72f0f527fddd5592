// Execution hints: a line above a node's output in the editor for a run that
// "succeeded" without doing what the user wanted (every host skipped, nothing
// to change, the change limit, conflicts). Both nodes use these words.
import type { IExecuteFunctions, NodeExecutionHint } from 'n8n-workflow';
import type { ChangeLimitVerdict } from '../../core/changeLimit';
import type { HostItem } from './hostItems';
import type { ItemOutcome } from './results';

export type HintSystem = 'netbox' | 'dns';

/** What the hints are made from: counts over the run's items. */
export interface HintFacts {
	items: number;
	/** Items skipped because Only Approved Hosts is on and they are not approved. */
	notApproved: number;
	dryRun: boolean;
	/** Push: each item's action without `plan:`; Status: none. */
	actions: string[];
	/** Hosts that failed on something their system holds that this node does not own. */
	conflicts: number;
	changeLimit?: ChangeLimitVerdict;
}

const CONFLICT_WORDS: Record<HintSystem, string> = {
	netbox: 'objects this node does not own; each item’s `conflict` names the object and who holds it',
	dns: 'records this node did not write; each item’s `conflict` names them (Take Over Names lets a host replace A, AAAA and PTR records)',
};

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function executionHints(system: HintSystem, facts: HintFacts): NodeExecutionHint[] {
	const hints: NodeExecutionHint[] = [];
	const hint = (type: NodeExecutionHint['type'], message: string) => hints.push({ type, message, location: 'outputPane' });
	if (facts.items > 0 && facts.notApproved === facts.items) {
		hint('warning', `${facts.notApproved} of ${plural(facts.items, 'host')} skipped: not approved. Set \`approved: true\` on the items or turn off Only Approved Hosts.`);
	}
	const limit = facts.changeLimit;
	if (limit?.exceeded) {
		hint(facts.dryRun ? 'warning' : 'danger', facts.dryRun ? `Dry run: a push of these hosts would be refused by the change limit: ${limit.message}.` : `Change limit: ${limit.message}.`);
	}
	if (facts.conflicts) hint('warning', `${facts.conflicts} of ${plural(facts.items, 'host')} failed on conflicts with ${CONFLICT_WORDS[system]}.`);
	if (facts.dryRun && facts.actions.length && facts.actions.every((a) => a === 'unchanged')) {
		hint('info', `Dry run: all ${plural(facts.actions.length, 'host')} unchanged; a push would write nothing.`);
	}
	return hints;
}

/** The facts of one run, from its host items and outcomes. */
export function hintFacts(hostItems: HostItem[], outcomes: ItemOutcome[], run: { dryRun?: boolean; push: boolean; changeLimit?: ChangeLimitVerdict }): HintFacts {
	return {
		items: hostItems.length,
		notApproved: hostItems.filter((h) => h.state === 'skipped' && h.reason.startsWith('not approved')).length,
		dryRun: !!run.dryRun,
		actions: run.push ? outcomes.map((o) => String(o.result.action).replace(/^plan:/, '')) : [],
		// Status reports a conflict as drifted, not failed: only a push fails on one.
		conflicts: run.push ? outcomes.filter((o) => o.result.conflict !== undefined).length : 0,
		changeLimit: run.changeLimit,
	};
}

/** Adds the hints where the n8n running the node has addExecutionHints (older versions lack it). */
export function addHints(ctx: IExecuteFunctions, hints: NodeExecutionHint[]): void {
	const add = (ctx as Partial<Pick<IExecuteFunctions, 'addExecutionHints'>>).addExecutionHints;
	if (hints.length && typeof add === 'function') add.call(ctx, ...hints);
}
