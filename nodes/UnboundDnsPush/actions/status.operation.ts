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
import { readHostItems } from '../../shared/hostItems';
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
	const settings = readSettings(this);
	const hostItems = readHostItems(this, items, hostFieldsSchema);
	const valid = hostItems.filter((h) => h.state === 'valid');
	let stale: Array<{ fqdn: string; records: string[] }> = [];
	const checked = await runBatch(
		this,
		settings,
		valid,
		async (unbound) => {
			const report = await statusOfHosts(
				unbound,
				hostInputs(valid),
				settings.records,
				namesNotPushed(this, hostItems),
			);
			stale = report.stale;
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
	const outcomes = [...unreadOutcomes(hostItems, (state) => ({ state })), ...checked];
	addHints(this, executionHints('dns', hintFacts(hostItems, outcomes, { push: false })));
	const output = toOutputItems(this, items, 'dns', outcomes);
	if (this.getNodeParameter('summary', 0, false)) {
		const summary = summaryItem(
			items,
			'dns',
			outcomes.map((o) => String(o.result.state)),
		);
		Object.assign((summary.json.summary as IDataObject).dns as IDataObject, {
			stale: stale.length,
			staleHosts: stale,
		});
		output.push(summary);
	}
	return output;
}
