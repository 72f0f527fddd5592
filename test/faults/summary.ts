// The `faults` project's globalTeardown: adds up what every suite recorded in
// .cache/faults/figures.jsonl and prints the closing summary.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { emptyFigures, FIGURES_FILE, readFigures, type Figures } from './lib/figures';

export default function summary(): void {
	const suites = readFigures();
	const total = emptyFigures();
	for (const s of suites) {
		for (const key of Object.keys(total) as Array<keyof Figures>) {
			if (key !== 'notes') (total[key] as number) += Number(s[key] ?? 0);
		}
	}
	const startedFile = path.join(path.dirname(FIGURES_FILE), 'started');
	const seconds = existsSync(startedFile) ? (Date.now() - Number(readFileSync(startedFile, 'utf8'))) / 1000 : undefined;
	const rows: Array<[string, string]> = [
		['suites reporting', String(suites.length)],
		['faults injected', String(total.faultsInjected)],
		['pushes run', String(total.pushesRun)],
		['hosts lost', `${total.hostsLost}${total.hostsLost === 0 ? '' : '   <-- MUST BE 0'}`],
		['duplicates', `${total.duplicates}${total.duplicates === 0 ? '' : '   <-- MUST BE 0'}`],
		['bad inputs tried', String(total.badInputsTried)],
		['bad inputs caught', `${total.badInputsCaught}${total.badInputsCaught === total.badInputsTried ? '' : '   <-- MUST EQUAL TRIED'}`],
		['leaks found', `${total.leaksFound}${total.leaksFound === 0 ? '' : '   <-- MUST BE 0'}`],
		...(seconds !== undefined ? [['duration', `${seconds.toFixed(0)} s`] as [string, string]] : []),
	];
	const width = Math.max(...rows.map(([k]) => k.length));
	const out = [
		'',
		'==== fault and bad-input suite: summary ====',
		...rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`),
		...suites.map((s) => `  - ${s.suite}: faults ${s.faultsInjected}, pushes ${s.pushesRun}, lost ${s.hostsLost}, duplicates ${s.duplicates}, bad inputs ${s.badInputsCaught}/${s.badInputsTried}, leaks ${s.leaksFound}`),
		'============================================',
		'',
	];
	process.stdout.write(out.join('\n'));
}
