// One seed for the whole suite (fault draws, kill moments, the bad-input
// corpus): FAULT_SEED=n reproduces a run. The default was picked by an offline
// search so that the 200-host pushes lose the answer to a create at 10 % and
// at 30 % too, not only in the lost-answer test; any seed must pass.
export const SEED = Number(process.env.FAULT_SEED ?? 135);

/** mulberry32: a small seeded generator, so every draw is reproducible from SEED. */
export function rng(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}
