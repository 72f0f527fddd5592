import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import type { HostChange } from '../../../core/dns/plan';
import type { ChangeLimitVerdict } from '../../../core/changeLimit';
import { pushHosts, type ApplyMode } from '../../../core/dns/push';
import { dnsPushSummary } from '../../../core/dns/summary';
import { changeLimitField } from '../../shared/changeLimit';
import { hostFieldsSchema } from '../../../core/host';
import { addHints, executionHints, hintFacts } from '../../shared/hints';
import { readHostItems } from '../../shared/hostItems';
import { summaryItem, toOutputItems, unreadOutcomes, type ItemOutcome } from '../../shared/results';
import { hostInputs, namesNotPushed, readSettings, runBatch } from './common';

const show = { displayOptions: { show: { operation: ['push'] } } };

/** Shown right after Operation, as in NetBox Push. */
export const dryRunProperty: INodeProperties = {
	displayName: 'Dry Run',
	name: 'dryRun',
	type: 'boolean',
	default: false,
	description:
		'Whether to only read and compare: nothing is written and Unbound is not changed. Actions are prefixed with "plan:".',
	...show,
};

export const description: INodeProperties[] = [
	{
		displayName: 'Apply With',
		name: 'applyMode',
		type: 'options',
		options: [
			{
				name: 'Automatic',
				value: 'auto',
				description:
					'Local data changes for up to 2,000 changed record lines (keeps the cache, no pause in answers); a full reload above that, where re-reading the file is as fast or faster than sending each line',
			},
			{
				name: 'Local Data Changes (Keep Cache)',
				value: 'local_datas',
				description:
					'Runs unbound-control local_datas / local_datas_remove for the records that differ',
			},
			{
				name: 'Full Reload',
				value: 'reload',
				description: 'Runs unbound-control reload: re-reads the whole config and flushes the cache',
			},
		],
		default: 'auto',
		description: 'How Unbound is made to serve the new file. Either way the file is what persists.',
		...show,
	},
	{
		displayName: 'Prune',
		name: 'prune',
		type: 'boolean',
		default: false,
		description:
			'Whether to remove the records this node manages for hosts that are not in the input',
		...show,
	},
];

function result(change: HostChange, dryRun: boolean, label: (action: string) => string): IDataObject {
	return {
		action: label(change.action),
		summary: dnsPushSummary(change, dryRun),
		fqdn: change.fqdn,
		records: change.records,
		added: change.added,
		removed: change.removed,
		...(change.reason ? { reason: change.reason } : {}),
		...(change.error ? { field: change.error.field, error: change.error.message } : {}),
		...(change.error?.kind ? { conflict: change.error.message } : {}),
		...(change.foreign ? { foreign: change.foreign as unknown as IDataObject[] } : {}),
	};
}

const LOOP_NODE = 'n8n-nodes-base.splitInBatches';

/**
 * Prune removes every managed host the input does not name. Behind Loop Over
 * Items the node sees one batch per run, so each run would prune the others:
 * refuse it there (the change limit stops other partial lists).
 */
function pruneRefusal(ctx: IExecuteFunctions): string | undefined {
	const loop = ctx
		.getParentNodes(ctx.getNode().name)
		.find((n) => n.type === LOOP_NODE && !n.disabled);
	return loop
		? `Prune is refused: the input comes through "${loop.name}" (Loop Over Items), so each run sees one batch and would remove the hosts of the others. Push without Prune inside the loop, and prune once after it with every host.`
		: undefined;
}

export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	const settings = readSettings(this);
	const dryRun = this.getNodeParameter('dryRun', 0, false) as boolean;
	const prune = this.getNodeParameter('prune', 0, false) as boolean;
	const applyMode = this.getNodeParameter('applyMode', 0, 'auto') as ApplyMode;
	const label = (action: string) => (dryRun ? `plan:${action}` : action);
	const hostItems = readHostItems(this, items, hostFieldsSchema);
	const valid = hostItems.filter((h) => h.state === 'valid');
	const batch: { pruned: HostChange[]; steps: string[]; changeLimit?: ChangeLimitVerdict } = {
		pruned: [],
		steps: [],
	};
	const pushed = await runBatch(
		this,
		settings,
		valid,
		async (unbound) => {
			const options = {
				...settings.records,
				prune,
				dryRun,
				applyMode,
				lockTimeoutSeconds: settings.lockTimeoutSeconds,
				verifyTimeoutMs: settings.verifyTimeoutMs,
				changeLimit: settings.changeLimit,
			};
			const { plan, steps, changeLimit } = await pushHosts(
				unbound,
				hostInputs(valid),
				options,
				namesNotPushed(this, hostItems),
			);
			Object.assign(batch, { pruned: plan.pruned, steps, changeLimit });
			return plan.hosts.map(
				(change): ItemOutcome => ({
					index: change.index!,
					result: { ...result(change, dryRun, label), dryRun, ...changeLimitField(changeLimit) },
					error: change.error ? { message: change.error.message } : undefined,
				}),
			);
		},
		{ action: label('failed'), dryRun },
		prune ? pruneRefusal(this) : undefined,
	);
	const outcomes = [
		...unreadOutcomes(hostItems, (state) => ({ action: label(state), dryRun })),
		...pushed,
	];
	addHints(this, executionHints('dns', hintFacts(hostItems, outcomes, { push: true, dryRun, changeLimit: batch.changeLimit })));
	const output = toOutputItems(this, items, 'dns', outcomes);
	if (this.getNodeParameter('summary', 0, false)) {
		const summary = summaryItem(
			items,
			'dns',
			outcomes.map((o) => String(o.result.action)),
		);
		Object.assign((summary.json.summary as IDataObject).dns as IDataObject, {
			[label('removed')]: batch.pruned.length,
			pruned: batch.pruned.map((p) => ({
				fqdn: p.fqdn,
				removed: p.removed,
				...(p.foreign ? { foreign: p.foreign as unknown as IDataObject[] } : {}),
			})),
			steps: batch.steps,
			...changeLimitField(batch.changeLimit),
		});
		output.push(summary);
	}
	return output;
}
