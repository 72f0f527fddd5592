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
}

const NO_SUCH_FILE = 2;

export class SshSession {
	private sftpChannel?: Promise<SFTPWrapper>;

	private constructor(
		private readonly client: Client,
		private readonly secrets: string[],
	) {}

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
			client.once('ready', () => resolve(new SshSession(client, secrets)));
			client.on('error', (err: Error & { level?: string }) => {
				if (presented !== undefined && !accepted) fail(hostKeyError(where, presented, pinned));
				else if (err.level === 'client-authentication')
					fail(
						new SshError(
							'auth',
							`${where}: authentication as "${c.username}" failed: the server did not accept the private key`,
						),
					);
				else fail(new SshError('connect', `${where}: ${redact(err.message, secrets)}`));
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
		return new Promise((resolve, reject) =>
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
		);
	}

	async exec(argv: string[], stdin = ''): Promise<ExecResult> {
		const { stream, output } = await this.start(argv);
		stream.end(stdin);
		return output.done;
	}

	async spawn(argv: string[]): Promise<RemoteProcess> {
		const { stream, output } = await this.start(argv);
		return { firstOutput: output.first, finish: () => (stream.end(), output.done) };
	}

	private sftp(): Promise<SFTPWrapper> {
		this.sftpChannel ??= new Promise((resolve, reject) =>
			this.client.sftp((err, sftp) =>
				err ? reject(new SshError('sftp', `could not open SFTP: ${err.message}`)) : resolve(sftp),
			),
		);
		return this.sftpChannel;
	}

	private async sftpCall(
		what: string,
		call: (sftp: SFTPWrapper, done: (err?: Error | null) => void) => void,
	): Promise<void> {
		const sftp = await this.sftp();
		await new Promise<void>((resolve, reject) =>
			call(sftp, (err) =>
				err
					? reject(new SshError('sftp', `${what}: ${redact(err.message, this.secrets)}`))
					: resolve(),
			),
		);
	}

	/** The file's text, or undefined when it does not exist. */
	async readFile(path: string): Promise<string | undefined> {
		const sftp = await this.sftp();
		return new Promise((resolve, reject) =>
			sftp.readFile(path, (err, data) => {
				if (!err) resolve(data.toString('utf8'));
				else if ((err as Error & { code?: number }).code === NO_SUCH_FILE) resolve(undefined);
				else reject(new SshError('sftp', `reading ${path}: ${err.message}`));
			}),
		);
	}

	/** Writes `path` and then sets `mode` explicitly: the remote umask may have narrowed it. */
	async writeFile(path: string, data: string, mode: number): Promise<void> {
		await this.sftpCall(`writing ${path}`, (sftp, done) =>
			sftp.writeFile(path, data, { mode }, done),
		);
		await this.sftpCall(`chmod ${path}`, (sftp, done) => sftp.chmod(path, mode, done));
	}

	/** Atomic replace (posix-rename@openssh.com): plain SFTP rename refuses an existing target. */
	rename(from: string, to: string): Promise<void> {
		return this.sftpCall(`renaming ${from} to ${to}`, (sftp, done) =>
			sftp.ext_openssh_rename(from, to, done),
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
