#!/usr/bin/env node
// Screenshots of the example workflow in the real n8n editor, for the README:
//   docs/workflow.png  the workflow on the canvas
//   docs/dry-run.png   "Plan for Approval" of a run: what the NetBox and DNS dry runs found
//
// Usage:  node scripts/screenshot.mjs      (n8n running, e.g. from scripts/start.sh)
// Needs a run of the workflow that reached the approval step (POST hosts to its webhook);
// it takes the newest one, or SCREENSHOT_EXECUTION=<id>.
// Env: N8N_URL (http://127.0.0.1:5680), N8N_OWNER_EMAIL / N8N_OWNER_PASSWORD (the owner to log
// in as; created with these values when n8n has no owner yet), CHROMIUM (/usr/bin/chromium).
// Drives Debian's chromium with playwright-core (installed into .cache/playwright, no browser
// download); as root it installs chromium with apt-get when it is missing.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TOOLS = path.join(REPO, '.cache/playwright');
const DOCS = path.join(REPO, 'docs');
const URL = (process.env.N8N_URL ?? 'http://127.0.0.1:5680').replace(/\/$/, '');
const EMAIL = process.env.N8N_OWNER_EMAIL ?? 'owner@example.com';
const PASSWORD = process.env.N8N_OWNER_PASSWORD ?? 'Netbox-auto-1';
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const WORKFLOW = JSON.parse(readFileSync(path.join(REPO, 'workflows/netbox-dns-approval.json'), 'utf8'));

const die = (message) => {
	console.error(`screenshot.mjs: FAILED: ${message}`);
	process.exit(1);
};
const say = (message) => console.error(`screenshot.mjs: ${message}`);

/** Chromium and playwright-core, installed by scripts/services/browser.sh (the editor test uses the same). */
function tools() {
	try {
		execFileSync('bash', [path.join(REPO, 'scripts/services/browser.sh')], { stdio: 'inherit', env: { ...process.env, CHROMIUM } });
	} catch {
		die('scripts/services/browser.sh could not provide chromium and playwright-core');
	}
	return createRequire(path.join(TOOLS, 'package.json'))('playwright-core');
}

async function json(response, what) {
	if (!response.ok()) die(`${what}: HTTP ${response.status()} ${(await response.text()).slice(0, 300)}`);
	return response.json();
}

/** Logs the browser context in as the owner, creating the owner on a fresh n8n. */
async function logIn(context) {
	const settings = await json(await context.request.get(`${URL}/rest/settings`), `GET ${URL}/rest/settings (is n8n running? scripts/start.sh)`);
	if (settings.data?.userManagement?.showSetupOnFirstLoad) {
		say(`n8n has no owner yet: creating ${EMAIL}`);
		await json(await context.request.post(`${URL}/rest/owner/setup`, { data: { email: EMAIL, firstName: 'NetBox', lastName: 'Auto', password: PASSWORD } }), 'owner setup');
	}
	await json(await context.request.post(`${URL}/rest/login`, { data: { emailOrLdapLoginId: EMAIL, password: PASSWORD } }), `log in as ${EMAIL} (set N8N_OWNER_EMAIL / N8N_OWNER_PASSWORD)`);
}

/** Closes the pop-overs n8n opens over the canvas (production checklist, tips). */
async function tidy(page) {
	await page.waitForTimeout(1500);
	for (const close of await page.locator('[data-test-id*="close"], button[aria-label="Close"], .el-dialog__headerbtn').all()) {
		if (await close.isVisible().catch(() => false)) await close.click({ timeout: 1000 }).catch(() => {});
	}
	const checklist = page.getByText('Production Checklist');
	if (await checklist.isVisible().catch(() => false)) {
		const box = page.locator('div', { has: checklist }).last();
		await box.locator('button, [role="button"], svg').first().click({ timeout: 1000 }).catch(() => {});
	}
	await page.mouse.move(5, 500);
	await page.waitForTimeout(500);
}

async function newestExecution(context) {
	if (process.env.SCREENSHOT_EXECUTION) return process.env.SCREENSHOT_EXECUTION;
	const filter = encodeURIComponent(JSON.stringify({ workflowId: WORKFLOW.id }));
	const list = await json(await context.request.get(`${URL}/rest/executions?filter=${filter}&limit=50`), 'list executions');
	const runs = (list.data?.results ?? []).filter((e) => ['waiting', 'success'].includes(e.status) && e.mode === 'webhook');
	// Prefer one that waits for approval: its newest node is the plan.
	const run = runs.find((e) => e.status === 'waiting') ?? runs[0];
	if (!run) {
		die(`no run of "${WORKFLOW.name}" reached the approval step yet: publish the workflow and POST hosts to ${URL}/webhook/netbox-auto/hosts`);
	}
	return run.id;
}

const { chromium } = tools();
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
try {
	const context = await browser.newContext({ viewport: { width: 2200, height: 1100 }, deviceScaleFactor: 1.5 });
	await logIn(context);
	const page = await context.newPage();
	mkdirSync(DOCS, { recursive: true });

	await page.goto(`${URL}/workflow/${WORKFLOW.id}`);
	await page.locator('[data-test-id="canvas-node"]').first().waitFor({ timeout: 60_000 }).catch(() => die(`the workflow ${WORKFLOW.id} does not open in the editor: was it imported (scripts/start.sh)?`));
	await tidy(page);
	await page.locator('[data-test-id="zoom-to-fit"]').click().catch(() => page.keyboard.press('1'));
	await page.waitForTimeout(800);
	// Just the workflow: the union of its nodes and sticky notes, with a margin.
	const box = await page.evaluate(() => {
		const rects = [...document.querySelectorAll('.vue-flow__node')].map((n) => n.getBoundingClientRect());
		const left = Math.min(...rects.map((r) => r.left)), top = Math.min(...rects.map((r) => r.top));
		return { x: left, y: top, width: Math.max(...rects.map((r) => r.right)) - left, height: Math.max(...rects.map((r) => r.bottom)) - top };
	});
	const margin = 24;
	await page.screenshot({
		path: path.join(DOCS, 'workflow.png'),
		clip: { x: Math.max(0, box.x - margin), y: Math.max(0, box.y - margin), width: box.width + 2 * margin, height: box.height + 2 * margin },
	});
	say(`wrote ${path.join(DOCS, 'workflow.png')}`);

	const execution = await newestExecution(context);
	await page.setViewportSize({ width: 2000, height: 1000 });
	await page.goto(`${URL}/workflow/${WORKFLOW.id}/executions/${execution}`);
	const plan = page.locator('[data-test-id="canvas-node"]', { hasText: 'Plan for Approval' }).first();
	await plan.waitFor({ timeout: 60_000 }).catch(() => die(`execution ${execution} shows no "Plan for Approval" node`));
	await tidy(page);
	await plan.dblclick();
	const ndv = page.locator('[data-test-id="ndv"]');
	await ndv.waitFor({ timeout: 30_000 }).catch(() => die('the node view did not open'));
	await page.waitForTimeout(1000);
	// Give the output table room: drag the parameters panel to the left.
	const handle = page.locator('[data-test-id="panel-drag-button"]').first();
	const grip = await handle.boundingBox().catch(() => null);
	if (grip) {
		await page.mouse.move(grip.x + grip.width / 2, grip.y + grip.height / 2);
		await page.mouse.down();
		await page.mouse.move(grip.x - 450, grip.y + grip.height / 2, { steps: 20 });
		await page.mouse.up();
	}
	await page.mouse.move(5, 5);
	await page.waitForTimeout(1000);
	await page.screenshot({ path: path.join(DOCS, 'dry-run.png') });
	say(`wrote ${path.join(DOCS, 'dry-run.png')} (execution ${execution})`);
} finally {
	await browser.close();
}
