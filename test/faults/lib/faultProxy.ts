// A fault-injecting HTTP(S) proxy on loopback in front of the real NetBox.
// Each request is read whole, then either forwarded untouched or hit by one
// fault drawn from a seeded hash of (seed, method, path, how many requests
// with that method and path came before): the same push against the same
// NetBox state meets the same faults whatever the ids in its URLs and bodies
// and whatever the arrival order of its parallel reads; a retry draws again.
//
// Faults:
//   http502 / http503 / http429  answered by the proxy, never forwarded (503/429 carry Retry-After)
//   reset                        the connection is reset before anything is forwarded
//   delay                        forwarded at once; NetBox's answer is held past the client's timeout
//   dropResponse                 forwarded; NetBox applies it; the answer is thrown away and the
//                                connection reset (or, for one in three, a 504 is sent instead)
// The log records every request with its body, whether NetBox saw it, and the fault.
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

export const FAULTS = ['http502', 'http503', 'http429', 'reset', 'delay', 'dropResponse'] as const;
export type Fault = (typeof FAULTS)[number];

export interface LoggedRequest {
	seq: number;
	method: string;
	url: string;
	body: string;
	fault?: Fault;
	/** NetBox received the request. */
	forwarded: boolean;
	/** NetBox's status, when it answered. */
	status?: number;
	/** When the request arrived and when the proxy was done with it (ms since the epoch). */
	at: number;
	ms?: number;
}

export interface FaultProxyOptions {
	target: string;
	seed?: number;
	/** Share of requests hit by a fault, 0-1. */
	rate?: number;
	/** Relative weights of the faults drawn (default: all equal). */
	weights?: Partial<Record<Fault, number>>;
	/** How long a `delay` holds NetBox's answer: set it past the client's timeout. */
	delayMs?: number;
	retryAfterSeconds?: number;
	/** Serve HTTPS with this key and certificate (PEM). */
	tls?: { key: string; cert: string };
	/** Holds each forwarded request up to this long (random): interleaves concurrent pushes differently. */
	jitterMs?: number;
}

export interface FaultProxy {
	url: string;
	readonly log: LoggedRequest[];
	readonly injected: Record<Fault, number>;
	setRate(rate: number): void;
	setJitter(ms: number): void;
	/** A new seed, and the request counts start again. */
	setSeed(seed: number): void;
	clearLog(): void;
	close(): Promise<void>;
}

/** A number in [0, 1) from the hash of `parts`. */
function draw(...parts: Array<string | number>): [number, number] {
	const digest = createHash('sha256').update(parts.join('\u0000')).digest();
	return [digest.readUInt32BE(0) / 2 ** 32, digest.readUInt32BE(4) / 2 ** 32];
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
	const upstream = new URL(options.target);
	let rate = options.rate ?? 0;
	let seed = options.seed ?? 1;
	const delayMs = options.delayMs ?? 5_000;
	let jitterMs = options.jitterMs ?? 0;
	const retryAfter = options.retryAfterSeconds ?? 1;
	const weights = FAULTS.map((f) => options.weights?.[f] ?? 1);
	const totalWeight = weights.reduce((a, b) => a + b, 0);
	let log: LoggedRequest[] = [];
	const injected = Object.fromEntries(FAULTS.map((f) => [f, 0])) as Record<Fault, number>;
	const seen = new Map<string, number>();
	const timers = new Set<NodeJS.Timeout>();
	const sockets = new Set<Socket>();
	const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
	let seq = 0;

	const pick = (method: string, url: string): Fault | undefined => {
		const key = `${method} ${url.split('?')[0]}`;
		const occurrence = (seen.get(key) ?? 0) + 1;
		seen.set(key, occurrence);
		const [hit, which] = draw(seed, key, occurrence);
		if (hit >= rate) return undefined;
		let at = which * totalWeight;
		for (let i = 0; i < FAULTS.length; i++) {
			at -= weights[i];
			if (at < 0) return FAULTS[i];
		}
		return FAULTS[FAULTS.length - 1];
	};

	/** Sends the request to NetBox; resolves with its whole answer. */
	const forward = (req: http.IncomingMessage, body: Buffer, entry: LoggedRequest) =>
		new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
			entry.forwarded = true;
			const headers = { ...req.headers, host: upstream.host, 'content-length': String(body.length) };
			delete headers['transfer-encoding'];
			const out = http.request(
				{ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent },
				(answer) => {
					const chunks: Buffer[] = [];
					answer.on('data', (c: Buffer) => chunks.push(c));
					answer.on('end', () => {
						entry.status = answer.statusCode;
						resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(chunks) });
					});
					answer.on('error', reject);
				},
			);
			out.on('error', reject);
			out.end(body);
		});

	const send = (res: http.ServerResponse, answer: { status: number; headers: http.IncomingHttpHeaders; body: Buffer }) => {
		if (res.destroyed || res.writableEnded) return;
		const headers = { ...answer.headers, 'content-length': String(answer.body.length) };
		delete headers['transfer-encoding'];
		delete headers.connection;
		res.writeHead(answer.status, headers);
		res.end(answer.body);
	};

	const handler = async (req: http.IncomingMessage, res: http.ServerResponse) => {
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk as Buffer);
		const body = Buffer.concat(chunks);
		const method = req.method ?? 'GET';
		const url = req.url ?? '/';
		const fault = pick(method, url);
		const entry: LoggedRequest = { seq: ++seq, method, url, body: body.toString('utf8'), fault, forwarded: false, at: Date.now() };
		res.on('close', () => (entry.ms = Date.now() - entry.at));
		log.push(entry);
		if (fault) injected[fault]++;
		const json = (status: number, detail: string, extra: Record<string, string> = {}) => {
			res.writeHead(status, { 'content-type': 'application/json', ...extra });
			res.end(JSON.stringify({ detail }));
		};
		try {
			switch (fault) {
				case 'http502':
					res.writeHead(502, { 'content-type': 'text/html' });
					return res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
				case 'http503':
					return json(503, 'Service temporarily unavailable (injected)', { 'retry-after': String(retryAfter) });
				case 'http429':
					return json(429, 'Request was throttled (injected).', { 'retry-after': String(retryAfter) });
				case 'reset':
					return void req.socket.resetAndDestroy();
				case 'delay': {
					const answer = await forward(req, body, entry);
					const timer = setTimeout(() => {
						timers.delete(timer);
						send(res, answer);
					}, delayMs);
					timers.add(timer);
					return;
				}
				case 'dropResponse': {
					await forward(req, body, entry);
					if (entry.seq % 3 === 0) return json(504, 'Gateway Timeout (injected)');
					return void req.socket.resetAndDestroy();
				}
				default:
					if (jitterMs) await new Promise((resolve) => setTimeout(resolve, Math.random() * jitterMs));
					return send(res, await forward(req, body, entry));
			}
		} catch {
			if (!res.headersSent) json(502, 'upstream failed');
			else res.destroy();
		}
	};

	const server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, handler) : http.createServer(handler);
	server.on('connection', (socket: Socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	server.on('secureConnection', (socket: Socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	// A TLS handshake the client refuses is expected in the TLS tests: not a proxy failure.
	server.on('tlsClientError', () => undefined);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
		get log() {
			return log;
		},
		injected,
		setRate: (r) => void (rate = r),
		setJitter: (ms) => void (jitterMs = ms),
		setSeed: (s) => {
			seed = s;
			seen.clear();
		},
		clearLog: () => void (log = []),
		close: () =>
			new Promise<void>((resolve) => {
				for (const timer of timers) clearTimeout(timer);
				for (const socket of sockets) socket.destroy();
				agent.destroy();
				server.close(() => resolve());
			}),
	};
}
