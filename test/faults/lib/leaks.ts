// Secret-leak scanning: everything a node hands back (items, errors with their
// message, description, stack and cause), every log line n8n's engine writes
// through LoggerProxy, and everything written to the console or to
// stdout/stderr while a suite runs, searched for the NetBox token, the SSH
// private key and its passphrase.
import { LoggerProxy } from 'n8n-workflow';

/** Text pieces of a secret worth searching for: the whole of it and long fragments. */
export function secretFragments(secret: string, label: string): Array<{ label: string; text: string }> {
	const fragments = new Map<string, string>();
	const add = (text: string, what: string) => {
		if (text.length >= 12) fragments.set(text, what);
	};
	add(secret, label);
	const token = /^nbt_([A-Za-z0-9]+)\.([A-Za-z0-9]+)$/.exec(secret);
	if (token) add(token[2], `${label} (secret part)`);
	const pem = /-----BEGIN [A-Z ]+-----([\s\S]*?)-----END/.exec(secret);
	if (pem) {
		// Every line of the key body, and the body run together (newlines stripped).
		const lines = pem[1].split('\n').map((l) => l.trim()).filter((l) => l.length >= 16 && !l.includes(':'));
		lines.forEach((line, i) => add(line, `${label} (line ${i + 1})`));
		add(pem[1].replace(/\s+/g, '').slice(0, 64), `${label} (body)`);
	} else if (secret.length >= 24) {
		add(secret.slice(-20), `${label} (tail)`);
	}
	return [...fragments].map(([text, what]) => ({ label: what, text }));
}

/** Every string reachable from `value`, including Error messages, stacks, causes and extra fields. */
export function allText(value: unknown): string {
	const out: string[] = [];
	const seen = new WeakSet<object>();
	const walk = (v: unknown, depth: number) => {
		if (depth > 12 || v === null || v === undefined) return;
		if (typeof v === 'string') return void out.push(v);
		if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return void out.push(String(v));
		if (typeof v !== 'object') return;
		if (seen.has(v)) return;
		seen.add(v);
		if (Buffer.isBuffer(v)) return void out.push(v.toString('utf8'));
		for (const key of Object.getOwnPropertyNames(v)) {
			let child: unknown;
			try {
				child = (v as Record<string, unknown>)[key];
			} catch {
				continue;
			}
			if (typeof child !== 'function') walk(child, depth + 1);
		}
		if (v instanceof Error) {
			walk(v.message, depth + 1);
			walk(v.stack, depth + 1);
			walk((v as { cause?: unknown }).cause, depth + 1);
		}
	};
	walk(value, 0);
	return out.join('\n');
}

export interface LeakScanner {
	/** Adds what a node returned (or threw) to the scanned material. */
	collect(what: string, value: unknown): void;
	/** Secrets found, as "label in where". */
	leaks(): string[];
	/** How many texts were scanned. */
	scanned(): number;
	stop(): void;
}

/**
 * Starts capturing console output, stdout/stderr writes and n8n log lines.
 * `secrets` are searched for in all of it, and in what `collect` is given.
 */
export function startLeakScanner(secrets: Array<{ label: string; value: string }>): LeakScanner {
	const fragments = secrets.flatMap((s) => secretFragments(s.value, s.label));
	const texts: Array<{ where: string; text: string }> = [];
	const originals = {
		stdout: process.stdout.write.bind(process.stdout),
		stderr: process.stderr.write.bind(process.stderr),
		console: { log: console.log, info: console.info, warn: console.warn, error: console.error, debug: console.debug },
	};
	const tap = (where: string) => (chunk: unknown) => texts.push({ where, text: allText(chunk) });
	(process.stdout as { write: unknown }).write = (chunk: unknown, ...rest: unknown[]) => {
		tap('stdout')(chunk);
		return (originals.stdout as (...a: unknown[]) => boolean)(chunk, ...rest);
	};
	(process.stderr as { write: unknown }).write = (chunk: unknown, ...rest: unknown[]) => {
		tap('stderr')(chunk);
		return (originals.stderr as (...a: unknown[]) => boolean)(chunk, ...rest);
	};
	for (const level of Object.keys(originals.console) as Array<keyof typeof originals.console>) {
		console[level] = (...args: unknown[]) => {
			texts.push({ where: `console.${level}`, text: allText(args) });
			return originals.console[level](...args);
		};
	}
	const logger = (level: string) => (message: string, meta?: object) => texts.push({ where: `n8n log (${level})`, text: allText([message, meta]) });
	LoggerProxy.init({ error: logger('error'), warn: logger('warn'), info: logger('info'), debug: logger('debug') } as never);
	return {
		collect: (where, value) => texts.push({ where, text: allText(value) }),
		leaks: () =>
			texts.flatMap(({ where, text }) => fragments.filter((f) => text.includes(f.text)).map((f) => `${f.label} in ${where}`)),
		scanned: () => texts.length,
		stop: () => {
			process.stdout.write = originals.stdout;
			process.stderr.write = originals.stderr;
			Object.assign(console, originals.console);
		},
	};
}
