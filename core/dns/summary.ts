// One line per host for the DNS results, e.g.
// `created web01.lab.example: A 10.0.0.5, PTR 5.0.0.10.in-addr.arpa` or
// `plan: update web01.lab.example: +A 10.0.0.9, −A 10.0.0.5`.
import { failure, joinParts, planned } from '../summary';
import type { HostChange, HostStatus } from './plan';

/** An RR line as people read it: `A 10.0.0.5`, `PTR 5.0.0.10.in-addr.arpa` (the name that answers). */
export function shortRecord(rr: string): string {
	const [owner, , , type, ...data] = rr.trim().split(/\s+/);
	if (!type) return rr;
	return type === 'PTR' ? `PTR ${owner.replace(/\.$/, '')}` : `${type} ${data.join(' ')}`;
}

const VERB: Record<'created' | 'updated' | 'removed', [done: string, plan: string]> = {
	created: ['created', 'create'],
	updated: ['updated', 'update'],
	removed: ['removed', 'remove'],
};

export function dnsPushSummary(change: HostChange, dryRun: boolean): string {
	if (change.error) return planned(dryRun, failure(change.error));
	if (change.action === 'skipped') return planned(dryRun, `skipped: ${change.reason ?? 'nothing to push'}`);
	if (change.action === 'unchanged' || change.action === 'failed') return planned(dryRun, change.action);
	const verb = VERB[change.action][dryRun ? 1 : 0];
	// A new host lists its records; a changed one what comes and goes.
	const parts =
		change.action === 'created'
			? change.added.map(shortRecord)
			: [...change.added.map((rr) => `+${shortRecord(rr)}`), ...change.removed.map((rr) => `−${shortRecord(rr)}`)];
	const detail = parts.length ? joinParts(parts) : change.reason ?? 'records unchanged';
	return planned(dryRun, `${verb} ${change.fqdn ?? '?'}: ${detail}`);
}

export function dnsStatusSummary(status: HostStatus): string {
	if (status.conflict) return `drifted: ${failure({ ...status.conflict, kind: 'conflict' })}`;
	if (status.error) return failure(status.error);
	if (status.state === 'skipped') return `skipped: ${status.reason ?? 'nothing to check'}`;
	if (status.state === 'missing') return `missing: ${joinParts(status.records.map(shortRecord))}`;
	if (status.state !== 'drifted' || !status.differences) return status.state;
	const { file, served } = status.differences;
	const groups: Array<[string, string[]]> = [
		['not served', served.missing],
		['served but not wanted', served.extra],
		['not in the managed file', file.missing],
		['in the managed file but not wanted', file.extra],
	];
	const parts = groups.filter(([, list]) => list.length).map(([what, list]) => `${what}: ${joinParts(list.map(shortRecord))}`);
	const foreign = status.foreign?.map((f) => shortRecord(f.record)) ?? [];
	if (foreign.length) parts.push(`records this node did not write: ${joinParts(foreign)}`);
	return `drifted: ${parts.join('; ') || 'differs'}`;
}
