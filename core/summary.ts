// The pieces both nodes' one-line summaries share: how a value reads, the
// dry-run prefix, and cutting a long list short so a summary stays one line.

/** Parts shown before a summary says how many more there are. */
const MAX_PARTS = 6;

/** A field value as people read it: ∅ for nothing, lists comma-joined. */
export function shown(value: unknown): string {
	if (value === null || value === undefined || value === '') return '∅';
	if (Array.isArray(value)) return value.length ? value.map(shown).join(',') : '∅';
	if (typeof value === 'object') return JSON.stringify(value);
	return String(value);
}

export function joinParts(parts: string[], separator = ', '): string {
	if (parts.length <= MAX_PARTS) return parts.join(separator);
	return `${parts.slice(0, MAX_PARTS).join(separator)}${separator}… (${parts.length - MAX_PARTS} more)`;
}

/** `plan: ` before a dry run's summary, as `plan:` before its action. */
export const planned = (dryRun: boolean, text: string) => (dryRun ? `plan: ${text}` : text);

/** What a failed host's summary says: a conflict is named as one. */
export function failure(error: { message: string; kind?: string }): string {
	return `${error.kind === 'conflict' ? 'conflict' : 'failed'}: ${error.message}`;
}
