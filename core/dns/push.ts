// Push and status against a real Unbound. A push holds the remote lock across
// read → plan → write temp → backup → atomic rename → checkconf of the whole
// config → update what Unbound serves → verify; any failure puts the previous
// file and served data back. Dry run and status take no lock and change nothing.
import { renderManagedFile } from './managedFile';
import {
	changedLines,
	planPush,
	planStatus,
	servedChanges,
	withServed,
	type HostInput,
	type PlanOptions,
	type PushPlan,
	type ServedChange,
	type StatusReport,
} from './plan';
import {
	checkChangeLimit,
	type ChangeCount,
	type ChangeLimitOptions,
	type ChangeLimitVerdict,
} from '../changeLimit';
import { SshError } from '../ssh/session';
import { TAKEABLE_TYPES } from './foreign';
import type { DnsRecord, RecordOptions, ServedRR } from './records';
import { UnboundError, type UnboundHost } from './unbound';

/**
 * local_datas: change only the records that differ, keeping the cache.
 * reload: re-read everything (flushes the cache).
 * auto: local_datas for a small change, reload for a large one (see `resolveMode`).
 */
export type ApplyMode = 'auto' | 'local_datas' | 'reload';

/**
 * auto switches to a reload above this many changed lines (the
 * local_datas_remove + local_datas input). Measured on Unbound 1.17 over SSH
 * (bench/dnsModes.ts, k hosts of N given a new IPv4, ~5 lines each):
 * local_datas costs ~45 µs per line on top of a list_local_data before the
 * change; a reload skips that read but makes Unbound re-read every record
 * before it answers again (~0.4 s at 40,000 records, queries wait meanwhile)
 * and flushes its cache. At 10,000 hosts the two take the same time at ~2,500
 * lines and the reload is ~10 % faster at 5,000; at 1,000 hosts the reload is
 * ~30 ms faster even for a small change but ~0.15 s faster at 2,500 lines.
 * 2,000 keeps a small change in local_datas (no cache flush, no stall, at most
 * ~0.1 s slower) and sends a large one through the reload.
 */
export const AUTO_RELOAD_LINES = 2000;

/** The mode auto picks for `plan` (the others are what they say). */
export function resolveMode(mode: ApplyMode, plan: PushPlan): 'local_datas' | 'reload' {
	if (mode !== 'auto') return mode;
	return changedLines(plan.served) > AUTO_RELOAD_LINES ? 'reload' : 'local_datas';
}

export interface PushOptions extends PlanOptions {
	dryRun: boolean;
	applyMode: ApplyMode;
	lockTimeoutSeconds: number;
	/** How long Unbound may take to serve the change: a reload is not instant. */
	verifyTimeoutMs: number;
	/** Refuse a push that updates or removes too much of what is managed (see core/changeLimit.ts). */
	changeLimit?: ChangeLimitOptions;
}

export interface PushResult {
	plan: PushPlan;
	/** State-changing steps taken, in order, e.g. ["replace managed file", "local_datas 12"]. */
	steps: string[];
	/** How Unbound was (or, in a dry run, would be) made to serve the change. */
	applied: 'local_datas' | 'reload';
	/** The change limit's verdict; a refused push throws instead, unless it is a dry run. */
	changeLimit?: ChangeLimitVerdict;
}

export class DnsPushError extends Error {
	constructor(
		readonly step: string,
		message: string,
		readonly restored: boolean,
	) {
		super(message);
		this.name = 'DnsPushError';
	}
}

/**
 * The managed file, what Unbound serves, and the plan. Records served at the
 * planned names that the file does not hold may be ours from a push cut off
 * (the latest backup says): only then is the backup read and the plan made again.
 */
async function readAndPlan(
	unbound: UnboundHost,
	hosts: HostInput[],
	options: PlanOptions,
	extraNames: string[],
) {
	const [file, served] = await Promise.all([unbound.readManagedFile(), unbound.listLocalData()]);
	let plan = planPush(hosts, file.records, served, options, extraNames);
	let backup: DnsRecord[] = [];
	if (plan.foreignSeen) {
		backup = await unbound.readBackupRecords();
		if (backup.length) plan = planPush(hosts, file.records, served, options, extraNames, backup);
	}
	await adoptLeftovers(unbound, plan, served, options.zone, backup);
	return { file, served, plan, ours: [...file.records, ...backup] };
}

/** What the change limit counts: managed records an update replaces or a prune removes. */
export function changeCount(plan: PushPlan, file: DnsRecord[]): ChangeCount {
	const updated = plan.hosts.reduce(
		(n, h) => n + (h.action === 'updated' ? h.removed.length : 0),
		0,
	);
	const removed = plan.pruned.reduce((n, p) => n + p.removed.length, 0);
	return {
		managed: file.length,
		managedHosts: new Set(file.map((r) => r.host)).size,
		updated,
		removed,
		unit: 'records',
	};
}

export async function pushHosts(
	unbound: UnboundHost,
	hosts: HostInput[],
	options: PushOptions,
	extraNames: string[] = [],
): Promise<PushResult> {
	const limit = (plan: PushPlan, file: DnsRecord[]) =>
		options.changeLimit && checkChangeLimit(changeCount(plan, file), options.changeLimit);
	if (options.dryRun) {
		const { file, plan } = await readAndPlan(unbound, hosts, options, extraNames);
		const changeLimit = limit(plan, file.records);
		return { plan, steps: [], applied: resolveMode(options.applyMode, plan), changeLimit };
	}
	const release = await unbound.lock(options.lockTimeoutSeconds);
	try {
		// What Unbound serves is always read: foreign records live there, and
		// nothing of theirs may be cleared, dropped by a reload or left out of a rollback.
		const [{ file, served, plan, ours }] = await Promise.all([
			readAndPlan(unbound, hosts, options, extraNames),
			unbound.removeStaleTemps(),
		]);
		const changeLimit = limit(plan, file.records);
		if (changeLimit?.exceeded) throw new UnboundError('change limit', changeLimit.message);
		const mode = resolveMode(options.applyMode, plan);
		const before = { oldText: file.text, servedBefore: served, ours };
		return {
			plan,
			steps: await apply(unbound, plan, before, mode, options),
			applied: mode,
			changeLimit,
		};
	} finally {
		await release();
	}
}

/**
 * A push cut off after its rename but before local_datas_remove finished leaves
 * Unbound serving records the new file no longer has (e.g. of pruned hosts);
 * the next push's owner names come from the file, so it would not see them and
 * only a reload would clear them. When Unbound serves names in the zone that no
 * owner covers, the backup (the file before that push, written by this node) says
 * which of them are ours: those names join the plan. Others are not touched.
 */
async function adoptLeftovers(
	unbound: UnboundHost,
	plan: PushPlan,
	served: ServedRR[],
	zone: string,
	backupRead: DnsRecord[],
): Promise<void> {
	const owners = new Set(plan.owners);
	const ptrInZone = new RegExp(`\\sPTR\\s\\S*\\.${zone.replace(/\./g, '\\.')}\\.$`);
	const strays = new Set(
		served
			.filter(
				(s) =>
					TAKEABLE_TYPES.has(s.type) &&
					!owners.has(s.owner) &&
					(s.owner.endsWith(`.${zone}`) || ptrInZone.test(s.rr)),
			)
			.map((s) => s.owner),
	);
	if (!strays.size) return;
	const backup = backupRead.length ? backupRead : await unbound.readBackupRecords();
	const ours = backup.filter((r) => strays.has(r.owner) && !owners.has(r.owner));
	if (!ours.length) return;
	for (const r of ours) owners.add(r.owner);
	plan.owners = [...owners].sort();
	// Only the backup's own records at those names are ours: anything else there stays.
	withServed(plan, served, true, ours);
}

export async function statusOfHosts(
	unbound: UnboundHost,
	hosts: HostInput[],
	options: RecordOptions & { takeOverNames?: boolean },
	extraNames: string[] = [],
): Promise<StatusReport> {
	const [file, served, backup] = await Promise.all([
		unbound.readManagedFile(),
		unbound.listLocalData(),
		unbound.readBackupRecords(),
	]);
	return planStatus(hosts, file.records, served, options, extraNames, backup);
}

interface Before {
	oldText: string | undefined;
	/** Everything Unbound served before, of every type: what a rollback puts back. */
	servedBefore: ServedRR[];
	/** Records this package wrote (managed file, backup): the only ones a push may drop. */
	ours: DnsRecord[];
}

async function apply(
	unbound: UnboundHost,
	plan: PushPlan,
	before: Before,
	mode: 'local_datas' | 'reload',
	options: PushOptions,
): Promise<string[]> {
	const steps: string[] = [];
	if (!plan.fileChanged && !plan.served.touched.length) return steps;
	const progress = { fileReplaced: false, servedTouched: false };
	try {
		if (plan.fileChanged) {
			unbound.assertLocked();
			await replaceFile(unbound, renderManagedFile(plan.records), before.oldText);
			progress.fileReplaced = true;
			steps.push('replace managed file');
			// ONE unbound-checkconf, of the config as Unbound will read it, after
			// the rename. The new file is no longer checked alone first (that cost a
			// second full parse, ~0.4 s at 40,000 records), because:
			// - it is rendered only from DnsRecords, every field validated, in the
			//   one form parseManagedFile accepts back: it cannot hold a foreign line;
			// - the whole-config check covers the file anyway (it is an include of
			//   that config), and also what the alone check could not see: other
			//   includes clashing with it, a file or directory the `unbound` user
			//   cannot read;
			// - Unbound reads the file only on reload or restart. Nothing reloads
			//   before this check passes; if it fails, the old file is put back by
			//   an atomic rename, so Unbound keeps serving from memory and would
			//   re-read the old, checked file. The file is never half-written
			//   (temp + rename), the backup is written before the rename.
			// The one gap: an Unbound restarted by someone else during this check
			// (~0.4 s at 40,000 records) reads the new file unchecked; that file is
			// made of validated records only, so it parses.
			await unbound.checkconf(unbound.config);
		}
		unbound.assertLocked();
		progress.servedTouched = true;
		const deadline = Date.now() + options.verifyTimeoutMs;
		await serve(unbound, plan.served, mode, steps);
		let seen: ServedRR[] | undefined;
		if (mode === 'reload') {
			// A reload drops every runtime local_data, someone else's too: put those back.
			const mayDrop = new Set([
				...before.ours.map((r) => r.rr),
				...plan.takenOver.map((t) => t.rr),
			]);
			const after = await putBackDropped(unbound, before.servedBefore, mayDrop, deadline);
			if (after.added)
				steps.push(`local_datas ${after.added} (foreign records the reload dropped)`);
			// Nothing added back: what was just read is what Unbound serves; verify checks that first.
			else seen = after.served;
		}
		// Taken-over records from a config file come back at a reload: not a failure.
		const tolerated = new Set(plan.takenOver.map((t) => t.rr));
		await verify(unbound, plan.want, plan.owners, tolerated, deadline, seen);
		return steps;
	} catch (error) {
		const step = error instanceof UnboundError ? error.step : 'apply';
		if (connectionLost(error)) {
			// Nothing can be put back over a dead connection; the remote lock is gone with it.
			const where = progress.fileReplaced
				? 'the new managed file is in place in full (it is replaced atomically), but Unbound may not serve all of it yet'
				: 'nothing was changed';
			throw new DnsPushError(
				step,
				`${(error as Error).message}: ${where}; run the push again to finish`,
				!progress.fileReplaced,
			);
		}
		const restore = await rollback(unbound, plan.owners, before, progress, mode);
		throw new DnsPushError(step, `${(error as Error).message}; ${restore.note}`, restore.ok);
	}
}

/** Temp file (0644) and backup of the old file, written side by side; then the atomic rename. */
async function replaceFile(
	unbound: UnboundHost,
	text: string,
	oldText: string | undefined,
): Promise<void> {
	const [written, backup] = await Promise.allSettled([
		unbound.writeTemp(text),
		oldText !== undefined ? unbound.writeBackup(oldText) : Promise.resolve(),
	]);
	if (written.status === 'rejected') throw written.reason;
	const temp = written.value;
	try {
		if (backup.status === 'rejected') throw backup.reason;
		await unbound.install(temp);
	} catch (error) {
		await unbound.remove(temp).catch(() => undefined);
		throw error;
	}
}

async function serve(
	unbound: UnboundHost,
	change: ServedChange,
	mode: 'local_datas' | 'reload',
	steps: string[],
): Promise<void> {
	if (mode === 'reload') {
		await unbound.control(['reload']);
		steps.push('reload');
		return;
	}
	await unbound.replaceLocalData(
		change.remove.map((owner) => `${owner}.`),
		change.add,
	);
	if (change.remove.length) steps.push(`local_datas_remove ${change.remove.length}`);
	if (change.add.length) steps.push(`local_datas ${change.add.length}`);
}

/** What Unbound serves, or why it cannot say (not running, or the control channel failed). */
async function readServed(unbound: UnboundHost): Promise<ServedRR[] | string> {
	// list_local_data answers only once Unbound runs again (after a reload it
	// waits for the reload to finish): an answer is as good as `status`'s
	// "is running". Only when it fails is status asked, to say why.
	try {
		return await unbound.listLocalData();
	} catch (error) {
		if (connectionLost(error)) throw error;
		if (!(await unbound.running()))
			return 'Unbound is not running after the change (unbound-control status failed)';
		return (error as Error).message;
	}
}

/** Asks `check` until it finds no problem, backing off, until `deadline`; then fails with the last problem. */
async function until(
	deadline: number,
	check: () => Promise<string | undefined>,
	step = 'verify',
): Promise<void> {
	for (let delay = 25; ; delay = Math.min(delay * 2, 500)) {
		const problem = await check();
		if (!problem) return;
		if (Date.now() >= deadline) throw new UnboundError(step, problem);
		await new Promise((resolve) => setTimeout(resolve, delay));
	}
}

/** Waits until Unbound serves `want` on `owners` (records in `tolerated` may be there too). */
async function verify(
	unbound: UnboundHost,
	want: ServedRR[],
	owners: string[],
	tolerated: Set<string>,
	deadline: number,
	/** What Unbound served a moment ago, if it was just read: the first check uses it. */
	justRead?: ServedRR[],
): Promise<void> {
	await until(deadline, async () => {
		const served = justRead ?? (await readServed(unbound));
		justRead = undefined;
		if (typeof served === 'string') return served;
		const seen = tolerated.size ? served.filter((s) => !tolerated.has(s.rr)) : served;
		const diff = servedChanges(want, seen, owners);
		return diff.touched.length
			? `Unbound does not serve what was written for ${diff.touched.length} name(s), e.g. ${diff.touched[0]}`
			: undefined;
	});
}

/**
 * After a reload: every record served before that is gone now and not in
 * `mayDrop` came from a runtime local_data (the reload re-read the files):
 * add it back. Returns how many were.
 */
async function putBackDropped(
	unbound: UnboundHost,
	before: ServedRR[],
	mayDrop: Set<string>,
	deadline: number,
): Promise<{ added: number; served: ServedRR[] }> {
	let now: ServedRR[] = [];
	await until(deadline, async () => {
		const served = await readServed(unbound);
		if (typeof served === 'string') return served;
		now = served;
		return undefined;
	});
	const present = new Set(now.map((s) => s.rr));
	const dropped = before.filter((s) => !present.has(s.rr) && !mayDrop.has(s.rr));
	if (dropped.length)
		await unbound.replaceLocalData(
			[],
			dropped.map((s) => s.rr),
		);
	return { added: dropped.length, served: now };
}

/** Puts back the previous file and served data; says what it managed. Never throws. */
async function rollback(
	unbound: UnboundHost,
	owners: string[],
	before: Before,
	progress: { fileReplaced: boolean; servedTouched: boolean },
	mode: 'local_datas' | 'reload',
): Promise<{ ok: boolean; note: string }> {
	const failures: string[] = [];
	const attempt = async (what: string, work: () => Promise<unknown>) => {
		try {
			await work();
		} catch (error) {
			failures.push(`${what}: ${(error as Error).message}`);
		}
	};
	if (progress.fileReplaced) {
		await attempt('restoring the managed file', async () =>
			before.oldText === undefined
				? unbound.remove(unbound.managedFile)
				: unbound.install(await unbound.writeTemp(before.oldText)),
		);
	}
	if (progress.servedTouched && mode === 'reload') {
		await attempt('reloading the previous file', () => unbound.control(['reload']));
		await attempt('putting back the runtime records the reload dropped', () =>
			putBackDropped(unbound, before.servedBefore, new Set(), Date.now() + 10_000),
		);
	} else if (progress.servedTouched) {
		await attempt('restoring served data', async () => {
			const back = servedChanges(before.servedBefore, await unbound.listLocalData(), owners);
			await unbound.replaceLocalData(
				back.remove.map((o) => `${o}.`),
				back.add,
			);
		});
	}
	if (progress.servedTouched) {
		await attempt('checking Unbound', async () => {
			// status answers why, e.g. "connect: Connection refused" when the daemon is down.
			const status = await unbound.control(['status']);
			if (!/is running/.test(status)) throw new Error('Unbound is not running: start it again');
		});
	}
	if (failures.length) return { ok: false, note: `ROLLBACK INCOMPLETE: ${failures.join('; ')}` };
	const note = progress.fileReplaced
		? 'the previous managed file and served data were restored'
		: progress.servedTouched
			? 'the previous served data was restored'
			: 'nothing was changed';
	return { ok: true, note };
}

function connectionLost(error: unknown): boolean {
	return error instanceof SshError && error.kind === 'connect';
}
