// Debian's chromium driven by playwright-core, both installed by scripts/services/browser.sh
// (playwright-core lives in .cache/playwright, not in this package's dependencies).
import { createRequire } from 'node:module';
import path from 'node:path';

const REPO = path.resolve(__dirname, '../..');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

export type Browser = any; // playwright-core's types are not a dependency
export type Page = any;

export function playwright(): any {
	const require = createRequire(path.join(REPO, '.cache/playwright/package.json'));
	try {
		return require('playwright-core');
	} catch (error) {
		throw new Error(`playwright-core is not installed: run scripts/services/browser.sh (npm test does): ${(error as Error).message}`);
	}
}

/** A headless chromium; fails loudly when it cannot start. */
export async function launchChromium(): Promise<Browser> {
	const { chromium } = playwright();
	return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}
