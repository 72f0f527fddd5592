// The published artefact, checked as a user's manual install sees it: the packed
// tarball extracted into an empty folder that holds nothing but n8n-workflow.
// Needs `npm run build` first (npm test does it).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const repo = path.resolve(__dirname, '../..');

describe('packed tarball', () => {
	let installed: string;
	let folder: string;

	beforeAll(() => {
		folder = mkdtempSync(path.join(tmpdir(), 'netbox-auto-pack-'));
		const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', folder], { cwd: repo, encoding: 'utf8' }).trim().split('\n').pop()!;
		installed = path.join(folder, 'node_modules', 'n8n-nodes-netbox-auto');
		mkdirSync(installed, { recursive: true });
		execFileSync('tar', ['-xzf', path.join(folder, tarball), '-C', installed, '--strip-components=1']);
		symlinkSync(path.join(repo, 'node_modules', 'n8n-workflow'), path.join(folder, 'node_modules', 'n8n-workflow'));
	});

	it('declares no runtime dependencies and ships only dist', () => {
		const pkg = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8'));
		expect(pkg.dependencies ?? {}).toEqual({});
		expect(pkg.keywords).toContain('n8n-community-node-package');
		const files = execFileSync('find', ['.', '-type', 'f'], { cwd: installed, encoding: 'utf8' }).split('\n').filter(Boolean);
		expect(files.filter((f) => !f.startsWith('./dist/') && !['./package.json', './README.md', './LICENSE'].includes(f))).toEqual([]);
		expect(files.some((f) => f.endsWith('.tsbuildinfo'))).toBe(false);
	});

	it('loads every node and credential class listed in package.json with only n8n-workflow beside it', () => {
		const script = `
			const pkg = require('./node_modules/n8n-nodes-netbox-auto/package.json');
			const out = [];
			for (const file of [...pkg.n8n.nodes, ...pkg.n8n.credentials]) {
				const mod = require('./node_modules/n8n-nodes-netbox-auto/' + file);
				for (const [name, Class] of Object.entries(mod)) {
					const instance = new Class();
					out.push(name + ':' + (instance.description ? instance.description.name : instance.name));
				}
			}
			console.log(JSON.stringify(out));`;
		// A separate Node process, started in the empty folder: nothing of this repo's node_modules is reachable.
		const output = execFileSync(process.execPath, ['-e', script], { cwd: folder, encoding: 'utf8', env: { PATH: process.env.PATH } });
		const loaded: string[] = JSON.parse(output.trim().split('\n').pop()!);
		expect(loaded).toEqual(expect.arrayContaining(['NetBoxPush:netBoxPush', 'NetBoxApi:netBoxApi']));
		const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8'));
		expect(loaded).toHaveLength(pkg.n8n.nodes.length + pkg.n8n.credentials.length);
	});
});
