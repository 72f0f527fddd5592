// After `n8n-node build` (tsc + icons), re-bundle each node and credential into
// one self-contained file, so the published package needs no runtime
// dependencies: zod, undici and ssh2 travel inside dist. n8n-workflow stays
// external (n8n provides its own copy).
import { build } from 'esbuild';
import { builtinModules } from 'node:module';
import { readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const pkg = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(path.join(root, 'package.json'), 'utf8')));
const entries = [...pkg.n8n.nodes, ...pkg.n8n.credentials].map((built) => built.replace(/^dist\//, '').replace(/\.js$/, '.ts'));

await build({
	entryPoints: entries.map((e) => path.join(root, e)),
	outdir: path.join(root, 'dist'),
	outbase: root,
	bundle: true,
	platform: 'node',
	format: 'cjs',
	target: 'node20',
	sourcemap: false,
	logLevel: 'warning',
	external: ['n8n-workflow', 'cpu-features', '*.node', ...builtinModules, ...builtinModules.map((m) => `node:${m}`)],
});

// tsc's per-file output still `require`s the bundled libraries: drop it.
const keep = new Set(entries.map((e) => path.join(root, 'dist', e.replace(/\.ts$/, '.js'))));
function prune(dir) {
	for (const name of readdirSync(dir)) {
		const file = path.join(dir, name);
		if (statSync(file).isDirectory()) {
			prune(file);
			if (readdirSync(file).length === 0) rmSync(file, { recursive: true });
		} else if (/\.(js|js\.map|d\.ts|tsbuildinfo)$/.test(name) && !keep.has(file)) {
			rmSync(file);
		}
	}
}
prune(path.join(root, 'dist'));
console.log(`bundled ${entries.length} entries into dist/`);
