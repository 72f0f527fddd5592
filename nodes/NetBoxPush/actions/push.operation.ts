import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { pushHosts } from '../../../core/netbox/push';
import { readHostItems } from '../../shared/hostItems';
import { toOutputItems, unreadOutcomes, type ItemOutcome } from '../../shared/results';
import { readOptions, withNetBox } from './common';

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

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	const dryRun = this.getNodeParameter('dryRun', 0, false) as boolean;
	const options = readOptions(this);
	const label = (action: string) => (dryRun ? `plan:${action}` : action);
	const hostItems = readHostItems(this, items);
	const valid = hostItems.filter((h) => h.state === 'valid');
	const pushed = await withNetBox(
		this,
		valid,
		options.timeout,
		async (client) => {
			const { outcomes, version } = await pushHosts(client, valid.map(({ index, host }) => ({ index, host })), { ...options, dryRun });
			return outcomes.map((o): ItemOutcome => ({
				index: o.index,
				result: {
					action: label(o.action),
					dryRun,
					...(o.error ? { field: o.error.field, error: o.error.message } : {}),
					// The same words Status gives for the same conflict.
					...(o.error?.kind === 'conflict' ? { conflict: o.error.message } : {}),
					changes: o.changes as unknown as ItemOutcome['result'][string],
					adopted: o.adopted,
					foreign: o.foreign as unknown as ItemOutcome['result'][string],
					objects: o.objects as ItemOutcome['result'][string],
					netboxVersion: version,
				},
				error: o.error ? { message: o.error.message } : undefined,
			}));
		},
		{ action: label('failed') },
	);
	return toOutputItems(this, items, 'netbox', [...unreadOutcomes(hostItems, (state) => ({ action: label(state), dryRun })), ...pushed]);
}
