// Bounded, parallel writes: chunk sizes from measured time per object, the
// limit on requests in flight, and a lost create resolved by re-reading, never
// by sending it twice. The client here is a stub that records requests; the
// real NetBox behind a real nginx is in test/integration/netbox-proxy.test.ts.
import { NetBoxError, type NetBoxClient } from '../../core/netbox/client';
import { writeList } from '../../core/netbox/execute';
import { Pacer } from '../../core/netbox/pacing';
import { ENDPOINT } from '../../core/netbox/types';

describe('Pacer', () => {
	it('starts small, grows at most fourfold per answer, and stops at half the target', () => {
		const pacer = new Pacer({ targetSeconds: 10, maxChunk: 1000, firstChunk: 20, concurrency: 1 });
		const kind = 'POST dcim/devices/';
		expect(pacer.knows(kind)).toBe(false);
		expect(pacer.nextSize(kind, 5000)).toBe(20);
		pacer.record(kind, 20, 200); // 10 ms per object: 500 fit in 5 s
		expect(pacer.knows(kind)).toBe(true);
		expect(pacer.nextSize(kind, 5000)).toBe(80);
		pacer.record(kind, 80, 800);
		expect(pacer.nextSize(kind, 5000)).toBe(320);
		pacer.record(kind, 320, 3200);
		expect(pacer.nextSize(kind, 5000)).toBe(500);
		expect(pacer.nextSize(kind, 7)).toBe(7);
	});

	it('shrinks at once when NetBox slows down, and respects the maximum', () => {
		const pacer = new Pacer({ targetSeconds: 10, maxChunk: 300, firstChunk: 50, concurrency: 1 });
		const kind = 'POST ipam/ip-addresses/';
		pacer.record(kind, 50, 100);
		expect(pacer.nextSize(kind, 5000)).toBe(200);
		pacer.record(kind, 200, 400);
		expect(pacer.nextSize(kind, 5000)).toBe(300);
		pacer.record(kind, 300, 12_000); // 40 ms per object now
		expect(pacer.nextSize(kind, 5000)).toBe(125);
		expect(pacer.stats).toEqual({ chunks: 3, largestChunk: 300, longestMs: 12_000 });
	});

	it('counts a request timed alone as slower by the requests that will share NetBox with it', async () => {
		const pacer = new Pacer({ targetSeconds: 10, maxChunk: 1000, firstChunk: 20, concurrency: 3 });
		const kind = 'POST dcim/interfaces/';
		await pacer.slot(async (lane) => pacer.record(kind, 20, 2000, lane.peak)); // alone: 100 ms per object, counted as 300
		expect(pacer.nextSize(kind, 5000)).toBe(16);
		const other = 'POST dcim/cables/';
		await Promise.all(
			[0, 1, 2].map(() =>
				pacer.slot(async (lane) => {
					await new Promise((r) => setTimeout(r, 5));
					pacer.record(other, 20, 2000, lane.peak);
				}),
			),
		);
		expect(pacer.nextSize(other, 5000)).toBe(50); // three in flight: 100 ms per object as timed
	});

	it('a failed request may raise the estimate but never lower or set it (a cut answer says nothing of NetBox’s time)', () => {
		const pacer = new Pacer({ targetSeconds: 10, maxChunk: 1000, firstChunk: 20, concurrency: 1 });
		const kind = 'PATCH dcim/interfaces/';
		pacer.record(kind, 20, 40, 1, { lowerBound: true }); // cut after 40 ms
		expect(pacer.knows(kind)).toBe(false);
		pacer.record(kind, 20, 200); // 10 ms per object
		pacer.record(kind, 80, 80, 1, { lowerBound: true }); // cut: 1 ms per object is no news
		expect(pacer.nextSize(kind, 5000)).toBe(80);
		pacer.record(kind, 80, 5000, 1, { lowerBound: true }); // a proxy timeout: at least 62.5 ms per object
		expect(pacer.nextSize(kind, 5000)).toBe(80);
		expect(pacer.expectedMs(kind, 80)).toBe(5000);
	});

	it('never runs more than `concurrency` pieces of work at once', async () => {
		const pacer = new Pacer({ concurrency: 3 });
		let running = 0;
		let peak = 0;
		await Promise.all(
			Array.from({ length: 12 }, () =>
				pacer.slot(async () => {
					peak = Math.max(peak, ++running);
					await new Promise((r) => setTimeout(r, 5));
					running--;
				}),
			),
		);
		expect(peak).toBe(3);
	});
});

/** A stub of the client's two calls writeList makes; `onPost` decides each POST's fate. */
function stubClient(
	onPost: (
		bodies: Array<Record<string, unknown>>,
		call: number,
	) => 'ok' | 'lost-after-commit' | 'lost-before',
) {
	const stored: Array<{ id: number; slug: string }> = [];
	const posts: number[] = [];
	let reads = 0;
	const client = {
		requestTimeoutMs: 60_000,
		stats: { retries: 0 },
		async request(
			method: string,
			_path: string,
			options: { body?: Array<Record<string, unknown>> },
		) {
			const bodies = options.body ?? [];
			posts.push(bodies.length);
			const fate = onPost(bodies, posts.length);
			const made = () =>
				bodies.map(
					(b) => (
						stored.push({ id: stored.length + 1, slug: String(b.slug) }),
						stored[stored.length - 1]
					),
				);
			if (fate === 'ok') return made();
			if (fate === 'lost-after-commit') setTimeout(made, 30); // NetBox commits after the proxy gave up
			throw new NetBoxError(
				`NetBox answered 504 to ${method}`,
				504,
				method,
				'/api/extras/tags/',
				undefined,
				true,
			);
		},
		async listWhereIn(_path: string, _field: string, values: Array<string | number>) {
			reads++;
			return stored.filter((s) => values.map(String).includes(s.slug));
		},
	};
	return { client: client as unknown as NetBoxClient, stored, posts, reads: () => reads };
}

describe('writeList', () => {
	const tags = (n: number) =>
		Array.from({ length: n }, (_, i) => ({ body: { name: `t${i}`, slug: `t${i}` } }));

	it('sends a long list in chunks, a few at once, and reports every object once', async () => {
		const { client, posts } = stubClient(() => 'ok');
		const done: number[] = [];
		await writeList(
			client,
			'POST',
			ENDPOINT.tag,
			tags(100),
			(i) => done.push(i),
			() => undefined,
			{ pacer: new Pacer({ firstChunk: 10, maxChunk: 30, concurrency: 2 }) },
		);
		expect(Math.max(...posts)).toBeLessThanOrEqual(30);
		expect(posts.slice(0, 2)).toEqual([10, 30]); // one probe, then wide (fourfold capped by the maximum)
		expect(posts.reduce((a, b) => a + b, 0)).toBe(100);
		expect(done.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
	});

	it('a create answered 504 and committed later is found by re-reading: no second POST, no duplicate', async () => {
		const { client, stored, posts, reads } = stubClient((_b, call) =>
			call === 1 ? 'lost-after-commit' : 'ok',
		);
		const done: number[] = [];
		const failed: string[] = [];
		await writeList(
			client,
			'POST',
			ENDPOINT.tag,
			tags(5),
			(i) => done.push(i),
			(_i, m) => failed.push(m),
			{ pacer: new Pacer({ firstChunk: 5 }) },
		);
		expect(failed).toEqual([]);
		expect(posts).toEqual([5]);
		expect(reads()).toBeGreaterThanOrEqual(1);
		expect(stored).toHaveLength(5);
		expect(done.sort()).toEqual([0, 1, 2, 3, 4]);
	});

	it('a 504 whose create never reached NetBox is sent again once the settle window has passed', async () => {
		const { client, stored, posts } = stubClient((_b, call) => (call === 1 ? 'lost-before' : 'ok'));
		(client as unknown as { requestTimeoutMs: number }).requestTimeoutMs = 1_500;
		const started = Date.now();
		await writeList(
			client,
			'POST',
			ENDPOINT.tag,
			tags(3),
			() => undefined,
			() => undefined,
			{ pacer: new Pacer({ firstChunk: 3 }) },
		);
		expect(posts).toEqual([3, 3]);
		expect(stored).toHaveLength(3);
		expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
	});
});

describe('a change whose answer was lost', () => {
	/** Interfaces 1..n; each PATCH is cut (504) while NetBox applies it `applyMs` later, `cuts` times. */
	function patchStub(n: number, cuts: number, applyMs: number) {
		const rows = new Map(
			Array.from({ length: n }, (_, i) => [
				i + 1,
				{ id: i + 1, primary_mac_address: null as null | { id: number } },
			]),
		);
		const sent: number[] = [];
		const client = {
			requestTimeoutMs: 60_000,
			stats: { retries: 0 },
			async request(
				method: string,
				_path: string,
				options: { body?: Array<{ id: number; primary_mac_address: number }> },
			) {
				const bodies = options.body ?? [];
				sent.push(bodies.length);
				const apply = () =>
					bodies.forEach(
						(b) => (rows.get(b.id)!.primary_mac_address = { id: b.primary_mac_address }),
					);
				if (sent.length > cuts) {
					apply();
					return bodies.map((b) => rows.get(b.id));
				}
				if (Number.isFinite(applyMs)) setTimeout(apply, applyMs);
				throw new NetBoxError(
					`NetBox answered 504 to ${method}`,
					504,
					method,
					'/api/dcim/interfaces/',
					undefined,
					true,
				);
			},
			async listWhereIn(_path: string, field: string, values: number[]) {
				expect(field).toBe('id');
				return values.map((id) => ({ ...rows.get(id)! }));
			},
		};
		return { client: client as unknown as NetBoxClient, rows, sent };
	}
	const changes = (n: number) =>
		Array.from({ length: n }, (_, i) => ({
			body: { id: i + 1, primary_mac_address: 100 + i, changelog_message: 'netbox-auto' },
		}));

	it('is re-read after about the time such a chunk takes, and found applied: not sent again', async () => {
		const { client, rows, sent } = patchStub(4, 1, 20);
		const done: number[] = [];
		const failed: string[] = [];
		await writeList(
			client,
			'PATCH',
			ENDPOINT.interface,
			changes(4),
			(i) => done.push(i),
			(_i, m) => failed.push(m),
			{ pacer: new Pacer({ firstChunk: 4, targetSeconds: 0.2 }) },
		);
		expect(failed).toEqual([]);
		expect(sent).toEqual([4]);
		expect(done.sort()).toEqual([0, 1, 2, 3]);
		expect([...rows.values()].map((r) => r.primary_mac_address?.id)).toEqual([100, 101, 102, 103]);
	});

	it('is sent again when the re-read does not show it, and a run of cuts does not fail the hosts', async () => {
		const { client, sent, rows } = patchStub(3, 3, Infinity); // the cut copies never reached NetBox
		const failed: string[] = [];
		await writeList(
			client,
			'PATCH',
			ENDPOINT.interface,
			changes(3),
			() => undefined,
			(_i, m) => failed.push(m),
			{ pacer: new Pacer({ firstChunk: 3, targetSeconds: 0.2 }) },
		);
		expect(failed).toEqual([]);
		expect(sent).toEqual([3, 3, 3, 3]);
		expect((client as unknown as { stats: { retries: number } }).stats.retries).toBe(3);
		expect([...rows.values()].map((r) => r.primary_mac_address?.id)).toEqual([100, 101, 102]);
	}, 30_000);
});

describe('the NetBox Push node', () => {
	it('shows the pacing defaults the core uses', async () => {
		const { optionsProperty } = await import('../../nodes/NetBoxPush/actions/common');
		const { PACING_DEFAULTS } = await import('../../core/netbox/pacing');
		const shown = (name: string) =>
			optionsProperty.options?.find((o) => o.name === name) as { default: number };
		expect([
			shown('concurrency').default,
			shown('targetSeconds').default,
			shown('maxChunk').default,
		]).toEqual([
			PACING_DEFAULTS.concurrency,
			PACING_DEFAULTS.targetSeconds,
			PACING_DEFAULTS.maxChunk,
		]);
	});
});
