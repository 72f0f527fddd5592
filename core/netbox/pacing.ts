// Bounded, parallel writes. NetBox answers a bulk write only when its whole
// transaction is done, and the web server in front of it gives up first: the
// nginx of NetBox's contrib/ has the default 60 s proxy_read_timeout and then
// answers 504 while NetBox goes on and commits. So a stage's objects go out in
// chunks sized from NetBox's measured time per object, a few at once.

export interface PacingOptions {
	/** Seconds one write request should stay well under (chunks aim at half of it). */
	targetSeconds?: number;
	/** Most objects in one write request. */
	maxChunk?: number;
	/** Objects in the first request of each kind, before anything is measured. */
	firstChunk?: number;
	/** Write requests in flight at once (NetBox serves them on several gunicorn workers). */
	concurrency?: number;
}

export const PACING_DEFAULTS: Required<PacingOptions> = {
	targetSeconds: 15,
	maxChunk: 500,
	firstChunk: 25,
	concurrency: 3,
};

/** What one push's pacing did, for results and the benchmark. */
export interface PacingStats {
	chunks: number;
	largestChunk: number;
	longestMs: number;
}

/** One piece of work holding a slot: the most requests in flight while it ran. */
export interface Lane {
	peak: number;
}

/**
 * Chunk sizes per kind of write ("POST dcim/devices/") and a limit on requests
 * in flight. A chunk is sized so that it should take half the target at the
 * slowest time per object seen lately, and grows at most fourfold per answer:
 * aiming at half the target leaves room for a NetBox that slows down under
 * load, and the growth limit for a cost per object that rises with size.
 */
export class Pacer {
	readonly options: Required<PacingOptions>;
	readonly stats: PacingStats = { chunks: 0, largestChunk: 0, longestMs: 0 };
	private readonly secondsPerObject = new Map<string, number>();
	private readonly lastSize = new Map<string, number>();
	private active = 0;
	private readonly lanes = new Set<Lane>();
	private readonly waiting: Array<() => void> = [];

	constructor(options: PacingOptions = {}) {
		const o = {
			...PACING_DEFAULTS,
			...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
		};
		this.options = {
			targetSeconds: Math.max(0.1, o.targetSeconds),
			maxChunk: Math.max(1, Math.floor(o.maxChunk)),
			firstChunk: Math.max(1, Math.min(Math.floor(o.firstChunk), Math.floor(o.maxChunk))),
			concurrency: Math.max(1, Math.floor(o.concurrency)),
		};
	}

	/** How many objects the next request of this kind carries (at most `left`). */
	nextSize(kind: string, left: number): number {
		const perObject = this.secondsPerObject.get(kind);
		const last = this.lastSize.get(kind);
		let size = this.options.firstChunk;
		if (perObject !== undefined && last !== undefined) {
			const fits = Math.floor(this.options.targetSeconds / 2 / Math.max(perObject, 1e-4));
			size = Math.min(fits, last * 4);
		}
		return Math.max(1, Math.min(size, this.options.maxChunk, left));
	}

	/** How long a request of `count` objects of this kind should take, from what was measured (half the target when nothing was). */
	expectedMs(kind: string, count: number): number {
		const perObject = this.secondsPerObject.get(kind);
		return perObject === undefined
			? (this.options.targetSeconds / 2) * 1000
			: perObject * count * 1000;
	}

	/** Whether an answer for this kind has been timed yet. */
	knows(kind: string): boolean {
		return this.secondsPerObject.has(kind);
	}

	/**
	 * Notes how long a request of `count` objects took, with at most `inFlight`
	 * requests (its own included) in flight meanwhile.
	 */
	record(kind: string, count: number, ms: number, inFlight = 1, { lowerBound = false } = {}): void {
		// A request timed with fewer others in flight than will share NetBox
		// from now on (the probe, timed alone) counts as that much slower: on a
		// NetBox with fewer cores than requests in flight, each one takes longer.
		const perObject =
			((ms / 1000) * Math.max(1, this.options.concurrency / Math.max(inFlight, 1))) /
			Math.max(count, 1);
		const before = this.secondsPerObject.get(kind);
		// A failed request only says the work took at least this long: it may raise the estimate, never set or lower it.
		if (lowerBound && (before === undefined || perObject <= before)) return;
		// Slower at once, faster only halfway: one quick answer should not double the next chunk's risk.
		this.secondsPerObject.set(
			kind,
			before === undefined || perObject > before ? perObject : (before + perObject) / 2,
		);
		if (!lowerBound) this.lastSize.set(kind, Math.max(count, this.lastSize.get(kind) ?? 0));
		this.stats.chunks++;
		this.stats.largestChunk = Math.max(this.stats.largestChunk, count);
		this.stats.longestMs = Math.max(this.stats.longestMs, ms);
	}

	/**
	 * Runs `work` when fewer than `concurrency` writes are in flight. Its lane
	 * tells the most requests that were in flight while it ran, for `record`.
	 */
	async slot<T>(work: (lane: Lane) => Promise<T>): Promise<T> {
		while (this.active >= this.options.concurrency)
			await new Promise<void>((resolve) => this.waiting.push(resolve));
		this.active++;
		const lane: Lane = { peak: 0 };
		this.lanes.add(lane);
		for (const open of this.lanes) open.peak = Math.max(open.peak, this.active);
		try {
			return await work(lane);
		} finally {
			this.lanes.delete(lane);
			this.active--;
			this.waiting.shift()?.();
		}
	}
}
