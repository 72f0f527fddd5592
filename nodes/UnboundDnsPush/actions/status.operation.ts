import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';
import type { HostStatus } from '../../../core/dns/plan';
import { statusOfHosts } from '../../../core/dns/push';
import { dnsStatusSummary } from '../../../core/dns/summary';
import { hostFieldsSchema } from '../../../core/host';
import { addHints, executionHints, hintFacts } from '../../shared/hints';
import { batchBySettings, parameterReader } from '../../shared/batches';
import { readHostItems, type HostItem } from '../../shared/hostItems';
import { summaryItem, toOutputItems, unreadOutcomes, type ItemOutcome } from '../../shared/results';
import { hostInputs, namesNotPushed, readSettings, runBatch } from './common';

/** Status has no parameters of its own: it reads what Push would compare. */
export const description: INodeProperties[] = [];

function result(status: HostStatus): IDataObject {
	return {
		state: status.state,
		summary: dnsStatusSummary(status),
		fqdn: status.fqdn,
		records: status.records,
		...(status.differences ? { differences: status.differences as unknown as IDataObject } : {}),
		...(status.reason ? { reason: status.reason } : {}),
		...(status.error ? { field: status.error.field, error: status.error.message } : {}),
		...(status.conflict ? { field: status.conflict.field, conflict: status.conflict.message } : {}),
		...(status.foreign ? { foreign: status.foreign as unknown as IDataObject[] } : {}),
	};
}

export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	const read = parameterReader(this);
	const { batches, outcomes } = batchBySettings(this, items.length, (index) => readSettings(this, index, read), { state: 'failed' });
	const hostItems: HostItem[] = [];
	const stale: Array<{ fqdn: string; records: string[] }> = [];
	// One SSH session per batch: items whose settings resolve alike.
	for (const { settings, indices } of batches) {
		const batchItems = readHostItems(this, items, hostFieldsSchema, indices, read);
		const valid = batchItems.filter((h) => h.state === 'valid');
		const checked = await runBatch(
			this,
			settings,
			valid,
			async (unbound) => {
				const report = await statusOfHosts(unbound, hostInputs(valid), settings.records, namesNotPushed(this, batchItems, read));
				stale.push(...report.stale);
				return report.hosts.map(
					(s): ItemOutcome => ({
						index: s.index,
						result: result(s),
						error: s.error ? { message: s.error.message } : undefined,
					}),
				);
			},
			{ state: 'failed' },
		);
		hostItems.push(...batchItems);
		outcomes.push(...unreadOutcomes(batchItems, (state) => ({ state })), ...checked);
	}
	addHints(this, executionHints('dns', hintFacts(hostItems, outcomes, { push: false })));
	const output = toOutputItems(this, items, 'dns', outcomes);
	if (this.getNodeParameter('summary', 0, false)) {
		const summary = summaryItem(
			items,
			'dns',
			outcomes.map((o) => String(o.result.state)),
		);
		// With several batches, a host one batch calls stale may be another's.
		const named = new Set(outcomes.map((o) => o.result.fqdn));
		const staleHosts = [...new Map(stale.filter((s) => !named.has(s.fqdn)).map((s) => [s.fqdn, s])).values()];
		Object.assign((summary.json.summary as IDataObject).dns as IDataObject, {
			stale: staleHosts.length,
			staleHosts,
		});
		output.push(summary);
	}
	return output;
}
