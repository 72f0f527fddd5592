// The real Unbound + sshd "DNS host" that scripts/services/unbound.sh starts:
// its settings, the credential for the node, real DNS queries (dig), and the
// admin-side views the tests check against (the file, list_local_data, the
// sudo log). Fails loudly when the service is not there: never skips.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ICredentialDataDecryptedObject, IDataObject } from 'n8n-workflow';

export type UnboundEnv = Record<
	| 'UNBOUND_SSH_HOST'
	| 'UNBOUND_SSH_PORT'
	| 'UNBOUND_SSH_USER'
	| 'UNBOUND_SSH_KEY_FILE'
	| 'UNBOUND_SSH_FINGERPRINT'
	| 'UNBOUND_SSHD_LOG'
	| 'UNBOUND_SUDO_LOG'
	| 'UNBOUND_CONF'
	| 'UNBOUND_MANAGED_FILE'
	| 'UNBOUND_ZONE'
	| 'UNBOUND_DNS_PORT'
	| 'UNBOUND_CONTROL'
	| 'UNBOUND_CHECKCONF',
	string
>;

const ENV_FILE = path.join(__dirname, '../../.cache/unbound.env');
const README_SUDOERS = path.join(__dirname, '../../scripts/services/readme-sudoers.sh');

export function unboundEnv(): UnboundEnv {
	if (!existsSync(ENV_FILE))
		throw new Error(`${ENV_FILE} is missing: run scripts/services/unbound.sh (as root) first`);
	const env = Object.fromEntries(
		readFileSync(ENV_FILE, 'utf8')
			.split('\n')
			.filter((line) => line.includes('='))
			.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
	) as UnboundEnv;
	for (const key of [
		'UNBOUND_SSH_PORT',
		'UNBOUND_SUDO_LOG',
		'UNBOUND_MANAGED_FILE',
		'UNBOUND_DNS_PORT',
	] as const) {
		if (!env[key]) throw new Error(`${ENV_FILE} has no ${key}: re-run scripts/services/unbound.sh`);
	}
	return env;
}

export function credential(
	env: UnboundEnv,
	overrides: ICredentialDataDecryptedObject = {},
): ICredentialDataDecryptedObject {
	return {
		host: env.UNBOUND_SSH_HOST,
		port: Number(env.UNBOUND_SSH_PORT),
		username: env.UNBOUND_SSH_USER,
		privateKey: readFileSync(env.UNBOUND_SSH_KEY_FILE, 'utf8'),
		passphrase: '',
		hostKeyFingerprint: env.UNBOUND_SSH_FINGERPRINT,
		skipHostKeyVerification: false,
		// What the credential test checks: this host's paths, as the node gets them.
		customPaths: true,
		unboundConfig: env.UNBOUND_CONF,
		managedFile: env.UNBOUND_MANAGED_FILE,
		controlPath: env.UNBOUND_CONTROL,
		checkconfPath: env.UNBOUND_CHECKCONF,
		checkAsUser: 'unbound',
		...overrides,
	};
}

/**
 * The sudoers lines README.md gives a DNS host, for `user` and `conf` (and the
 * tools at these paths): what scripts/services/readme-sudoers.sh prints.
 */
export function readmeSudoers(
	user: string,
	conf: string,
	control = '/usr/sbin/unbound-control',
	checkconf = '/usr/sbin/unbound-checkconf',
): string {
	return execFileSync(README_SUDOERS, [user, conf, control, checkconf], {
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'pipe'],
	});
}

/**
 * Installs `lines` (sudoers text) as /etc/sudoers.d/n8n-netbox-auto-<name>,
 * checked by visudo first; returns what removes it. The fault suite's and the
 * bench's own Unbounds give the tests' SSH user the README's rules for their
 * own config this way: the shared rules name only the shared config.
 */
export function installSudoers(name: string, lines: string): () => void {
	if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`sudoers file name "${name}" must be [a-z0-9-]+`);
	const file = `/etc/sudoers.d/n8n-netbox-auto-${name}`;
	const dir = mkdtempSync(path.join(tmpdir(), 'sudoers-'));
	try {
		const temp = path.join(dir, name);
		writeFileSync(temp, lines.endsWith('\n') ? lines : `${lines}\n`, { mode: 0o440 });
		execFileSync('visudo', ['-cqf', temp], { stdio: 'pipe' });
		execFileSync('install', ['-m', '440', '-o', 'root', '-g', 'root', temp, file]);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
	return () => rmSync(file, { force: true });
}

/** The README's sudo rules for `user` on another Unbound config, installed; returns the remover. */
export const allowReadmeCommands = (name: string, user: string, conf: string) =>
	installSudoers(
		name,
		`# Written by the n8n-netbox-auto tests for ${conf}.\n${readmeSudoers(user, conf)}`,
	);

/** unbound-control as the admin (root) on the DNS host. */
export function control(env: UnboundEnv, ...args: string[]): string {
	return execFileSync(env.UNBOUND_CONTROL, ['-c', env.UNBOUND_CONF, ...args], { encoding: 'utf8' });
}

/** Fails with the reason when Unbound or sshd does not answer. */
export function assertServiceUp(env: UnboundEnv): void {
	try {
		if (!control(env, 'status').includes('is running'))
			throw new Error('unbound-control status does not say "is running"');
	} catch (error) {
		throw new Error(
			`Unbound at ${env.UNBOUND_CONF} does not answer (${(error as Error).message}): run scripts/services/unbound.sh`,
		);
	}
	const out = execFileSync(
		'ssh-keyscan',
		['-p', env.UNBOUND_SSH_PORT, '-T', '5', env.UNBOUND_SSH_HOST],
		{ encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
	);
	if (!out.trim())
		throw new Error(
			`sshd on ${env.UNBOUND_SSH_HOST}:${env.UNBOUND_SSH_PORT} does not answer: run scripts/services/unbound.sh`,
		);
}

/** Empties the managed file (keeping its owner) and reloads: no managed records, no runtime ones. */
export function resetUnbound(env: UnboundEnv): void {
	writeFileSync(env.UNBOUND_MANAGED_FILE, '');
	control(env, 'reload');
	for (let i = 0; i < 100 && !control(env, 'status').includes('is running'); i++)
		execFileSync('sleep', ['0.05']);
}

export const managedText = (env: UnboundEnv) => readFileSync(env.UNBOUND_MANAGED_FILE, 'utf8');
export const managedStat = (env: UnboundEnv) => statSync(env.UNBOUND_MANAGED_FILE);

/** What Unbound serves now, as sorted lines of "owner ttl IN type data". */
export function servedLines(env: UnboundEnv): string[] {
	return control(env, 'list_local_data')
		.split('\n')
		.map((l) => l.trim().split(/\s+/).join(' '))
		.filter((l) => / IN (A|AAAA|PTR) /.test(l))
		.sort();
}

/** Lines the sudo log gains while `work` runs: the commands the SSH user ran as root. */
export async function sudoCommands<T>(
	env: UnboundEnv,
	work: () => Promise<T>,
): Promise<{ result: T; commands: string[] }> {
	const before = existsSync(env.UNBOUND_SUDO_LOG) ? statSync(env.UNBOUND_SUDO_LOG).size : 0;
	const result = await work();
	const added = readFileSync(env.UNBOUND_SUDO_LOG).subarray(before).toString('utf8');
	const commands = added
		.split('\n')
		.flatMap((l) => (l.includes('COMMAND=') ? [l.slice(l.indexOf('COMMAND=') + 8)] : []));
	return { result, commands };
}

export interface DnsQuery {
	name: string;
	type: 'A' | 'AAAA' | 'PTR';
}

/**
 * Real DNS queries against Unbound, all in one `dig -f` run. Returns, per
 * query, the answer data (empty when there is none).
 */
export function dig(env: UnboundEnv, queries: DnsQuery[]): string[][] {
	const dir = mkdtempSync(path.join(tmpdir(), 'dig-'));
	try {
		const file = path.join(dir, 'queries');
		writeFileSync(
			file,
			queries.map((q) => (q.type === 'PTR' ? `-x ${q.name}` : `${q.name} ${q.type}`)).join('\n') +
				'\n',
		);
		const out = execFileSync(
			'dig',
			[
				`@127.0.0.1`,
				'-p',
				env.UNBOUND_DNS_PORT,
				'+noall',
				'+answer',
				'+tries=1',
				'+time=2',
				'-f',
				file,
			],
			{ encoding: 'utf8' },
		);
		const answers = new Map<string, string[]>();
		for (const line of out.split('\n')) {
			const [owner, , , type, data] = line.trim().split(/\s+/);
			if (!data) continue;
			const key = `${owner.toLowerCase()} ${type}`;
			answers.set(key, [...(answers.get(key) ?? []), data]);
		}
		return queries.map(
			(q) => answers.get(`${q.type === 'PTR' ? reverse(q.name) : `${q.name}.`} ${q.type}`) ?? [],
		);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

/** dig -x's owner name, spelled out independently of core/dns/records. */
function reverse(ip: string): string {
	if (!ip.includes(':')) return `${ip.split('.').reverse().join('.')}.in-addr.arpa.`;
	const [head, tail] = ip.split('::');
	const h = head ? head.split(':') : [];
	const t = tail !== undefined && tail ? tail.split(':') : [];
	const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
	return `${groups
		.map((g) => g.padStart(4, '0'))
		.join('')
		.split('')
		.reverse()
		.join('.')}.ip6.arpa.`;
}

/** Hosts as the NetBox Push node passes them on: valid for the whole host model, approved. */
export function makeHosts(prefix: string, count: number, net: number, start = 0): IDataObject[] {
	return Array.from({ length: count }, (_, k) => {
		const i = start + k;
		const n = i + 1;
		return {
			name: `${prefix}${i}`,
			kind: 'vm',
			cluster: 'dns-lab',
			ipv4: `10.${net}.${n >> 8}.${n & 255}/16`,
			ipv6: `fd00:${net}::${n.toString(16)}/64`,
			approved: true,
		};
	});
}

export const ip = (cidr: unknown) => String(cidr).split('/')[0];

/**
 * unbound.conf of a private Unbound on loopback (the bench's, the fault
 * suite's): one static zone answered from `includes`, refusing everything
 * else, control over plain TCP on loopback.
 */
export function privateUnboundConfig(o: { dir: string; dnsPort: number; controlPort: number; zone: string; includes: string[]; comment?: string }): string {
	return [
		...(o.comment ? [`# ${o.comment}`] : []),
		'server:',
		`\tinterface: 127.0.0.1@${o.dnsPort}`,
		'\tdo-ip6: no',
		'\tchroot: ""',
		'\tusername: "unbound"',
		`\tdirectory: "${o.dir}"`,
		`\tpidfile: "${path.join(o.dir, 'unbound.pid')}"`,
		'\tuse-syslog: no',
		'\tverbosity: 1',
		'\tmodule-config: "iterator"',
		'\tlocal-zone: "." refuse',
		`\tlocal-zone: "${o.zone}." static`,
		...o.includes.map((file) => `\tinclude: "${file}"`),
		'remote-control:',
		'\tcontrol-enable: yes',
		'\tcontrol-interface: 127.0.0.1',
		`\tcontrol-port: ${o.controlPort}`,
		'\tcontrol-use-cert: no',
		'',
	].join('\n');
}
