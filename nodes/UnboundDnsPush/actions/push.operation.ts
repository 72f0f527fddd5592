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
import { batchBySettings, parameterReader, pruneAcrossBatchesRefusal, type Batch, type ReadParameter } from '../../shared/batches';
import { readHostItems, type HostItem } from '../../shared/hostItems';
import { summaryItem, toOutputItems, unreadOutcomes, type ItemOutcome } from '../../shared/results';
import { hostInputs, namesNotPushed, readSettings, runBatch, type DnsSettings } from './common';

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

interface PushSettings extends DnsSettings {
	dryRun: boolean;
	prune: boolean;
	applyMode: ApplyMode;
}

/** What the run report item says about the batches: prune, steps, the change limit. */
interface RunReport {
	pruned: HostChange[];
	steps: string[];
	changeLimit?: ChangeLimitVerdict;
}

/** One batch: the items whose settings resolve alike, over one SSH session and lock. */
async function pushBatch(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	batch: Batch<PushSettings>,
	read: ReadParameter,
	report: RunReport,
	refusal: string | undefined,
): Promise<{ hostItems: HostItem[]; outcomes: ItemOutcome[] }> {
	const settings = batch.settings;
	const { dryRun, prune, applyMode } = settings;
	const label = (action: string) => (dryRun ? `plan:${action}` : action);
	const hostItems = readHostItems(ctx, items, hostFieldsSchema, batch.indices, read);
	const valid = hostItems.filter((h) => h.state === 'valid');
	const pushed = await runBatch(
		ctx,
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
			const { plan, steps, changeLimit } = await pushHosts(unbound, hostInputs(valid), options, namesNotPushed(ctx, hostItems, read));
			report.pruned.push(...plan.pruned);
			report.steps.push(...steps);
			report.changeLimit ??= changeLimit?.exceeded || changeLimit?.forced ? changeLimit : undefined;
			return plan.hosts.map(
				(change): ItemOutcome => ({
					index: change.index!,
					result: { ...result(change, dryRun, label), dryRun, ...changeLimitField(changeLimit) },
					error: change.error ? { message: change.error.message } : undefined,
				}),
			);
		},
		{ action: label('failed'), dryRun },
		refusal,
	);
	return { hostItems, outcomes: [...unreadOutcomes(hostItems, (state) => ({ action: label(state), dryRun })), ...pushed] };
}

export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	const read = parameterReader(this);
	const { batches, outcomes } = batchBySettings(
		this,
		items.length,
		(index): PushSettings => ({
			...readSettings(this, index, read),
			dryRun: read('dryRun', index, false),
			prune: read('prune', index, false),
			applyMode: read<ApplyMode>('applyMode', index, 'auto'),
		}),
		{ action: 'failed' },
	);
	const pruneRefused = pruneAcrossBatchesRefusal(batches) ?? pruneRefusal(this);
	const report: RunReport = { pruned: [], steps: [] };
	const hostItems: HostItem[] = [];
	for (const batch of batches) {
		const refusal = batch.settings.prune ? pruneRefused : undefined;
		const done = await pushBatch(this, items, batch, read, report, refusal);
		hostItems.push(...done.hostItems);
		outcomes.push(...done.outcomes);
	}
	const dryRun = batches.length > 0 && batches.every((b) => b.settings.dryRun);
	addHints(this, executionHints('dns', hintFacts(hostItems, outcomes, { push: true, dryRun, changeLimit: report.changeLimit })));
	const output = toOutputItems(this, items, 'dns', outcomes);
	if (this.getNodeParameter('summary', 0, false)) {
		const label = (action: string) => (dryRun ? `plan:${action}` : action);
		const summary = summaryItem(
			items,
			'dns',
			outcomes.map((o) => String(o.result.action)),
		);
		Object.assign((summary.json.summary as IDataObject).dns as IDataObject, {
			[label('removed')]: report.pruned.length,
			pruned: report.pruned.map((p) => ({
				fqdn: p.fqdn,
				removed: p.removed,
				...(p.foreign ? { foreign: p.foreign as unknown as IDataObject[] } : {}),
			})),
			steps: report.steps,
			...changeLimitField(report.changeLimit),
		});
		output.push(summary);
	}
	return output;
}
