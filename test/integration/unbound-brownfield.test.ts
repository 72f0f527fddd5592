// Unbound DNS Push on a resolver people already run: records an admin wrote
// (another include, runtime local_data) live beside the managed file. They are
// never removed, by a push, a prune or a reload the push makes; a host that
// wants their name fails before anything changes, naming them. Checked with
// real DNS queries before and after each push and again after a reload.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { IDataObject } from 'n8n-workflow';
import { UnboundDnsPush } from '../../nodes/UnboundDnsPush/UnboundDnsPush.node';
import { runNode } from '../helpers/runNode';
import { assertServiceUp, control, credential, makeHosts, managedText, resetUnbound, unboundEnv } from '../helpers/unbound';

const env = unboundEnv();
const ZONE = env.UNBOUND_ZONE;
/** The admin's own include, next to the managed one (scripts/services/unbound.sh includes it). */
const ADMIN_FILE = path.join(path.dirname(env.UNBOUND_CONF), 'admin.conf');
const ADMIN = [
	'server:',
	`\tlocal-data: "ho-admin.${ZONE}. 300 IN A 10.77.9.9"`,
	`\tlocal-data: 'ho-admin.${ZONE}. 300 IN TXT "owner=ops"'`,
	`\tlocal-data-ptr: "10.77.9.20 printer.corp.example."`,
	`\tlocal-data: "${ZONE}. 300 IN MX 10 ho-web.${ZONE}."`,
	`\tlocal-data: "ho-mail.${ZONE}. 300 IN MX 10 ho-web.${ZONE}."`,
	'',
].join('\n');
/** Runtime records an admin added with unbound-control local_data: in no file. */
const RUNTIME = [`ho-rt.${ZONE}. 300 IN A 10.77.9.50`, `ho-note.${ZONE}. 300 IN TXT "runtime note"`];

/** Every foreign answer the tests watch, as `dig +short` gives it. */
const WATCHED: Array<[string, string]> = [
	[`ho-admin.${ZONE}`, 'A'],
	[`ho-admin.${ZONE}`, 'TXT'],
	['10.77.9.20', 'PTR'],
	[ZONE, 'MX'],
	[`ho-mail.${ZONE}`, 'MX'],
	[`ho-rt.${ZONE}`, 'A'],
	[`ho-note.${ZONE}`, 'TXT'],
];

function dig(name: string, type: string): string[] {
	const args = type === 'PTR' ? ['-x', name] : [name, type];
	const out = execFileSync('dig', ['@127.0.0.1', '-p', env.UNBOUND_DNS_PORT, '+short', '+tries=1', '+time=2', ...args], {
		encoding: 'utf8',
	});
	return out.split('\n').filter(Boolean).sort();
}
const answers = (list = WATCHED) => Object.fromEntries(list.map(([n, t]) => [`${n} ${t}`, dig(n, t)]));

function reload(): void {
	control(env, 'reload');
	for (let i = 0; i < 100 && !control(env, 'status').includes('is running'); i++) execFileSync('sleep', ['0.05']);
}

function push(items: IDataObject[], parameters: IDataObject = {}, sourceType?: string) {
	return runNode({
		node: new UnboundDnsPush(),
		parameters: {
			operation: 'push',
			zone: ZONE,
			managedFile: env.UNBOUND_MANAGED_FILE,
			unboundConfig: env.UNBOUND_CONF,
			useSudo: true,
			onlyApproved: false,
			...parameters,
		},
		credentials: { unboundSshApi: credential(env) },
		items,
		onError: 'continueErrorOutput',
		sourceType,
	});
}
const dns = (item: { json: IDataObject }) =>
	((item.json.dns ?? (item.json.details as IDataObject | undefined)?.dns) ?? {}) as IDataObject;
const byName = (items: Array<{ json: IDataObject }>, name: string) =>
	items.find((i) => String(dns(i).fqdn ?? '').startsWith(`${name}.`));

const HOSTS = [
	{ name: 'ho-admin', ipv4: '10.77.9.10/24' }, // name holds the admin's A and TXT
	{ name: 'ho-printer', ipv4: '10.77.9.20/24' }, // address holds the admin's PTR
	{ name: 'ho-rt', ipv4: '10.77.9.51/24' }, // name holds a runtime A
	{ name: 'ho-web', ipv4: '10.77.9.30/24' }, // an MX points at it: fine
	{ name: 'ho-new', ipv4: '10.77.9.40/24', ipv6: '2001:db8:77::40/64' },
];

beforeAll(() => {
	assertServiceUp(env);
	if (!readFileSync(env.UNBOUND_CONF, 'utf8').includes(ADMIN_FILE))
		throw new Error(`${env.UNBOUND_CONF} does not include ${ADMIN_FILE}: run scripts/services/unbound.sh`);
});

beforeEach(() => {
	writeFileSync(ADMIN_FILE, ADMIN);
	resetUnbound(env);
	for (const rr of RUNTIME) control(env, 'local_data', rr);
});

afterAll(() => {
	writeFileSync(ADMIN_FILE, 'server:\n');
	resetUnbound(env);
});

describe('foreign records on a resolver people already run', () => {
	it('conflicting hosts fail naming the records; the others are pushed; every foreign answer stays, also after a reload; a second push is unchanged', async () => {
		const before = answers();
		expect(before[`ho-admin.${ZONE} TXT`]).toEqual(['"owner=ops"']);
		expect(before[`ho-rt.${ZONE} A`]).toEqual(['10.77.9.50']);

		const first = await push(HOSTS);
		expect(first.success).toHaveLength(2);
		expect(first.errors).toHaveLength(3);
		expect(dns(byName(first.errors, 'ho-admin')!)).toMatchObject({ action: 'failed', field: 'name' });
		expect(String(dns(byName(first.errors, 'ho-admin')!).conflict)).toContain(`ho-admin.${ZONE}: A 10.77.9.9, TXT "owner=ops"`);
		expect(dns(byName(first.errors, 'ho-printer')!)).toMatchObject({ field: 'ipv4' });
		expect(String(dns(byName(first.errors, 'ho-printer')!).conflict)).toContain('PTR printer.corp.example.');
		expect(String(dns(byName(first.errors, 'ho-rt')!).conflict)).toContain('A 10.77.9.50');
		expect(first.success.map((i) => dns(i).action).sort()).toEqual(['created', 'created']);
		expect(first.hints.map((h) => h.message)).toContainEqual(expect.stringMatching(/^3 of 5 hosts failed on conflicts with records this node did not write/));
		expect(dns(byName(first.success, 'ho-web')!).summary).toMatch(new RegExp(`^created ho-web\\.${ZONE.replace(/\./g, '\\.')}: A 10\\.77\\.9\\.30`));

		// The outputs say: ho-web and ho-new now answer; the conflicting hosts do not; nothing foreign changed.
		expect(answers()).toEqual(before);
		expect(dig(`ho-web.${ZONE}`, 'A')).toEqual(['10.77.9.30']);
		expect(dig(`ho-new.${ZONE}`, 'AAAA')).toEqual(['2001:db8:77::40']);
		expect(dig('10.77.9.40', 'PTR')).toEqual([`ho-new.${ZONE}.`]);
		expect(dig(`ho-admin.${ZONE}`, 'A')).toEqual(['10.77.9.9']);
		expect(managedText(env)).not.toMatch(/ho-admin|ho-printer|ho-rt/);

		// After a reload the files' records are the same; runtime records go (the admin's own reload does that).
		reload();
		const fromFiles = WATCHED.filter(([n]) => !n.startsWith('ho-rt') && !n.startsWith('ho-note'));
		expect(answers(fromFiles)).toEqual(Object.fromEntries(fromFiles.map(([n, t]) => [`${n} ${t}`, before[`${n} ${t}`]])));
		expect(dig(`ho-web.${ZONE}`, 'A')).toEqual(['10.77.9.30']);

		// The admin's tooling adds its runtime records again; the same push then changes nothing.
		for (const rr of RUNTIME) control(env, 'local_data', rr);
		const second = await push(HOSTS);
		expect(second.success.map((i) => dns(i).action).sort()).toEqual(['unchanged', 'unchanged']);
		expect(second.errors.map((i) => dns(i).fqdn).sort()).toEqual([`ho-admin.${ZONE}`, `ho-printer.${ZONE}`, `ho-rt.${ZONE}`]);
		expect(answers()).toEqual(before);
	});

	it('dry run and Status show the same conflicts and change nothing', async () => {
		const file = managedText(env);
		const dry = await push(HOSTS, { dryRun: true });
		const status = await runNode({
			node: new UnboundDnsPush(),
			parameters: { operation: 'status', zone: ZONE, managedFile: env.UNBOUND_MANAGED_FILE, unboundConfig: env.UNBOUND_CONF, useSudo: true, onlyApproved: false },
			credentials: { unboundSshApi: credential(env) },
			items: HOSTS,
			onError: 'continueErrorOutput',
		});
		for (const name of ['ho-admin', 'ho-printer', 'ho-rt']) {
			const planned = dns(byName(dry.errors, name)!);
			const seen = dns(byName(status.success, name)!);
			expect(seen).toMatchObject({ state: 'drifted', conflict: planned.conflict, field: planned.field });
		}
		expect(managedText(env)).toBe(file);
		expect(answers()[`ho-rt.${ZONE} A`]).toEqual(['10.77.9.50']);
	});

	it('prune keeps the foreign records at a pruned name; a push by full reload puts back the runtime records it dropped', async () => {
		await push(HOSTS);
		control(env, 'local_data', `ho-new.${ZONE}. 300 IN TXT "added by hand"`);
		const before = answers();
		const pruned = await push([HOSTS[3]], { prune: true, applyMode: 'reload', summary: true });
		const summary = pruned.success.find((i) => i.json.summary)!;
		const report = (summary.json.summary as IDataObject).dns as IDataObject;
		expect(report.pruned).toEqual([
			expect.objectContaining({ fqdn: `ho-new.${ZONE}`, foreign: [expect.objectContaining({ type: 'TXT', action: 'kept' })] }),
		]);
		expect(String(report.steps)).toMatch(/reload.*local_datas \d+ \(foreign records the reload dropped\)/);
		expect(dig(`ho-new.${ZONE}`, 'A')).toEqual([]);
		expect(dig(`ho-new.${ZONE}`, 'TXT')).toEqual(['"added by hand"']);
		expect(answers()).toEqual(before);
	});

	it('Take Over Names replaces a foreign A, never a TXT', async () => {
		const result = await push([HOSTS[0], HOSTS[2]], { takeOverNames: true });
		expect(String(dns(byName(result.errors, 'ho-admin')!).conflict)).toContain('TXT is never removed');
		const rt = dns(byName(result.success, 'ho-rt')!);
		expect(rt).toMatchObject({ action: 'created', foreign: [expect.objectContaining({ type: 'A', action: 'replaced' })] });
		expect(dig(`ho-rt.${ZONE}`, 'A')).toEqual(['10.77.9.51']);
		expect(dig(`ho-admin.${ZONE}`, 'TXT')).toEqual(['"owner=ops"']);
	});
});

describe('change limit and prune on a partial list', () => {
	const hosts = makeHosts('cl', 20, 78);
	const managedFiles = () => readdirSync(path.dirname(env.UNBOUND_MANAGED_FILE));

	it('refuses a prune of most hosts, writing nothing; dry run says so; Force lets it through', async () => {
		expect((await push(hosts)).success).toHaveLength(20);
		const file = managedText(env);
		const partial = hosts.slice(0, 5);
		const refused = await push(partial, { prune: true });
		expect(refused.success).toHaveLength(0);
		expect(refused.errors).toHaveLength(5);
		expect(String(refused.errors[0].json.message)).toMatch(/update 0 and remove \d+ of \d+ managed records \(75 %\), over the change limit of 30 %/);
		expect(managedText(env)).toBe(file);
		expect(dig(`cl19.${ZONE}`, 'A')).toHaveLength(1);

		const dry = await push(partial, { prune: true, dryRun: true });
		expect(dry.success.every((i) => (dns(i).changeLimit as IDataObject)?.exceeded === true)).toBe(true);
		expect(managedText(env)).toBe(file);

		const forced = await push(partial, { prune: true, unboundOptions: { force: true } });
		expect(forced.success.every((i) => (dns(i).changeLimit as IDataObject)?.forced === true)).toBe(true);
		expect(dig(`cl19.${ZONE}`, 'A')).toEqual([]);
	});

	it('prune behind Loop Over Items is refused before connecting, whatever the share', async () => {
		await push(hosts);
		const file = managedText(env);
		const looped = await push(hosts.slice(0, 18), { prune: true }, 'n8n-nodes-base.splitInBatches');
		expect(looped.errors).toHaveLength(18);
		expect(String(looped.errors[0].json.message)).toContain('Loop Over Items');
		expect(managedText(env)).toBe(file);
	});

	it('keeps the set number of timestamped backups; the newest is the file before the last change', async () => {
		for (const start of [0, 1, 2, 3]) {
			const before = managedText(env);
			await push(makeHosts('bk', 2, 79, start), { unboundOptions: { keepBackups: 3 } });
			const backups = managedFiles().filter((f) => f.startsWith(`${path.basename(env.UNBOUND_MANAGED_FILE)}.bak-`)).sort();
			expect(backups.length).toBeLessThanOrEqual(3);
			expect(readFileSync(path.join(path.dirname(env.UNBOUND_MANAGED_FILE), backups[backups.length - 1]), 'utf8')).toBe(before);
		}
	});
});
