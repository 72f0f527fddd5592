// Entry point of `npm run bench`: bundles bench/run.ts (and the core/ and
// nodes/ code it imports) with esbuild into .cache/bench/bench-<pid>.js, then runs it
// in a child Node process with the same arguments and environment. npm packages
// stay external and load from node_modules, as they do in the tests.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
// One bundle per run: a second run (or the memory child a run starts) never picks up another run's code.
const outfile = path.join(root, '.cache', 'bench', `bench-${process.pid}.js`);
mkdirSync(path.dirname(outfile), { recursive: true });

await build({
	entryPoints: [path.join(root, 'bench', 'run.ts')],
	outfile,
	bundle: true,
	platform: 'node',
	format: 'cjs',
	target: 'node20',
	sourcemap: 'inline',
	packages: 'external',
	logLevel: 'warning',
});

const child = spawnSync(process.execPath, ['--enable-source-maps', outfile, ...process.argv.slice(2)], { stdio: 'inherit', cwd: root });
rmSync(outfile, { force: true });
process.exit(child.status ?? 1);
