// The suite's figures: each test file records its counts in one JSON-lines
// file; the `faults` project's globalTeardown (summary.ts) adds them up and
// prints the closing summary. Each file also prints its own line.
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

export interface Figures {
	faultsInjected: number;
	pushesRun: number;
	hostsLost: number;
	duplicates: number;
	badInputsTried: number;
	badInputsCaught: number;
	leaksFound: number;
	/** Free-form details per suite (fault mix, timings…). */
	notes?: string[];
}

export const FIGURES_FILE = path.join(__dirname, '../../../.cache/faults/figures.jsonl');

export function emptyFigures(): Figures {
	return { faultsInjected: 0, pushesRun: 0, hostsLost: 0, duplicates: 0, badInputsTried: 0, badInputsCaught: 0, leaksFound: 0, notes: [] };
}

export function recordFigures(suite: string, figures: Figures): void {
	mkdirSync(path.dirname(FIGURES_FILE), { recursive: true });
	appendFileSync(FIGURES_FILE, `${JSON.stringify({ suite, at: new Date().toISOString(), ...figures })}\n`);
	process.stdout.write(`[faults] ${suite}: ${line(figures)}\n${(figures.notes ?? []).map((n) => `[faults]   ${n}\n`).join('')}`);
}

export function line(f: Figures): string {
	return `faults injected ${f.faultsInjected}, pushes run ${f.pushesRun}, hosts lost ${f.hostsLost}, duplicates ${f.duplicates}, bad inputs tried ${f.badInputsTried} / caught ${f.badInputsCaught}, leaks found ${f.leaksFound}`;
}

export function readFigures(): Array<Figures & { suite: string }> {
	if (!existsSync(FIGURES_FILE)) return [];
	return readFileSync(FIGURES_FILE, 'utf8')
		.split('\n')
		.filter(Boolean)
		.map((l) => JSON.parse(l));
}

export function clearFigures(): void {
	rmSync(FIGURES_FILE, { force: true });
}
