// Per-item parameters. n8n evaluates an expression in a parameter once per
// item, so `{{ $json.zone }}` or `{{ $json.dryRun }}` may differ between items.
// Items whose settings resolve alike form one batch (one SSH session and lock,
// or one NetBox snapshot), batches in the order of their first item; an item
// whose settings are invalid fails alone, naming the parameter.
import { NodeOperationError, type IDataObject, type IExecuteFunctions } from 'n8n-workflow';
import type { ItemOutcome } from './results';

export interface Batch<S> {
	settings: S;
	/** Input indices, in input order. */
	indices: number[];
}

/** Reads a parameter for one item: `getNodeParameter` with a fallback. */
export type ReadParameter = <T>(name: string, index: number, fallback: T) => T;

const hasExpression = (value: unknown): boolean =>
	typeof value === 'string'
		? value.startsWith('=')
		: Array.isArray(value)
			? value.some(hasExpression)
			: value !== null && typeof value === 'object' && Object.values(value).some(hasExpression);

/**
 * `getNodeParameter` per item, but a parameter that holds no expression is the
 * same for every item: it is resolved once (10,000 items, a dozen parameters).
 */
export function parameterReader(ctx: IExecuteFunctions): ReadParameter {
	const raw = ctx.getNode().parameters as IDataObject;
	const constant = new Map<string, unknown>();
	return <T>(name: string, index: number, fallback: T): T => {
		const value = name.split('.').reduce<unknown>((v, key) => (v as IDataObject | undefined)?.[key], raw);
		if (hasExpression(value)) return ctx.getNodeParameter(name, index, fallback as never) as T;
		if (!constant.has(name)) constant.set(name, ctx.getNodeParameter(name, index, fallback as never));
		return constant.get(name) as T;
	};
}

/**
 * Groups the items by the settings `read` returns for each. `read` throws on a
 * bad setting: that item fails (the node fails instead when it does not
 * continue on fail, before anything ran).
 */
export function batchBySettings<S>(
	ctx: IExecuteFunctions,
	count: number,
	read: (index: number) => S,
	failed: IDataObject,
): { batches: Array<Batch<S>>; outcomes: ItemOutcome[] } {
	const byKey = new Map<string, Batch<S>>();
	const outcomes: ItemOutcome[] = [];
	for (let index = 0; index < count; index++) {
		let settings: S;
		try {
			settings = read(index);
		} catch (error) {
			const message = (error as Error).message;
			if (!ctx.continueOnFail()) throw new NodeOperationError(ctx.getNode(), message, { itemIndex: index });
			outcomes.push({ index, result: { ...failed, error: message }, error: { message } });
			continue;
		}
		const key = JSON.stringify(settings);
		const batch = byKey.get(key);
		if (batch) batch.indices.push(index);
		else byKey.set(key, { settings, indices: [index] });
	}
	return { batches: [...byKey.values()], outcomes };
}

/** The settings (by dotted name) whose values differ between batches. */
export function differingSettings(batches: Array<Batch<object>>): string[] {
	const flat = (o: object, prefix = ''): Array<[string, string]> =>
		Object.entries(o).flatMap(([k, v]) =>
			v !== null && typeof v === 'object' && !Array.isArray(v) ? flat(v, `${prefix}${k}.`) : [[`${prefix}${k}`, JSON.stringify(v)]],
		);
	const seen = new Map<string, Set<string>>();
	for (const batch of batches) {
		for (const [k, v] of flat(batch.settings)) seen.set(k, (seen.get(k) ?? new Set()).add(v));
	}
	return [...seen].filter(([, values]) => values.size > 1).map(([k]) => k);
}

/**
 * Prune removes every managed host the input does not name, so it needs the
 * whole input in one batch: with several, each would remove the others' hosts.
 */
export function pruneAcrossBatchesRefusal(batches: Array<Batch<object>>): string | undefined {
	if (batches.length < 2) return undefined;
	return `Prune is refused: the items resolve to ${batches.length} different settings (${differingSettings(batches).join(', ')} differ), so each batch would remove the hosts of the others. Give every item the same settings to prune, or push without Prune.`;
}
