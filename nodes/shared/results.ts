// Turns per-host outcomes into n8n items: one output item per input item,
// pairing kept. A failure's json holds only `error`, `message` and `details`:
// n8n's "continue (using error output)" routes it to the error output and
// merges the paired input item (the host's fields) back in. n8n 1.x routes
// only {error, message}, so there the result stays out (see engine.ts).
import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';
import { planned } from '../../core/summary';
import { errorOutputTakesDetails } from './engine';
import type { HostItem } from './hostItems';

export interface ItemOutcome {
	index: number;
	result: IDataObject;
	error?: { message: string; description?: string };
}

/**
 * A host as messages name it: its name, then its place counted from 1 as the
 * editor shows items, e.g. `ux-bad01 (item 3)`.
 */
export function hostLabel(items: INodeExecutionData[], index: number): string {
	const name = items[index]?.json.name;
	return typeof name === 'string' && name ? `${name} (item ${index + 1})` : `item ${index + 1}`;
}

/**
 * The result with its one-line `summary` first. Outcomes that never reached
 * NetBox or Unbound (skipped, invalid, a batch that failed as a whole) get it
 * here, from their reason or error.
 */
function withSummary(outcome: ItemOutcome): IDataObject {
	const { result, error } = outcome;
	const fallback = error ? `failed: ${error.message}` : typeof result.reason === 'string' ? `skipped: ${result.reason}` : undefined;
	// A batch that failed as a whole in a dry run says `plan:` in its action only.
	const dryRun = result.dryRun === true || String(result.action).startsWith('plan:');
	const summary = typeof result.summary === 'string' ? result.summary : fallback && planned(dryRun, fallback);
	return summary ? { summary, ...result } : result;
}

export function toOutputItems(ctx: IExecuteFunctions, items: INodeExecutionData[], key: string, outcomes: ItemOutcome[]): INodeExecutionData[] {
	const byIndex = new Map(outcomes.map((o) => [o.index, o]));
	const output = items.map((item, index): INodeExecutionData => {
		const outcome = byIndex.get(index);
		if (!outcome) throw new NodeOperationError(ctx.getNode(), `internal error: no outcome for ${hostLabel(items, index)}`);
		const result = withSummary(outcome);
		if (!outcome.error) return { json: { ...item.json, [key]: result }, pairedItem: { item: index } };
		const { message, description } = outcome.error;
		const details = { ...(description ? { description } : {}), [key]: result };
		return {
			json: errorOutputTakesDetails ? { error: message, message, details } : { error: message, message },
			pairedItem: { item: index },
		};
	});
	const failed = outcomes.filter((o) => o.error).sort((a, b) => a.index - b.index);
	if (failed.length && !ctx.continueOnFail()) {
		// Every host was attempted; now fail the node, naming each failed host.
		const lines = failed.map((o) => `${hostLabel(items, o.index)}: ${o.error!.message}`);
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

/** Outcomes of items that never reach NetBox or Unbound: skipped and invalid ones. */
export function unreadOutcomes(
	hostItems: HostItem[],
	result: (state: 'skipped' | 'failed') => IDataObject,
): ItemOutcome[] {
	return hostItems.flatMap((item): ItemOutcome[] => {
		if (item.state === 'skipped')
			return [{ index: item.index, result: { ...result('skipped'), reason: item.reason } }];
		if (item.state === 'invalid') {
			return [
				{
					index: item.index,
					result: { ...result('failed'), field: item.field, error: item.message },
					error: { message: item.message },
				},
			];
		}
		return [];
	});
}
