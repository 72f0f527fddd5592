// The shipped example workflow inside a real n8n, on both supported lines — 2.41.1 (Node 24)
// and 1.123.81 (the system Node 20) — driven from outside with HTTP only, against the real
// NetBox and the real Unbound + sshd. Per line:
//   install n8n and this package's packed tarball (scripts/services/n8n.sh), create the
//   three credentials and import workflows/netbox-dns-approval.json unchanged with n8n's
//   CLI, set up the owner, fill the workflow's Settings node and publish it through n8n's
//   public API (what a user does in the editor), then POST hosts to the webhook (with its
//   key header), approve some of them on the approval page in a real browser (Debian's
//   chromium through playwright-core) or by API, and check NetBox (API, change log) and
//   Unbound (real DNS queries). Screenshots of the approval page go to .cache/e2e-shots/.
// A service that cannot start fails the suite; nothing is skipped.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import type { NetBoxClient } from '../../core/netbox/client';
import { parseManagedFile, renderManagedFile } from '../../core/dns/managedFile';
import { connectNetBox } from '../helpers/netbox';
import { approveByApi, http as httpTo, waitFor, withCredentialsFile, withWebhookKey, workflowCredentials } from '../helpers/n8nE2e';
import { launchChromium, type Browser, type Page } from '../helpers/browser';
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
	// Made by hand, not by the package: an address planted on it conflicts with a test host.
	const box = await ensure('api/dcim/devices/', { name: FOREIGN_BOX }, { name: FOREIGN_BOX, site: site.id, role: { slug: 'e2e-server' }, device_type: { slug: 'e2e-box' } });
	foreignPort = await ensure('api/dcim/interfaces/', { device_id: String(box.id), name: 'eth9' }, { device: box.id, name: 'eth9', type: 'virtual' });
}

/** The credentials the workflow refers to, with the ids it names, made with `n8n import:credentials`. */
async function importCredentials(): Promise<void> {
	await withCredentialsFile(n8n.userFolder, workflowCredentials(shipped, dns), async (file) => {
		expect(await run(['cli', 'import:credentials', `--input=${file}`], undefined, true)).toContain('Successfully imported 3 credentials');
	});
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

const FOREIGN_BOX = 'e2e-foreign-box';
let foreignPort: Obj;

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
	// Bad input: the plan names the field and the value; the page offers no checkbox for it.
	{ name: `${PREFIX}bad`, kind: 'vm', ipv4: `${NET}.300/24`, mac: `${MAC}:14` },
];
const NAMES = HOSTS.map((h) => h.name);
const [WEB1, VM1, WEB2, BAD] = NAMES;
const APPROVER = 'Ana Silva';
const WEB3 = { name: `${PREFIX}web3`, kind: 'device', ipv4: `${NET}.15/24`, mac: `${MAC}:15` };
const SHOTS = path.join(REPO, '.cache/e2e-shots');

let browser: Browser;

/** POST hosts (and flags) to the webhook with its key; expects HTTP 202, waits for the approval page. */
async function sendForApproval(body: Obj): Promise<{ id: string; page: string; waiting: Obj }> {
	const reply = await http('POST', '/webhook/netbox-auto/hosts', body, withWebhookKey());
	expect(reply.status).toBe(202);
	expect(reply.json.approvalPage).toMatch(new RegExp(`^${base()}/form-waiting/${reply.json.executionId}(\\?|$)`));
	const waiting = await execution(reply.json.executionId, ['waiting']);
	return { id: reply.json.executionId, page: reply.json.approvalPage, waiting };
}

/** Opens the approval page in chromium (desktop width). */
async function openApprovalPage(url: string): Promise<Page> {
	const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
	await page.goto(url);
	await page.locator(APPROVER_FIELD).waitFor({ timeout: 30_000 });
	return page;
}

// The page's fields by position: the plan, 50 host slots (a checkbox field each, or hidden),
// the approver, the decision.
const APPROVER_FIELD = '#field-51';
const DECISION_FIELD = '#field-52';

/** The host checkboxes of the page: host → ticked. */
async function hostBoxes(page: Page): Promise<Record<string, boolean>> {
	return page.evaluate(() => {
		const document = (globalThis as any).document;
		const boxes: Record<string, boolean> = {};
		for (let i = 1; i <= 50; i++) {
			const field = document.getElementById(`field-${i}`);
			if (!field?.classList.contains('multiselect')) continue;
			boxes[field.previousElementSibling.textContent.trim()] = field.querySelector('input').checked;
		}
		return boxes;
	});
}

/** Unticks a host's checkbox. */
async function untick(page: Page, host: string): Promise<void> {
	const label = page.locator('label.form-label', { hasText: new RegExp(`^${host}$`) });
	const field = await label.evaluate((l: any) => l.nextElementSibling.id);
	await page.locator(`#${field} input`).uncheck();
}

/** Fills the approver, picks the decision, submits; resolves with what the page says then. */
async function decide(page: Page, approver: string, decision: 'Approve selected' | 'Reject all', shot?: string): Promise<string> {
	await page.locator(APPROVER_FIELD).fill(approver);
	await page.locator(`${DECISION_FIELD} input[value="${decision}"]`).check();
	if (shot) await page.screenshot({ path: path.join(SHOTS, shot), fullPage: true });
	await page.locator('#submit-btn').click();
	const said = page.locator('#submitted-content');
	await said.waitFor({ state: 'visible', timeout: 60_000 });
	await waitFor('the page to say what happens', async () => ((await said.textContent())?.trim() ? true : undefined), 30_000);
	return (await said.textContent()).trim();
}

/** NetBox's change-log messages of the objects of a device. */
async function changeLogMessages(device: Obj): Promise<string[]> {
	const changes = await nb.list<Obj>('api/core/object-changes/', { changed_object_type: 'dcim.device', changed_object_id: String(device.id) });
	return changes.map((c) => c.message);
}

const stages = (netbox: string, dnsStage: string) => ({ netbox, dns: dnsStage });

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
		browser = await launchChromium();
		mkdirSync(SHOTS, { recursive: true });
		mark('services and chromium checked, fixtures ready, leftovers of earlier runs removed');

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
			await browser?.close();
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

	it('without the key header, or with a wrong key, the webhook refuses (HTTP 403) and nothing runs', async () => {
		const before = (await api('GET', `executions?workflowId=${WORKFLOW_ID}&limit=250`)).data.length;
		const none = await http('POST', '/webhook/netbox-auto/hosts', { hosts: HOSTS });
		const wrong = await http('POST', '/webhook/netbox-auto/hosts', { hosts: HOSTS }, { 'X-NetBox-Auto-Key': 'not-the-key' });
		const approveWithout = await http('POST', '/webhook/netbox-auto/approve', { page: 'x', approver: 'x', approve: 'all' });
		// n8n's Header Auth answers 403 Forbidden (n8n-nodes-base Webhook/utils.js), not 401.
		expect([none.status, wrong.status, approveWithout.status]).toEqual([403, 403, 403]);
		await new Promise((r) => setTimeout(r, 1000));
		expect((await api('GET', `executions?workflowId=${WORKFLOW_ID}&limit=250`)).data.length).toBe(before);
		mark(`no key / wrong key → HTTP ${none.status} / ${wrong.status}; approve API without key → ${approveWithout.status}; no execution started`);
	});

	it('invalid flags and unknown fields get HTTP 400 naming them', async () => {
		const bad = await http('POST', '/webhook/netbox-auto/hosts', { hosts: HOSTS, dryRun: 'yes' }, withWebhookKey());
		expect(bad.status).toBe(400);
		expect(bad.json.error).toContain('dryRun "yes": must be true or false');
		const typo = await http('POST', '/webhook/netbox-auto/hosts?skipDNS=1', { hosts: HOSTS }, withWebhookKey());
		expect(typo.status).toBe(400);
		expect(typo.json.error).toContain('unknown query parameter "skipDNS"');
		const both = await http('POST', '/webhook/netbox-auto/hosts', { hosts: HOSTS, skipNetbox: true, skipDns: 'true' }, withWebhookKey());
		expect(both.status).toBe(400);
		expect(both.json.error).toContain('skipNetbox and skipDns together leave nothing to do');
		mark(`bad flags → HTTP 400: ${bad.json.error} | ${typo.json.error}`);
	});

	it('dryRun: the reply carries the plan; no approval is asked and nothing is written', async () => {
		const reply = await http('POST', '/webhook/netbox-auto/hosts?dryRun=true', { hosts: HOSTS }, withWebhookKey());
		expect(reply.status).toBe(200);
		expect(reply.json.flags).toEqual({ dryRun: true, skipNetbox: false, skipDns: false });
		expect(reply.json.pushable).toEqual([WEB1, VM1, WEB2]);
		const plan = reply.json.plan as Obj[];
		expect(plan.map((r) => [r.host, r.netbox, r.dns])).toEqual([
			[WEB1, 'plan:created', 'plan:created'],
			[VM1, 'plan:created', 'plan:created'],
			[WEB2, 'plan:created', 'plan:created'],
			[BAD, expect.any(String), expect.any(String)],
		]);
		expect(plan[3].problem).toMatch(/^ipv4 "10\.177\.0\.300\/24": /);
		expect(plan[0].dnsRecords).toEqual(['A 10.177.0.11', 'AAAA 2001:db8:177::11', 'PTR 11.0.177.10.in-addr.arpa.', expect.stringMatching(/^PTR .*ip6\.arpa\.$/)]);
		expect(plan[0].netboxChanges).toEqual(['+ device', '+ interface', `+ mac ${MAC}:11`, `+ ip4 ${NET}.11/24`, '+ ip6 2001:db8:177::11/64']);
		const done = await execution(reply.json.executionId, ['success']);
		expect(output(done, 'Wait for Approval')).toBeUndefined();
		expect(await nb.list('api/dcim/devices/', { name__isw: PREFIX })).toHaveLength(0);
		expect(await nb.list('api/virtualization/virtual-machines/', { name__isw: PREFIX })).toHaveLength(0);
		expect(dig(dns, [{ name: `${WEB1}.${dns.UNBOUND_ZONE}`, type: 'A' }])).toEqual([[]]);
		mark(`dryRun → HTTP 200 in ${reply.ms} ms with the plan of ${plan.length} hosts; nothing written`);
	});

	it('the approval page shows the plan; the approver unticks a host and approves: exactly the ticked hosts reach NetBox and DNS, the change log names the approver', async () => {
		const sent = await sendForApproval({ hosts: HOSTS });
		const plan = output(sent.waiting, 'Plan for Approval')!;
		expect(plan.map((r) => [r.host, r.problem === null])).toEqual([[WEB1, true], [VM1, true], [WEB2, true], [BAD, false]]);
		// The link also comes out of the execution, for a Slack or e-mail node to send.
		expect(output(sent.waiting, 'Notify Approvers')).toEqual([expect.objectContaining({ approvalPage: sent.page, hosts: NAMES, pushable: [WEB1, VM1, WEB2] })]);
		mark(`POST 4 hosts (one invalid) → HTTP 202; execution ${sent.id} waiting on the approval page`);

		// A link that pre-fills the page's API field must not override what the approver ticks.
		const page = await openApprovalPage(`${sent.page}${sent.page.includes('?') ? '&' : '?'}apiSelection=%22all%22`);
		const text = await page.locator('form').innerText();
		// Per host: what NetBox and DNS would get; the invalid host with its reason; no raw JSON.
		expect(text).toContain(`${WEB1} — NetBox: create · DNS: create`);
		expect(text).toContain(`+ ip4 ${NET}.11/24`);
		expect(text).toContain(`DNS: + A ${NET}.11 · + AAAA 2001:db8:177::11 · + PTR for ${NET}.11 · + PTR for 2001:db8:177::11`);
		expect(text).toContain(`DNS: + A ${NET}.12 · + PTR for ${NET}.12`);
		expect(text).toContain(`Cannot be pushed (1)`);
		expect(text).toContain(`${BAD}: ipv4 "${NET}.300/24":`);
		expect(text).not.toMatch(/[{}[\]]"/);
		expect(await hostBoxes(page)).toEqual({ [WEB1]: true, [VM1]: true, [WEB2]: true });
		await untick(page, WEB2);
		const said = await decide(page, APPROVER, 'Approve selected', `approval-page-${n8n.line}.png`);
		await page.screenshot({ path: path.join(SHOTS, `approval-submitted-${n8n.line}.png`) });
		expect(said).toContain(`Approved by ${APPROVER}: 2 host(s) go to NetBox, then DNS now (${WEB1}, ${VM1}). 1 host(s) were left out.`);
		await page.context().close();
		mark(`approval page: 3 hosts ticked, ${WEB2} unticked by hand, approved by "${APPROVER}"; page says: ${said}`);

		const done = await execution(sent.id, ['success']);
		const [pushed] = output(done, 'Pushed')!;
		expect(pushed).toMatchObject({ approvedBy: APPROVER, executionId: String(sent.id), stages: stages('ran', 'ran') });
		expect(pushed.pushed).toEqual([
			{ host: WEB1, netbox: 'created', dns: 'created', fqdn: `${WEB1}.${dns.UNBOUND_ZONE}` },
			{ host: VM1, netbox: 'created', dns: 'created', fqdn: `${VM1}.${dns.UNBOUND_ZONE}` },
		]);
		expect(pushed.notApproved).toEqual([WEB2, BAD]);
		expect(output(done, 'Failure Report')).toBeUndefined();
		// Each host item carries who approved it, and in which execution.
		expect(output(done, 'NetBox Push')!.map((h) => h.approval?.by)).toEqual([APPROVER, APPROVER, APPROVER, APPROVER]);

		const devices = await nb.list<Obj>('api/dcim/devices/', { name__isw: PREFIX });
		const vms = await nb.list<Obj>('api/virtualization/virtual-machines/', { name__isw: PREFIX });
		expect([...devices, ...vms].map((o) => o.name).sort()).toEqual([VM1, WEB1]);
		const messages = await changeLogMessages(devices[0]);
		expect(messages.length).toBeGreaterThan(0);
		expect(new Set(messages)).toEqual(new Set([`netbox-auto: approved by ${APPROVER}, n8n execution ${sent.id}`]));

		const z = dns.UNBOUND_ZONE;
		expect(
			dig(dns, [
				{ name: `${WEB1}.${z}`, type: 'A' },
				{ name: `${WEB1}.${z}`, type: 'AAAA' },
				{ name: `${NET}.11`, type: 'PTR' },
				{ name: `${VM1}.${z}`, type: 'A' },
				{ name: `${WEB2}.${z}`, type: 'A' },
				{ name: `${NET}.13`, type: 'PTR' },
			]),
		).toEqual([[`${NET}.11`], ['2001:db8:177::11'], [`${WEB1}.${z}.`], [`${NET}.12`], [], []]);
		mark(`execution ${sent.id} success: NetBox has ${WEB1} + ${VM1} (change log: "${messages[0]}"), DNS answers them, ${WEB2} nowhere`);
	});

	it('the same hosts again, approved by API: nothing changes for the pushed ones; a foreign address planted before approval fails its host with stage, field and reason in the Failure Report', async () => {
		const before = {
			objects: await netboxFingerprint(),
			file: readFileSync(dns.UNBOUND_MANAGED_FILE, 'utf8'),
			mtime: statSync(dns.UNBOUND_MANAGED_FILE).mtimeMs,
		};
		const sent = await sendForApproval({ hosts: HOSTS });
		expect(output(sent.waiting, 'Plan for Approval')!.map((r) => [r.host, r.netbox, r.dns])).toEqual([
			[WEB1, 'plan:unchanged', 'plan:unchanged'],
			[VM1, 'plan:unchanged', 'plan:unchanged'],
			[WEB2, 'plan:created', 'plan:created'],
			[BAD, expect.any(String), expect.any(String)],
		]);
		// Between plan and approval someone gives web2's address to a device of their own.
		const planted = await nb.request<Obj>('POST', 'api/ipam/ip-addresses/', {
			body: { address: `${NET}.13/24`, assigned_object_type: 'dcim.interface', assigned_object_id: foreignPort.id, description: 'made by hand' },
		});
		const approval = await approveByApi(base(), sent.page, 'all');
		expect(approval.status).toBe(200);
		expect(approval.json.result).toContain('Approved by e2e-bot: 3 host(s)');
		const done = await execution(sent.id, ['success']);
		// The page is answered: a second answer is refused, and changes nothing.
		const again = await approveByApi(base(), sent.page, 'reject');
		expect([again.status, again.json.status]).toEqual([409, 'not submitted']);
		expect(again.json.error).toContain('not waiting for an answer');
		const [pushed] = output(done, 'Pushed')!;
		expect(pushed.pushed.map((p: Obj) => [p.host, p.netbox, p.dns])).toEqual([
			[WEB1, 'unchanged', 'unchanged'],
			[VM1, 'unchanged', 'unchanged'],
		]);
		const [report] = output(done, 'Failure Report')!;
		expect(report.failures).toEqual([
			{ host: WEB2, stage: 'netbox', field: 'ipv4', reason: expect.stringMatching(/is assigned to .*never moved/) },
		]);
		expect(report).toMatchObject({ failed: 1, approvedBy: 'e2e-bot', stages: stages('ran', 'ran') });
		// Nothing of web2 was written; the foreign address is as it was made; the rest untouched.
		expect(await nb.list('api/dcim/devices/', { name: WEB2 })).toHaveLength(0);
		const [still] = await nb.list<Obj>('api/ipam/ip-addresses/', { id: String(planted.id) });
		expect([still.last_updated, still.assigned_object_id, still.tags]).toEqual([planted.last_updated, foreignPort.id, []]);
		const { [`ip ${NET}.13/24`]: _planted, ...after } = await netboxFingerprint();
		expect(after).toEqual(before.objects);
		expect(readFileSync(dns.UNBOUND_MANAGED_FILE, 'utf8')).toBe(before.file);
		expect(statSync(dns.UNBOUND_MANAGED_FILE).mtimeMs).toBe(before.mtime);
		await nb.request('DELETE', `api/ipam/ip-addresses/${planted.id}/`);
		mark(`same hosts approved by API (execution ${sent.id}): unchanged; Failure Report: ${report.text.split('\n').slice(1).join(' ')}`);
	});

	it('the scheduled path reports in-sync, drifted and missing per system in one summary item', async () => {
		// Drift made by hand: a DNS name changed in NetBox, a record added in Unbound.
		const [ip] = await nb.list<Obj>('api/ipam/ip-addresses/', { address: `${NET}.12` });
		await nb.request('PATCH', `api/ipam/ip-addresses/${ip.id}/`, { body: { dns_name: 'renamed.example' } });
		control(dns, 'local_data', `${WEB1}.${dns.UNBOUND_ZONE}. 300 IN A ${NET}.200`);

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
			[WEB1]: ['in-sync', 'drifted'],
			[VM1]: ['drifted', 'in-sync'],
			[GHOST.name]: ['missing', 'missing'],
		});
		mark(`n8n execute (scheduled path) in ${((Date.now() - started) / 1000).toFixed(1)} s: ${JSON.stringify({ netbox: summary[0].netbox, dns: summary[0].dns })}`);
	});

	it('with 50 hosts the page offers 50 ticked checkboxes; a rejection writes nothing and ends in one item naming who rejected', async () => {
		const many = [WEB3, ...Array.from({ length: 49 }, (_, i) => ({ name: `${PREFIX}many${i + 1}`, kind: 'vm', ipv4: `${NET}.${100 + i}/24` }))];
		const sent = await sendForApproval({ hosts: many });
		const page = await openApprovalPage(sent.page);
		expect(await hostBoxes(page)).toEqual(Object.fromEntries(many.map((h) => [h.name, true])));
		await page.screenshot({ path: path.join(SHOTS, `approval-page-50-hosts-${n8n.line}.png`), fullPage: true });
		const said = await decide(page, 'Bo Berg', 'Reject all');
		await page.context().close();
		expect(said).toBe('Rejected by Bo Berg: nothing is written to NetBox or DNS.');
		const done = await execution(sent.id, ['success']);
		expect(output(done, 'Rejected')).toEqual([expect.objectContaining({ decision: 'rejected', by: 'Bo Berg', executionId: String(sent.id), pushed: [], hosts: many.map((h) => h.name) })]);
		for (const node of ['NetBox Push', 'Unbound DNS Push', 'Pushed', 'Failure Report']) expect(output(done, node)).toBeUndefined();
		expect(await nb.list('api/dcim/devices/', { name: WEB3.name })).toHaveLength(0);
		expect(await nb.list('api/virtualization/virtual-machines/', { name__isw: `${PREFIX}many` })).toHaveLength(0);
		mark(`50 hosts on the page (50 ticked checkboxes), rejected by "Bo Berg" (execution ${sent.id}): ${said}`);
	});

	it('skipDns: the approved host goes to NetBox and not to DNS; the reply, the page and Pushed say which stages ran', async () => {
		const mtime = statSync(dns.UNBOUND_MANAGED_FILE).mtimeMs;
		const sent = await sendForApproval({ hosts: [WEB3], skipDns: true });
		const page = await openApprovalPage(sent.page);
		expect(await page.locator('form').innerText()).toContain('NetBox will be pushed, then DNS skipped (skipDns)');
		await page.context().close();
		expect((await approveByApi(base(), sent.page, [WEB3.name])).status).toBe(200);
		const done = await execution(sent.id, ['success']);
		const [pushed] = output(done, 'Pushed')!;
		expect(pushed).toMatchObject({ stages: stages('ran', 'skipped (skipDns)'), pushed: [{ host: WEB3.name, netbox: 'created', dns: 'skipped' }] });
		expect(output(done, 'Unbound DNS Push')).toBeUndefined();
		expect(await nb.list('api/dcim/devices/', { name: WEB3.name })).toHaveLength(1);
		expect(dig(dns, [{ name: `${WEB3.name}.${dns.UNBOUND_ZONE}`, type: 'A' }])).toEqual([[]]);
		expect(statSync(dns.UNBOUND_MANAGED_FILE).mtimeMs).toBe(mtime);
		mark(`skipDns (execution ${sent.id}): ${WEB3.name} created in NetBox, no DNS record, DNS file untouched`);
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
