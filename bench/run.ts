// `npm run bench` (node bench/run.mjs): every figure of the results table,
// measured in one run on the same real services. Never fails on timing: it
// prints figures. The table is rewritten after every part, so a run that is
// stopped early still leaves what it measured (marked incomplete).
// Env:
//   BENCH_N        NetBox sizes, default "100,1000"
//   BENCH_DNS_N    DNS sizes, default "1000,10000"
//   BENCH_RSS_N    items of the memory measurement, default 10000 (with other
//                  sizes: the largest of them)
//   BENCH_NAIVE_N  hosts the naive DNS baseline really pushes, default 100
//                  (never more than the largest DNS size)
//   BENCH_PARTS    what to run, default "netbox,baseline,dns,rss" (development aid:
//                  a table without every part is incomplete)
//   BENCH_OUT      where the table goes; default bench/results.md for a run
//                  with the default sizes, .cache/bench/results.md otherwise
//   BENCH_KEEP     "netbox" or "dns": keep that half from the previous run's
//                  <BENCH_OUT>.json (the table says so) instead of measuring it
//   NETBOX_URL / NETBOX_TOKEN   another NetBox (else .cache/netbox.env)
// `node bench/run.mjs profile`: NetBox's fixed cost per request, cost per
// object and parallel bulk requests (bench/profile.ts).
// `node bench/run.mjs render`: bench/results.md again from its .json (after a change to report.ts).
// `node bench/run.mjs scale 10000`: that many hosts in one NetBox Push execution (bench/scale.ts).
// `node bench/run.mjs plan 1000,2000`: the NetBox planner alone, no I/O (bench/planScaling.ts).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readVersion } from '../core/netbox/snapshot';
import { BENCH_CACHE, benchHosts, commandOutput, log, netboxEndpoint, ROOT, sizes, SWITCH_NAME, SWITCH_PORTS } from './common';
import { dnsInputs, floor, naiveDns, openSession, packageDnsPush, resetUnbound, startUnbound, versionOf, ZONE, type BenchUnbound, type DnsPushFigures } from './dns';
import { baselinePush, connect, emptyNetBox, ensureBenchFixtures, ensureVenv, ONE_REQUEST_PER_STAGE, packagePush, type RunFigures } from './netbox';
import { planScaling } from './planScaling';
import { profile } from './profile';
import { readReport, render, type NetBoxSize, type Report } from './report';
import { measureRss, rssChild } from './rss';
import { scale } from './scale';

const DEFAULT_N = '100,1000';
const DEFAULT_DNS_N = '1000,10000';

function describe(f: RunFigures): string {
	return `${f.requests} requests (${f.reads} reads, ${f.writes} writes), ${f.seconds.toFixed(2)} s, failed ${f.failed}, in-sync ${f.inSync ?? '-'}${f.errors.length ? `; ${f.errors[0]}` : ''}`;
}

async function runDns(unbound: BenchUnbound, report: Report, save: () => void, withRss: boolean): Promise<void> {
	const dnsSizes = report.sizes.dns;
	for (const n of dnsSizes) {
		const inputs = dnsInputs(benchHosts(n));
		await resetUnbound(unbound);
		const { session, seconds: connect } = await openSession(unbound);
		try {
			const push = async (what: string, work: () => Promise<DnsPushFigures>) => {
				log(`DNS N=${n}: ${what}`);
				const figures = await work();
				log(`  ${figures.seconds.toFixed(3)} s, served ${figures.served} records, ${JSON.stringify(figures.actions)}`);
				return figures;
			};
			const first = await push('package push (default: auto)', () => packageDnsPush(unbound, session, inputs, 'auto'));
			const again = await push('package identical re-push', () => packageDnsPush(unbound, session, inputs, 'auto'));
			log(`DNS N=${n}: floor (checkconf + reload over the same connection)`);
			const floorFigures = await floor(unbound, session);
			log(`  ${floorFigures.seconds.toFixed(3)} s (checkconf ${floorFigures.checkconf.toFixed(3)}, reload ${floorFigures.reload.toFixed(3)}, answering again after ${floorFigures.settled.toFixed(3)})`);
			await resetUnbound(unbound);
			const localDatas = await push('package push (local_datas mode)', () => packageDnsPush(unbound, session, inputs, 'local_datas'));
			await resetUnbound(unbound);
			const reload = await push('package push (reload mode)', () => packageDnsPush(unbound, session, inputs, 'reload'));
			report.dns.push({ n, connect, first, again, localDatas, reload, floor: floorFigures });
		} finally {
			session.close();
		}
		if (n === Math.max(...dnsSizes) && withRss) {
			log(`memory: Unbound DNS Push Status on ${report.sizes.rssItems} items (${n} of them in Unbound)`);
			const rss = await measureRss({
				node: 'dns',
				items: report.sizes.rssItems,
				dns: {
					host: unbound.ssh.host,
					port: unbound.ssh.port,
					username: unbound.ssh.username,
					privateKey: unbound.ssh.privateKey,
					hostKeyFingerprint: unbound.ssh.hostKeyFingerprint ?? '',
					zone: ZONE,
					managedFile: unbound.managed,
					config: unbound.conf,
				},
			});
			report.rss.push(rss);
			log(`  peak RSS ${rss.peakMB.toFixed(0)} MB in ${rss.seconds.toFixed(1)} s`);
		}
		save();
	}
	await resetUnbound(unbound);
	log(`DNS naive baseline: ${report.sizes.naiveCount} hosts, one SSH session each`);
	report.naive = await naiveDns(unbound, benchHosts(report.sizes.naiveCount));
	log(`  ${report.naive.seconds.toFixed(2)} s, ${(report.naive.perHost * 1000).toFixed(0)} ms per host`);
	await resetUnbound(unbound);
	save();
}

async function runNetBox(report: Report, save: () => void, parts: Set<string>): Promise<void> {
	const endpoint = netboxEndpoint();
	const client = connect(endpoint);
	const netboxSizes = report.sizes.netbox;
	try {
		report.versions.netbox = await readVersion(client);
		await ensureBenchFixtures(client);
		if (parts.has('baseline')) {
			report.versions.pynetbox = ensureVenv();
			// A fresh clone has no venv before ensureVenv made it.
			report.versions.python = venvPython();
		}
		const notRun: RunFigures = { requests: 0, reads: 0, writes: 0, seconds: 0, failed: 0, errors: [], notRun: true };
		for (const n of netboxSizes) {
			const hosts = benchHosts(n);
			const changed = benchHosts(n, true);
			const step = async (what: string, work: () => Promise<RunFigures>) => {
				log(`NetBox N=${n}: ${what}`);
				const figures = await work();
				log(`  ${describe(figures)}`);
				for (const t of figures.trace ?? []) log(`    ${t.startMs.toFixed(0).padStart(7)} +${t.ms.toFixed(0).padStart(7)} ms ${t.method} ${t.path} objects=${t.objects} filters=${t.filters}`);
				return figures;
			};
			log(`NetBox N=${n}: emptying bench- objects`);
			await emptyNetBox(client);
			const size: NetBoxSize = { n, dry: notRun, first: notRun, again: notRun, change: notRun, baseline: { first: notRun, again: notRun, change: notRun } };
			report.netbox.push(size);
			size.dry = await step('package dry run', () => packagePush(endpoint, hosts, true));
			size.first = await step('package first push', () => packagePush(endpoint, hosts, false));
			save();
			size.again = await step('package identical re-push', () => packagePush(endpoint, hosts, false));
			size.change = await step('package push, 10 % changed IPv4', () => packagePush(endpoint, changed, false));
			save();
			log(`NetBox N=${n}: emptying bench- objects`);
			await emptyNetBox(client);
			size.onePerStage = await step('package first push, one request per kind of write', () => packagePush(endpoint, hosts, false, ONE_REQUEST_PER_STAGE));
			save();
			if (n === Math.max(...netboxSizes) && parts.has('rss')) {
				log(`memory: NetBox Push Status on ${report.sizes.rssItems} items (${n} of them in NetBox)`);
				// NetBox holds the hosts as the one-request-per-kind push just left them (the original addresses).
				const rss = await measureRss({ node: 'netbox', items: report.sizes.rssItems, netbox: endpoint });
				report.rss.unshift(rss);
				log(`  peak RSS ${rss.peakMB.toFixed(0)} MB in ${rss.seconds.toFixed(1)} s`);
				save();
			}
			if (parts.has('baseline')) {
				log(`NetBox N=${n}: emptying bench- objects`);
				await emptyNetBox(client);
				size.baseline.first = await step('pynetbox first push', () => baselinePush(endpoint, hosts, `${n}-first`));
				save();
				size.baseline.again = await step('pynetbox identical re-run', () => baselinePush(endpoint, hosts, `${n}-again`));
				save();
				size.baseline.change = await step('pynetbox, 10 % changed IPv4', () => baselinePush(endpoint, changed, `${n}-changed`));
				save();
			}
			log(`NetBox N=${n}: emptying bench- objects`);
			await emptyNetBox(client);
		}
	} finally {
		await client.close();
	}
}

async function main(): Promise<void> {
	if (process.argv[2] === 'rss-child') return rssChild(process.argv[3]);
	if (process.argv[2] === 'profile') return profile();
	if (process.argv[2] === 'render') return rerender();
	if (process.argv[2] === 'scale') return scale(Number(process.argv[3] ?? 10_000));
	if (process.argv[2] === 'plan') return planScaling((process.argv[3] ?? '1000,2000').split(',').map(Number));
	const startedAt = new Date();
	const netboxSizes = sizes('BENCH_N', DEFAULT_N);
	const dnsSizes = sizes('BENCH_DNS_N', DEFAULT_DNS_N);
	const parts = new Set((process.env.BENCH_PARTS || 'netbox,baseline,dns,rss').split(',').map((p) => p.trim()));
	const defaults = (process.env.BENCH_N || DEFAULT_N) === DEFAULT_N && (process.env.BENCH_DNS_N || DEFAULT_DNS_N) === DEFAULT_DNS_N;
	const out = process.env.BENCH_OUT || (defaults ? path.join(ROOT, 'bench', 'results.md') : path.join(BENCH_CACHE, 'results.md'));
	mkdirSync(BENCH_CACHE, { recursive: true });

	const report: Report = {
		startedAt,
		seconds: 0,
		complete: false,
		machine: {
			cpu: os.cpus()[0]?.model ?? '?',
			cores: os.cpus().length,
			memoryGB: os.totalmem() / 1024 ** 3,
			loadStart: os.loadavg(),
			loadEnd: os.loadavg(),
			kernel: `${os.type()} ${os.release()}`,
		},
		versions: {
			package: require(path.join(ROOT, 'package.json')).version,
			node: process.version,
			netbox: 'not run',
			gunicorn: gunicornWorkers(),
			pynetbox: 'not run',
			python: venvPython(),
			unbound: await versionOf('/usr/sbin/unbound', ['-V'], /Version (\S+)/),
			openssh: await versionOf('/usr/sbin/sshd', ['-V'], /OpenSSH_(\S+?)[,\s]/),
			ssh2: require(path.join(ROOT, 'node_modules', 'ssh2', 'package.json')).version,
		},
		sizes: {
			netbox: netboxSizes,
			dns: dnsSizes,
			// A smoke run (non-default sizes) keeps the memory run small too.
			rssItems: sizes('BENCH_RSS_N', defaults ? '10000' : String(Math.max(...netboxSizes, ...dnsSizes)))[0],
			naiveCount: Math.min(sizes('BENCH_NAIVE_N', '100')[0], Math.max(...dnsSizes)),
			switchPorts: SWITCH_PORTS,
			switchName: SWITCH_NAME,
		},
		netbox: [],
		dns: [],
		naive: { hosts: 0, seconds: 0, perHost: 0, served: 0 },
		rss: [],
	};
	keepEarlier(report, out, parts);
	const save = () => {
		report.seconds = (Date.now() - startedAt.getTime()) / 1000;
		report.machine.loadEnd = os.loadavg();
		writeFileSync(out, render(report));
		writeFileSync(`${out}.json`, JSON.stringify(report));
	};

	// DNS first: it is quick, and the longest part (the pynetbox baseline) then comes last.
	if (parts.has('dns')) {
		const unbound = await startUnbound();
		try {
			await runDns(unbound, report, save, parts.has('rss'));
		} finally {
			await unbound.stop();
		}
	}
	if (parts.has('netbox')) await runNetBox(report, save, parts);

	report.complete = ['netbox', 'baseline', 'dns', 'rss'].every((p) => parts.has(p) || report.kept?.parts.includes(p === 'baseline' ? 'netbox' : p));
	save();
	process.stdout.write(render(report));
	log(`wrote ${path.relative(ROOT, out)}`);
}

/**
 * BENCH_KEEP=netbox or =dns: take that half of the table (with its memory
 * row) from the previous run's `<out>.json` instead of measuring it again,
 * e.g. to re-measure DNS without the hour the pynetbox baseline takes.
 */
function keepEarlier(report: Report, out: string, parts: Set<string>): void {
	const keep = (process.env.BENCH_KEEP || '').split(',').map((p) => p.trim()).filter(Boolean);
	if (!keep.length) return;
	const earlier = JSON.parse(readFileSync(`${out}.json`, 'utf8')) as Report;
	for (const part of keep) {
		if (parts.has(part)) throw new Error(`BENCH_KEEP=${part} but BENCH_PARTS runs it too`);
		if (part === 'netbox') {
			report.netbox = earlier.netbox;
			report.sizes.netbox = earlier.sizes.netbox;
			report.versions.netbox = earlier.versions.netbox;
			report.versions.pynetbox = earlier.versions.pynetbox;
		} else if (part === 'dns') {
			report.dns = earlier.dns;
			report.naive = earlier.naive;
			report.sizes.dns = earlier.sizes.dns;
		} else throw new Error(`BENCH_KEEP: "${part}" is not netbox or dns`);
		report.rss.push(...earlier.rss.filter((r) => r.node === part));
	}
	// Kept twice over (the earlier run kept these parts itself): name the run that measured them.
	const measuredIn = earlier.kept && keep.every((p) => earlier.kept!.parts.includes(p)) ? earlier.kept : { startedAt: earlier.startedAt, seconds: earlier.seconds, load: earlier.machine.loadEnd };
	report.kept = { parts: keep, startedAt: measuredIn.startedAt, seconds: measuredIn.seconds, load: measuredIn.load };
}

const venvPython = () => commandOutput(path.join(ROOT, '.cache', 'bench-venv', 'bin', 'python'), ['--version']).replace('Python ', '') || '?';

function rerender(): void {
	const out = process.env.BENCH_OUT || path.join(ROOT, 'bench', 'results.md');
	writeFileSync(out, render(readReport(`${out}.json`)));
	log(`wrote ${path.relative(ROOT, out)}`);
}

/** "gunicorn 3 workers × 3 threads" from the running server's command line, when there is one. */
function gunicornWorkers(): string {
	const ps = commandOutput('ps', ['-eo', 'args']);
	const servers = ps.split('\n').filter((l) => l.includes('gunicorn') && l.includes('netbox.wsgi'));
	// The tests' NetBox runs NetBox's contrib/gunicorn.py (-c); the demo NetBox beside it does not.
	const line = servers.find((l) => / -c \S+/.test(l)) ?? servers[0];
	if (!line) return 'server not seen locally';
	const config = / -c (\S+)/.exec(line)?.[1];
	const text = config && existsSync(config) ? readFileSync(config, 'utf8') : '';
	const setting = (name: string, fallback: string) => new RegExp(`--${name}[ =](\\d+)`).exec(line)?.[1] ?? new RegExp(`^${name}\\s*=\\s*(\\d+)`, 'm').exec(text)?.[1] ?? fallback;
	return `gunicorn ${setting('workers', '1')} workers × ${setting('threads', '1')} threads${config ? ` (${path.basename(path.dirname(config))}/${path.basename(config)})` : ''}`;
}

main().catch((error) => {
	process.stderr.write(`bench failed: ${(error as Error).stack ?? error}\n`);
	process.exit(1);
});
