// The Unbound DNS Push node against a real Unbound and a real OpenSSH server
// (scripts/services/unbound.sh: non-root SSH user, sudo for the Unbound tools
// only), run through n8n's engine. Answers are checked with real DNS queries.
import {
	appendFileSync,
	chmodSync,
	existsSync,
	readdirSync,
	readFileSync,
	writeFileSync,
} from 'node:fs';
import path from 'node:path';
import type {
	ICredentialDataDecryptedObject,
	ICredentialTestFunctions,
	IDataObject,
	INodeExecutionData,
} from 'n8n-workflow';
import { UnboundDnsPush } from '../../nodes/UnboundDnsPush/UnboundDnsPush.node';
import { runNode } from '../helpers/runNode';
import {
	assertServiceUp,
	control,
	credential,
	dig,
	ip,
	makeHosts,
	managedStat,
	managedText,
	resetUnbound,
	servedLines,
	sudoCommands,
	unboundEnv,
	type DnsQuery,
} from '../helpers/unbound';

const env = unboundEnv();
const ZONE = env.UNBOUND_ZONE;
type OnError = 'continueErrorOutput' | 'stopWorkflow';

function run(
	operation: 'push' | 'status',
	items: IDataObject[],
	parameters: IDataObject = {},
	options: { onError?: OnError; credential?: ICredentialDataDecryptedObject } = {},
) {
	return runNode({
		node: new UnboundDnsPush(),
		parameters: {
			operation,
			zone: ZONE,
			managedFile: env.UNBOUND_MANAGED_FILE,
			unboundConfig: env.UNBOUND_CONF,
			useSudo: true,
			...parameters,
		},
		credentials: { unboundSshApi: credential(env, options.credential) },
		items,
		onError: options.onError ?? 'continueErrorOutput',
	});
}
const push = (
	items: IDataObject[],
	parameters?: IDataObject,
	options?: { onError?: OnError; credential?: ICredentialDataDecryptedObject },
) => run('push', items, parameters, options);

const dns = (item: INodeExecutionData) => item.json.dns as IDataObject;
const actions = (items: INodeExecutionData[]) => items.map((i) => dns(i).action);
const fqdn = (host: IDataObject) => `${String(host.name)}.${ZONE}`;

function queriesOf(hosts: IDataObject[]): DnsQuery[] {
	return hosts.flatMap((h): DnsQuery[] => [
		{ name: fqdn(h), type: 'A' },
		{ name: fqdn(h), type: 'AAAA' },
		{ name: ip(h.ipv4), type: 'PTR' },
		{ name: ip(h.ipv6), type: 'PTR' },
	]);
}

/** Every A, AAAA and PTR of `hosts` answered by Unbound exactly as pushed. */
function expectServed(hosts: IDataObject[]) {
	expect(dig(env, queriesOf(hosts))).toEqual(
		hosts.flatMap((h) => [[ip(h.ipv4)], [ip(h.ipv6)], [`${fqdn(h)}.`], [`${fqdn(h)}.`]]),
	);
}

function expectNotServed(hosts: IDataObject[]) {
	expect(dig(env, queriesOf(hosts)).flat()).toEqual([]);
}

/** unbound-control commands other than the read-only ones. */
const stateChanging = (commands: string[]) =>
	commands.filter((c) => !/ (list_local_data|status)$/.test(c) && !c.includes('unbound-checkconf'));

beforeAll(() => assertServiceUp(env));
beforeEach(() => resetUnbound(env));
afterAll(() => resetUnbound(env));

describe('Unbound DNS Push against a real Unbound over SSH', () => {
	const hosts = (count: number, net = 20) => makeHosts('web', count, net);

	it('pushes 100 hosts; every A, AAAA and PTR is answered', async () => {
		const started = Date.now();
		const result = await push(hosts(100));
		const seconds = (Date.now() - started) / 1000;
		expect(result.error).toBeUndefined();
		expect(result.errors).toEqual([]);
		expect(actions(result.success)).toEqual(Array(100).fill('created'));
		result.success.forEach((item, i) => {
			expect(item.pairedItem).toEqual({ item: i });
			expect(item.json.name).toBe(`web${i}`);
		});
		expect(dns(result.success[0])).toMatchObject({
			fqdn: `web0.${ZONE}`,
			records: expect.arrayContaining([`web0.${ZONE}. 300 IN A 10.20.0.1`]),
		});
		expectServed(hosts(100));

		expect(managedText(env)).toMatch(/^# Managed by n8n-nodes-netbox-auto/);
		expect(managedStat(env).mode & 0o777).toBe(0o644);
		expect(
			readdirSync(path.dirname(env.UNBOUND_MANAGED_FILE)).filter((f) => f.includes('.tmp-')),
		).toEqual([]);
		console.log(`100-host push through n8n: ${seconds.toFixed(2)} s`);
	});

	it('an identical second push changes nothing: same file, no state-changing command', async () => {
		await push(hosts(100));
		const [text, stat] = [managedText(env), managedStat(env)];
		const { result, commands } = await sudoCommands(env, () => push(hosts(100)));
		expect(actions(result.success)).toEqual(Array(100).fill('unchanged'));
		expect(managedText(env)).toBe(text);
		expect(managedStat(env)).toMatchObject({ ino: stat.ino, mtimeMs: stat.mtimeMs });
		expect(commands).toEqual([expect.stringMatching(/unbound-control -c \S+ list_local_data$/)]);
		expectServed(hosts(100));
	});

	it('updates a changed address, and the old answers disappear', async () => {
		await push(hosts(5));
		const changed = hosts(5);
		changed[1] = { ...changed[1], ipv4: '10.21.9.9/16' };
		changed[2] = { ...changed[2], ipv6: 'fd00:21::9999/64' };
		const result = await push(changed);
		expect(actions(result.success)).toEqual([
			'unchanged',
			'updated',
			'updated',
			'unchanged',
			'unchanged',
		]);
		expect(dns(result.success[1])).toMatchObject({
			added: [
				`web1.${ZONE}. 300 IN A 10.21.9.9`,
				`9.9.21.10.in-addr.arpa. 300 IN PTR web1.${ZONE}.`,
			],
			removed: [
				`web1.${ZONE}. 300 IN A 10.20.0.2`,
				`2.0.20.10.in-addr.arpa. 300 IN PTR web1.${ZONE}.`,
			],
		});
		expectServed(changed);
		expect(
			dig(env, [
				{ name: '10.20.0.2', type: 'PTR' },
				{ name: 'fd00:20::3', type: 'PTR' },
			]),
		).toEqual([[], []]);
	});

	it('prune removes only the managed records of hosts no longer in the input', async () => {
		await push(hosts(6));
		control(env, 'local_data', `admin.${ZONE}. 300 IN A 10.99.0.1`); // not ours: must survive
		const kept = await push(hosts(1));
		expect(actions(kept.success)).toEqual(['unchanged']);
		expectServed(hosts(6));

		// web5 is in the input but invalid: still in the input, so prune keeps it.
		const result = await push([...hosts(3), { ...hosts(6)[5], ipv4: 'not-an-address' }], {
			prune: true,
			summary: true,
		});
		expect(actions(result.success.slice(0, 3))).toEqual(['unchanged', 'unchanged', 'unchanged']);
		expect(result.errors).toHaveLength(1);
		const summary = (result.success[3].json.summary as IDataObject).dns as IDataObject;
		expect(summary).toMatchObject({ total: 4, unchanged: 3, failed: 1, removed: 2 });
		expect((summary.pruned as IDataObject[]).map((p) => p.fqdn)).toEqual([
			`web3.${ZONE}`,
			`web4.${ZONE}`,
		]);
		expectServed([...hosts(3), hosts(6)[5]]);
		expectNotServed(hosts(6).slice(3, 5));
		expect(dig(env, [{ name: `admin.${ZONE}`, type: 'A' }])).toEqual([['10.99.0.1']]);
		expect(managedText(env)).not.toMatch(/web[34]\./);
	});

	it('dry run leaves the file and the served data untouched while reporting the diff', async () => {
		await push(hosts(4));
		const [text, served] = [managedText(env), servedLines(env)];
		const changed = [...hosts(4).slice(0, 3), ...makeHosts('new', 2, 22)];
		changed[1] = { ...changed[1], ipv4: '10.21.1.1/16' };
		const { result, commands } = await sudoCommands(env, () =>
			push(changed, { dryRun: true, prune: true, summary: true }),
		);
		expect(actions(result.success.slice(0, 5))).toEqual([
			'plan:unchanged',
			'plan:updated',
			'plan:unchanged',
			'plan:created',
			'plan:created',
		]);
		expect(dns(result.success[1])).toMatchObject({
			dryRun: true,
			added: expect.arrayContaining([`web1.${ZONE}. 300 IN A 10.21.1.1`]),
		});
		expect(((result.success[5].json.summary as IDataObject).dns as IDataObject).pruned).toEqual([
			expect.objectContaining({ fqdn: `web3.${ZONE}` }),
		]);
		expect(managedText(env)).toBe(text);
		expect(servedLines(env)).toEqual(served);
		expect(stateChanging(commands)).toEqual([]);
		expectServed(hosts(4));
	});

	it('a wrong host-key fingerprint is refused before authentication', async () => {
		const accepted = () =>
			(readFileSync(env.UNBOUND_SSHD_LOG, 'utf8').match(/Accepted publickey/g) ?? []).length;
		const before = accepted();
		const wrong = `SHA256:${'A'.repeat(43)}`;
		const result = await push(
			hosts(2),
			{},
			{ onError: 'stopWorkflow', credential: { hostKeyFingerprint: wrong } },
		);
		expect(result.error?.message).toContain('host key mismatch, refused before authentication');
		expect(result.error?.message).toContain(`the server presented ${env.UNBOUND_SSH_FINGERPRINT}`);
		expect(accepted()).toBe(before);
		expect(managedText(env)).toBe('');

		const unpinned = await push(hosts(2), {}, { credential: { hostKeyFingerprint: '' } });
		expect(unpinned.success).toEqual([]);
		expect(unpinned.errors.map((i) => String(i.json.error))).toEqual(
			Array(2).fill(expect.stringContaining(`The server presented ${env.UNBOUND_SSH_FINGERPRINT}`)),
		);
		expect(accepted()).toBe(before);

		const skipped = await push(
			hosts(2),
			{},
			{ credential: { hostKeyFingerprint: '', skipHostKeyVerification: true } },
		);
		expect(actions(skipped.success)).toEqual(['created', 'created']);
	});

	it('names with a quote, a newline or $(…) are per-host errors while the other hosts go through', async () => {
		const good = hosts(3);
		const bad = [
			{ ...makeHosts('x', 1, 23)[0], name: 'bad"quote' },
			{ ...makeHosts('y', 1, 24)[0], name: 'evil\nname' },
			{ ...makeHosts('z', 1, 25)[0], name: '$(touch /tmp/unbound-dns-pwned)' },
		];
		const result = await push([good[0], bad[0], good[1], bad[1], bad[2], good[2]]);
		expect(actions(result.success)).toEqual(['created', 'created', 'created']);
		expect(result.success.map((i) => i.pairedItem)).toEqual([
			{ item: 0 },
			{ item: 2 },
			{ item: 5 },
		]);
		expect(result.errors.map((i) => i.pairedItem)).toEqual([{ item: 1 }, { item: 3 }, { item: 4 }]);
		for (const item of result.errors) {
			// n8n's engine keeps only the error message on the error output, naming field and value.
			expect(String(item.json.error)).toMatch(/^name ".*": must/s);
		}
		expectServed(good);
		expect(managedText(env)).not.toMatch(/bad|evil|\$\(/);
		expect(existsSync('/tmp/unbound-dns-pwned')).toBe(false);

		// Stopping on error: every host is still attempted, then the node fails naming the bad ones.
		resetUnbound(env);
		const stopped = await push([good[0], bad[0], good[1]], {}, { onError: 'stopWorkflow' });
		expect(stopped.error?.message).toMatch(/^1 of 3 hosts failed: bad"quote \(item 2\): name /);
		expectServed(good.slice(0, 2));
	});

	it('a checkconf failure leaves the old file and Unbound still answering', async () => {
		await push(hosts(3));
		const [text, served] = [managedText(env), servedLines(env)];
		const changed = hosts(4).map((h) => ({
			...h,
			ipv4: String(h.ipv4).replace('10.20.', '10.26.'),
		}));
		const config = readFileSync(env.UNBOUND_CONF, 'utf8');
		// The new file is fine alone; the whole config, as Unbound would re-read it, is not
		// (a bad record elsewhere in it: unbound-control still works, unbound-checkconf does not).
		appendFileSync(
			env.UNBOUND_CONF,
			'server:\n\tlocal-data: "broken.lab.example. 300 IN A 300.0.0.1"\n',
		);
		let result;
		try {
			result = await push(changed, {}, { onError: 'stopWorkflow' });
		} finally {
			writeFileSync(env.UNBOUND_CONF, config);
		}
		expect(result.error?.message).toContain('unbound-checkconf');
		expect(result.error?.message).toContain(
			'Bad local-data RR broken.lab.example. 300 IN A 300.0.0.1',
		);
		expect(result.error?.message).toContain(
			'the previous managed file and served data were restored',
		);
		expect(managedText(env)).toBe(text);
		expect(servedLines(env)).toEqual(served);
		expectServed(hosts(3));

		// A file Unbound's own user could not read is caught by the whole-config check, before
		// any reload, and the old file is put back.
		const dir = path.dirname(env.UNBOUND_MANAGED_FILE);
		chmodSync(dir, 0o700);
		try {
			result = await push(changed, {}, { onError: 'stopWorkflow' });
		} finally {
			chmodSync(dir, 0o755);
		}
		expect(result.error?.message).toMatch(
			/unbound-checkconf \S+ failed .*Permission denied/s,
		);
		expect(result.error?.message).toContain('the previous managed file and served data were restored');
		expect(managedText(env)).toBe(text);
		expectServed(hosts(3));
	});

	it('two pushes started at the same moment with different hosts both end up served', async () => {
		for (let round = 0; round < 3; round++) {
			const a = makeHosts(`cona${round}-`, 50, 30 + 2 * round);
			const b = makeHosts(`conb${round}-`, 50, 31 + 2 * round);
			const [ra, rb] = await Promise.all([push(a), push(b)]);
			expect([...actions(ra.success), ...actions(rb.success)]).toEqual(Array(100).fill('created'));
			expectServed([...a, ...b]);
			expect(managedText(env).match(/IN A /g)).toHaveLength(100 * (round + 1));
		}
	});

	it('a full reload serves the change too', async () => {
		const { result, commands } = await sudoCommands(env, () =>
			push(hosts(3), { applyMode: 'reload' }),
		);
		expect(actions(result.success)).toEqual(['created', 'created', 'created']);
		expect(stateChanging(commands)).toEqual([expect.stringMatching(/ reload$/)]);
		expectServed(hosts(3));
	});

	it('refuses to touch a managed file that was edited by hand', async () => {
		await push(hosts(2));
		const edited = managedText(env).replace('server:\n', 'server:\n\tlocal-zone: "evil." static\n');
		writeFileSync(env.UNBOUND_MANAGED_FILE, edited);
		const result = await push(hosts(3), {}, { onError: 'stopWorkflow' });
		expect(result.error?.message).toMatch(/line 4 was not written by this node/);
		expect(managedText(env)).toBe(edited);
	});

	it('skips unapproved hosts unless Only Approved Hosts is off, and hosts without an address', async () => {
		const items = [
			...hosts(2),
			{ ...hosts(3)[2], approved: false },
			{ name: 'noaddr', kind: 'vm', cluster: 'dns-lab', approved: true },
		];
		const result = await push(items);
		expect(actions(result.success)).toEqual(['created', 'created', 'skipped', 'skipped']);
		expect(dns(result.success[3]).reason).toBe('no ipv4 or ipv6 address');
		const all = await push(items, { onlyApproved: false });
		expect(actions(all.success)).toEqual(['unchanged', 'unchanged', 'created', 'skipped']);
	});

	it('status compares each host with the file and with what Unbound serves', async () => {
		await push(hosts(4));
		control(env, 'local_data_remove', `web1.${ZONE}.`); // served now lacks web1's A and AAAA
		const items = [
			...hosts(3),
			...makeHosts('new', 1, 22),
			{ name: 'noaddr', kind: 'vm', cluster: 'dns-lab', approved: true },
		];
		const { result, commands } = await sudoCommands(env, () =>
			run('status', items, { summary: true }),
		);
		expect(result.success.slice(0, 5).map((i) => dns(i).state)).toEqual([
			'in-sync',
			'drifted',
			'in-sync',
			'missing',
			'skipped',
		]);
		expect(dns(result.success[1]).differences).toMatchObject({
			file: { missing: [], extra: [] },
			served: {
				missing: [`web1.${ZONE}. 300 IN A 10.20.0.2`, `web1.${ZONE}. 300 IN AAAA fd00:20::2`],
			},
		});
		expect((result.success[5].json.summary as IDataObject).dns).toMatchObject({
			total: 5,
			'in-sync': 2,
			drifted: 1,
			missing: 1,
			skipped: 1,
			stale: 1,
		});
		expect(stateChanging(commands)).toEqual([]);

		// A push repairs the drift.
		const repaired = await push(hosts(4));
		expect(actions(repaired.success)).toEqual(['unchanged', 'updated', 'unchanged', 'unchanged']);
		expectServed(hosts(4));
	});

	it('the credential test connects, pins the host key and finds the tools', async () => {
		const test = new UnboundDnsPush().methods.credentialTest.unboundSshApiTest;
		const check = (data: ICredentialDataDecryptedObject) =>
			test.call({} as ICredentialTestFunctions, {
				id: 't',
				name: 't',
				type: 'unboundSshApi',
				data,
			});
		await expect(check(credential(env))).resolves.toMatchObject({ status: 'OK' });
		const flattened = String(credential(env).privateKey).replace(/\n/g, ' ');
		await expect(check(credential(env, { privateKey: flattened }))).resolves.toEqual({
			status: 'OK',
			message: expect.stringContaining('can be run'),
		});
		await expect(
			check(credential(env, { hostKeyFingerprint: `SHA256:${'B'.repeat(43)}` })),
		).resolves.toMatchObject({ status: 'Error', message: expect.stringContaining('mismatch') });
	});

	it('pushes 1,000 hosts and re-pushes them unchanged (timings)', async () => {
		const many = makeHosts('bulk', 1000, 40);
		let started = Date.now();
		const first = await push(many);
		const pushSeconds = (Date.now() - started) / 1000;
		started = Date.now();
		const second = await push(many);
		const repushSeconds = (Date.now() - started) / 1000;
		expect(new Set(actions(first.success))).toEqual(new Set(['created']));
		expect(new Set(actions(second.success))).toEqual(new Set(['unchanged']));
		expectServed(many);
		console.log(
			`1,000-host push: ${pushSeconds.toFixed(2)} s; no-change re-push: ${repushSeconds.toFixed(2)} s`,
		);
		expect(pushSeconds).toBeLessThan(30);
		expect(repushSeconds).toBeLessThan(15);
	});
});
