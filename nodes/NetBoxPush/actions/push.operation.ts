import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';
import type { ChangeLimitOptions, ChangeLimitVerdict } from '../../../core/changeLimit';
import { pushHosts } from '../../../core/netbox/push';
import { changesToExisting } from '../../../core/netbox/present';
import { changeLimitField, readChangeLimit } from '../../shared/changeLimit';
import { addHints, executionHints, hintFacts } from '../../shared/hints';
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
	let changeLimit: ChangeLimitOptions;
	try {
		changeLimit = readChangeLimit(this.getNodeParameter('options', 0, {}) as IDataObject);
	} catch (error) {
		throw new NodeOperationError(this.getNode(), (error as Error).message);
	}
	const label = (action: string) => (dryRun ? `plan:${action}` : action);
	const hostItems = readHostItems(this, items);
	const valid = hostItems.filter((h) => h.state === 'valid');
	let verdict: ChangeLimitVerdict | undefined;
	const pushed = await withNetBox(
		this,
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
	const outcomes = [...unreadOutcomes(hostItems, (state) => ({ action: label(state), dryRun })), ...pushed];
	addHints(this, executionHints('netbox', hintFacts(hostItems, outcomes, { push: true, dryRun, changeLimit: verdict })));
	return toOutputItems(this, items, 'netbox', outcomes);
}
