// A DNS host of the fault suite's own, beside the shared one: its own Unbound
// (other ports, zone fault.example) whose managed file lives on a small tmpfs
// mounted here (so a test can fill the disk), and its own sshd (another port,
// its own host key) letting the shared non-root user `dnspush` in with a key
// made here, protected by a passphrase. `dnspush` gets README.md's sudo rules
// for this Unbound's config in a sudoers file of its own (the shared rules name
// only the shared config), removed again by stop().
// Everything is started by the suite and stopped by it, by pid.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ICredentialDataDecryptedObject } from 'n8n-workflow';
import { allowReadmeCommands, privateUnboundConfig } from '../../helpers/unbound';

export const ZONE = 'fault.example';
export const SSH_USER = 'dnspush';
const CONTROL = '/usr/sbin/unbound-control';

export interface DnsHost {
	dir: string;
	conf: string;
	managedDir: string;
	managedFile: string;
	dnsPort: number;
	controlPort: number;
	sshPort: number;
	fingerprint: string;
	privateKey: string;
	passphrase: string;
	sshdLog: string;
	sshdPid(): number;
	credential(overrides?: ICredentialDataDecryptedObject): ICredentialDataDecryptedObject;
	/** unbound-control on this instance, as root. */
	control(...args: string[]): string;
	running(): boolean;
	managedText(): string;
	/** What Unbound serves now, sorted "owner ttl IN type data" lines of this suite's names. */
	served(): string[];
	/** Starts Unbound again if a test killed it; true when it had to. */
	ensureUnbound(): Promise<boolean>;
	/**
	 * A second sshd, same keys, on `port`, in a private mount namespace where
	 * `tool` is an empty non-executable file: to its sessions the tool is missing.
	 */
	startSshdWithout(tool: string, port: number): Promise<{ stop(): Promise<void> }>;
	stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, check: () => boolean, ms = 10_000): Promise<void> {
	const deadline = Date.now() + ms;
	while (!check()) {
		if (Date.now() > deadline) throw new Error(`${what} did not come up within ${ms} ms`);
		await sleep(50);
	}
}

function startDetached(argv: string[], log: string): ChildProcess {
	const fd = openSync(log, 'a');
	const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: ['ignore', fd, fd] });
	child.unref();
	return child;
}

function kill(child: ChildProcess | undefined): Promise<void> {
	if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
	return new Promise((resolve) => {
		const timer = setTimeout(() => {
			try {
				process.kill(child.pid!, 'SIGKILL');
			} catch {
				// already gone
			}
		}, 3000);
		child.once('exit', () => {
			clearTimeout(timer);
			resolve();
		});
		process.kill(child.pid!, 'SIGTERM');
	});
}

/** Stops what an earlier, aborted run of the suite left behind (by the pid files it wrote). */
function stopLeftovers(dir: string, managedDir: string): void {
	const pidFiles = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.pid.suite')) : [];
	for (const file of pidFiles) {
		const pidFile = path.join(dir, file);
		if (!existsSync(pidFile)) continue;
		const pid = Number(readFileSync(pidFile, 'utf8'));
		try {
			// Only if it is still the program we started (pids get reused).
			const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
			if (cmd.includes(dir)) process.kill(pid, 'SIGKILL');
		} catch {
			// gone
		}
		rmSync(pidFile, { force: true });
	}
	if (readFileSync('/proc/mounts', 'utf8').includes(` ${managedDir} `)) execFileSync('umount', ['-l', managedDir]);
}

export async function startDnsHost(options: { name: string; dnsPort: number; controlPort: number; sshPort: number; diskBytes?: number }): Promise<DnsHost> {
	const dir = path.join(__dirname, '../../../.cache/faults', options.name);
	const managedDir = path.join(dir, 'managed');
	stopLeftovers(dir, managedDir);
	rmSync(dir, { recursive: true, force: true });
	mkdirSync(managedDir, { recursive: true, mode: 0o755 });
	execFileSync('chmod', ['755', path.dirname(dir), dir]);
	const uid = Number(execFileSync('id', ['-u', SSH_USER], { encoding: 'utf8' }));
	const gid = Number(execFileSync('id', ['-g', SSH_USER], { encoding: 'utf8' }));
	// The managed file's own small disk: a test fills it.
	execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${options.diskBytes ?? 1024 * 1024},mode=755,uid=${uid},gid=${gid}`, 'tmpfs', managedDir]);
	const managedFile = path.join(managedDir, 'n8n-netbox-auto.conf');
	writeFileSync(managedFile, '');
	execFileSync('chown', [`${uid}:${gid}`, managedFile]);

	const conf = path.join(dir, 'unbound.conf');
	writeFileSync(conf, privateUnboundConfig({ dir, dnsPort: options.dnsPort, controlPort: options.controlPort, zone: ZONE, includes: [managedFile] }));
	const disallow = allowReadmeCommands(`fault-${options.name}`, SSH_USER, conf);

	// sshd: its own host key; dnspush's key for it, with a passphrase.
	const hostKey = path.join(dir, 'ssh_host_ed25519_key');
	execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'fault-suite-host', '-f', hostKey]);
	const fingerprint = execFileSync('ssh-keygen', ['-lf', `${hostKey}.pub`], { encoding: 'utf8' }).split(' ')[1];
	const passphrase = `pp-${randomBytes(12).toString('hex')}`;
	const userKey = path.join(dir, 'id_ed25519');
	// 4 KDF rounds, not 16: ssh2 decrypts the key in JS on every connection (~0.5 s at 16), and the suite makes ~150.
	execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-a', '4', '-N', passphrase, '-C', 'fault-suite-user', '-f', userKey]);
	const authorized = path.join(dir, 'authorized_keys');
	writeFileSync(authorized, readFileSync(`${userKey}.pub`));
	const sshdLog = path.join(dir, 'sshd.log');
	const sshdConfig = path.join(dir, 'sshd_config');
	writeFileSync(
		sshdConfig,
		[
			'ListenAddress 127.0.0.1',
			`Port ${options.sshPort}`,
			`HostKey ${hostKey}`,
			`PidFile ${path.join(dir, 'sshd.pid')}`,
			'UsePAM no',
			'PasswordAuthentication no',
			'KbdInteractiveAuthentication no',
			'PermitRootLogin no',
			`AllowUsers ${SSH_USER}`,
			`AuthorizedKeysFile ${authorized}`,
			// The key lives in the checkout's .cache, which may sit under a
			// world-writable /tmp: sshd's path check would refuse it (as unbound.sh's sshd does).
			'StrictModes no',
			'Subsystem sftp internal-sftp',
			'AllowTcpForwarding no',
			'X11Forwarding no',
			'MaxStartups 100:30:200',
			'LogLevel VERBOSE',
			'',
		].join('\n'),
	);
	execFileSync('install', ['-d', '-m', '755', '/run/sshd']);
	execFileSync('/usr/sbin/sshd', ['-t', '-f', sshdConfig]);

	const controlArgs = (...args: string[]) => execFileSync(CONTROL, ['-c', conf, ...args], { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
	const running = () => {
		try {
			return controlArgs('status').includes('is running');
		} catch {
			return false;
		}
	};
	let unbound: ChildProcess | undefined;
	const startUnbound = async () => {
		unbound = startDetached(['/usr/sbin/unbound', '-d', '-c', conf], path.join(dir, 'unbound.log'));
		writeFileSync(path.join(dir, 'unbound.pid.suite'), String(unbound.pid));
		await waitFor('unbound', running);
	};
	await startUnbound();
	const sshd = startDetached(['/usr/sbin/sshd', '-D', '-e', '-f', sshdConfig], sshdLog);
	writeFileSync(path.join(dir, 'sshd.pid.suite'), String(sshd.pid));
	await waitFor('sshd', () => execFileSync('ss', ['-Hltn', `sport = :${options.sshPort}`], { encoding: 'utf8' }).trim() !== '');

	const startSshdWithout = async (tool: string, port: number) => {
		const config = path.join(dir, `sshd_config.${port}`);
		writeFileSync(config, readFileSync(sshdConfig, 'utf8').replace(`Port ${options.sshPort}`, `Port ${port}`).replace(/^PidFile .*$/m, `PidFile ${path.join(dir, `sshd.${port}.pid`)}`));
		const empty = path.join(dir, 'missing-tool');
		writeFileSync(empty, '', { mode: 0o644 });
		// unshare and sh exec in place: the pid is sshd's.
		const child = startDetached(
			['unshare', '--mount', '--propagation', 'private', 'sh', '-c', 'mount --bind "$1" "$2" && exec /usr/sbin/sshd -D -e -f "$3"', 'sh', empty, tool, config],
			path.join(dir, `sshd.${port}.log`),
		);
		writeFileSync(path.join(dir, `sshd.${port}.pid.suite`), String(child.pid));
		await waitFor('second sshd', () => execFileSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' }).trim() !== '');
		return {
			stop: async () => {
				await kill(child);
				rmSync(path.join(dir, `sshd.${port}.pid.suite`), { force: true });
			},
		};
	};
	const privateKey = readFileSync(userKey, 'utf8');
	const names = new RegExp(`(${ZONE.replace(/\./g, '\\.')}\\.|\\.in-addr\\.arpa\\.|\\.ip6\\.arpa\\.)`);
	return {
		dir,
		conf,
		managedDir,
		managedFile,
		dnsPort: options.dnsPort,
		controlPort: options.controlPort,
		sshPort: options.sshPort,
		fingerprint,
		privateKey,
		passphrase,
		sshdLog,
		sshdPid: () => sshd.pid!,
		credential: (overrides = {}) => ({
			host: '127.0.0.1',
			port: options.sshPort,
			username: SSH_USER,
			privateKey,
			passphrase,
			hostKeyFingerprint: fingerprint,
			skipHostKeyVerification: false,
			// What the credential test checks: this host's paths, as the node gets them.
			customPaths: true,
			unboundConfig: conf,
			managedFile,
			...overrides,
		}),
		control: controlArgs,
		running,
		managedText: () => readFileSync(managedFile, 'utf8'),
		served: () =>
			controlArgs('list_local_data')
				.split('\n')
				.map((l) => l.trim().split(/\s+/).join(' '))
				.filter((l) => / IN (A|AAAA|PTR) /.test(l) && names.test(l.split(' ')[0]))
				.sort(),
		startSshdWithout,
		ensureUnbound: async () => {
			if (running()) return false;
			await kill(unbound);
			await startUnbound();
			return true;
		},
		stop: async () => {
			await kill(sshd);
			await kill(unbound);
			for (const file of ['unbound.pid.suite', 'sshd.pid.suite']) rmSync(path.join(dir, file), { force: true });
			if (readFileSync('/proc/mounts', 'utf8').includes(` ${managedDir} `)) execFileSync('umount', ['-l', managedDir]);
			disallow();
		},
	};
}

/** Files in the managed directory other than the managed file, its backup and its lock (temp files left behind). */
export function strayFiles(host: DnsHost): string[] {
	const base = path.basename(host.managedFile);
	return readdirSync(host.managedDir).filter((f) => ![base, `.${base}.lock`].includes(f) && !f.startsWith(`${base}.bak-`));
}
