// The `faults` project's globalSetup: starts the figures afresh and the clock.
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { clearFigures, FIGURES_FILE } from './lib/figures';

export default function globalSetup(): void {
	clearFigures();
	mkdirSync(path.dirname(FIGURES_FILE), { recursive: true });
	writeFileSync(path.join(path.dirname(FIGURES_FILE), 'started'), String(Date.now()));
}
