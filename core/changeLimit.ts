// The guard against surprises both nodes share (octoDNS calls it a safety
// threshold): a push that would update or remove more than a set share of what
// the node already manages is refused as a whole, before anything is written,
// unless forced. A typo in an upstream expression, a half-empty source or a
// prune on a partial list then stops at the door instead of rewriting a zone.

export interface ChangeLimitOptions {
	/** Largest share, in percent, of the managed things one push may update or remove. */
	maxPercent: number;
	/** The limit applies only once at least this many hosts are managed. */
	minManaged: number;
	/** Let a push past the limit. */
	force: boolean;
}

export const CHANGE_LIMIT_DEFAULTS: ChangeLimitOptions = {
	maxPercent: 30,
	minManaged: 10,
	force: false,
};

export interface ChangeCount {
	/** What the node manages before the push (hosts, or records: the unit `what` names). */
	managed: number;
	/** How many hosts it manages: the limit's floor is counted in hosts. */
	managedHosts: number;
	updated: number;
	removed: number;
	/** "records" or "hosts": the unit of `managed`, `updated` and `removed`. */
	unit: string;
}

export interface ChangeLimitVerdict {
	exceeded: boolean;
	/** e.g. "would update 4 and remove 12 of 40 managed records (40 %), over the limit of 30 %". */
	message: string;
	forced: boolean;
	count: ChangeCount;
	maxPercent: number;
}

/** Whether `count` passes the limit; the verdict's message gives the counts either way. */
export function checkChangeLimit(
	count: ChangeCount,
	options: ChangeLimitOptions,
): ChangeLimitVerdict {
	const changed = count.updated + count.removed;
	const share = count.managed ? (100 * changed) / count.managed : 0;
	const applies = count.managedHosts >= options.minManaged && count.managed > 0;
	const over = applies && share > options.maxPercent;
	const pct = Math.round(share * 10) / 10;
	const counts = `update ${count.updated} and remove ${count.removed} of ${count.managed} managed ${count.unit} (${pct} %)`;
	const overLimit = `the push would ${counts}, over the change limit of ${options.maxPercent} %`;
	const message = over
		? options.force
			? `${overLimit}; let through by Force`
			: `${overLimit}; nothing was written. ` +
				`Check the input${count.removed ? ' (a partial list with Prune on removes the rest)' : ''}, or turn on Force to let it through`
		: applies
			? `the push would ${counts}, within the change limit of ${options.maxPercent} %`
			: `the push would ${counts}; the change limit applies from ${options.minManaged} managed hosts (${count.managedHosts} now)`;
	return {
		exceeded: over && !options.force,
		forced: over && options.force,
		message,
		count,
		maxPercent: options.maxPercent,
	};
}

/** Reads and checks the three settings; throws an Error naming the bad one. */
export function changeLimitOptions(raw: {
	maxPercent?: unknown;
	minManaged?: unknown;
	force?: unknown;
}): ChangeLimitOptions {
	const number = (value: unknown, fallback: number, field: string, max: number) => {
		const n = value === undefined || value === null || value === '' ? fallback : Number(value);
		if (!Number.isFinite(n) || n < 0 || n > max)
			throw new Error(`${field} ${JSON.stringify(value)} must be a number from 0 to ${max}`);
		return n;
	};
	return {
		maxPercent: number(raw.maxPercent, CHANGE_LIMIT_DEFAULTS.maxPercent, 'Change Limit (%)', 100),
		minManaged: Math.round(
			number(
				raw.minManaged,
				CHANGE_LIMIT_DEFAULTS.minManaged,
				'Change Limit From (Managed Hosts)',
				1e9,
			),
		),
		force: raw.force === true,
	};
}
