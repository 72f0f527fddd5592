import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import type { ChangeLimitOptions, ChangeLimitVerdict } from '../../../core/changeLimit';
import { pushHosts } from '../../../core/netbox/push';
import { changesToExisting } from '../../../core/netbox/present';
import { changeLimitField, readChangeLimit } from '../../shared/changeLimit';
import { addHints, executionHints, hintFacts } from '../../shared/hints';
import { batchBySettings, parameterReader, type Batch, type ReadParameter } from '../../shared/batches';
import { readHostItems, type HostItem } from '../../shared/hostItems';
import { toOutputItems, unreadOutcomes, type ItemOutcome } from '../../shared/results';
import { readOptions, withNetBox, type NetBoxOptions } from './common';

export const description: INodeProperties[] = [
	{
		displayName: 'Dry Run',
		name: 'dryRun',
		type: 'boolean',
		default: false,
		displayOptions: { show: { operation: ['push'] } },
		description: 'Whether to only plan: read NetBox and report what would change, writing nothing. Actions are prefixed with "plan:".',
	},
];

interface PushSettings extends NetBoxOptions {
	dryRun: boolean;
	changeLimit: ChangeLimitOptions;
}

/** One batch: the items whose settings resolve alike, against one NetBox snapshot. */
async function pushBatch(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	{ settings, indices }: Batch<PushSettings>,
	read: ReadParameter,
): Promise<{ hostItems: HostItem[]; outcomes: ItemOutcome[]; verdict?: ChangeLimitVerdict }> {
	const { dryRun, changeLimit, ...options } = settings;
	const label = (action: string) => (dryRun ? `plan:${action}` : action);
	const hostItems = readHostItems(ctx, items, undefined, indices, read);
	const valid = hostItems.filter((h) => h.state === 'valid');
	let verdict: ChangeLimitVerdict | undefined;
	const pushed = await withNetBox(
		ctx,
		valid,
		options.timeout,
		async (client) => {
			const pushedHosts = await pushHosts(client, valid.map(({ index, host }) => ({ index, host })), { ...options, dryRun, changeLimit });
			const { outcomes, version } = pushedHosts;
			verdict = pushedHosts.changeLimit;
			// Over the limit: refused (each host says why), a dry run that would be refused, or forced.
			const limit = changeLimitField(verdict);
			return outcomes.map((o): ItemOutcome => ({
				index: o.index,
				result: {
					action: label(o.action),
					summary: o.summary,
					dryRun,
					...(o.error ? { field: o.error.field, error: o.error.message } : {}),
					// The same words Status gives for the same conflict.
					...(o.error?.kind === 'conflict' ? { conflict: o.error.message } : {}),
					created: o.created as ItemOutcome['result'][string],
					changes: changesToExisting(o.changes, o.created) as unknown as ItemOutcome['result'][string],
					adopted: o.adopted,
					foreign: o.foreign as unknown as ItemOutcome['result'][string],
					objects: o.objects as ItemOutcome['result'][string],
					netboxVersion: version,
					...limit,
				},
				error: o.error ? { message: o.error.message } : undefined,
			}));
		},
		{ action: label('failed') },
	);
	return { hostItems, outcomes: [...unreadOutcomes(hostItems, (state) => ({ action: label(state), dryRun })), ...pushed], verdict };
}

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	const read = parameterReader(this);
	const { batches, outcomes } = batchBySettings(
		this,
		items.length,
		(index): PushSettings => {
			let changeLimit: ChangeLimitOptions;
			try {
				changeLimit = readChangeLimit(read<IDataObject>('options', index, {}));
			} catch (error) {
				throw new NodeOperationError(this.getNode(), (error as Error).message, { itemIndex: index });
			}
			return { ...readOptions(index, read), dryRun: read('dryRun', index, false), changeLimit };
		},
		{ action: 'failed' },
	);
	const hostItems: HostItem[] = [];
	let verdict: ChangeLimitVerdict | undefined;
	// One NetBox snapshot per batch: items whose settings resolve alike.
	for (const batch of batches) {
		const done = await pushBatch(this, items, batch, read);
		hostItems.push(...done.hostItems);
		outcomes.push(...done.outcomes);
		if (!verdict?.exceeded) verdict = done.verdict;
	}
	const dryRun = batches.length > 0 && batches.every((b) => b.settings.dryRun);
	addHints(this, executionHints('netbox', hintFacts(hostItems, outcomes, { push: true, dryRun, changeLimit: verdict })));
	return toOutputItems(this, items, 'netbox', outcomes);
}
