// The shipped example workflow inside a real n8n, on both supported lines — 2.41.1 (Node 24)
// and 1.123.81 (the system Node 20) — driven from outside with HTTP only, against the real
// NetBox and the real Unbound + sshd. Per line:
//   install n8n and this package's packed tarball (scripts/services/n8n.sh), create the
//   two credentials and import workflows/netbox-dns-approval.json unchanged with n8n's
//   CLI, set up the owner, fill the workflow's Settings node and publish it through n8n's
//   public API (what a user does in the editor), then POST hosts to the webhook, approve
//   some of them, and check NetBox (API) and Unbound (real DNS queries).
// A service that cannot start fails the suite; nothing is skipped.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import type { NetBoxClient } from '../../core/netbox/client';
import { parseManagedFile, renderManagedFile } from '../../core/dns/managedFile';
import { connectNetBox, netboxEnv } from '../helpers/netbox';
import { http as httpTo, waitFor } from '../helpers/n8nE2e';
import { assertServiceUp, control, dig, unboundEnv, type UnboundEnv } from '../helpers/unbound';

const REPO = path.resolve(__dirname, '../..');
const N8N_SH = path.join(REPO, 'scripts/services/n8n.sh');
const WORKFLOW_FILE = path.join(REPO, 'workflows/netbox-dns-approval.json');
const BASE_PORT = Number(process.env.E2E_N8N_PORT ?? 5681);

/** An n8n line (scripts/services/n8n.sh's N8N_LINE) with the port and user folder of its run. */
interface Line {
	line: '1' | '2';
	version: string;
	runtime: string;
	port: number;
	userFolder: string;
}
// Outside the repository: n8n 1.123 must hand the package its own n8n-workflow (1.120), which a
// folder under the repository would shadow with the repository's node_modules/n8n-workflow (2.x).
const E2E_1123_FOLDER = path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'n8n-nodes-netbox-auto/e2e-1.123');
const ALL_LINES: Line[] = [
	{ line: '2', version: '2.41.1', runtime: 'Node 24', port: BASE_PORT, userFolder: path.join(REPO, '.cache/n8n/e2e') },
	{ line: '1', version: '1.123.81', runtime: `the system Node ${process.version}`, port: BASE_PORT - 10, userFolder: E2E_1123_FOLDER },
];
// E2E_N8N_LINES=1 (or 2) runs one line only; both by default.
const WANTED = (process.env.E2E_N8N_LINES ?? '2,1').split(',').map((l) => l.trim());
const LINES = ALL_LINES.filter((l) => WANTED.includes(l.line));
if (!LINES.length) throw new Error(`E2E_N8N_LINES=${process.env.E2E_N8N_LINES}: no such n8n line (use 2, 1 or 2,1)`);

// The line under test: the describe block of each line sets it in its beforeAll.
let n8n: Line;
const base = () => `http://127.0.0.1:${n8n.port}`;

const PREFIX = 'e2e-wf-';
const NET = '10.177.0';
const MAC = '02:17:70:00:00';
type Obj = Record<string, any>;

const shipped = JSON.parse(readFileSync(WORKFLOW_FILE, 'utf8')) as Obj;
const WORKFLOW_ID = shipped.id as string;

// ---------------------------------------------------------------- helpers

/** Runs scripts/services/n8n.sh; resolves with its stdout (`all`: stdout + stderr). */
function run(args: string[], timeoutMs = 20 * 60_000, all = false): Promise<string> {
	return new Promise((resolve, reject) => {
		const env = { ...process.env, N8N_LINE: n8n.line, N8N_PORT: String(n8n.port), N8N_USER_FOLDER: n8n.userFolder };
		execFile('bash', [N8N_SH, ...args], { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
			if (error) reject(new Error(`N8N_LINE=${n8n.line} scripts/services/n8n.sh ${args.join(' ')} failed (${error.message}):\n${(stdout + stderr).slice(-4000)}`));
			else resolve(all ? stdout + stderr : stdout);
		});
	});
}

let cookie = '';
let apiKey = '';

/** HTTP to the n8n under test; a path is taken relative to it. */
const http = (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) =>
	httpTo(method, url.startsWith('http') ? url : base() + url, body, headers);

async function api(method: string, apiPath: string, body?: unknown): Promise<any> {
	const res = await http(method, `/api/v1/${apiPath}`, body, { 'X-N8N-API-KEY': apiKey });
	if (res.status >= 300) throw new Error(`${method} /api/v1/${apiPath}: ${res.status} ${res.text.slice(0, 500)}`);
	return res.json;
}

/** An execution once it reached one of `states`, with its run data. */
async function execution(id: string, states: string[]): Promise<Obj> {
	let last = '';
	return waitFor(`execution ${id} to be ${states.join('/')} (last: ${last})`, async () => {
		const e = await api('GET', `executions/${id}?includeData=true`);
		last = e.status;
		if (e.status === 'error' || e.status === 'crashed') {
			throw new Error(`execution ${id} ${e.status}: ${JSON.stringify(e.data?.resultData?.error ?? {}).slice(0, 1000)}`);
		}
		// n8n 1.123 can report `waiting` before the run data that led to the Wait node is saved.
		if (e.status === 'waiting' && !e.data?.resultData?.runData?.['Wait for Approval']) return undefined;
		return states.includes(e.status) ? e : undefined;
	});
}

/** Items of a node's output in an execution (undefined when the node did not run). */
function output(e: Obj, node: string, index = 0): Obj[] | undefined {
	const runs = e.data?.resultData?.runData?.[node];
	if (!runs) return undefined;
	return (runs[0].data?.main?.[index] ?? []).map((item: Obj) => item.json);
}

let nb: NetBoxClient;
let dns: UnboundEnv;
let timeline: string[] = [];
let t0 = Date.now();
const mark = (what: string) => timeline.push(`${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s  ${what}`);

async function deleteOurNetBoxObjects(): Promise<void> {
	const del = async (p: string, objects: Obj[]) => {
		if (objects.length) await nb.request('DELETE', p, { body: objects.map((o) => ({ id: o.id })) });
	};
	await del('api/ipam/ip-addresses/', await nb.list<Obj>('api/ipam/ip-addresses/', { parent: `${NET}.0/24` }));
	await del('api/dcim/devices/', await nb.list<Obj>('api/dcim/devices/', { name__isw: PREFIX }));
	await del('api/virtualization/virtual-machines/', await nb.list<Obj>('api/virtualization/virtual-machines/', { name__isw: PREFIX }));
	await del('api/dcim/mac-addresses/', await nb.list<Obj>('api/dcim/mac-addresses/', { mac_address__isw: MAC }));
}

/** As the DNS host's admin: drop our test hosts' records from the managed file, reload. */
function deleteOurDnsRecords(): void {
	const text = readFileSync(dns.UNBOUND_MANAGED_FILE, 'utf8');
	const records = parseManagedFile(text);
	const kept = records.filter((r) => !r.host.startsWith(PREFIX));
	if (kept.length !== records.length) writeFileSync(dns.UNBOUND_MANAGED_FILE, renderManagedFile(kept));
	control(dns, 'reload');
}

async function ensure(p: string, lookup: Record<string, string>, body: Obj): Promise<Obj> {
	const [found] = await nb.list<Obj>(p, lookup);
	return found ?? nb.request<Obj>('POST', p, { body });
}

/** The fixtures the test hosts use, all with e2e- slugs. The cluster lives in site e2e-site. */
async function ensureFixtures(): Promise<void> {
	const site = await ensure('api/dcim/sites/', { slug: 'e2e-site' }, { name: 'E2E Site', slug: 'e2e-site' });
	await ensure('api/dcim/sites/', { slug: 'e2e-site-b' }, { name: 'E2E Site B', slug: 'e2e-site-b' });
	await ensure('api/dcim/device-roles/', { slug: 'e2e-server' }, { name: 'E2E Server', slug: 'e2e-server', vm_role: true });
	const maker = await ensure('api/dcim/manufacturers/', { slug: 'e2e-maker' }, { name: 'E2E Maker', slug: 'e2e-maker' });
	await ensure('api/dcim/device-types/', { slug: 'e2e-box' }, { manufacturer: maker.id, model: 'E2E Box', slug: 'e2e-box' });
	const type = await ensure('api/virtualization/cluster-types/', { slug: 'e2e-kvm' }, { name: 'E2E KVM', slug: 'e2e-kvm' });
	await ensure('api/virtualization/clusters/', { name: 'e2e-cluster' }, { name: 'e2e-cluster', type: type.id, scope_type: 'dcim.site', scope_id: site.id });
}

/** The credentials the workflow refers to, with the ids it names, made with `n8n import:credentials`. */
async function importCredentials(): Promise<void> {
	const ref = (type: string) => (shipped.nodes as Obj[]).map((n) => n.credentials?.[type]).find(Boolean) as { id: string; name: string };
	const netbox = netboxEnv();
	const credentials = [
		{ ...ref('netBoxApi'), type: 'netBoxApi', data: { baseUrl: netbox.url, token: netbox.token, allowSelfSigned: false, caBundle: '' } },
		{
			...ref('unboundSshApi'),
			type: 'unboundSshApi',
			data: {
				host: dns.UNBOUND_SSH_HOST,
				port: Number(dns.UNBOUND_SSH_PORT),
				username: dns.UNBOUND_SSH_USER,
				privateKey: readFileSync(dns.UNBOUND_SSH_KEY_FILE, 'utf8'),
				passphrase: '',
				hostKeyFingerprint: dns.UNBOUND_SSH_FINGERPRINT,
				skipHostKeyVerification: false,
			},
		},
	];
	const dir = mkdtempSync(path.join(n8n.userFolder, 'creds-'));
	try {
		const file = path.join(dir, 'credentials.json');
		writeFileSync(file, JSON.stringify(credentials), { mode: 0o600 });
		expect(await run(['cli', 'import:credentials', `--input=${file}`], undefined, true)).toContain('Successfully imported 2 credentials');
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

async function setUpOwnerAndApiKey(): Promise<void> {
	const res = await fetch(`${base()}/rest/owner/setup`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ email: 'owner@e2e.example', firstName: 'E2E', lastName: 'Owner', password: 'E2e-owner-password-1' }),
	});
	if (!res.ok) throw new Error(`owner setup: ${res.status} ${await res.text()}`);
	cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
	const scopes = await http('GET', '/rest/api-keys/scopes', undefined, { cookie });
	const key = await http('POST', '/rest/api-keys', { label: 'e2e', scopes: scopes.json.data, expiresAt: null }, { cookie });
	if (key.status !== 200) throw new Error(`api key: ${key.status} ${key.text}`);
	apiKey = key.json.data.rawApiKey;
}

const GHOST = { name: `${PREFIX}ghost`, kind: 'vm', ipv4: `${NET}.99/24` };

/** What a user does in the editor before publishing: fill the Settings node. */
async function configureAndPublish(): Promise<void> {
	const wf = await api('GET', `workflows/${WORKFLOW_ID}`);
	const values: Record<string, unknown> = {
		zone: dns.UNBOUND_ZONE,
		site: 'e2e-site',
		role: 'e2e-server',
		deviceType: 'e2e-box',
		cluster: 'e2e-cluster',
		unboundManagedFile: dns.UNBOUND_MANAGED_FILE,
		unboundConfig: dns.UNBOUND_CONF,
		unboundUseSudo: true,
		watchHosts: JSON.stringify([GHOST]),
	};
	const settings = (wf.nodes as Obj[]).find((n) => n.name === 'Settings');
	if (!settings) throw new Error('the shipped workflow has no "Settings" node');
	for (const assignment of settings.parameters.assignments.assignments as Obj[]) {
		if (assignment.name in values) assignment.value = values[assignment.name];
	}
	await api('PUT', `workflows/${WORKFLOW_ID}`, { name: wf.name, nodes: wf.nodes, connections: wf.connections, settings: wf.settings });
	const published = await api('POST', `workflows/${WORKFLOW_ID}/activate`);
	expect(published.active).toBe(true);
	// Registration finishes just after the answer: probe with a GET, which runs nothing.
	await waitFor('the webhook to be registered', async () => {
		const probe = await http('GET', '/webhook/netbox-auto/hosts');
		return probe.text.includes('not registered for GET') ? true : undefined;
	}, 30_000);
}

// ---------------------------------------------------------------- the run

const HOSTS = [
	{ name: `${PREFIX}web1`, kind: 'device', ipv4: `${NET}.11/24`, ipv6: '2001:db8:177::11/64', mac: `${MAC}:11`, approved: true },
	{ name: `${PREFIX}vm1`, kind: 'vm', ipv4: `${NET}.12/24`, mac: `${MAC}:12` },
	{ name: `${PREFIX}web2`, kind: 'device', ipv4: `${NET}.13/24`, mac: `${MAC}:13` },
	// NetBox itself rejects this one: its cluster (from Settings) belongs to another site.
	{ name: `${PREFIX}bad`, kind: 'vm', site: 'e2e-site-b', ipv4: `${NET}.14/24`, mac: `${MAC}:14` },
];
const APPROVED = [`${PREFIX}web1`, `${PREFIX}VM1`, `${PREFIX}bad`]; // names match case-insensitively

/** The Failure Report's entry for the bad host: n8n 2.x also carries the field (under the error item's details), 1.x does not. */
const badHostFailure = () => ({ host: `${PREFIX}bad`, stage: 'netbox', reason: expect.stringMatching(/cluster/i), ...(n8n.line === '2' ? { field: expect.any(String) } : {}) });

describe.each(LINES)('the example workflow in a real n8n $version ($runtime)', (line) => {
	beforeAll(async () => {
		n8n = line;
		timeline = [];
		t0 = Date.now();
		nb = await connectNetBox();
		dns = unboundEnv();
		assertServiceUp(dns);
		await ensureFixtures();
		await deleteOurNetBoxObjects();
		deleteOurDnsRecords();
		mark('services checked, fixtures ready, leftovers of earlier runs removed');

		await run(['stop']);
		rmSync(n8n.userFolder, { recursive: true, force: true }); // a fresh n8n: new database, new owner
		await run(['install']);
		mark(`n8n ${n8n.version} on ${n8n.runtime} installed, package built, packed and extracted into the user folder`);
		await importCredentials();
		const imported = await run(['cli', 'import:workflow', `--input=${WORKFLOW_FILE}`], undefined, true);
		expect(imported).toContain('Successfully imported 1 workflow');
		mark('credentials and the unchanged workflow file imported with the n8n CLI');
		const url = (await run(['start'], 5 * 60_000)).trim();
		expect(url).toBe(base());
		mark(`n8n ${n8n.version} started at ${url}`);
		await setUpOwnerAndApiKey();
		await configureAndPublish();
		mark('owner set up; Settings filled and workflow published through the public API');
	}, 30 * 60_000);

	afterAll(async () => {
		try {
			if (nb) {
				await deleteOurNetBoxObjects();
				await nb.close();
			}
			if (dns) deleteOurDnsRecords();
		} finally {
			await run(['stop']).catch((error) => console.error(error));
			console.log(`e2e timeline, n8n ${line.version}:\n${timeline.join('\n')}\ntotal ${((Date.now() - t0) / 1000).toFixed(0)} s`);
		}
	});

	it('n8n has loaded both nodes and both credential types from the extracted tarball', async () => {
		const file = path.join(n8n.userFolder, 'nodes-export.json');
		await run(['cli', 'export:nodes', `--output=${file}`]);
		const names = (JSON.parse(readFileSync(file, 'utf8')) as Obj[]).map((n) => n.name);
		expect(names).toEqual(expect.arrayContaining(['n8n-nodes-netbox-auto.netBoxPush', 'n8n-nodes-netbox-auto.unboundDnsPush']));
		const credentialTypes = await http('GET', '/types/credentials.json', undefined, { cookie });
		expect(credentialTypes.status).toBe(200);
		expect((credentialTypes.json as Obj[]).map((c) => c.name)).toEqual(expect.arrayContaining(['netBoxApi', 'unboundSshApi']));
		mark('export:nodes lists both nodes; the server lists both credential types');
	});

	let firstExecution: Obj;

	it('answers the POST at once with the execution id and how to approve, then previews and waits', async () => {
		const reply = await http('POST', '/webhook/netbox-auto/hosts', { hosts: HOSTS });
		expect(reply.status).toBe(202);
		expect(reply.ms).toBeLessThan(5000);
		expect(reply.json).toMatchObject({ status: 'waiting for approval', hosts: HOSTS.map((h) => h.name) });
		expect(reply.json.approve.url).toContain(`/webhook-waiting/${reply.json.executionId}`);
		expect(reply.json.approve.all).toEqual({ approve: 'all' });
		mark(`POST hosts → HTTP 202 in ${reply.ms} ms: ${reply.text.slice(0, 160)}…`);

		const waiting = await execution(reply.json.executionId, ['waiting']);
		const plan = output(waiting, 'Plan for Approval')!;
		expect(plan.map((row) => [row.host, row.netbox, row.dns, row.problem])).toEqual(HOSTS.map((h) => [h.name, 'plan:created', 'plan:created', null]));
		expect(plan[0].dnsRecords).toEqual(['A 10.177.0.11', 'AAAA 2001:db8:177::11', 'PTR 11.0.177.10.in-addr.arpa.', expect.stringMatching(/^PTR .*ip6\.arpa\.$/)]);
		expect(plan[0].netboxChanges).toEqual(['+ device', '+ interface', `+ mac ${MAC}:11`, `+ ip4 ${NET}.11/24`, '+ ip6 2001:db8:177::11/64']);
		// The dry runs wrote nothing.
		expect(await nb.list('api/dcim/devices/', { name__isw: PREFIX })).toHaveLength(0);
		expect(await nb.list('api/virtualization/virtual-machines/', { name__isw: PREFIX })).toHaveLength(0);
		expect(dig(dns, [{ name: `${PREFIX}web1.${dns.UNBOUND_ZONE}`, type: 'A' }])).toEqual([[]]);
		firstExecution = { id: reply.json.executionId, approveUrl: reply.json.approve.url };
		mark(`execution ${reply.json.executionId} waiting for approval; Plan for Approval: ${plan.map((r) => `${r.host} ${r.netbox}/${r.dns}`).join(', ')}`);
	});

	it('after approval of some hosts, exactly those reach NetBox and DNS; the one NetBox rejects is reported, not in DNS', async () => {
		const approval = await http('POST', firstExecution.approveUrl, { approve: APPROVED });
		expect(approval.status).toBe(200);
		mark(`POST approval ${JSON.stringify(APPROVED)} → HTTP 200: ${approval.text.slice(0, 80)}`);
		const done = await execution(firstExecution.id, ['success']);

		const [pushed] = output(done, 'Pushed')!;
		expect(pushed.pushed).toEqual([
			{ host: `${PREFIX}web1`, netbox: 'created', dns: 'created', fqdn: `${PREFIX}web1.${dns.UNBOUND_ZONE}` },
			{ host: `${PREFIX}vm1`, netbox: 'created', dns: 'created', fqdn: `${PREFIX}vm1.${dns.UNBOUND_ZONE}` },
		]);
		expect(pushed.notApproved).toEqual([`${PREFIX}web2`]);
		const report = output(done, 'Failure Report')!;
		expect(report).toHaveLength(1);
		expect(report[0].failures).toEqual([badHostFailure()]);
		expect(output(done, 'Failed in DNS')).toBeUndefined();

		// NetBox: exactly the approved hosts NetBox accepted.
		const [web1] = await nb.list<Obj>('api/dcim/devices/', { name: `${PREFIX}web1` });
		expect(web1).toMatchObject({ site: { slug: 'e2e-site' }, primary_ip4: { address: `${NET}.11/24` }, primary_ip6: { address: '2001:db8:177::11/64' } });
		const [vm1] = await nb.list<Obj>('api/virtualization/virtual-machines/', { name: `${PREFIX}vm1` });
		expect(vm1).toMatchObject({ cluster: { name: 'e2e-cluster' }, primary_ip4: { address: `${NET}.12/24` } });
		const devices = await nb.list<Obj>('api/dcim/devices/', { name__isw: PREFIX });
		const vms = await nb.list<Obj>('api/virtualization/virtual-machines/', { name__isw: PREFIX });
		expect([...devices, ...vms].map((o) => o.name).sort()).toEqual([`${PREFIX}vm1`, `${PREFIX}web1`]);

		// DNS, by real queries: the approved and accepted hosts answer, the others do not.
		const z = dns.UNBOUND_ZONE;
		expect(
			dig(dns, [
				{ name: `${PREFIX}web1.${z}`, type: 'A' },
				{ name: `${PREFIX}web1.${z}`, type: 'AAAA' },
				{ name: `${NET}.11`, type: 'PTR' },
				{ name: `${PREFIX}vm1.${z}`, type: 'A' },
				{ name: `${PREFIX}web2.${z}`, type: 'A' },
				{ name: `${PREFIX}bad.${z}`, type: 'A' },
				{ name: `${NET}.14`, type: 'PTR' },
			]),
		).toEqual([[`${NET}.11`], ['2001:db8:177::11'], [`${PREFIX}web1.${z}.`], [`${NET}.12`], [], [], []]);
		mark(`execution ${firstExecution.id} success: NetBox has web1+vm1, DNS answers them; Failure Report: ${report[0].text.split('\n').slice(1).join(' ')}`);
	});

	it('re-running the same request and approval changes nothing', async () => {
		const before = {
			objects: await netboxFingerprint(),
			file: readFileSync(dns.UNBOUND_MANAGED_FILE, 'utf8'),
			mtime: statSync(dns.UNBOUND_MANAGED_FILE).mtimeMs,
		};
		const reply = await http('POST', '/webhook/netbox-auto/hosts', { hosts: HOSTS });
		expect(reply.status).toBe(202);
		const waiting = await execution(reply.json.executionId, ['waiting']);
		const plan = output(waiting, 'Plan for Approval')!;
		expect(plan.map((r) => [r.host, r.netbox, r.dns])).toEqual([
			[`${PREFIX}web1`, 'plan:unchanged', 'plan:unchanged'],
			[`${PREFIX}vm1`, 'plan:unchanged', 'plan:unchanged'],
			[`${PREFIX}web2`, 'plan:created', 'plan:created'],
			[`${PREFIX}bad`, 'plan:created', 'plan:created'],
		]);
		expect((await http('POST', reply.json.approve.url, { approve: APPROVED })).status).toBe(200);
		const done = await execution(reply.json.executionId, ['success']);
		const [pushed] = output(done, 'Pushed')!;
		expect(pushed.pushed.map((p: Obj) => [p.host, p.netbox, p.dns])).toEqual([
			[`${PREFIX}web1`, 'unchanged', 'unchanged'],
			[`${PREFIX}vm1`, 'unchanged', 'unchanged'],
		]);
		expect(output(done, 'Failure Report')![0].failures).toEqual([badHostFailure()]);
		expect(await netboxFingerprint()).toEqual(before.objects);
		expect(readFileSync(dns.UNBOUND_MANAGED_FILE, 'utf8')).toBe(before.file);
		expect(statSync(dns.UNBOUND_MANAGED_FILE).mtimeMs).toBe(before.mtime);
		mark(`same request again (execution ${reply.json.executionId}): plan:unchanged, pushed unchanged; NetBox objects and the DNS file untouched`);
	});

	it('the scheduled path reports in-sync, drifted and missing per system in one summary item', async () => {
		// Drift made by hand: a DNS name changed in NetBox, a record added in Unbound.
		const [ip] = await nb.list<Obj>('api/ipam/ip-addresses/', { address: `${NET}.12` });
		await nb.request('PATCH', `api/ipam/ip-addresses/${ip.id}/`, { body: { dns_name: 'renamed.example' } });
		control(dns, 'local_data', `${PREFIX}web1.${dns.UNBOUND_ZONE}. 300 IN A ${NET}.200`);

		const started = Date.now();
		const raw = await run(['cli', 'execute', `--id=${WORKFLOW_ID}`, '--rawOutput'], 5 * 60_000);
		const result = JSON.parse(raw.slice(raw.indexOf('\n{') + 1)) as Obj;
		expect(result.status).toBe('success');
		const summary = output(result, 'Status Summary')!;
		expect(summary).toHaveLength(1);
		expect(summary[0]).toMatchObject({
			hosts: 3,
			allInSync: false,
			netbox: { 'in-sync': 1, drifted: 1, missing: 1 },
			dns: { 'in-sync': 1, drifted: 1, missing: 1 },
		});
		const attention = Object.fromEntries((summary[0].attention as Obj[]).map((a) => [a.host, [a.netbox, a.dns]]));
		expect(attention).toEqual({
			[`${PREFIX}web1`]: ['in-sync', 'drifted'],
			[`${PREFIX}vm1`]: ['drifted', 'in-sync'],
			[GHOST.name]: ['missing', 'missing'],
		});
		mark(`n8n execute (scheduled path) in ${((Date.now() - started) / 1000).toFixed(1)} s: ${JSON.stringify({ netbox: summary[0].netbox, dns: summary[0].dns })}`);
	});
});

/** last_updated of every NetBox object the workflow made for the test hosts. */
async function netboxFingerprint(): Promise<Record<string, string>> {
	const objects = [
		...(await nb.list<Obj>('api/dcim/devices/', { name__isw: PREFIX })).map((o) => [`device ${o.name}`, o.last_updated]),
		...(await nb.list<Obj>('api/virtualization/virtual-machines/', { name__isw: PREFIX })).map((o) => [`vm ${o.name}`, o.last_updated]),
		...(await nb.list<Obj>('api/ipam/ip-addresses/', { parent: `${NET}.0/24` })).map((o) => [`ip ${o.address}`, o.last_updated]),
		...(await nb.list<Obj>('api/dcim/mac-addresses/', { mac_address__isw: MAC })).map((o) => [`mac ${o.mac_address}`, o.last_updated]),
		...(await nb.list<Obj>('api/dcim/interfaces/', { device: `${PREFIX}web1` })).map((o) => [`interface ${o.name}`, o.last_updated]),
	];
	expect(objects.length).toBeGreaterThanOrEqual(6);
	return Object.fromEntries(objects);
}
