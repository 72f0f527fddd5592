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

export const PACING_DEFAULTS: Required<PacingOptions> = { targetSeconds: 15, maxChunk: 500, firstChunk: 25, concurrency: 3 };

/** What one push's pacing did, for results and the benchmark. */
export interface PacingStats {
	chunks: number;
	largestChunk: number;
	longestMs: number;
}

/**
 * Chunk sizes per kind of write ("POST dcim/devices/") and a limit on requests
 * in flight. A chunk is sized so that it should take half the target at the
 * slowest time per object seen lately, and grows at most twofold per answer:
 * a NetBox that slows down under load is met before a request reaches the target.
 */
export class Pacer {
	readonly options: Required<PacingOptions>;
	readonly stats: PacingStats = { chunks: 0, largestChunk: 0, longestMs: 0 };
	private readonly secondsPerObject = new Map<string, number>();
	private readonly lastSize = new Map<string, number>();
	private active = 0;
	private readonly waiting: Array<() => void> = [];

	constructor(options: PacingOptions = {}) {
		const o = { ...PACING_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
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
			const fits = Math.floor((this.options.targetSeconds / 2) / Math.max(perObject, 1e-4));
			size = Math.min(fits, last * 2);
		}
		return Math.max(1, Math.min(size, this.options.maxChunk, left));
	}

	/** Notes how long a request of `count` objects took. */
	record(kind: string, count: number, ms: number): void {
		const perObject = ms / 1000 / Math.max(count, 1);
		const before = this.secondsPerObject.get(kind);
		// Slower at once, faster only halfway: one quick answer should not double the next chunk's risk.
		this.secondsPerObject.set(kind, before === undefined || perObject > before ? perObject : (before + perObject) / 2);
		this.lastSize.set(kind, Math.max(count, this.lastSize.get(kind) ?? 0));
		this.stats.chunks++;
		this.stats.largestChunk = Math.max(this.stats.largestChunk, count);
		this.stats.longestMs = Math.max(this.stats.longestMs, ms);
	}

	/** Runs `work` when fewer than `concurrency` writes are in flight. */
	async slot<T>(work: () => Promise<T>): Promise<T> {
		while (this.active >= this.options.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
		this.active++;
		try {
			return await work();
		} finally {
			this.active--;
			this.waiting.shift()?.();
		}
	}
}
