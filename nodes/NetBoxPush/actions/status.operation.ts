import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { statusOfHosts } from '../../../core/netbox/push';
import { addHints, executionHints, hintFacts } from '../../shared/hints';
import { batchBySettings, parameterReader } from '../../shared/batches';
import { readHostItems, type HostItem } from '../../shared/hostItems';
import { summaryItem, toOutputItems, unreadOutcomes, type ItemOutcome } from '../../shared/results';
import { readOptions, withNetBox } from './common';

export const description: INodeProperties[] = [
	{
		displayName: 'Add Summary Item',
		name: 'summary',
		type: 'boolean',
		// One item for the whole run: an expression per host item has no meaning.
		noDataExpression: true,
		default: false,
		displayOptions: { show: { operation: ['status'] } },
		description: 'Whether to add one item at the end with the number of hosts per state',
	},
];

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	const read = parameterReader(this);
	const { batches, outcomes } = batchBySettings(this, items.length, (index) => readOptions(index, read), { state: 'failed' });
	const hostItems: HostItem[] = [];
	// One NetBox snapshot per batch: items whose settings resolve alike.
	for (const { settings: options, indices } of batches) {
		const batchItems = readHostItems(this, items, undefined, indices, read);
		const valid = batchItems.filter((h) => h.state === 'valid');
		const checked = await withNetBox(
			this,
			valid,
			options.timeout,
			async (client) =>
				(await statusOfHosts(client, valid.map(({ index, host }) => ({ index, host })), options)).map((s): ItemOutcome => ({
					index: s.index,
					result: {
						state: s.state,
						summary: s.summary,
						...(s.error ? { field: s.error.field, error: s.error.message } : {}),
						...(s.conflict ? { field: s.conflict.field, conflict: s.conflict.message } : {}),
						differences: s.differences as unknown as ItemOutcome['result'][string],
						foreign: s.foreign as unknown as ItemOutcome['result'][string],
						objects: s.objects as ItemOutcome['result'][string],
					},
					error: s.error ? { message: s.error.message } : undefined,
				})),
			{ state: 'failed' },
		);
		hostItems.push(...batchItems);
		outcomes.push(...unreadOutcomes(batchItems, (state) => ({ state })), ...checked);
	}
	addHints(this, executionHints('netbox', hintFacts(hostItems, outcomes, { push: false })));
	const output = toOutputItems(this, items, 'netbox', outcomes);
	if (this.getNodeParameter('summary', 0, false)) {
		output.push(summaryItem(items, 'netbox', outcomes.map((o) => String(o.result.state))));
	}
	return output;
}
