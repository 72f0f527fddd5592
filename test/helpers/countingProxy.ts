// A loopback proxy in front of the real NetBox that counts what the node sends,
// so tests can assert "zero writes" at the wire, not by trusting the code. In
// front of an HTTPS NetBox it speaks HTTPS too, with the test certificate nginx
// serves, so the node under test still checks it against the credential's CA.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { proxyTls, type NetBoxEndpoint } from './netbox';

export interface CountingProxy {
	url: string;
	/** The NetBox behind it, reached through it: what a test's credential should name. */
	endpoint: NetBoxEndpoint;
	counts(): { requests: number; writes: number; byMethod: Record<string, number> };
	reset(): void;
	/** Every request line seen since the last reset ("GET /api/...?..."). */
	log: string[];
	close(): Promise<void>;
}

export async function startCountingProxy(target: NetBoxEndpoint): Promise<CountingProxy> {
	const upstream = new URL(target.url);
	const secure = upstream.protocol === 'https:';
	let log: string[] = [];
	const agent = secure ? new https.Agent({ keepAlive: true, maxSockets: 16, ca: target.ca }) : new http.Agent({ keepAlive: true, maxSockets: 16 });
	const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
		log.push(`${req.method} ${req.url}`);
		const forward = (secure ? https : http).request(
			{ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host }, agent },
			(answer) => {
				res.writeHead(answer.statusCode ?? 502, answer.headers);
				answer.pipe(res);
			},
		);
		forward.on('error', () => res.destroy());
		req.pipe(forward);
	};
	const tls = secure ? proxyTls() : undefined;
	const server = tls ? https.createServer({ cert: tls.cert, key: tls.key }, handler) : http.createServer(handler);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	const url = `${secure ? 'https' : 'http'}://127.0.0.1:${port}`;
	return {
		url,
		// It presents the test certificate, whatever NetBox behind it presents.
		endpoint: { ...target, url, ...(tls ? { ca: tls.ca } : {}) },
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
