// A loopback HTTP proxy in front of the real NetBox that counts what the node
// sends, so tests can assert "zero writes" at the wire, not by trusting the code.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CountingProxy {
	url: string;
	counts(): { requests: number; writes: number; byMethod: Record<string, number> };
	reset(): void;
	/** Every request line seen since the last reset ("GET /api/...?..."). */
	log: string[];
	close(): Promise<void>;
}

export async function startCountingProxy(target: string): Promise<CountingProxy> {
	const upstream = new URL(target);
	let log: string[] = [];
	const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
	const server = http.createServer((req, res) => {
		log.push(`${req.method} ${req.url}`);
		const forward = http.request(
			{ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host }, agent },
			(answer) => {
				res.writeHead(answer.statusCode ?? 502, answer.headers);
				answer.pipe(res);
			},
		);
		forward.on('error', () => res.destroy());
		req.pipe(forward);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		get log() {
			return log;
		},
		counts() {
			const byMethod: Record<string, number> = {};
			for (const line of log) byMethod[line.split(' ')[0]] = (byMethod[line.split(' ')[0]] ?? 0) + 1;
			return { requests: log.length, writes: log.filter((l) => !l.startsWith('GET')).length, byMethod };
		},
		reset() {
			log = [];
		},
		close: () =>
			new Promise<void>((resolve) => {
				agent.destroy();
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}
