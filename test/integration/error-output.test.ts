// Error routing, paired items and per-item parameters through n8n's own
// engine, run twice by jest: in the `integration` project on n8n-core 2.41
// (n8n 2.x) and in the `n8n-core 1.122` project on n8n 1.x's engine (the one in
// n8n 1.123), whose rule for the error output is narrower. Both nodes, against
// the real NetBox and the real Unbound.
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';
import type { NetBoxClient } from '../../core/netbox/client';
import { NetBoxPush } from '../../nodes/NetBoxPush/NetBoxPush.node';
import { UnboundDnsPush } from '../../nodes/UnboundDnsPush/UnboundDnsPush.node';
import { connectNetBox, credentialFor, deleteHosts, ensureFixtures, makeHosts as netboxHosts, netboxEnv } from '../helpers/netbox';
import { runNode, type RunNodeResult } from '../helpers/runNode';
import { assertServiceUp, credential, dig, ip, makeHosts as dnsHosts, resetUnbound, unboundEnv } from '../helpers/unbound';

// jest.config.js sets N8N_CORE_LINE for the 1.122 project.
const LINE = (globalThis as { N8N_CORE_LINE?: string }).N8N_CORE_LINE ?? '2.41';
const PREFIX = 'itengine';
// n8n 1.x routes only json {error, message}: the result (`details`) stays out there.
const DETAILS = LINE !== '1.122';
/** The node's result on a failed item: under `details` on n8n 2.x, absent on 1.x. */
function failedResult(item: INodeExecutionData, key: string, expected: IDataObject) {
	if (DETAILS) expect((item.json.details as IDataObject)[key]).toMatchObject(expected);
	else expect(item.json.details).toBeUndefined();
}
const netbox = netboxEnv();
const env = unboundEnv();
const ZONE = env.UNBOUND_ZONE;
type OnError = 'continueErrorOutput' | 'continueRegularOutput' | 'stopWorkflow';

let nb: NetBoxClient;
let fixtures: Awaited<ReturnType<typeof ensureFixtures>>;

const runNetBox = (items: IDataObject[], parameters: IDataObject, onError: OnError = 'continueErrorOutput') =>
	runNode({
		node: new NetBoxPush(),
		parameters: { operation: 'push', ...parameters, options: { dnsDomain: 'lab.example', ...(parameters.options as IDataObject) } },
		credentials: { netBoxApi: credentialFor(netbox) },
		items,
		onError,
	});

const runDns = (items: IDataObject[], parameters: IDataObject, onError: OnError = 'continueErrorOutput') =>
	runNode({
		node: new UnboundDnsPush(),
		parameters: { operation: 'push', zone: ZONE, managedFile: env.UNBOUND_MANAGED_FILE, unboundConfig: env.UNBOUND_CONF, useSudo: true, ...parameters },
		credentials: { unboundSshApi: credential(env) },
		items,
		onError,
	});

/** Input index of each output item; every input item must come out exactly once. */
function pairing(result: RunNodeResult, inputs: number): { success: number[]; errors: number[] } {
	const index = (item: INodeExecutionData) => {
		const paired = item.pairedItem as { item: number } | undefined;
		if (!paired || typeof paired.item !== 'number') throw new Error(`an item without pairedItem: ${JSON.stringify(item.json).slice(0, 200)}`);
		return paired.item;
	};
	const success = result.success.map(index);
	const errors = result.errors.map(index);
	expect([...success, ...errors].sort((a, b) => a - b)).toEqual(Array.from({ length: inputs }, (_, i) => i));
	return { success, errors };
}

beforeAll(async () => {
	assertServiceUp(env);
	nb = await connectNetBox();
	fixtures = await ensureFixtures(nb);
	await deleteHosts(nb, PREFIX);
	resetUnbound(env);
}, 120_000);

afterAll(async () => {
	await deleteHosts(nb, PREFIX);
	resetUnbound(env);
	await nb?.close();
});

describe(`on n8n-core ${LINE}`, () => {
	it('runs the engine this project names', () => {
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const version = (require('n8n-core/package.json') as { version: string }).version;
		expect(version.split('.').slice(0, 2).join('.')).toBe(LINE);
	});

	it('NetBox Push: failed hosts on the error output with their fields, their result and their pairing; the rest on the main output', async () => {
		const [a, b] = netboxHosts(PREFIX, 2, 560, fixtures);
		const items = [a, { ...b, ipv4: '10.0.0.999/24' }, { ...b, name: `${PREFIX}-skipped`, approved: false }, { ...a, name: a.name.toUpperCase() }];
		const result = await runNetBox(items as unknown as IDataObject[], { dryRun: true });
		expect(result.error).toBeUndefined();
		const { success, errors } = pairing(result, 4);
		expect(success).toEqual([0, 2]);
		expect(errors).toEqual([1, 3]);
		const [badIp, duplicate] = result.errors.map((i) => i.json);
		// The host's own fields come back with the error, on both engines.
		expect(badIp).toMatchObject({ name: b.name, ipv4: '10.0.0.999/24', mac: b.mac });
		expect(String(badIp.error)).toMatch(/^ipv4 /);
		expect(badIp.message).toBe(badIp.error);
		failedResult(result.errors[0], 'netbox', { action: 'plan:failed', field: 'ipv4' });
		failedResult(result.errors[1], 'netbox', { field: 'name' });
		expect(String(duplicate.error)).toContain('(item 1)');
		expect(result.success.map((i) => (i.json.netbox as IDataObject).action)).toEqual(['plan:created', 'plan:skipped']);
	});

	it('Unbound DNS Push: the same, and "continue (regular output)" keeps the failed host on the main output', async () => {
		const [a, b] = dnsHosts(`${PREFIX}-dns`, 2, 91);
		const items = [a, { ...b, ipv6: 'fd00::zz/64' }];
		const result = await runDns(items, {});
		expect(pairing(result, 2)).toEqual({ success: [0], errors: [1] });
		expect(result.errors[0].json).toMatchObject({ name: b.name, ipv4: b.ipv4 });
		failedResult(result.errors[0], 'dns', { action: 'failed', field: 'ipv6' });
		expect(dig(env, [{ name: `${a.name}.${ZONE}`, type: 'A' }, { name: `${b.name}.${ZONE}`, type: 'A' }])).toEqual([[ip(a.ipv4)], []]);

		const regular = await runDns(items, {}, 'continueRegularOutput');
		expect(regular.errors).toEqual([]);
		expect(regular.success.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect((regular.success[0].json.dns as IDataObject).action).toBe('unchanged');
		expect(String(regular.success[1].json.error)).toMatch(/^ipv6 /);

		const stop = await runDns(items, {}, 'stopWorkflow');
		expect(stop.error?.message).toMatch(/1 of 2 hosts failed: .*\(item 2\): ipv6 /);
	});

	it('parameters are read per item: each item’s zone and dry run; items alike form one batch', async () => {
		const hosts = dnsHosts(`${PREFIX}-zone`, 4, 92);
		const sub = `sub.${ZONE}`;
		// Items 0 and 2 push into the zone, 1 into a subzone, 3 only plans.
		const items = hosts.map((h, i) => ({ ...h, zone: i === 1 ? sub : ZONE, dryRun: i === 3 }));
		const result = await runDns(items, { zone: '={{ $json.zone }}', dryRun: '={{ $json.dryRun }}', summary: true });
		expect(result.errors).toEqual([]);
		const results = result.success.slice(0, 4).map((i) => i.json.dns as IDataObject);
		expect(results.map((r) => r.fqdn)).toEqual([`${hosts[0].name}.${ZONE}`, `${hosts[1].name}.${sub}`, `${hosts[2].name}.${ZONE}`, `${hosts[3].name}.${ZONE}`]);
		expect(results.map((r) => r.action)).toEqual(['created', 'created', 'created', 'plan:created']);
		const served = dig(env, results.map((r) => ({ name: String(r.fqdn), type: 'A' as const })));
		expect(served).toEqual([[ip(hosts[0].ipv4)], [ip(hosts[1].ipv4)], [ip(hosts[2].ipv4)], []]);
		// One report for the run, paired with every item.
		expect(result.success[4].pairedItem).toHaveLength(4);
	});

	it('one item’s bad setting fails that item only, naming the parameter; Prune across different settings is refused for its items', async () => {
		const hosts = dnsHosts(`${PREFIX}-ttl`, 3, 93);
		const items = hosts.map((h, i) => ({ ...h, ttl: i === 1 ? -5 : 60 }));
		const result = await runDns(items, { ttl: '={{ $json.ttl }}' });
		expect(pairing(result, 3)).toEqual({ success: [0, 2], errors: [1] });
		expect(String(result.errors[0].json.error)).toMatch(/^TTL: /);
		expect(result.errors[0].json).toMatchObject({ name: hosts[1].name });

		const prune = await runDns(hosts.map((h, i) => ({ ...h, prune: i !== 2 })), { prune: '={{ $json.prune }}', dryRun: true });
		const { success, errors } = pairing(prune, 3);
		expect(errors).toEqual([0, 1]);
		expect(success).toEqual([2]);
		expect(String(prune.errors[0].json.error)).toMatch(/^Prune is refused: the items resolve to 2 different settings \(prune differ\)/);
	});

	it('NetBox Push: a dry run per item writes only the hosts whose item says to push', async () => {
		const hosts = netboxHosts(PREFIX, 3, 570, fixtures);
		const items = hosts.map((h, i) => ({ ...h, dryRun: i === 1 }));
		const result = await runNetBox(items as unknown as IDataObject[], { dryRun: '={{ $json.dryRun }}' });
		expect(result.errors).toEqual([]);
		expect(result.success.map((i) => (i.json.netbox as IDataObject).action)).toEqual(['created', 'plan:created', 'created']);
		const found = async (h: { name: string; kind: string }) =>
			(await nb.list(h.kind === 'vm' ? 'api/virtualization/virtual-machines/' : 'api/dcim/devices/', { name: h.name })).length;
		expect(await Promise.all(hosts.map(found))).toEqual([1, 0, 1]);
	});
});
