// Turns per-host outcomes into n8n items: one output item per input item,
// pairing kept; failures carry a top-level `error` so n8n's "continue (using
// error output)" routes them to the error output.
import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

export interface ItemOutcome {
	index: number;
	result: IDataObject;
	error?: { message: string; description?: string };
}

export function toOutputItems(ctx: IExecuteFunctions, items: INodeExecutionData[], key: string, outcomes: ItemOutcome[]): INodeExecutionData[] {
	const byIndex = new Map(outcomes.map((o) => [o.index, o]));
	const output = items.map((item, index): INodeExecutionData => {
		const outcome = byIndex.get(index);
		if (!outcome) throw new NodeOperationError(ctx.getNode(), `internal error: no outcome for item ${index}`);
		const json = { ...item.json, [key]: outcome.result };
		if (!outcome.error) return { json, pairedItem: { item: index } };
		return {
			json,
			error: new NodeOperationError(ctx.getNode(), outcome.error.message, { itemIndex: index, description: outcome.error.description }),
			pairedItem: { item: index },
		};
	});
	const failed = outcomes.filter((o) => o.error).sort((a, b) => a.index - b.index);
	if (failed.length && !ctx.continueOnFail()) {
		// Every host was attempted; now fail the node, naming each failed host.
		const lines = failed.map((o) => `item ${o.index} (${String(items[o.index].json.name ?? '?')}): ${o.error!.message}`);
		throw new NodeOperationError(ctx.getNode(), `${failed.length} of ${items.length} hosts failed: ${lines.slice(0, 3).join('; ')}${failed.length > 3 ? '; ...' : ''}`, {
			description: lines.join('\n'),
		});
	}
	return output;
}

/** One extra item with counts per state, paired with every input item. */
export function summaryItem(items: INodeExecutionData[], key: string, states: string[]): INodeExecutionData {
	const counts: IDataObject = { total: states.length };
	for (const state of states) counts[state] = ((counts[state] as number) ?? 0) + 1;
	return { json: { summary: { [key]: counts } }, pairedItem: items.map((_, item) => ({ item })) };
}
