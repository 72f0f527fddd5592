// A seeded corpus of 240 malformed host items (lib/corpus.ts), mixed with
// valid hosts, through both nodes: every malformed item on the error output
// with a message that starts with the field at fault, every valid one through,
// each input item out exactly once, and nothing of a malformed item in any
// request NetBox received (the proxy's log) or on the DNS host (the managed
// file, what Unbound serves).
import { existsSync, readdirSync } from 'node:fs';
import type { IDataObject } from 'n8n-workflow';
import type { NetBoxClient } from '../../core/netbox/client';
import { connectNetBox, netboxDirectEnv } from '../helpers/netbox';
import { makeCorpus, shuffle, type BadItem } from './lib/corpus';
import { startDnsHost, ZONE, type DnsHost } from './lib/dnsHost';
import { startFaultProxy, type FaultProxy } from './lib/faultProxy';
import { emptyFigures, recordFigures } from './lib/figures';
import { startLeakScanner, type LeakScanner } from './lib/leaks';
import { auditNetBox, deleteBadLeftovers, ensureFaultFixtures, faultHosts } from './lib/netbox';
import { account, runDns, runNetBox } from './lib/run';
import { SEED } from './lib/seed';

const CORPUS_SIZE = 240;
const { url, token } = netboxDirectEnv();
const companions = faultHosts(900, 10);
const corpus = makeCorpus(SEED, CORPUS_SIZE, companions);
/** Anything of a malformed item would show as one of these. */
const MARKS = ['fault-bad', '10.211.', '2001:db8:211', '2001%3Adb8%3A211', '02:00:00:22', '02%3A00%3A00%3A22', 'fault-pwned'];

let nb: NetBoxClient;
let proxy: FaultProxy;
let dns: DnsHost;
let scanner: LeakScanner;
const figures = emptyFigures();

/** Companions first (a batch duplicate is the later item), then corpus and companions interleaved. */
function batch(bad: BadItem[]): Array<{ item: unknown; bad?: BadItem }> {
	const mixed = shuffle([...bad.map((b) => ({ item: b.item, bad: b })), ...companions.slice(4).map((c) => ({ item: c }))], SEED);
	return [...companions.slice(0, 4).map((c) => ({ item: c })), ...mixed];
}

function checkOutcome(label: string, entries: Array<{ item: unknown; bad?: BadItem }>, result: Parameters<typeof account>[1], key: 'netbox' | 'dns') {
	const acc = account(entries.length, result, key);
	expect(acc.problems).toEqual([]);
	const wrong: string[] = [];
	entries.forEach((entry, i) => {
		if (!entry.bad) {
			if (!acc.ok.has(i)) wrong.push(`valid item ${i} (${String((entry.item as IDataObject).name)}) did not go through: ${acc.failed.get(i)}`);
			return;
		}
		figures.badInputsTried++;
		const message = acc.failed.get(i);
		if (message === undefined) return void wrong.push(`${entry.bad.why} (item ${i}) was not on the error output: ${acc.ok.get(i)}`);
		if (!message.startsWith(`${entry.bad.field} `)) return void wrong.push(`${entry.bad.why} (item ${i}): the message does not start with "${entry.bad.field}": ${message.slice(0, 160)}`);
		figures.badInputsCaught++;
	});
	figures.notes!.push(`${label}: ${acc.failed.size} on the error output, ${acc.ok.size} through, ${entries.length} in`);
	expect(wrong).toEqual([]);
}

beforeAll(async () => {
	dns = await startDnsHost({ name: 'dns-bad', dnsPort: 5492, controlPort: 8992, sshPort: 2294 });
	scanner = startLeakScanner([
		{ label: 'NetBox token', value: token },
		{ label: 'SSH private key', value: dns.privateKey },
		{ label: 'SSH key passphrase', value: dns.passphrase },
	]);
	nb = await connectNetBox(netboxDirectEnv());
	await ensureFaultFixtures(nb);
	// Only ever non-zero after a failed run: its leftovers would hide a new leak.
	const leftovers = await deleteBadLeftovers(nb);
	if (leftovers) figures.notes!.push(`deleted ${leftovers} objects an earlier failed run let through`);
	proxy = await startFaultProxy({ target: url, rate: 0 });
}, 300_000);

afterAll(async () => {
	scanner?.stop();
	recordFigures('bad input', figures);
	await proxy?.close();
	await dns?.stop();
	await nb?.close();
});

describe('malformed host items', () => {
	it(`the corpus has ${CORPUS_SIZE} items, every kind of defect in it`, () => {
		expect(corpus.length).toBe(CORPUS_SIZE);
		const kinds = new Set(corpus.map((c) => c.why));
		expect(kinds.size).toBeGreaterThan(80);
		figures.notes!.push(`corpus: ${corpus.length} items, ${kinds.size} kinds of defect, ${new Set(corpus.map((c) => c.field)).size} fields, seed ${SEED}`);
	});

	it('NetBox Push: each malformed item on the error output naming its field, the valid ones through, nothing of them sent to NetBox', async () => {
		const entries = batch(corpus.filter((c) => !c.readsNetBox));
		const result = await runNetBox(proxy.url, token, entries.map((e) => e.item), { onlyApproved: false });
		figures.pushesRun++;
		scanner.collect('NetBox push with the corpus', result);
		checkOutcome('NetBox', entries, result, 'netbox');
		const leaked = proxy.log.filter((l) => MARKS.some((m) => l.url.includes(m) || l.body.includes(m)));
		expect(leaked.map((l) => `${l.method} ${l.url.slice(0, 120)} ${l.body.slice(0, 120)}`)).toEqual([]);
		expect(proxy.log.length).toBeGreaterThan(0);
		// The companions are complete in NetBox; nothing named fault-bad… exists there.
		const audit = await auditNetBox(nb, companions);
		expect(audit.missing).toEqual([]);
		expect(audit.duplicates).toEqual([]);
		expect(await nb.list('api/dcim/devices/', { name__isw: 'fault-bad' })).toEqual([]);
		expect(await nb.list('api/virtualization/virtual-machines/', { name__isw: 'fault-bad' })).toEqual([]);
		figures.notes!.push(`NetBox saw ${proxy.log.length} requests, none carrying anything of a malformed item`);
	});

	it('NetBox Push: a host NetBox cannot create (no site, role, type or cluster) fails naming the field after reads only, and nothing of it is written', async () => {
		const readers = corpus.filter((c) => c.readsNetBox);
		expect(readers.length).toBeGreaterThanOrEqual(4);
		const entries = batch(readers);
		proxy.clearLog();
		const result = await runNetBox(proxy.url, token, entries.map((e) => e.item), { onlyApproved: false });
		figures.pushesRun++;
		scanner.collect('NetBox push of hosts it cannot create', result);
		checkOutcome('NetBox (cannot create)', entries, result, 'netbox');
		const written = proxy.log.filter((l) => l.method !== 'GET' && MARKS.some((m) => l.url.includes(m) || l.body.includes(m)));
		expect(written.map((l) => `${l.method} ${l.url.slice(0, 120)} ${l.body.slice(0, 120)}`)).toEqual([]);
		expect(proxy.log.some((l) => l.method === 'GET' && l.url.includes('fault-bad'))).toBe(true);
		expect(await nb.list('api/dcim/devices/', { name__isw: 'fault-bad' })).toEqual([]);
		expect(await nb.list('api/virtualization/virtual-machines/', { name__isw: 'fault-bad' })).toEqual([]);
	});

	it('Unbound DNS Push: each malformed item on the error output naming its field, the valid ones served, nothing of them on the DNS host', async () => {
		const entries = batch(corpus.filter((c) => c.dns));
		const result = await runDns(dns.credential(), entries.map((e) => e.item), {
			zone: ZONE,
			managedFile: dns.managedFile,
			unboundConfig: dns.conf,
			onlyApproved: false,
		});
		figures.pushesRun++;
		scanner.collect('DNS push with the corpus', result);
		checkOutcome('DNS', entries, result, 'dns');
		const file = dns.managedText();
		const served = dns.served().join('\n');
		for (const mark of ['fault-bad', '10.211.', '211.10.in-addr', '2001:db8:211', 'evil', '$(', '`']) {
			expect({ mark, inFile: file.includes(mark), served: served.includes(mark) }).toEqual({ mark, inFile: false, served: false });
		}
		for (const c of companions) expect(file).toContain(`${c.name}.${ZONE}. 300 IN A ${c.ipv4.split('/')[0]}`);
		expect(readdirSync('/tmp').filter((f) => f.startsWith('fault-pwned'))).toEqual([]);
		expect(existsSync('/tmp/fault-pwned-0')).toBe(false);
	});

	it('never shows the NetBox token, the SSH key or its passphrase in any of it', () => {
		const leaks = scanner.leaks();
		figures.leaksFound += leaks.length;
		expect(leaks).toEqual([]);
	});
});
