// Least privilege on the DNS host: the test DNS host (scripts/services/unbound.sh)
// installs exactly README.md's sudoers lines; over SSH as the test user, every
// command a push runs is allowed and nothing else is (no unbound-checkconf on
// another file or as root, no other unbound-control subcommand or config); a
// real push goes through with only these rights; and the credential test finds
// what a push needs and names each check that fails.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type {
	ICredentialDataDecryptedObject,
	ICredentialTestFunctions,
	IDataObject,
} from 'n8n-workflow';
import { CONTROL_SUBCOMMANDS } from '../../core/dns/unbound';
import { SshSession, type ExecResult } from '../../core/ssh/session';
import {
	pushSudoCommands,
	sudoArgv,
	type CheckedPaths,
	type SudoCommand,
} from '../../nodes/UnboundDnsPush/methods/credentialTest';
import { sshCredentials } from '../../nodes/UnboundDnsPush/transport';
import { UnboundDnsPush } from '../../nodes/UnboundDnsPush/UnboundDnsPush.node';
import { runNode } from '../helpers/runNode';
import {
	assertServiceUp,
	credential,
	dig,
	installSudoers,
	ip,
	makeHosts,
	readmeSudoers,
	resetUnbound,
	sudoCommands,
	unboundEnv,
} from '../helpers/unbound';

const env = unboundEnv();
const USER = env.UNBOUND_SSH_USER;
const CONF = env.UNBOUND_CONF;
const CONTROL = env.UNBOUND_CONTROL;
const CHECKCONF = env.UNBOUND_CHECKCONF;
const SUDOERS = `/etc/sudoers.d/n8n-netbox-auto-${USER}`;
const paths: CheckedPaths = {
	config: CONF,
	managedFile: env.UNBOUND_MANAGED_FILE,
	control: CONTROL,
	checkconf: CHECKCONF,
	checkAsUser: 'unbound',
};

/** Rule lines (no comments, no Defaults) of sudoers text. */
const rules = (text: string) =>
	text.split('\n').filter((l) => l.trim() && !l.startsWith('#') && !l.startsWith('Defaults'));

let session: SshSession;
const sh = (argv: string[]): Promise<ExecResult> => session.exec(argv);
const as = (runAs: string, ...argv: string[]): SudoCommand => ({ runAs, argv });

beforeAll(async () => {
	assertServiceUp(env);
	session = await SshSession.open(sshCredentials(credential(env)));
});
afterAll(() => {
	session?.close();
	resetUnbound(env);
});

describe('the test DNS host has exactly the README sudo rules', () => {
	it("installs the README's lines, with its own user and config, and nothing else", () => {
		const installed = readFileSync(SUDOERS, 'utf8');
		expect(rules(installed)).toEqual(rules(readmeSudoers(USER, CONF, CONTROL, CHECKCONF)));
		// The one other line only logs (the tests read sudo.log); it grants nothing.
		expect(installed.split('\n').filter((l) => l.startsWith('Defaults'))).toEqual([
			`Defaults:${USER} logfile=${env.UNBOUND_SUDO_LOG}, loglinelen=0`,
		]);
	});

	it("the README's lines are the commands the code runs, one each", () => {
		const fromReadme = rules(readmeSudoers(USER, CONF, CONTROL, CHECKCONF)).map((line) => {
			const m = /^(\S+) ALL=\((\w+)\) NOPASSWD: (.+)$/.exec(line);
			if (!m) throw new Error(`README sudoers line of an unexpected form: ${line}`);
			expect(m[1]).toBe(USER);
			return `(${m[2]}) ${m[3]}`;
		});
		const fromCode = pushSudoCommands(paths).map((c) => `(${c.runAs}) ${c.argv.join(' ')}`);
		expect([...fromReadme].sort()).toEqual([...fromCode].sort());
		expect(fromCode).toHaveLength(CONTROL_SUBCOMMANDS.length + 1);
	});
});

describe('over SSH, as the test user', () => {
	it('sudo allows every command a push runs (asked with sudo -n -l, the read-only ones run)', async () => {
		for (const command of pushSudoCommands(paths)) {
			const answer = await sh(sudoArgv(command, true));
			expect({ command: sudoArgv(command), code: answer.code }).toEqual({
				command: sudoArgv(command),
				code: 0,
			});
		}
		const status = await sh(['sudo', '-n', CONTROL, '-c', CONF, 'status']);
		expect(status).toMatchObject({ code: 0, stdout: expect.stringContaining('is running') });
		expect((await sh(['sudo', '-n', CONTROL, '-c', CONF, 'list_local_data'])).code).toBe(0);
		expect((await sh(['sudo', '-n', '-u', 'unbound', CHECKCONF, CONF])).code).toBe(0);
	});

	// Refused by sudo itself: `sudo -n -l` says no, and run for real sudo asks for a
	// password it may not (-n) instead of running the command.
	const refused: Array<[string, SudoCommand, 'run' | 'ask only']> = [
		['unbound-checkconf on /etc/passwd, as root', as('root', CHECKCONF, '/etc/passwd'), 'run'],
		[
			'unbound-checkconf on /etc/shadow, as unbound',
			as('unbound', CHECKCONF, '/etc/shadow'),
			'run',
		],
		['unbound-checkconf on the config, as root', as('root', CHECKCONF, CONF), 'run'],
		[
			'unbound-checkconf with no file (the default config), as unbound',
			as('unbound', CHECKCONF),
			'run',
		],
		['unbound-control stop', as('root', CONTROL, '-c', CONF, 'stop'), 'ask only'],
		[
			'unbound-control local_zone',
			as('root', CONTROL, '-c', CONF, 'local_zone', 'x.example.', 'static'),
			'ask only',
		],
		['unbound-control flush_zone', as('root', CONTROL, '-c', CONF, 'flush_zone', '.'), 'ask only'],
		[
			'unbound-control local_data (one record)',
			as('root', CONTROL, '-c', CONF, 'local_data', 'x.example. A 192.0.2.1'),
			'ask only',
		],
		['unbound-control dump_cache', as('root', CONTROL, '-c', CONF, 'dump_cache'), 'ask only'],
		['unbound-control without -c', as('root', CONTROL, 'status'), 'run'],
		[
			'unbound-control with another config',
			as('root', CONTROL, '-c', '/etc/unbound/unbound.conf', 'status'),
			'run',
		],
		[
			'unbound-control with another server',
			as('root', CONTROL, '-c', CONF, '-s', '127.0.0.1@8954', 'status'),
			'run',
		],
		[
			'unbound-control reload with an extra argument',
			as('root', CONTROL, '-c', CONF, 'reload', 'now'),
			'ask only',
		],
		['unbound-control as unbound', as('unbound', CONTROL, '-c', CONF, 'status'), 'run'],
		['a shell', as('root', '/bin/sh', '-c', 'id'), 'run'],
	];
	it.each(refused)('sudo refuses %s', async (_, command, how) => {
		const asked = await sh(sudoArgv(command, true));
		expect({ command: sudoArgv(command), code: asked.code }).toEqual({
			command: sudoArgv(command),
			code: 1,
		});
		if (how === 'ask only') return;
		const ran = await sh(sudoArgv(command));
		expect(ran.code).toBe(1);
		expect(ran.stderr).toMatch(/a password is required/);
		expect(ran.stdout).toBe('');
	});

	it('sudoedit of the config is refused too', async () => {
		const ran = await sh(['sudo', '-n', '-e', CONF]);
		expect(ran.code).toBe(1);
		expect(ran.stderr).toMatch(/a password is required|not allowed/);
	});
});

describe('a push with only these rights', () => {
	it('goes through end to end, running only commands the README names', async () => {
		resetUnbound(env);
		const allowed = new Set(pushSudoCommands(paths).map((c) => c.argv.join(' ')));
		for (const applyMode of ['local_datas', 'reload'] as const) {
			const batch = makeHosts('priv', applyMode === 'reload' ? 5 : 3, 61);
			const { result, commands } = await sudoCommands(env, () =>
				runNode({
					node: new UnboundDnsPush(),
					parameters: {
						operation: 'push',
						zone: env.UNBOUND_ZONE,
						managedFile: env.UNBOUND_MANAGED_FILE,
						unboundConfig: CONF,
						useSudo: true,
						applyMode,
					},
					credentials: { unboundSshApi: credential(env) },
					items: batch,
					onError: 'continueErrorOutput',
				}),
			);
			expect(result.error).toBeUndefined();
			expect(result.errors).toEqual([]);
			expect(result.success.map((i) => (i.json.dns as IDataObject).action)).toEqual(
				applyMode === 'reload'
					? ['unchanged', 'unchanged', 'unchanged', 'created', 'created']
					: ['created', 'created', 'created'],
			);
			expect(commands.length).toBeGreaterThan(0);
			expect(commands.filter((c) => !allowed.has(c))).toEqual([]);
			expect(commands).toContain(`${CONTROL} -c ${CONF} ${applyMode}`);
			expect(
				dig(
					env,
					batch.map((h) => ({ name: `${String(h.name)}.${env.UNBOUND_ZONE}`, type: 'A' as const })),
				),
			).toEqual(batch.map((h) => [ip(h.ipv4)]));
		}
	});
});

describe('the credential test', () => {
	const test = new UnboundDnsPush().methods.credentialTest.unboundSshApiTest;
	const check = (data: ICredentialDataDecryptedObject) =>
		test.call({} as ICredentialTestFunctions, { id: 't', name: 't', type: 'unboundSshApi', data });
	// A second config path, for rules the test installs beside the shared ones. sudo -l
	// never opens it: it need not exist.
	const other = path.join(path.dirname(CONF), 'privilege-test.conf');

	it('is OK on a DNS host set up as the README says', async () => {
		await expect(check(credential(env))).resolves.toEqual({
			status: 'OK',
			message: expect.stringMatching(
				new RegExp(
					`can be run for ${CONF} with every command a push needs, flock is there and ${path.dirname(env.UNBOUND_MANAGED_FILE)} is writable$`,
				),
			),
		});
	});

	it('names a missing tool', async () => {
		const result = await check(credential(env, { controlPath: '/usr/local/sbin/unbound-control' }));
		expect(result).toEqual({
			status: 'Error',
			message: expect.stringContaining(
				'but a check failed: tools: /usr/local/sbin/unbound-control is not an executable file on the server',
			),
		});
	});

	it('names a managed folder the SSH user cannot write', async () => {
		// .cache/unbound itself belongs to root.
		const result = await check(
			credential(env, { managedFile: path.join(path.dirname(CONF), 'n8n-netbox-auto.conf') }),
		);
		expect(result).toEqual({
			status: 'Error',
			message: expect.stringContaining(
				`but a check failed: managed folder: ${path.dirname(CONF)} is not writable by ${USER}`,
			),
		});
		const missing = await check(
			credential(env, { managedFile: '/nonexistent-dir/n8n-netbox-auto.conf' }),
		);
		expect(missing.message).toContain('managed folder: /nonexistent-dir does not exist');
	});

	it('names each command the sudo rules leave out', async () => {
		const withoutReload = rules(readmeSudoers(USER, other, CONTROL, CHECKCONF)).filter(
			(l) => !l.endsWith(' reload'),
		);
		expect(withoutReload).toHaveLength(CONTROL_SUBCOMMANDS.length);
		const remove = installSudoers('privilege-test', `${withoutReload.join('\n')}\n`);
		try {
			const result = await check(credential(env, { unboundConfig: other }));
			expect(result).toEqual({
				status: 'Error',
				message: expect.stringContaining(
					`but a check failed: sudo: the rules do not allow "sudo -n ${CONTROL} -c ${other} reload"`,
				),
			});
			// checkconf as root is not what the README gives (it must run as unbound).
			const asRoot = await check(credential(env, { unboundConfig: other, checkAsUser: '' }));
			expect(asRoot.message).toContain(
				`sudo: the rules do not allow "sudo -n ${CHECKCONF} ${other}"`,
			);
		} finally {
			remove();
		}
		// With no rule for that config at all, every command is named.
		const none = await check(credential(env, { unboundConfig: other }));
		expect(none.status).toBe('Error');
		expect(none.message).toContain(`${CONTROL_SUBCOMMANDS.length + 1} checks failed`);
		for (const sub of CONTROL_SUBCOMMANDS) expect(none.message).toContain(`-c ${other} ${sub}"`);
	});

	it('passes, with a note, when sudo allows more than a push needs', async () => {
		const remove = installSudoers(
			'privilege-test',
			[
				...rules(readmeSudoers(USER, other, CONTROL, CHECKCONF)),
				`${USER} ALL=(root) NOPASSWD: ${CONTROL} -c ${other} *`,
			].join('\n'),
		);
		try {
			const result = await check(credential(env, { unboundConfig: other }));
			expect(result.status).toBe('OK');
			expect(result.message).toContain(
				`Note: sudo also allows "sudo -n ${CONTROL} -c ${other} stop"`,
			);
		} finally {
			remove();
		}
	});

	it('refuses a custom path that is not a plain absolute path, before connecting', async () => {
		await expect(check(credential(env, { unboundConfig: 'unbound.conf' }))).resolves.toEqual({
			status: 'Error',
			message: expect.stringMatching(
				/^Custom Unbound Paths: config "unbound.conf" must be an absolute path/,
			),
		});
	});
});
