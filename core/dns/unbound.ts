// The DNS host's side, over one SSH session: the managed file, the lock that
// serialises pushes, unbound-checkconf and unbound-control. Every path and
// user name is validated before it goes into a command.
import { randomBytes } from 'node:crypto';
import type { RemoteProcess, SshSession } from '../ssh/session';
import { parseManagedFile } from './managedFile';
import { parseServed, type DnsRecord, type ServedRR } from './records';

export interface UnboundAccess {
	/** The include file this package owns. Its directory must be writable by the SSH user. */
	managedFile: string;
	/** Unbound's main config: passed to every tool with -c, checked after each change. */
	config: string;
	control: string;
	checkconf: string;
	/** Prefix the tools with `sudo -n` (a non-root SSH user). */
	sudo: boolean;
	/** Run unbound-checkconf as this user where possible; '' runs it as the SSH user. */
	checkAsUser: string;
	/** The SSH user is root: switch users with runuser instead of sudo. */
	sshUserIsRoot: boolean;
	/** How many timestamped backups of the managed file to keep (default 10). */
	keepBackups?: number;
}

export class UnboundError extends Error {
	constructor(
		readonly step: string,
		message: string,
	) {
		super(message);
		this.name = 'UnboundError';
	}
}

/**
 * The only unbound-control subcommands this package runs (push and status).
 * README.md's sudoers lines allow exactly these, each with `-c <config>`; the
 * credential test asks sudo for each; controlArgv refuses any other.
 */
export const CONTROL_SUBCOMMANDS = [
	'status',
	'list_local_data',
	'local_datas',
	'local_datas_remove',
	'reload',
] as const;

const PATH = /^(\/[A-Za-z0-9._+-]+)+$/;
const OWNER_LINE = /^[A-Za-z0-9_*-]+(\.[A-Za-z0-9_*-]+)*\.$/;
const RR_LINE = /^[A-Za-z0-9_*-]+(\.[A-Za-z0-9_*-]+)*\. \d+ IN [A-Z][A-Z0-9]* [\x20-\x7e]+$/;
const USER = /^[a-z_][a-z0-9_-]{0,31}$/;

/** Throws an Error naming the first bad setting; returns the settings unchanged otherwise. */
export function validateAccess<T extends Omit<UnboundAccess, 'sshUserIsRoot'>>(access: T): T {
	const paths = {
		managedFile: access.managedFile,
		config: access.config,
		control: access.control,
		checkconf: access.checkconf,
	};
	for (const [field, value] of Object.entries(paths)) {
		if (
			!PATH.test(value) ||
			value.split('/').some((segment) => segment === '.' || segment === '..')
		) {
			throw new Error(
				`${field} "${value}" must be an absolute path of letters, digits and . _ + - (no spaces, no "." or ".." segments)`,
			);
		}
	}
	if (access.checkAsUser && !USER.test(access.checkAsUser))
		throw new Error(`checkAsUser "${access.checkAsUser}" is not a Unix user name`);
	return access;
}

/** "exit 1", or "killed by signal KILL" when the remote process did not exit by itself. */
function exitOf(result: { code: number | null; signal?: string }): string {
	return result.code === null && result.signal
		? `killed by signal ${result.signal}`
		: `exit ${result.code}`;
}

/** Drops unbound-checkconf's "[timestamp] unbound-checkconf[pid:0] " prefixes. */
function toolMessage(output: string): string {
	return output
		.replace(/^\[\d+\] [\w-]+\[\d+:\d+\] /gm, '')
		.trim()
		.slice(0, 2000);
}

export class UnboundHost {
	private readonly lockFile: string;
	private lockHolder?: RemoteProcess;
	private readonly dir: string;
	private readonly base: string;

	constructor(
		private readonly session: SshSession,
		private readonly access: UnboundAccess,
	) {
		validateAccess(access);
		this.dir = access.managedFile.slice(0, access.managedFile.lastIndexOf('/')) || '/';
		this.base = access.managedFile.slice(access.managedFile.lastIndexOf('/') + 1);
		// Neither name ends in ".conf", so an "include: dir/*.conf" never picks them up.
		this.lockFile = `${this.dir}/.${this.base}.lock`;
	}

	/** Backups are `<managed file>.bak-<UTC time>`: sorted by name, they are sorted by age. */
	private backupName(): string {
		const stamp = new Date()
			.toISOString()
			.replace(/[-:]/g, '')
			.replace(/\.(\d{3})Z$/, '$1Z');
		return `${this.access.managedFile}.bak-${stamp}`;
	}

	/** Backup file names in the managed file's folder, newest first. */
	async backups(): Promise<string[]> {
		const prefix = `${this.base}.bak-`;
		const names = await this.session.listDir(this.dir).catch(() => [] as string[]);
		return names
			.filter((n) => n.startsWith(prefix) && /^\d{8}T\d{9}Z$/.test(n.slice(prefix.length)))
			.sort()
			.reverse()
			.map((n) => `${this.dir}/${n}`);
	}

	get managedFile(): string {
		return this.access.managedFile;
	}

	get config(): string {
		return this.access.config;
	}

	/**
	 * Takes the exclusive lock every push holds across its read-modify-write. A
	 * remote `flock` keeps it while its stdin is open; if this process or the
	 * connection dies, sshd closes that stdin and the lock goes with it.
	 */
	async lock(timeoutSeconds: number): Promise<() => Promise<void>> {
		const holder = await this.session.spawn([
			'flock',
			'-x',
			'-w',
			String(timeoutSeconds),
			this.lockFile,
			'sh',
			'-c',
			'echo locked; exec cat >/dev/null',
		]);
		if ((await holder.firstOutput).startsWith('locked')) {
			this.lockHolder = holder;
			// Releasing never fails a push: if the lock holder is gone, so is the lock.
			return async () => {
				this.lockHolder = undefined;
				await holder.finish().catch(() => undefined);
			};
		}
		const ended = await holder.finish();
		throw new UnboundError(
			'lock',
			ended.stderr.trim()
				? `could not take the lock ${this.lockFile}: ${ended.stderr.trim()}`
				: `another push held the lock ${this.lockFile} for more than ${timeoutSeconds} s`,
		);
	}

	/** Throws when the lock this push took is gone (its remote process ended): another push could run now. */
	assertLocked(): void {
		if (this.lockHolder?.ended())
			throw new UnboundError(
				'lock',
				`the lock ${this.lockFile} was lost: the remote process holding it ended`,
			);
	}

	/** The managed file's text (undefined when missing) and its records. */
	async readManagedFile(): Promise<{ text: string | undefined; records: DnsRecord[] }> {
		const text = await this.session.readFile(this.access.managedFile);
		try {
			return { text, records: parseManagedFile(text ?? '', this.access.managedFile) };
		} catch (error) {
			throw new UnboundError('read', (error as Error).message);
		}
	}

	/**
	 * The records of the backup (the file before the last change), or [] when
	 * there is none or it is not one this node wrote.
	 */
	async readBackupRecords(): Promise<DnsRecord[]> {
		const [latest] = await this.backups();
		if (!latest) return [];
		const text = await this.session.readFile(latest);
		try {
			return parseManagedFile(text ?? '', latest);
		} catch {
			return [];
		}
	}

	async listLocalData(): Promise<ServedRR[]> {
		return parseServed(await this.control(['list_local_data']));
	}

	/** Runs unbound-control; its output, or an UnboundError carrying that output. */
	async control(args: string[], stdin = ''): Promise<string> {
		const result = await this.session.exec(this.controlArgv(args), stdin);
		if (result.code !== 0 || /^error/m.test(result.stdout)) {
			throw new UnboundError(
				args[0],
				`unbound-control ${args[0]} failed (${exitOf(result)}): ${toolMessage(result.stderr + result.stdout) || 'no output'}`,
			);
		}
		return result.stdout;
	}

	private controlArgv(args: string[]): string[] {
		// A subcommand the README's sudo rules do not name would fail there with
		// "a password is required": say what is wrong here instead.
		if (
			args.length > 1 ||
			(args.length === 1 && !(CONTROL_SUBCOMMANDS as readonly string[]).includes(args[0]))
		)
			throw new UnboundError(
				args[0] ?? 'control',
				`unbound-control ${args.join(' ')} is not one of the commands this package runs (${CONTROL_SUBCOMMANDS.join(', ')})`,
			);
		return [
			...(this.access.sudo ? ['sudo', '-n'] : []),
			this.access.control,
			'-c',
			this.access.config,
			...args,
		];
	}

	/**
	 * Clears the names `owners` and then adds `lines` (RR lines), in ONE remote
	 * command when both are needed: a connection lost between two separate
	 * commands would leave those names cleared and never re-added. Both inputs
	 * are uploaded first; the remote shell opens them before it starts and
	 * ignores SIGPIPE, so once it runs it finishes both steps whatever happens
	 * to the connection.
	 */
	async replaceLocalData(owners: string[], lines: string[]): Promise<void> {
		// The last check before unbound-control reads them: a name per line, an RR
		// per line, printable ASCII only. Ours are built from validated records;
		// a foreign record put back is Unbound's own rendering (list_local_data
		// escapes anything else), but is checked all the same.
		const bad = owners.find((o) => !OWNER_LINE.test(o)) ?? lines.find((l) => !RR_LINE.test(l));
		if (bad !== undefined)
			throw new UnboundError(
				'local_datas',
				`refusing to send ${JSON.stringify(bad.slice(0, 120))} to unbound-control`,
			);
		const text = (list: string[]) => `${list.join('\n')}\n`;
		if (!owners.length || !lines.length) {
			if (owners.length) await this.control(['local_datas_remove'], text(owners));
			if (lines.length) await this.control(['local_datas'], text(lines));
			return;
		}
		const files: string[] = [];
		try {
			files.push(await this.writeTemp(text(owners)));
			files.push(await this.writeTemp(text(lines)));
			const script =
				'trap "" PIPE; exec 3<"$1" 4<"$2" || exit 4; shift 2; ' +
				'"$@" local_datas_remove <&3 || exit 3; "$@" local_datas <&4';
			const result = await this.session.exec([
				'sh',
				'-c',
				script,
				'sh',
				...files,
				...this.controlArgv([]),
			]);
			if (result.code !== 0 || /^error/m.test(result.stdout)) {
				const step = result.code === 3 ? 'local_datas_remove' : 'local_datas';
				throw new UnboundError(
					step,
					`unbound-control ${step} failed (${exitOf(result)}): ${toolMessage(result.stderr + result.stdout) || 'no output'}`,
				);
			}
		} finally {
			for (const file of files) await this.remove(file).catch(() => undefined);
		}
	}

	/**
	 * Deletes temp files a push left when it was cut off (they hold disk space).
	 * Called under the lock: no other push is writing one now.
	 */
	async removeStaleTemps(): Promise<void> {
		const prefix = `.${this.base}.tmp-`;
		const names = await this.session.listDir(this.dir).catch(() => [] as string[]);
		for (const name of names.filter(
			(n) => n.startsWith(prefix) && /^[0-9a-f]+$/.test(n.slice(prefix.length)),
		)) {
			await this.remove(`${this.dir}/${name}`).catch(() => undefined);
		}
	}

	/** unbound-checkconf on `file`, as the user Unbound reads its includes as, where that is possible. */
	async checkconf(file: string): Promise<void> {
		const result = await this.session.exec(this.checkconfArgv(file));
		if (result.code !== 0) {
			throw new UnboundError(
				'checkconf',
				`unbound-checkconf ${file} failed (${exitOf(result)}): ${toolMessage(result.stderr + result.stdout) || 'no output'}`,
			);
		}
	}

	private checkconfArgv(file: string): string[] {
		const { sudo, checkAsUser: user, checkconf, sshUserIsRoot } = this.access;
		if (user && sshUserIsRoot) return ['runuser', '-u', user, '--', checkconf, file];
		if (user && sudo) return ['sudo', '-n', '-u', user, checkconf, file];
		// No way to switch users: check as the SSH user (as root through sudo, if set).
		return [...(sudo ? ['sudo', '-n'] : []), checkconf, file];
	}

	/** Writes `text` to a fresh temp file beside the managed file, mode 0644 so `unbound` can read it. */
	async writeTemp(text: string): Promise<string> {
		const temp = `${this.dir}/.${this.base}.tmp-${randomBytes(6).toString('hex')}`;
		try {
			await this.session.writeFile(temp, text, 0o644);
		} catch (error) {
			// A partly written temp file (full disk) must not stay behind holding the space.
			await this.session.unlink(temp).catch(() => undefined);
			throw error;
		}
		return temp;
	}

	/**
	 * Writes a new timestamped backup atomically (a failed write never leaves a
	 * truncated one), then deletes the oldest beyond the number to keep.
	 */
	async writeBackup(text: string): Promise<string> {
		const temp = await this.writeTemp(text);
		const name = this.backupName();
		try {
			await this.session.rename(temp, name);
		} catch (error) {
			await this.session.unlink(temp).catch(() => undefined);
			throw error;
		}
		const keep = Math.max(1, this.access.keepBackups ?? 10);
		for (const old of (await this.backups()).slice(keep))
			await this.remove(old).catch(() => undefined);
		return name;
	}

	/** Atomically puts `temp` in the managed file's place. */
	install(temp: string): Promise<void> {
		return this.session.rename(temp, this.access.managedFile);
	}

	remove(path: string): Promise<void> {
		return this.session.unlink(path);
	}

	/**
	 * Unbound's daemon answers its control channel: `reload` alone says "ok" even
	 * when it then dies. A lost SSH connection is not an answer: it throws.
	 */
	async running(): Promise<boolean> {
		try {
			return /is running/.test(await this.control(['status']));
		} catch (error) {
			if (error instanceof UnboundError) return false;
			throw error;
		}
	}
}
