// Every link into the README that the package shows in n8n (credential docs,
// codex files, links in parameter descriptions) must land on a README heading.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { NetBoxApi } from '../../credentials/NetBoxApi.credentials';
import { UnboundSshApi } from '../../credentials/UnboundSshApi.credentials';

const ROOT = path.join(__dirname, '../..');
const REPO = 'https://github.com/n8n-nodes-netbox-auto/n8n-nodes-netbox-auto';

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function githubAnchors(markdown: string): Set<string> {
	const anchors = new Set<string>(['readme']); // the repository page's own README anchor
	const seen = new Map<string, number>();
	let fenced = false;
	for (const line of markdown.split('\n')) {
		if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
		const heading = !fenced && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
		if (!heading) continue;
		const text = heading[1].replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
		const base = text.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
		const count = seen.get(base) ?? 0;
		seen.set(base, count + 1);
		anchors.add(count ? `${base}-${count}` : base);
	}
	return anchors;
}

function files(dir: string, ext: RegExp): string[] {
	return readdirSync(dir).flatMap((name) => {
		const full = path.join(dir, name);
		return statSync(full).isDirectory() ? files(full, ext) : ext.test(name) ? [full] : [];
	});
}

const linkPattern = new RegExp(`${REPO.replace(/[.]/g, '\\.')}(?:/blob/[^#"'\\s<>]*README\\.md)?#([^"'\\s<>)]+)`, 'g');

describe('documentation links', () => {
	const anchors = githubAnchors(readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
	const sources = [
		...files(path.join(ROOT, 'nodes'), /\.(ts|json)$/),
		...files(path.join(ROOT, 'credentials'), /\.ts$/),
		path.join(ROOT, 'package.json'),
	];
	const links = sources.flatMap((file) =>
		[...readFileSync(file, 'utf8').matchAll(linkPattern)].map((m) => ({ file: path.relative(ROOT, file), anchor: m[1] })),
	);

	it('computes anchors the way GitHub does', () => {
		const sample = githubAnchors('# A Title\n## Connect your NetBox\n```sh\n# not a heading\n```\n### On a NetBox, people already run!\n## Connect your NetBox');
		expect([...sample]).toEqual(['readme', 'a-title', 'connect-your-netbox', 'on-a-netbox-people-already-run', 'connect-your-netbox-1']);
	});

	it('finds the links (credentials, codex files, descriptions)', () => {
		expect(links.length).toBeGreaterThanOrEqual(8);
		for (const credential of [new NetBoxApi(), new UnboundSshApi()]) {
			expect(links.map((l) => `${REPO}#${l.anchor}`)).toContain(credential.documentationUrl);
		}
	});

	it('every link lands on a README heading', () => {
		const broken = links.filter((l) => !anchors.has(l.anchor));
		expect(broken).toEqual([]);
	});
});
