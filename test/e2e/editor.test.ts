// The nodes in the real n8n editor (2.41.1), driven with Debian's chromium through
// playwright-core (scripts/services/browser.sh), as a user clicks them:
//   - NetBox Push's Site list, loaded from the demo NetBox, shows every demo site;
//   - Unbound DNS Push's Field Mapping offers only the fields DNS uses;
//   - a run whose hosts are all unapproved shows the hint above the output.
// Its own n8n (port 5683, own user folder), the package packed as a user installs it.
// Screenshots of each step go to .cache/editor-test/ (docs/ holds copies).
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { connectDemoNetBox, demoEnv } from '../helpers/brownfield';
import { credentialFor } from '../helpers/netbox';
import { launchChromium, type Page } from '../helpers/browser';

const REPO = path.resolve(__dirname, '../..');
const N8N_SH = path.join(REPO, 'scripts/services/n8n.sh');
const PORT = 5683;
const BASE = `http://127.0.0.1:${PORT}`;
const USER_FOLDER = path.join(REPO, '.cache/n8n/editor-test');
const SHOTS = path.join(REPO, '.cache/editor-test');
const OWNER = { email: 'owner@example.com', password: 'Netbox-auto-1' };

let browser: any;
let page: Page;
let workflowId = '';
let demoSites: string[] = [];

function n8n(args: string[], timeoutMs = 20 * 60_000): Promise<string> {
	const env = { ...process.env, N8N_PORT: String(PORT), N8N_USER_FOLDER: USER_FOLDER };
	return new Promise((resolve, reject) => {
		execFile('bash', [N8N_SH, ...args], { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
			error ? reject(new Error(`n8n.sh ${args.join(' ')} failed (${error.message}):\n${(stdout + stderr).slice(-3000)}`)) : resolve(stdout),
		);
	});
}

async function api(method: 'get' | 'post', url: string, data?: unknown) {
	const response = await page.context().request[method](`${BASE}${url}`, data === undefined ? {} : { data });
	if (!response.ok()) throw new Error(`${method.toUpperCase()} ${url}: HTTP ${response.status()} ${(await response.text()).slice(0, 300)}`);
	return (await response.json()).data;
}

/** Opens a node of the test workflow in the node view. */
async function openNode(name: string) {
	await page.goto(`${BASE}/workflow/${workflowId}`);
	await page.locator('[data-test-id="canvas-node"]', { hasText: name }).first().waitFor({ timeout: 60_000 });
	await page.waitForTimeout(1000);
	await page.locator('[data-test-id="canvas-node"]', { hasText: name }).first().dblclick();
	await page.locator('[data-test-id="ndv"]').waitFor({ timeout: 30_000 });
	await page.waitForTimeout(800);
}

/** The texts of the open dropdown's entries (first line: the label). */
async function dropdownLabels(): Promise<string[]> {
	const items = page.locator('.el-select-dropdown__item:visible');
	await items.first().waitFor({ timeout: 30_000 });
	return (await items.allInnerTexts()).map((t: string) => t.split('\n')[0].trim());
}

beforeAll(async () => {
	const client = await connectDemoNetBox();
	demoSites = (await client.list<{ name: string }>('api/dcim/sites/', { brief: 1 })).map((s) => s.name).sort();
	await client.close();

	await n8n(['stop']);
	rmSync(USER_FOLDER, { recursive: true, force: true });
	rmSync(SHOTS, { recursive: true, force: true });
	mkdirSync(SHOTS, { recursive: true });
	expect((await n8n(['start'], 10 * 60_000)).trim()).toBe(BASE);

	browser = await launchChromium();
	page = await (await browser.newContext({ viewport: { width: 1600, height: 1000 } })).newPage();
	const request = page.context().request;
	await request.post(`${BASE}/rest/owner/setup`, { data: { ...OWNER, firstName: 'NetBox', lastName: 'Auto' } });
	await api('post', '/rest/login', { emailOrLdapLoginId: OWNER.email, password: OWNER.password });
	const credential = await api('post', '/rest/credentials', {
		name: 'Demo NetBox',
		type: 'netBoxApi',
		data: credentialFor(demoEnv()),
	});
	const workflow = await api('post', '/rest/workflows', {
		name: 'Editor test',
		settings: {},
		nodes: [
			{ id: 'start', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: 'hosts',
				name: 'Hosts',
				type: 'n8n-nodes-base.code',
				typeVersion: 2,
				position: [200, 0],
				parameters: { jsCode: "return [{ json: { name: 'editor-web01', ipv4: '10.99.0.5/24' } }];" },
			},
			{
				id: 'netbox',
				name: 'NetBox Push',
				type: 'n8n-nodes-netbox-auto.netBoxPush',
				typeVersion: 1,
				position: [400, 0],
				parameters: { operation: 'push', dryRun: true },
				credentials: { netBoxApi: { id: credential.id, name: credential.name } },
			},
			{ id: 'dns', name: 'Unbound DNS Push', type: 'n8n-nodes-netbox-auto.unboundDnsPush', typeVersion: 1, position: [700, 0], parameters: { operation: 'push', zone: 'lab.example' } },
		],
		connections: {
			Start: { main: [[{ node: 'Hosts', type: 'main', index: 0 }]] },
			Hosts: { main: [[{ node: 'NetBox Push', type: 'main', index: 0 }]] },
		},
	});
	workflowId = workflow.id;
}, 15 * 60_000);

afterAll(async () => {
	await browser?.close();
	await n8n(['stop']).catch((error) => console.error(error));
});

it('NetBox Push: the Site list shows every site of the demo NetBox', async () => {
	expect(demoSites.length).toBeGreaterThan(10);
	await openNode('NetBox Push');
	await page.locator('[data-test-id="collection-parameter-add"]').first().click(); // Defaults → Add Default
	await page.locator('.el-select-dropdown__item:visible', { hasText: 'Site Name or ID' }).first().click();
	await page.locator('[data-test-id="parameter-input-site"]').click();
	const labels = await dropdownLabels();
	await page.screenshot({ path: path.join(SHOTS, 'pick-list.png') });
	expect([...labels].sort()).toEqual(demoSites);
}, 120_000);

it('Unbound DNS Push: Field Mapping offers only the fields DNS uses', async () => {
	await openNode('Unbound DNS Push');
	await page.locator('[data-test-id="collection-parameter-add"]').first().click(); // Field Mapping → Map a Field
	const labels = await dropdownLabels();
	expect([...labels].sort()).toEqual(['Approved', 'IPv4', 'IPv6', 'Name']);
}, 120_000);

it('a run whose hosts are all unapproved says so above the output', async () => {
	await page.goto(`${BASE}/workflow/${workflowId}`);
	await page.locator('[data-test-id="execute-workflow-button"]').first().click({ timeout: 60_000 });
	await page.waitForTimeout(3000);
	await page.locator('[data-test-id="canvas-node"]', { hasText: 'NetBox Push' }).first().dblclick();
	const hints = page.locator('[data-test-id="run-data-hints"]', { hasText: 'skipped' });
	await hints.first().waitFor({ timeout: 60_000 });
	await page.screenshot({ path: path.join(SHOTS, 'hint.png') });
	expect((await hints.allInnerTexts()).join(' ')).toContain(
		'1 of 1 host skipped: not approved. Set `approved: true` on the items or turn off Only Approved Hosts.',
	);
}, 120_000);
