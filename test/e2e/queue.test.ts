// The shipped example workflow in n8n 2.41.1 *queue mode* (scripts/services/n8n-queue.sh:
// a main process, two workers and a webhook processor on PostgreSQL + Redis), driven from
// outside with HTTP only, against the real NetBox and the real Unbound + sshd:
//   - the unchanged workflow's executions run on the workers (each worker's log names the
//     executions it ran), the Wait-node approval resumes on a worker;
//   - 4 webhook calls at once with overlapping hosts, approved at once: no duplicate NetBox
//     object, no lost DNS record, every execution reports each of its hosts;
//   - a 2,000-host push completes on a worker: wall time and the worker's peak memory.
// Hosts are named qm-*, in 10.188.0.0/16, 2001:db8:188::/48, MACs 02:00:00:88:*; fixtures
// qm-site, qm-server, qm-box, qm-cluster, switch qm-sw1. Nothing is skipped.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseManagedFile, renderManagedFile } from '../../core/dns/managedFile';
import type { NetBoxClient } from '../../core/netbox/client';
import { connectNetBox } from '../helpers/netbox';
import { approveByApi, http, N8nApi, type Obj, output, REPO, runScript, shippedWorkflow, waitFor, withCredentialsFile, withWebhookKey, workflowCredentials, WORKFLOW_FILE } from '../helpers/n8nE2e';
import { assertServiceUp, control, dig, unboundEnv, type UnboundEnv } from '../helpers/unbound';

const QUEUE_SH = path.join(REPO, 'scripts/services/n8n-queue.sh');
const USER_FOLDER = path.join(REPO, '.cache/n8n/queue');
const MAIN = 'http://127.0.0.1:5690';
const HOOK = 'http://127.0.0.1:5691';
const ENV = { ...process.env, N8N_QUEUE_PORT: '5690', N8N_QUEUE_USER_FOLDER: USER_FOLDER };
const WORKERS = ['worker1', 'worker2'] as const;
const BIG = Number(process.env.QUEUE_E2E_HOSTS ?? 2000);

const PREFIX = 'qm-';
const SWITCH = 'qm-sw1';
const SWITCH_PORTS = 40;
const IP_PARENTS = ['10.188.0.0/16', '2001:db8:188::/48'];
const MAC_PREFIX = '02:00:00:88';
const shipped = shippedWorkflow();
const WORKFLOW_ID = shipped.id as string;
const queue = (args: string[], timeoutMs?: number, all = false) => runScript(QUEUE_SH, args, ENV, timeoutMs, all);
const n8n = new N8nApi(MAIN);

let nb: NetBoxClient;
let dns: UnboundEnv;
const timeline: string[] = [];
const t0 = Date.now();
const mark = (what: string) => timeline.push(`${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s  ${what}`);
const figures: Record<string, unknown> = {};

// ---------------------------------------------------------------- hosts

const hex = (n: number) => n.toString(16).padStart(2, '0');
interface QmHost extends Obj {
	name: string;
	kind: 'device' | 'vm';
	ipv4: string;
	ipv6?: string;
	mac: string;
	switch?: string;
	switchPort?: string;
}
/** qm-c<i> (1..12 the concurrency set, 101.. the single run): even devices cabled to qm-sw1, odd VMs. */
function smallHost(i: number): QmHost {
	const common = { name: `${PREFIX}c${i}`, ipv4: `10.188.0.${i}/16`, ipv6: `2001:db8:188::${i.toString(16)}/64`, mac: `${MAC_PREFIX}:00:${hex(i)}` };
	return i % 2 === 0 ? { ...common, kind: 'device', switch: SWITCH, switchPort: `ge-0/0/${i % SWITCH_PORTS}` } : { ...common, kind: 'vm' };
}
/** qm-b<i>: the big push, VMs with an IPv4 address and a MAC. */
function bigHost(i: number): QmHost {
	return { name: `${PREFIX}b${i}`, kind: 'vm', ipv4: `10.188.${8 + (i >> 8)}.${i & 255}/16`, mac: `${MAC_PREFIX}:${hex(0x10 + (i >> 8))}:${hex(i & 255)}` };
}

// ---------------------------------------------------------------- NetBox and DNS

async function ensure(p: string, lookup: Record<string, string>, body: Obj): Promise<Obj> {
	const [found] = await nb.list<Obj>(p, lookup);
	return found ?? nb.request<Obj>('POST', p, { body });
}

async function ensureFixtures(): Promise<void> {
	const site = await ensure('api/dcim/sites/', { slug: 'qm-site' }, { name: 'QM Site', slug: 'qm-site' });
	await ensure('api/dcim/device-roles/', { slug: 'qm-server' }, { name: 'QM Server', slug: 'qm-server', vm_role: true });
	await ensure('api/dcim/device-roles/', { slug: 'qm-switch' }, { name: 'QM Switch', slug: 'qm-switch' });
	const maker = await ensure('api/dcim/manufacturers/', { slug: 'qm-maker' }, { name: 'QM Maker', slug: 'qm-maker' });
	await ensure('api/dcim/device-types/', { slug: 'qm-box' }, { manufacturer: maker.id, model: 'QM Box', slug: 'qm-box' });
	const type = await ensure('api/virtualization/cluster-types/', { slug: 'qm-kvm' }, { name: 'QM KVM', slug: 'qm-kvm' });
	await ensure('api/virtualization/clusters/', { name: 'qm-cluster' }, { name: 'qm-cluster', type: type.id, scope_type: 'dcim.site', scope_id: site.id });
	const sw = await ensure('api/dcim/devices/', { name: SWITCH, site_id: String(site.id) }, { name: SWITCH, site: site.id, role: { slug: 'qm-switch' }, device_type: { slug: 'qm-box' } });
	const have = new Set((await nb.list<Obj>('api/dcim/interfaces/', { device_id: sw.id })).map((p) => p.name));
	const missing = Array.from({ length: SWITCH_PORTS }, (_, i) => `ge-0/0/${i}`).filter((name) => !have.has(name));
	if (missing.length) await nb.request('POST', 'api/dcim/interfaces/', { body: missing.map((name) => ({ device: sw.id, name, type: '1000base-t' })) });
}

async function del(p: string, objects: Obj[]): Promise<void> {
	for (let i = 0; i < objects.length; i += 250) await nb.request('DELETE', p, { body: objects.slice(i, i + 250).map((o) => ({ id: o.id })) });
}

/** Everything of ours an earlier run left: qm-* devices (not the switch) and VMs, our IPs, MACs and cables. */
async function deleteOurNetBoxObjects(): Promise<number> {
	const devices = (await nb.list<Obj>('api/dcim/devices/', { name__isw: PREFIX, brief: 1 })).filter((d) => d.name !== SWITCH);
	const vms = await nb.list<Obj>('api/virtualization/virtual-machines/', { name__isw: PREFIX, brief: 1 });
	await del('api/dcim/cables/', await nb.list<Obj>('api/dcim/cables/', { device: SWITCH, brief: 1 }));
	await del('api/dcim/devices/', devices);
	await del('api/virtualization/virtual-machines/', vms);
	let count = devices.length + vms.length;
	for (const parent of IP_PARENTS) {
		const ips = await nb.list<Obj>('api/ipam/ip-addresses/', { parent, brief: 1 });
		await del('api/ipam/ip-addresses/', ips);
		count += ips.length;
	}
	const macs = await nb.list<Obj>('api/dcim/mac-addresses/', { mac_address__isw: MAC_PREFIX, brief: 1 });
	await del('api/dcim/mac-addresses/', macs);
	return count + macs.length;
}

/** As the DNS host's admin: drop our hosts' records from the managed file, reload. */
function deleteOurDnsRecords(): number {
	const records = parseManagedFile(readFileSync(dns.UNBOUND_MANAGED_FILE, 'utf8'));
	const kept = records.filter((r) => !r.host.startsWith(PREFIX));
	if (kept.length !== records.length) writeFileSync(dns.UNBOUND_MANAGED_FILE, renderManagedFile(kept));
	control(dns, 'reload');
	return records.length - kept.length;
}

function dupes(label: string, keys: string[]): string[] {
	const counts = new Map<string, number>();
	for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
	return [...counts].filter(([, n]) => n > 1).map(([key, n]) => `${label} ${key} ×${n}`);
}

/** Every qm-* object in NetBox, by query: duplicates among all of them, and what `expected` hosts lack. */
async function auditNetBox(expected: QmHost[]): Promise<{ duplicates: string[]; missing: string[]; counted: Record<string, number> }> {
	const devices = (await nb.list<Obj>('api/dcim/devices/', { name__isw: PREFIX, exclude: 'config_context' })).filter((d) => d.name !== SWITCH);
	const vms = await nb.list<Obj>('api/virtualization/virtual-machines/', { name__isw: PREFIX, exclude: 'config_context' });
	const [sw] = await nb.list<Obj>('api/dcim/devices/', { name: SWITCH });
	const ifaces = await nb.listWhereIn<Obj>('api/dcim/interfaces/', 'device_id', devices.map((d) => d.id));
	const vmIfaces = await nb.listWhereIn<Obj>('api/virtualization/interfaces/', 'virtual_machine_id', vms.map((v) => v.id));
	const macs = await nb.list<Obj>('api/dcim/mac-addresses/', { mac_address__isw: MAC_PREFIX });
	const ips = (await Promise.all(IP_PARENTS.map((parent) => nb.list<Obj>('api/ipam/ip-addresses/', { parent })))).flat();
	const cables = await nb.list<Obj>('api/dcim/cables/', { device_id: sw.id });
	const swPorts = await nb.list<Obj>('api/dcim/interfaces/', { device_id: sw.id });
	const ends = (c: Obj) => [...c.a_terminations, ...c.b_terminations] as Obj[];
	const duplicates = [
		...dupes('device', devices.map((d) => d.name.toLowerCase())),
		...dupes('VM', vms.map((v) => v.name.toLowerCase())),
		...dupes('interface', ifaces.map((i) => `${i.device.name}/${i.name}`)),
		...dupes('VM interface', vmIfaces.map((i) => `${i.virtual_machine.name}/${i.name}`)),
		...dupes('MAC', macs.map((m) => String(m.mac_address).toUpperCase())),
		...dupes('IP', ips.map((ip) => String(ip.address).split('/')[0])),
		...dupes('cable on switch port', cables.flatMap((c) => ends(c).filter((t) => t.object?.device?.id === sw.id).map((t) => String(t.object_id)))),
		...dupes('cable on host interface', cables.flatMap((c) => ends(c).filter((t) => t.object?.device?.id !== sw.id).map((t) => String(t.object_id)))),
	];
	const missing: string[] = [];
	const byName = (list: Obj[]) => new Map(list.map((o) => [o.name.toLowerCase(), o]));
	const deviceByName = byName(devices);
	const vmByName = byName(vms);
	const portByName = new Map(swPorts.map((p) => [p.name, p]));
	for (const host of expected) {
		const isVm = host.kind === 'vm';
		const say = (what: string) => missing.push(`${host.name}: ${what}`);
		const machine = (isVm ? vmByName : deviceByName).get(host.name.toLowerCase());
		if (!machine) {
			say(`no ${host.kind}`);
			continue;
		}
		const iface = (isVm ? vmIfaces : ifaces).find((i) => (isVm ? i.virtual_machine.id : i.device.id) === machine.id && i.name === 'eth0');
		if (!iface) {
			say('no interface eth0');
			continue;
		}
		if (iface.primary_mac_address?.mac_address?.toUpperCase() !== host.mac.toUpperCase()) say(`primary MAC is ${iface.primary_mac_address?.mac_address ?? 'none'}`);
		const onIface = ips.filter((ip) => ip.assigned_object_id === iface.id && ip.assigned_object_type === (isVm ? 'virtualization.vminterface' : 'dcim.interface'));
		for (const [family, wanted] of [['ip4', host.ipv4], ['ip6', host.ipv6]] as const) {
			if (!wanted) continue;
			if (!onIface.some((a) => a.address === wanted)) say(`${wanted} not on eth0`);
			const primary = machine[family === 'ip4' ? 'primary_ip4' : 'primary_ip6'];
			if (primary?.address !== wanted) say(`primary ${family} is ${primary?.address ?? 'none'}`);
		}
		if (host.switchPort) {
			const peer = portByName.get(host.switchPort);
			if (!iface.cable || !(iface.link_peers ?? []).some((p: Obj) => p.id === peer?.id)) say(`no cable to ${SWITCH}:${host.switchPort}`);
		}
	}
	return { duplicates, missing, counted: { devices: devices.length, vms: vms.length, interfaces: ifaces.length + vmIfaces.length, macs: macs.length, ips: ips.length, cables: cables.length } };
}

/** Real DNS queries for every host: its A (and AAAA) record and the PTR of each address. Returns what is lost. */
function lostDnsRecords(hosts: QmHost[]): string[] {
	const z = dns.UNBOUND_ZONE;
	const queries: Array<{ name: string; type: 'A' | 'AAAA' | 'PTR'; want: string }> = [];
	for (const h of hosts) {
		const fqdn = `${h.name}.${z}`;
		const v4 = h.ipv4.split('/')[0];
		queries.push({ name: fqdn, type: 'A', want: v4 }, { name: v4, type: 'PTR', want: `${fqdn}.` });
		if (h.ipv6) {
			const v6 = h.ipv6.split('/')[0];
			queries.push({ name: fqdn, type: 'AAAA', want: v6 }, { name: v6, type: 'PTR', want: `${fqdn}.` });
		}
	}
	const lost: string[] = [];
	for (let i = 0; i < queries.length; i += 2000) {
		const chunk = queries.slice(i, i + 2000);
		const answers = dig(dns, chunk);
		chunk.forEach((q, k) => {
			if (answers[k].length !== 1 || answers[k][0] !== q.want) lost.push(`${q.type} ${q.name}: ${JSON.stringify(answers[k])} (want ${q.want})`);
		});
	}
	return lost;
}

// ---------------------------------------------------------------- workers, from their logs

const logOffsets: Record<string, number> = {};
const logFile = (name: string) => path.join(USER_FOLDER, 'logs', `${name}.log`);
/** Jobs each worker started since the test began: "Worker started execution 12 (job 5)". */
function jobsByWorker(): Record<string, Array<{ execution: string; job: string }>> {
	const result: Record<string, Array<{ execution: string; job: string }>> = {};
	for (const w of WORKERS) {
		const text = readFileSync(logFile(w), 'utf8').slice(logOffsets[w] ?? 0);
		result[w] = [...text.matchAll(/Worker started execution (\d+) \(job (\d+)\)/g)].map((m) => ({ execution: m[1], job: m[2] }));
	}
	return result;
}
/** The workers that ran jobs of an execution, in log order (first the webhook part, then the resume). */
function workersOf(executionId: string): string[] {
	const jobs = jobsByWorker();
	return WORKERS.flatMap((w) => jobs[w].filter((j) => j.execution === executionId).map((j) => ({ w, job: Number(j.job) })))
		.sort((a, b) => a.job - b.job)
		.map((j) => j.w);
}
/** Peak resident memory (VmHWM) of a worker and of its children (the task runner), in MB. */
function peakMemory(worker: string): { pid: number; worker: number; runners: number[] } {
	const pid = Number(readFileSync(path.join(USER_FOLDER, 'pids', `${worker}.pid`), 'utf8'));
	const hwm = (p: number) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0) / 1024;
	const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).split('\n').map(Number).filter(Boolean);
	return { pid, worker: Math.round(hwm(pid)), runners: children.map((c) => Math.round(hwm(c))) };
}

// ---------------------------------------------------------------- the workflow over HTTP

/** POST hosts to the webhook processor; the 202 answer with the execution id and the approval page. */
async function sendHosts(hosts: QmHost[]): Promise<{ id: string; page: string; ms: number }> {
	const reply = await http('POST', `${HOOK}/webhook/netbox-auto/hosts`, { hosts }, withWebhookKey());
	if (reply.status !== 202) throw new Error(`POST hosts: HTTP ${reply.status} ${reply.text.slice(0, 500)}`);
	// The approval page is on the webhook processor (n8n 2.x signs its URL: ?signature=…).
	expect(reply.json.approvalPage).toMatch(new RegExp(`^${HOOK}/form-waiting/${reply.json.executionId}(\\?|$)`));
	return { id: String(reply.json.executionId), page: reply.json.approvalPage, ms: reply.ms };
}

const ACTIONS = ['created', 'unchanged', 'updated'];
/**
 * Hosts of an execution not reported done: not listed once in Pushed as created/unchanged/
 * updated in both NetBox and DNS, or in the Failure Report (with its reason).
 */
function unreported(done: Obj, hosts: QmHost[]): { rows: Obj[]; problems: string[] } {
	const problems: string[] = [];
	const rows = ((output(done, 'Pushed') ?? [])[0]?.pushed ?? []) as Obj[];
	for (const f of (output(done, 'Failure Report')?.[0]?.failures ?? []) as Obj[]) problems.push(`execution ${done.id}: ${f.host} failed in ${f.stage}: ${f.reason}`);
	for (const h of hosts) {
		const listed = rows.filter((r) => r.host === h.name);
		if (listed.length !== 1) problems.push(`execution ${done.id}: ${h.name} listed ${listed.length} times in Pushed`);
		else if (!ACTIONS.includes(listed[0].netbox) || !ACTIONS.includes(listed[0].dns)) problems.push(`execution ${done.id}: ${h.name} netbox ${listed[0].netbox}, dns ${listed[0].dns}`);
	}
	const extra = rows.filter((r) => !hosts.some((h) => h.name === r.host));
	if (extra.length) problems.push(`execution ${done.id}: Pushed lists hosts it was not sent: ${extra.map((r) => r.host).join(', ')}`);
	return { rows, problems };
}
function expectAllReported(done: Obj, hosts: QmHost[]): Obj[] {
	const { rows, problems } = unreported(done, hosts);
	expect(problems).toEqual([]);
	return rows;
}

/** What NetBox Push wrote to objects that already existed, for each host it calls updated. */
function updates(e: Obj): string[] {
	return (output(e, 'NetBox Push') ?? [])
		.filter((j) => j.netbox?.action === 'updated')
		.map((j) => `${j.name}: ${((j.netbox.changes ?? []) as Obj[]).map((c) => `${c.object}.${c.field} ${JSON.stringify(c.from)}→${JSON.stringify(c.to)}`).join(', ') || JSON.stringify(j.netbox).slice(0, 300)}`);
}

// ---------------------------------------------------------------- set-up

beforeAll(async () => {
	nb = await connectNetBox();
	dns = unboundEnv();
	assertServiceUp(dns);
	await ensureFixtures();
	const gone = await deleteOurNetBoxObjects();
	const goneRecords = deleteOurDnsRecords();
	mark(`services checked, fixtures ready; leftovers of earlier runs removed (${gone} NetBox objects, ${goneRecords} DNS records)`);

	await queue(['reset'], 5 * 60_000); // a fresh n8n: new database, new owner, empty queue
	const [main, hook] = (await queue(['start'], 30 * 60_000)).trim().split('\n');
	expect([main, hook]).toEqual([MAIN, HOOK]);
	for (const name of [...WORKERS, 'webhook', 'main']) logOffsets[name] = statSync(logFile(name)).size;
	mark(`queue mode started: ${(await queue(['status'])).trim().replace(/, log [^\n]*/g, '').split('\n').join('; ')}`);

	await withCredentialsFile(USER_FOLDER, workflowCredentials(shipped, dns), async (file) => {
		expect(await queue(['cli', 'import:credentials', `--input=${file}`], undefined, true)).toContain('Successfully imported 3 credentials');
	});
	expect(await queue(['cli', 'import:workflow', `--input=${WORKFLOW_FILE}`], undefined, true)).toContain('Successfully imported 1 workflow');
	await n8n.setUpOwnerAndApiKey();
	await n8n.configureAndPublish(WORKFLOW_ID, {
		zone: dns.UNBOUND_ZONE,
		site: 'qm-site',
		role: 'qm-server',
		deviceType: 'qm-box',
		cluster: 'qm-cluster',
		unboundManagedFile: dns.UNBOUND_MANAGED_FILE,
		unboundConfig: dns.UNBOUND_CONF,
		unboundUseSudo: true,
	});
	// The webhook processor knows the webhook once the main process has registered it.
	await waitFor('the webhook processor to serve the webhook', async () => {
		const probe = await http('GET', `${HOOK}/webhook/netbox-auto/hosts`);
		return probe.text.includes('not registered for GET') ? true : undefined;
	}, 60_000);
	// The main process serves no production webhooks: the webhook processor takes them.
	expect((await http('POST', `${MAIN}/webhook/netbox-auto/hosts`, { hosts: [] })).status).toBe(404);
	mark('credentials and the unchanged workflow imported (CLI); owner, Settings and publish through the main process API; webhook served by the webhook processor');
}, 40 * 60_000);

afterAll(async () => {
	try {
		if (nb) await nb.close();
	} finally {
		await queue(['stop'], 3 * 60_000).catch((error) => console.error(error));
		const jobs = WORKERS.map((w) => `${w}: ${jobsByWorker()[w]?.length ?? '?'} jobs`).join(', ');
		console.log(`queue e2e timeline:\n${timeline.join('\n')}\n(${jobs})\ntotal ${((Date.now() - t0) / 1000).toFixed(0)} s`);
		console.log(`queue-mode figures: ${JSON.stringify({ ...figures, testSeconds: Math.round((Date.now() - t0) / 1000) })}`);
	}
});

// ---------------------------------------------------------------- the runs

describe('the example workflow in n8n queue mode (main, 2 workers, webhook processor)', () => {
	it('runs on a worker; the Wait-node approval resumes on a worker through the webhook processor', async () => {
		const hosts = [smallHost(100), smallHost(101)];
		const sent = await sendHosts(hosts);
		const waiting = await n8n.execution(sent.id, ['waiting']);
		expect(output(waiting, 'Plan for Approval')!.map((r) => [r.host, r.netbox, r.dns])).toEqual(hosts.map((h) => [h.name, 'plan:created', 'plan:created']));
		const before = workersOf(sent.id);
		expect(before).toHaveLength(1);

		const approval = await approveByApi(HOOK, sent.page, 'all');
		expect(approval.status).toBe(200);
		const done = await n8n.execution(sent.id, ['success']);
		expectAllReported(done, hosts);
		const ran = await waitFor('the resume job in a worker log', async () => (workersOf(sent.id).length === 2 ? workersOf(sent.id) : undefined), 10_000);
		expect(WORKERS).toEqual(expect.arrayContaining(ran));
		expect(lostDnsRecords(hosts)).toEqual([]);
		const audit = await auditNetBox(hosts);
		expect(audit.duplicates).toEqual([]);
		expect(audit.missing).toEqual([]);
		mark(`execution ${sent.id}: webhook part on ${ran[0]}, approval resumed on ${ran[1]}; POST answered in ${sent.ms} ms`);
	});

	const SETS = [
		[1, 2, 3, 4, 5, 6],
		[4, 5, 6, 7, 8, 9],
		[7, 8, 9, 10, 11, 12],
		[1, 2, 3, 10, 11, 12],
	].map((set) => set.map(smallHost));

	it('4 webhook calls at once with overlapping hosts, approved at once: no duplicate, nothing lost, each on a worker', async () => {
		const started = Date.now();
		const sent = await Promise.all(SETS.map((hosts) => sendHosts(hosts)));
		await Promise.all(sent.map((s) => n8n.execution(s.id, ['waiting'], 5 * 60_000)));
		mark(`4 executions waiting (${sent.map((s) => s.id).join(', ')}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
		const approved = Date.now();
		const approvals = await Promise.all(sent.map((s) => approveByApi(HOOK, s.page, 'all')));
		expect(approvals.map((a) => a.status)).toEqual([200, 200, 200, 200]);
		const done = await Promise.all(sent.map((s) => n8n.execution(s.id, ['success'], 10 * 60_000)));
		const seconds = ((Date.now() - approved) / 1000).toFixed(1);

		const reports = done.map((e, k) => unreported(e, SETS[k]));
		const workers = await waitFor('every resume job in a worker log', async () => {
			const w = sent.map((s) => workersOf(s.id));
			return w.every((list) => list.length === 2) ? w : undefined;
		}, 10_000);
		const resumedOn = workers.map((w) => w[1]);
		// The four executions did not all run on one worker.
		expect(new Set(workers.flat()).size).toBe(2);

		const all = [...new Map(SETS.flat().map((h) => [h.name, h])).values()];
		const audit = await auditNetBox([smallHost(100), smallHost(101), ...all]);
		const lost = lostDnsRecords(all);
		const notReported = reports.flatMap((r) => r.problems);
		figures.concurrent = { duplicates: audit.duplicates.length, lostInNetBox: audit.missing.length, lostInDns: lost.length, notReported: notReported.length, resumedOn, counted: audit.counted };
		mark(`4 approvals done in ${seconds} s; webhook parts on ${workers.map((w) => w[0]).join(', ')}, resumed on ${resumedOn.join(', ')}; ` +
			`per execution: ${reports.map(({ rows }, k) => `#${sent[k].id} ${rows.map((r) => `${r.host.slice(PREFIX.length)}:${r.netbox}/${r.dns}`).join(' ')}`).join(' | ')}; NetBox ${JSON.stringify(audit.counted)}`);
		const updated = done.map((e) => updates(e).map((u) => `#${e.id} ${u}`)).flat();
		if (updated.length) mark(`what the executions that said "updated" wrote: ${updated.join('; ')}`);
		if (notReported.length) mark(`hosts an execution did not report done: ${notReported.join('; ')}`);
		expect(audit.duplicates).toEqual([]);
		expect(audit.missing).toEqual([]);
		expect(lost).toEqual([]);
		// Each execution reports each of its hosts done (a host another execution was creating at
		// the same moment included): none lost.
		expect(notReported).toEqual([]);
	}, 20 * 60_000);

	it(`a ${BIG}-host push through the shipped workflow completes on a worker`, async () => {
		const hosts = Array.from({ length: BIG }, (_, i) => bigHost(i));
		const started = Date.now();
		const sent = await sendHosts(hosts);
		const waiting = await n8n.execution(sent.id, ['waiting'], 20 * 60_000);
		const planSeconds = (Date.now() - started) / 1000;
		expect(output(waiting, 'Plan for Approval')!.filter((r) => r.netbox !== 'plan:created' || r.dns !== 'plan:created')).toEqual([]);
		mark(`${BIG} hosts: POST answered in ${sent.ms} ms; previews done, waiting, after ${planSeconds.toFixed(0)} s`);
		const approved = Date.now();
		expect((await approveByApi(HOOK, sent.page, 'all')).status).toBe(200);
		const done = await n8n.execution(sent.id, ['success'], 40 * 60_000);
		const pushSeconds = (Date.now() - approved) / 1000;
		const wall = (Date.now() - started) / 1000;
		const report = unreported(done, hosts);
		const ran = await waitFor('the resume job in a worker log', async () => (workersOf(sent.id).length === 2 ? workersOf(sent.id) : undefined), 10_000);
		const memory = Object.fromEntries(WORKERS.map((w) => [w, peakMemory(w)]));
		const audit = await auditNetBox(hosts);
		const lost = lostDnsRecords(hosts);
		figures.big = {
			hosts: BIG,
			wallSeconds: Math.round(wall),
			previewSeconds: Math.round(planSeconds),
			pushSeconds: Math.round(pushSeconds),
			ranOn: ran,
			peakRssMB: memory,
			duplicates: audit.duplicates.length,
			lostInNetBox: audit.missing.length,
			lostInDns: lost.length,
			notReported: report.problems.length,
		};
		mark(`${BIG} hosts pushed in ${pushSeconds.toFixed(0)} s after approval (${wall.toFixed(0)} s from the POST); webhook part on ${ran[0]}, push on ${ran[1]}; ` +
			`peak RSS ${WORKERS.map((w) => `${w} ${memory[w].worker} MB + runner ${memory[w].runners.join('/')} MB`).join(', ')}`);
		expect(report.problems).toEqual([]);
		expect(report.rows.filter((r) => r.netbox !== 'created' || r.dns !== 'created')).toEqual([]);
		expect(audit.duplicates).toEqual([]);
		expect(audit.missing).toEqual([]);
		expect(lost).toEqual([]);
	}, 60 * 60_000);

	it('executions per worker', () => {
		const jobs = jobsByWorker();
		const perWorker = Object.fromEntries(WORKERS.map((w) => [w, jobs[w].length]));
		figures.jobsPerWorker = perWorker;
		figures.executionsPerWorker = Object.fromEntries(WORKERS.map((w) => [w, [...new Set(jobs[w].map((j) => j.execution))].join(',')]));
		for (const w of WORKERS) expect(jobs[w].length).toBeGreaterThan(0);
	});
});
