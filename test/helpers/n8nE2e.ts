// Driving a real n8n from outside over HTTP, as test/e2e/workflow.test.ts does (copied from
// there, parameterized by the n8n's address and service script): owner set-up, an API key,
// the shipped workflow's credentials and Settings node, executions and their node outputs.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { credentialFor, netboxEnv } from './netbox';
import type { UnboundEnv } from './unbound';

export type Obj = Record<string, any>;

export const REPO = path.resolve(__dirname, '../..');
export const WORKFLOW_FILE = path.join(REPO, 'workflows/netbox-dns-approval.json');
export const shippedWorkflow = (): Obj => JSON.parse(readFileSync(WORKFLOW_FILE, 'utf8')) as Obj;

/** Runs a service script (bash SCRIPT ARGS); resolves with its stdout (`all`: stdout + stderr). */
export function runScript(script: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 20 * 60_000, all = false): Promise<string> {
	return new Promise((resolve, reject) => {
		execFile('bash', [script, ...args], { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
			if (error) reject(new Error(`${path.relative(REPO, script)} ${args.join(' ')} failed (${error.message}):\n${(stdout + stderr).slice(-4000)}`));
			else resolve(all ? stdout + stderr : stdout);
		});
	});
}

export async function waitFor<T>(what: string | (() => string), probe: () => Promise<T | undefined>, timeoutMs = 90_000, everyMs = 500): Promise<T> {
	const until = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value !== undefined) return value;
		if (Date.now() > until) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${typeof what === 'function' ? what() : what}`);
		await new Promise((r) => setTimeout(r, everyMs));
	}
}

export interface HttpResult {
	status: number;
	text: string;
	json: any;
	ms: number;
}

export async function http(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
	const started = Date.now();
	const res = await fetch(url, {
		method,
		headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await res.text();
	let json: any;
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined;
	}
	return { status: res.status, text, json, ms: Date.now() - started };
}

/** Items of a node's output in an execution (undefined when the node did not run). */
export function output(e: Obj, node: string, index = 0): Obj[] | undefined {
	const runs = e.data?.resultData?.runData?.[node];
	if (!runs) return undefined;
	return (runs[runs.length - 1].data?.main?.[index] ?? []).map((item: Obj) => item.json);
}

/** One n8n's editor/API side (main process): owner, API key, workflows, executions. */
export class N8nApi {
	cookie = '';
	apiKey = '';
	constructor(readonly base: string) {}

	async setUpOwnerAndApiKey(): Promise<void> {
		const res = await fetch(`${this.base}/rest/owner/setup`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ email: 'owner@e2e.example', firstName: 'E2E', lastName: 'Owner', password: 'E2e-owner-password-1' }),
		});
		if (!res.ok) throw new Error(`owner setup: ${res.status} ${await res.text()}`);
		this.cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
		const scopes = await http('GET', `${this.base}/rest/api-keys/scopes`, undefined, { cookie: this.cookie });
		const key = await http('POST', `${this.base}/rest/api-keys`, { label: 'e2e', scopes: scopes.json.data, expiresAt: null }, { cookie: this.cookie });
		if (key.status !== 200) throw new Error(`api key: ${key.status} ${key.text}`);
		this.apiKey = key.json.data.rawApiKey;
	}

	async api(method: string, apiPath: string, body?: unknown): Promise<any> {
		const res = await http(method, `${this.base}/api/v1/${apiPath}`, body, { 'X-N8N-API-KEY': this.apiKey });
		if (res.status >= 300) throw new Error(`${method} /api/v1/${apiPath}: ${res.status} ${res.text.slice(0, 500)}`);
		return res.json;
	}

	/** An execution once it reached one of `states`, with its run data. */
	async execution(id: string, states: string[], timeoutMs = 90_000): Promise<Obj> {
		let last = '';
		return waitFor(() => `execution ${id} to be ${states.join('/')} (last: ${last})`, async () => {
			const e = await this.api('GET', `executions/${id}?includeData=true`);
			last = e.status;
			if (e.status === 'error' || e.status === 'crashed') {
				throw new Error(`execution ${id} ${e.status}: ${JSON.stringify(e.data?.resultData?.error ?? {}).slice(0, 1000)}`);
			}
			return states.includes(e.status) ? e : undefined;
		}, timeoutMs, timeoutMs > 120_000 ? 3000 : 500);
	}

	/** Fill the shipped workflow's Settings node (what a user does in the editor) and publish it. */
	async configureAndPublish(workflowId: string, values: Record<string, unknown>): Promise<void> {
		const wf = await this.api('GET', `workflows/${workflowId}`);
		const settings = (wf.nodes as Obj[]).find((n) => n.name === 'Settings');
		if (!settings) throw new Error('the shipped workflow has no "Settings" node');
		for (const assignment of settings.parameters.assignments.assignments as Obj[]) {
			if (assignment.name in values) assignment.value = values[assignment.name];
		}
		await this.api('PUT', `workflows/${workflowId}`, { name: wf.name, nodes: wf.nodes, connections: wf.connections, settings: wf.settings });
		const published = await this.api('POST', `workflows/${workflowId}/activate`);
		if (published.active !== true) throw new Error(`workflow ${workflowId} is not active after activate`);
	}
}

/** The header and secret the tests give the workflow's webhooks (credential "Receive Hosts Key"). */
export const WEBHOOK_KEY = { header: 'X-NetBox-Auto-Key', value: 'e2e-webhook-key-0123456789abcdef' };
export const withWebhookKey = (headers: Record<string, string> = {}) => ({ ...headers, [WEBHOOK_KEY.header]: WEBHOOK_KEY.value });

/**
 * Approves (or rejects) a waiting run the way automation does: JSON to the workflow's
 * "Approve by API" webhook, which submits the run's approval page.
 */
export function approveByApi(hookBase: string, page: string, approve: 'all' | string[] | 'reject', approver = 'e2e-bot'): Promise<HttpResult> {
	const body = approve === 'reject' ? { page, approver, reject: true } : { page, approver, approve };
	return http('POST', `${hookBase}/webhook/netbox-auto/approve`, body, withWebhookKey());
}

/** The shipped workflow's three credentials (the ids it names), filled for the test services. */
export function workflowCredentials(shipped: Obj, dns: UnboundEnv): Obj[] {
	const ref = (type: string) => (shipped.nodes as Obj[]).map((n) => n.credentials?.[type]).find(Boolean) as { id: string; name: string };
	return [
		{ ...ref('netBoxApi'), type: 'netBoxApi', data: credentialFor(netboxEnv()) },
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
		{ ...ref('httpHeaderAuth'), type: 'httpHeaderAuth', data: { name: WEBHOOK_KEY.header, value: WEBHOOK_KEY.value } },
	];
}

/** Writes `credentials` to a private temporary file under `dir`, runs `use(file)`, removes it. */
export async function withCredentialsFile<T>(dir: string, credentials: Obj[], use: (file: string) => Promise<T>): Promise<T> {
	const tmp = mkdtempSync(path.join(dir, 'creds-'));
	try {
		const file = path.join(tmp, 'credentials.json');
		writeFileSync(file, JSON.stringify(credentials), { mode: 0o600 });
		return await use(file);
	} finally {
		rmSync(tmp, { recursive: true, force: true });
	}
}
