// One SSH connection with the server's host key pinned. Commands run as argv
// (each argument single-quoted here, never spliced into a shell string), files
// move over SFTP. Errors never carry the private key or the passphrase.
import { createHash } from 'node:crypto';
import { Client, type ClientChannel, type SFTPWrapper } from 'ssh2';

export interface SshCredentials {
	host: string;
	port: number;
	username: string;
	privateKey: string;
	passphrase?: string;
	/** "SHA256:…" as `ssh-keygen -lf` prints it. */
	hostKeyFingerprint?: string;
	/** Unsafe: accept whatever host key the server presents. */
	skipHostKeyVerification?: boolean;
	readyTimeoutMs?: number;
}

export type SshErrorKind = 'config' | 'host-key' | 'auth' | 'connect' | 'command' | 'sftp';

export class SshError extends Error {
	constructor(
		readonly kind: SshErrorKind,
		message: string,
	) {
		super(message);
		this.name = 'SshError';
	}
}

/** The form `ssh-keygen -lf` prints: "SHA256:" + unpadded base64 of the key blob's SHA-256. */
export function hostKeyFingerprint(key: Buffer): string {
	return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** Accepts "SHA256:…" with or without "=" padding, or a whole `ssh-keygen -lf` line. */
export function normaliseFingerprint(text: string): string | undefined {
	const m = /(?:^|\s)SHA256:([A-Za-z0-9+/]{43})=?(?:\s|$)/.exec(text.trim());
	return m ? `SHA256:${m[1]}` : undefined;
}

/**
 * n8n's password fields strip newlines from a pasted key, which ssh2 then
 * cannot parse: rebuild the PEM layout (legacy encrypted PEM headers included).
 */
export function normalisePrivateKey(text: string): string {
	const key = text.replace(/\\n/g, '\n').trim();
	const m = /^-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----$/.exec(key);
	if (!m) return key;
	const headers: string[] = [];
	const body = m[2].replace(/(Proc-Type|DEK-Info):\s*(\S+)/g, (_, name: string, value: string) => {
		headers.push(`${name}: ${value}`);
		return '';
	});
	const lines = body.replace(/\s+/g, '').match(/.{1,64}/g) ?? [];
	return [
		`-----BEGIN ${m[1]}-----`,
		...headers,
		...(headers.length ? [''] : []),
		...lines,
		`-----END ${m[1]}-----`,
		'',
	].join('\n');
}

export function shellQuote(arg: string): string {
	return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The remote command line for `argv`. Control characters are refused: no validated value has one. */
export function commandLine(argv: string[]): string {
	for (const arg of argv) {
		if ([...arg].some((c) => c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127)) {
			throw new SshError(
				'command',
				`refusing a command argument with control characters: ${JSON.stringify(arg)}`,
			);
		}
	}
	return argv.map(shellQuote).join(' ');
}

export interface ExecResult {
	code: number | null;
	signal?: string;
	stdout: string;
	stderr: string;
}

/** A command left running, e.g. the one holding the remote lock. */
export interface RemoteProcess {
	/** The first stdout output, or '' when the command ends without any. */
	firstOutput: Promise<string>;
	/** Closes its stdin and waits for it to end. */
	finish(): Promise<ExecResult>;
	/** Whether it has ended (on its own, killed, or with the connection). */
	ended(): boolean;
}

const NO_SUCH_FILE = 2;

export class SshSession {
	private sftpChannel?: Promise<SFTPWrapper>;
	/**
	 * Rejects when the connection goes away. Every operation races it: ssh2
	 * never calls back an SFTP request or an exec made on a dead connection,
	 * and a push must fail, not hang, when its connection is killed.
	 */
	private readonly lost: Promise<never>;
	private gone?: SshError;

	private constructor(
		private readonly client: Client,
		private readonly secrets: string[],
		private readonly where: string,
	) {
		let reject: (error: SshError) => void = () => undefined;
		this.lost = new Promise<never>((_, r) => (reject = r));
		this.lost.catch(() => undefined);
		const gone = (why: string) => {
			this.gone ??= new SshError('connect', `${where}: the SSH connection was lost (${why})`);
			reject(this.gone);
		};
		client.on('end', () => gone('closed by the server'));
		client.on('close', () => gone('closed'));
		client.on('error', (err: Error) => gone(socketMessage(err, secrets)));
	}

	/** `work`, or the connection's loss if that comes first (or came already). */
	private guard<T>(work: Promise<T>): Promise<T> {
		return Promise.race([this.lost, work]);
	}

	/** ssh2 throws "Not connected" synchronously once the socket is gone: make it the loss it is. */
	private call(start: () => void, reject: (error: SshError) => void): void {
		if (this.gone) return reject(this.gone);
		try {
			start();
		} catch (error) {
			reject(
				this.gone ??
					new SshError('connect', `${this.where}: ${socketMessage(error as Error, this.secrets)}`),
			);
		}
	}

	static open(c: SshCredentials): Promise<SshSession> {
		const where = `${c.host}:${c.port}`;
		const pinned = c.hostKeyFingerprint?.trim()
			? normaliseFingerprint(c.hostKeyFingerprint)
			: undefined;
		if (c.hostKeyFingerprint?.trim() && !pinned) {
			return Promise.reject(
				new SshError(
					'config',
					`host-key fingerprint "${c.hostKeyFingerprint.trim().slice(0, 80)}" is not "SHA256:" followed by 43 base64 characters, as ssh-keygen -lf prints it`,
				),
			);
		}
		const privateKey = normalisePrivateKey(c.privateKey);
		const secrets = [c.privateKey, privateKey, c.passphrase ?? ''].filter((s) => s.length >= 4);
		const client = new Client();
		let presented: string | undefined;
		let accepted = false;
		return new Promise((resolve, reject) => {
			const fail = (error: SshError) => {
				client.end();
				reject(error);
			};
			client.once('ready', () => resolve(new SshSession(client, secrets, where)));
			client.on('error', (err: Error & { level?: string }) => {
				if (presented !== undefined && !accepted) fail(hostKeyError(where, presented, pinned));
				else if (err.level === 'client-authentication')
					fail(
						new SshError(
							'auth',
							`${where}: authentication as "${c.username}" failed: the server did not accept the private key`,
						),
					);
				else fail(new SshError('connect', `${where}: ${socketMessage(err, secrets)}`));
			});
			client.once('close', () =>
				fail(new SshError('connect', `${where}: connection closed before the session was ready`)),
			);
			try {
				client.connect({
					host: c.host,
					port: c.port,
					username: c.username,
					privateKey,
					passphrase: c.passphrase || undefined,
					readyTimeout: c.readyTimeoutMs ?? 20_000,
					keepaliveInterval: 15_000,
					keepaliveCountMax: 4,
					// Runs during key exchange, before any credential is sent.
					hostVerifier: (key: Buffer) => {
						presented = hostKeyFingerprint(key);
						accepted = c.skipHostKeyVerification === true || presented === pinned;
						return accepted;
					},
				});
				// Without it, Nagle's algorithm adds ~40 ms to each small round trip of every command.
				client.setNoDelay(true);
			} catch (error) {
				fail(
					new SshError(
						'config',
						`SSH connection to ${where} not started: ${redact((error as Error).message, secrets)}`,
					),
				);
			}
		});
	}

	private start(argv: string[]): Promise<{ stream: ClientChannel; output: Output }> {
		const command = commandLine(argv);
		return this.guard(
			new Promise((resolve, reject) =>
				this.call(
					() =>
						this.client.exec(command, (err, stream) => {
							if (err)
								return reject(
									new SshError(
										'command',
										`could not run ${argv[0]}: ${redact(err.message, this.secrets)}`,
									),
								);
							// Listen at once, not after an await: a fast command's output and exit
							// status can arrive in the same packet as the reply to the exec request.
							resolve({ stream, output: collect(stream) });
						}),
					reject,
				),
			),
		);
	}

	async exec(argv: string[], stdin = ''): Promise<ExecResult> {
		const { stream, output } = await this.start(argv);
		stream.end(stdin);
		return this.guard(output.done);
	}

	async spawn(argv: string[]): Promise<RemoteProcess> {
		const { stream, output } = await this.start(argv);
		let ended = false;
		void output.done.then(() => (ended = true));
		void this.lost.catch(() => (ended = true));
		return {
			ended: () => ended,
			firstOutput: this.guard(output.first),
			finish: () => {
				try {
					stream.end();
				} catch {
					// the channel is gone already
				}
				return this.guard(output.done);
			},
		};
	}

	private sftp(): Promise<SFTPWrapper> {
		this.sftpChannel ??= new Promise((resolve, reject) =>
			this.call(
				() =>
					this.client.sftp((err, sftp) =>
						err
							? reject(new SshError('sftp', `could not open SFTP: ${err.message}`))
							: resolve(sftp),
					),
				reject,
			),
		);
		return this.guard(this.sftpChannel);
	}

	private async sftpCall(
		what: string,
		call: (sftp: SFTPWrapper, done: (err?: Error | null) => void) => void,
	): Promise<void> {
		const sftp = await this.sftp();
		await this.guard(
			new Promise<void>((resolve, reject) =>
				this.call(
					() =>
						call(sftp, (err) =>
							err
								? reject(new SshError('sftp', `${what}: ${redact(err.message, this.secrets)}`))
								: resolve(),
						),
					reject,
				),
			),
		);
	}

	/** The file's text, or undefined when it does not exist. */
	async readFile(path: string): Promise<string | undefined> {
		const sftp = await this.sftp();
		return this.guard(
			new Promise((resolve, reject) =>
				this.call(
					() =>
						sftp.readFile(path, (err, data) => {
							if (!err) resolve(data.toString('utf8'));
							else if ((err as Error & { code?: number }).code === NO_SUCH_FILE) resolve(undefined);
							else reject(new SshError('sftp', `reading ${path}: ${err.message}`));
						}),
					reject,
				),
			),
		);
	}

	/** Writes `path` and then sets `mode` explicitly: the remote umask may have narrowed it. */
	async writeFile(path: string, data: string, mode: number): Promise<void> {
		try {
			await this.sftpCall(`writing ${path}`, (sftp, done) =>
				sftp.writeFile(path, data, { mode }, done),
			);
		} catch (error) {
			// SFTP reports ENOSPC as a bare "Failure": say what it was when the server can tell.
			const full = await this.spaceProblem(path, Buffer.byteLength(data));
			throw full ? new SshError('sftp', `writing ${path}: ${full}`) : error;
		}
		await this.sftpCall(`chmod ${path}`, (sftp, done) => sftp.chmod(path, mode, done));
	}

	/** Why `bytes` do not fit beside `path` (statvfs@openssh.com), or undefined when they do or nobody can tell. */
	private async spaceProblem(path: string, bytes: number): Promise<string | undefined> {
		const dir = path.slice(0, path.lastIndexOf('/')) || '/';
		const sftp = await this.sftp().catch(() => undefined);
		if (!sftp) return undefined;
		const answer = new Promise<string | undefined>((resolve) => {
			try {
				sftp.ext_openssh_statvfs(dir, (err, info) => {
					if (err || !info) return resolve(undefined);
					const free = Number(info.f_bavail) * Number(info.f_frsize || info.f_bsize);
					if (Number(info.f_favail) === 0)
						return resolve(`the remote disk is full: no free inodes on the file system of ${dir}`);
					if (free < bytes + 4096)
						return resolve(
							`the remote disk is full: ${free} bytes free on the file system of ${dir}, ${bytes} needed`,
						);
					resolve(undefined);
				});
			} catch {
				resolve(undefined); // the server does not offer statvfs@openssh.com
			}
		});
		return this.guard(answer).catch(() => undefined);
	}

	/** Atomic replace (posix-rename@openssh.com): plain SFTP rename refuses an existing target. */
	rename(from: string, to: string): Promise<void> {
		return this.sftpCall(`renaming ${from} to ${to}`, (sftp, done) =>
			sftp.ext_openssh_rename(from, to, done),
		);
	}

	/** Names of the entries in directory `path`. */
	async listDir(path: string): Promise<string[]> {
		const sftp = await this.sftp();
		return this.guard(
			new Promise((resolve, reject) =>
				this.call(
					() =>
						sftp.readdir(path, (err, list) =>
							err
								? reject(
										new SshError('sftp', `listing ${path}: ${redact(err.message, this.secrets)}`),
									)
								: resolve(list.map((entry) => entry.filename)),
						),
					reject,
				),
			),
		);
	}

	async unlink(path: string): Promise<void> {
		await this.sftpCall(`removing ${path}`, (sftp, done) =>
			sftp.unlink(path, (err) =>
				done(err && (err as Error & { code?: number }).code !== NO_SUCH_FILE ? err : undefined),
			),
		);
	}

	close(): void {
		this.client.end();
	}
}

/**
 * Socket errors in words: n8n replaces any error message that contains a
 * Node error code (ECONNRESET, ETIMEDOUT…) with a generic text of its own,
 * which would hide which host and which step failed.
 */
const SOCKET_ERRORS: Record<string, string> = {
	ECONNRESET: 'the connection was reset',
	ECONNREFUSED: 'the connection was refused',
	ETIMEDOUT: 'the connection timed out',
	EHOSTUNREACH: 'the host is unreachable',
	ENETUNREACH: 'the network is unreachable',
	ENOTFOUND: 'the host name was not found',
	EAI_AGAIN: 'the host name could not be resolved',
	EPIPE: 'the connection was closed while sending',
};

export function socketMessage(err: Error & { code?: string }, secrets: string[] = []): string {
	const words = err.code ? SOCKET_ERRORS[err.code] : undefined;
	return words ?? redact(err.message, secrets);
}

/** Belt and braces: ssh2's messages carry no key material today; make sure they never do. */
function redact(message: string, secrets: string[]): string {
	return secrets.reduce((m, s) => m.split(s).join('[redacted]'), message);
}

function hostKeyError(where: string, presented: string, pinned: string | undefined): SshError {
	if (!pinned) {
		return new SshError(
			'host-key',
			`${where}: no host-key fingerprint is set in the credential, so the connection was refused. ` +
				`The server presented ${presented}; if that matches ssh-keygen -lf of its host key, put it in the credential.`,
		);
	}
	return new SshError(
		'host-key',
		`${where}: host key mismatch, refused before authentication: the server presented ${presented}, the credential expects ${pinned}`,
	);
}

interface Output {
	/** The first stdout chunk, or '' when the command ends without any. */
	first: Promise<string>;
	done: Promise<ExecResult>;
}

function collect(stream: ClientChannel): Output {
	const out: Buffer[] = [];
	const err: Buffer[] = [];
	let code: number | null = null;
	let signal: string | undefined;
	let first: (text: string) => void = () => undefined;
	const firstPromise = new Promise<string>((resolve) => (first = resolve));
	stream.on('data', (d: Buffer) => {
		out.push(d);
		first(d.toString());
	});
	stream.stderr.on('data', (d: Buffer) => err.push(d));
	stream.on('exit', (c: number | null, s?: string) => {
		code = c;
		signal = s;
	});
	const done = new Promise<ExecResult>((resolve) =>
		stream.once('close', () => {
			first('');
			resolve({
				code,
				signal,
				stdout: Buffer.concat(out).toString(),
				stderr: Buffer.concat(err).toString(),
			});
		}),
	);
	return { first: firstPromise, done };
}
