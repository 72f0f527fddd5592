// One seed for the whole suite (fault draws, kill moments, the bad-input
// corpus): FAULT_SEED=n reproduces a run. The default was picked by an offline
// search so that the 200-host pushes lose the answer to a create at 10 % and
// at 30 % too, not only in the lost-answer test; any seed must pass.
export const SEED = Number(process.env.FAULT_SEED ?? 135);
