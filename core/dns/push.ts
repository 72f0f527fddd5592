// Push and status against a real Unbound. A push holds the remote lock across
// read → plan → write temp → checkconf → backup → atomic rename → checkconf of
// the whole config → update what Unbound serves → verify; any failure puts the
// previous file and served data back. Dry run and status take no lock and
// change nothing.
import { renderManagedFile } from './managedFile';
import {
	planPush,
	planStatus,
	servedChanges,
	servedForm,
	type HostInput,
	type PlanOptions,
	type PushPlan,
	type ServedChange,
	type StatusReport,
} from './plan';
import { SshError } from '../ssh/session';
import type { RecordOptions, ServedRR } from './records';
import { UnboundError, type UnboundHost } from './unbound';

/** local_datas: change only the records that differ, keeping the cache. reload: re-read everything. */
export type ApplyMode = 'local_datas' | 'reload';

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
	const file = await unbound.readManagedFile();
	return { file, served: await unbound.listLocalData() };
}

export async function pushHosts(
	unbound: UnboundHost,
	hosts: HostInput[],
	options: PushOptions,
	extraNames: string[] = [],
): Promise<PushResult> {
	if (options.dryRun) {
		const { file, served } = await readState(unbound);
		return { plan: planPush(hosts, file.records, served, options, extraNames), steps: [] };
	}
	const release = await unbound.lock(options.lockTimeoutSeconds);
	try {
		await unbound.removeStaleTemps();
		const { file, served } = await readState(unbound);
		const plan = planPush(hosts, file.records, served, options, extraNames);
		return {
			plan,
			steps: await apply(unbound, plan, { oldText: file.text, servedBefore: served }, options),
		};
	} finally {
		await release();
	}
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
	servedBefore: ServedRR[];
}

async function apply(
	unbound: UnboundHost,
	plan: PushPlan,
	before: Before,
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
			// The new file alone was fine; now the config as Unbound will read it.
			await unbound.checkconf(unbound.config);
		}
		unbound.assertLocked();
		progress.servedTouched = true;
		await serve(unbound, plan.served, options.applyMode, steps);
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
		const restore = await rollback(unbound, plan.owners, before, progress, options.applyMode);
		throw new DnsPushError(step, `${(error as Error).message}; ${restore.note}`, restore.ok);
	}
}

/** Temp file (0644), checkconf on it, backup of the old file, atomic rename. */
async function replaceFile(
	unbound: UnboundHost,
	text: string,
	oldText: string | undefined,
): Promise<void> {
	const temp = await unbound.writeTemp(text);
	try {
		await unbound.checkconf(temp);
		if (oldText !== undefined) await unbound.writeBackup(oldText);
		await unbound.install(temp);
	} catch (error) {
		await unbound.remove(temp).catch(() => undefined);
		throw error;
	}
}

async function serve(
	unbound: UnboundHost,
	change: ServedChange,
	mode: ApplyMode,
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
	if (!(await unbound.running()))
		return 'Unbound is not running after the change (unbound-control status failed)';
	const diff = servedChanges(want, await unbound.listLocalData(), owners);
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
	mode: ApplyMode,
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
