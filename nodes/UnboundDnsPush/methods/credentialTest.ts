import type {
	ICredentialDataDecryptedObject,
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	INodeCredentialTestResult,
} from 'n8n-workflow';
import { CONTROL_SUBCOMMANDS, validateAccess } from '../../../core/dns/unbound';
import { SshSession } from '../../../core/ssh/session';
import { DEFAULTS, sshCredentials } from '../transport';

/**
 * What the test checks on the DNS host. A credential test sees only the
 * credential, not the node: these are Debian's defaults (the node's own)
 * unless the credential's "Custom Unbound Paths" gives the node's values.
 */
export interface CheckedPaths {
	config: string;
	managedFile: string;
	control: string;
	checkconf: string;
	/** '' : unbound-checkconf runs as root. */
	checkAsUser: string;
}

/** The paths from the credential; throws an Error naming a bad one. */
export function checkedPaths(data: ICredentialDataDecryptedObject): CheckedPaths {
	const custom = data.customPaths === true;
	const field = (name: string, fallback: string) =>
		custom && data[name] !== undefined ? String(data[name]).trim() : fallback;
	const paths = {
		config: field('unboundConfig', DEFAULTS.config),
		managedFile: field('managedFile', DEFAULTS.managedFile),
		control: field('controlPath', DEFAULTS.control),
		checkconf: field('checkconfPath', DEFAULTS.checkconf),
		checkAsUser: field('checkAsUser', DEFAULTS.checkAsUser),
	};
	validateAccess({ ...paths, sudo: true });
	return paths;
}

export interface SudoCommand {
	/** The user sudo runs it as (`sudo -u`); root when the push gives no -u. */
	runAs: string;
	argv: string[];
}

/**
 * Every command a push or a status runs through `sudo -n`, exactly as
 * core/dns/unbound.ts builds them: README.md's sudoers lines, one each.
 */
export function pushSudoCommands(p: CheckedPaths): SudoCommand[] {
	return [
		...CONTROL_SUBCOMMANDS.map((sub) => ({
			runAs: 'root',
			argv: [p.control, '-c', p.config, sub],
		})),
		{ runAs: p.checkAsUser || 'root', argv: [p.checkconf, p.config] },
	];
}

/** The sudo argv that runs `c` (as the push does it): `sudo -n [-u user] argv…`. */
export function sudoArgv(c: SudoCommand, list = false): string[] {
	return [
		'sudo',
		'-n',
		...(list ? ['-l'] : []),
		...(c.runAs === 'root' ? [] : ['-u', c.runAs]),
		...c.argv,
	];
}

/** Commands a push never runs: if sudo allows them, the rules give more than it needs. */
function broaderCommands(p: CheckedPaths): SudoCommand[] {
	return [
		{ runAs: 'root', argv: [p.control, '-c', p.config, 'stop'] },
		{ runAs: 'root', argv: [p.control, 'status'] },
		...(p.checkAsUser ? [{ runAs: 'root', argv: [p.checkconf, p.config] }] : []),
	];
}

const shown = (argv: string[]) => argv.join(' ');
const managedFolder = (p: CheckedPaths) =>
	p.managedFile.slice(0, p.managedFile.lastIndexOf('/')) || '/';

interface Finding {
	check: 'tools' | 'flock' | 'managed folder' | 'sudo';
	problem: string;
}

/** Runs every check; returns what failed (each naming its check) and notes for an OK answer. */
export async function checkDnsHost(
	session: SshSession,
	p: CheckedPaths,
	sshUser: string,
): Promise<{ failed: Finding[]; notes: string[] }> {
	const failed: Finding[] = [];
	const notes: string[] = [];
	const sh = (script: string, ...args: string[]) =>
		session.exec(['sh', '-c', script, 'sh', ...args]);
	const asRoot = sshUser === 'root';

	// 1. The tools (and, as root, runuser, which switches to checkAsUser).
	const missingTools = new Set<string>();
	for (const tool of [p.control, p.checkconf]) {
		if ((await sh('test -f "$1" && test -x "$1"', tool)).code !== 0) {
			missingTools.add(tool);
			failed.push({ check: 'tools', problem: `${tool} is not an executable file on the server` });
		}
	}
	if (asRoot && p.checkAsUser && (await sh('command -v runuser')).code !== 0)
		failed.push({
			check: 'tools',
			problem: `runuser is not on the PATH (as root the node runs unbound-checkconf through it, as ${p.checkAsUser})`,
		});

	// 2. flock: every push holds its lock with it.
	if ((await sh('command -v flock')).code !== 0)
		failed.push({
			check: 'flock',
			problem: 'flock is not on the PATH (every push takes its lock with it)',
		});

	// 3. The managed folder: temp file, backup, lock and the rename all happen there.
	const dir = managedFolder(p);
	if ((await sh('test -d "$1"', dir)).code !== 0)
		failed.push({ check: 'managed folder', problem: `${dir} does not exist` });
	else if ((await sh('test -w "$1" && test -x "$1"', dir)).code !== 0)
		failed.push({
			check: 'managed folder',
			problem: `${dir} is not writable by ${sshUser} (the node writes its temp file, backup and lock there)`,
		});

	// 4. sudo: each command a push runs, asked with `sudo -n -l`, which answers without running it.
	if (asRoot) {
		notes.push('as root, no sudo is needed');
		return { failed, notes };
	}
	if ((await sh('command -v sudo')).code !== 0) {
		failed.push({ check: 'sudo', problem: 'sudo is not on the PATH' });
		return { failed, notes };
	}
	for (const command of pushSudoCommands(p)) {
		if (missingTools.has(command.argv[0])) continue;
		const answer = await session.exec(sudoArgv(command, true));
		if (answer.code !== 0) {
			const said = (answer.stderr || answer.stdout).replace(/\s+/g, ' ').trim();
			failed.push({
				check: 'sudo',
				problem: `the rules do not allow "${shown(sudoArgv(command))}"${said ? ` (sudo: ${said.replace(/^sudo: /, '')})` : ''}`,
			});
		}
	}
	const broader: string[] = [];
	for (const command of broaderCommands(p)) {
		if (missingTools.has(command.argv[0])) continue;
		if ((await session.exec(sudoArgv(command, true))).code === 0)
			broader.push(`"${shown(sudoArgv(command))}"`);
	}
	if (broader.length)
		notes.push(
			`sudo also allows ${broader.join(', ')}, more than a push needs: the README's sudoers lines name each command exactly`,
		);
	return { failed, notes };
}

/** Connects with the pinned host key, logs in, and checks everything a push needs on the DNS host. */
export async function unboundSshApiTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const data = credential.data ?? {};
	const credentials = sshCredentials(data);
	let paths: CheckedPaths;
	try {
		paths = checkedPaths(data);
	} catch (error) {
		return { status: 'Error', message: `Custom Unbound Paths: ${(error as Error).message}` };
	}
	let session: SshSession | undefined;
	try {
		session = await SshSession.open({ ...credentials, readyTimeoutMs: 15_000 });
		const { failed, notes } = await checkDnsHost(session, paths, credentials.username);
		const where = `${credentials.host}:${credentials.port} as ${credentials.username}`;
		if (failed.length)
			return {
				status: 'Error',
				message: `Connected to ${where}, but ${failed.length === 1 ? 'a check' : `${failed.length} checks`} failed: ${failed
					.map((f) => `${f.check}: ${f.problem}`)
					.join('; ')}`,
			};
		return {
			status: 'OK',
			message: `Connected to ${where}; unbound-control and unbound-checkconf can be run for ${paths.config} with every command a push needs, flock is there and ${managedFolder(paths)} is writable${notes.length ? `. Note: ${notes.join('; ')}` : ''}`,
		};
	} catch (error) {
		return { status: 'Error', message: (error as Error).message };
	} finally {
		session?.close();
	}
}
