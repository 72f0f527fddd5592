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
	servedForm,
	withServed,
	type HostInput,
	type PlanOptions,
	type PushPlan,
	type ServedChange,
	type StatusReport,
} from './plan';
import { SshError } from '../ssh/session';
import type { RecordOptions, ServedRR } from './records';
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
}

export interface PushResult {
	plan: PushPlan;
	/** State-changing steps taken, in order, e.g. ["replace managed file", "local_datas 12"]. */
	steps: string[];
	/** How Unbound was (or, in a dry run, would be) made to serve the change. */
	applied: 'local_datas' | 'reload';
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

async function readState(unbound: UnboundHost) {
	const [file, served] = await Promise.all([unbound.readManagedFile(), unbound.listLocalData()]);
	return { file, served };
}

export async function pushHosts(
	unbound: UnboundHost,
	hosts: HostInput[],
	options: PushOptions,
	extraNames: string[] = [],
): Promise<PushResult> {
	if (options.dryRun) {
		const { file, served } = await readState(unbound);
		const plan = planPush(hosts, file.records, served, options, extraNames);
		return { plan, steps: [], applied: resolveMode(options.applyMode, plan) };
	}
	const release = await unbound.lock(options.lockTimeoutSeconds);
	try {
		// local_datas always needs what Unbound serves: read it alongside the file.
		const [file, listed] = await Promise.all([
			unbound.readManagedFile(),
			options.applyMode === 'local_datas' ? unbound.listLocalData() : undefined,
			unbound.removeStaleTemps(),
		]);
		// Otherwise first planned as if Unbound served the managed file (it does,
		// unless someone changed it behind our back): enough to size the change.
		const plan = planPush(hosts, file.records, listed, options, extraNames);
		let mode = resolveMode(options.applyMode, plan);
		// What Unbound serves is needed to plan local_datas exactly, to put it back
		// after a failed local_datas, and to find drift when the file does not
		// change. A reload of a changed file needs none of that: it re-reads the
		// whole file and a rollback re-reads the old one. Skip the read then (on a
		// large set it is the dearest read: Unbound prints every record).
		let servedBefore = listed;
		if (!servedBefore && (mode === 'local_datas' || !plan.fileChanged)) {
			servedBefore = await unbound.listLocalData();
			withServed(plan, servedBefore);
		}
		if (servedBefore) {
			await adoptLeftovers(unbound, plan, servedBefore, options.zone);
			mode = resolveMode(options.applyMode, plan);
		}
		return {
			plan,
			steps: await apply(unbound, plan, { oldText: file.text, servedBefore }, mode, options),
			applied: mode,
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
): Promise<void> {
	const owners = new Set(plan.owners);
	const ptrInZone = new RegExp(`\\sPTR\\s\\S*\\.${zone.replace(/\./g, '\\.')}\\.$`);
	const strays = new Set(
		served
			.filter(
				(s) => !owners.has(s.owner) && (s.owner.endsWith(`.${zone}`) || ptrInZone.test(s.rr)),
			)
			.map((s) => s.owner),
	);
	if (!strays.size) return;
	const ours = (await unbound.readBackupRecords())
		.map((r) => r.owner)
		.filter((o) => strays.has(o) && !owners.has(o));
	if (!ours.length) return;
	for (const o of ours) owners.add(o);
	plan.owners = [...owners].sort();
	withServed(plan, served);
}

export async function statusOfHosts(
	unbound: UnboundHost,
	hosts: HostInput[],
	options: RecordOptions,
	extraNames: string[] = [],
): Promise<StatusReport> {
	const { file, served } = await readState(unbound);
	return planStatus(hosts, file.records, served, options, extraNames);
}

interface Before {
	oldText: string | undefined;
	/** What Unbound served before; read for local_datas (to restore it), not for a reload. */
	servedBefore: ServedRR[] | undefined;
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
	if (mode === 'local_datas' && !plan.servedKnown)
		throw new Error('internal: local_datas planned without reading what Unbound serves');
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
		await serve(unbound, plan.served, mode, steps);
		await verify(unbound, servedForm(plan.records), plan.owners, options.verifyTimeoutMs);
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

/** Why Unbound does not serve `want` on `owners` right now, or undefined when it does. */
async function servedProblem(
	unbound: UnboundHost,
	want: ServedRR[],
	owners: string[],
): Promise<string | undefined> {
	// list_local_data answers only once Unbound runs again (after a reload it
	// waits for the reload to finish): an answer is as good as `status`'s
	// "is running". Only when it fails is status asked, to say why.
	let served: ServedRR[];
	try {
		served = await unbound.listLocalData();
	} catch (error) {
		if (!(await unbound.running()))
			return 'Unbound is not running after the change (unbound-control status failed)';
		throw error;
	}
	const diff = servedChanges(want, served, owners);
	return diff.touched.length
		? `Unbound does not serve what was written for ${diff.touched.length} name(s), e.g. ${diff.touched[0]}`
		: undefined;
}

async function verify(
	unbound: UnboundHost,
	want: ServedRR[],
	owners: string[],
	timeoutMs: number,
): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	for (let delay = 25; ; delay = Math.min(delay * 2, 500)) {
		const problem = await servedProblem(unbound, want, owners).catch((e: Error) => {
			if (connectionLost(e)) throw e;
			return e.message;
		});
		if (!problem) return;
		if (Date.now() >= deadline) throw new UnboundError('verify', problem);
		await new Promise((resolve) => setTimeout(resolve, delay));
	}
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
	} else if (progress.servedTouched) {
		await attempt('restoring served data', async () => {
			if (!before.servedBefore) throw new Error('what Unbound served before is unknown');
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
