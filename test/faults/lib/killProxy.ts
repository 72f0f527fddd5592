// A TCP relay on loopback in front of the suite's own sshd that can kill the
// next SSH connection at a chosen moment, three ways:
//   cut     both sockets are destroyed (the network drops the connection)
//   sshd    the sshd processes serving that connection are SIGKILLed
//   child   the newest process those sshd processes started (sudo,
//           unbound-control, unbound-checkconf, flock, cat…) is SIGKILLed
// Only processes of the suite's own sshd, serving the suite's own connection,
// are ever signalled.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export type KillMode = 'cut' | 'sshd' | 'child';

export interface Kill {
	mode: KillMode;
	afterMs: number;
	/** What was killed ("cut", "sshd 1234 1235", "child 1240 (unbound-control)"), or "nothing" when the connection had ended. */
	done?: string;
}

export interface KillProxy {
	port: number;
	/** How long each connection lasted, in ms, in order. */
	readonly durations: number[];
	/** The next connection is killed `afterMs` after it opens. */
	arm(kill: Kill): void;
	close(): Promise<void>;
}

function pidsOnPeerPort(sshPort: number, peerPort: number): number[] {
	const out = execFileSync('ss', ['-Htnp', 'state', 'established', `( sport = :${sshPort} and dport = :${peerPort} )`], { encoding: 'utf8' });
	return [...out.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1]));
}

function parentOf(pid: number): number | undefined {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
	} catch {
		return undefined;
	}
}

function commOf(pid: number): string {
	try {
		return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
	} catch {
		return '?';
	}
}

/** Children of `pid`: /proc/PID/task/PID/children where the kernel has it (fast), else a scan of /proc. */
function childrenOf(pid: number): number[] {
	try {
		return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
	} catch {
		return readdirSync('/proc')
			.filter((d) => /^\d+$/.test(d))
			.map(Number)
			.filter((p) => parentOf(p) === pid);
	}
}

/** Descendants of `roots` that are not sshd itself, newest (highest pid) first. */
function descendants(roots: number[]): number[] {
	const found = new Set<number>();
	const queue = [...roots];
	while (queue.length) {
		for (const child of childrenOf(queue.shift()!)) {
			if (!found.has(child)) {
				found.add(child);
				queue.push(child);
			}
		}
	}
	return [...found].filter((p) => commOf(p) !== 'sshd').sort((a, b) => b - a);
}

export async function startKillProxy(sshPort: number, sshdPid: () => number): Promise<KillProxy> {
	let armed: Kill | undefined;
	const durations: number[] = [];
	const open = new Set<net.Socket>();
	const timers = new Set<NodeJS.Timeout>();
	const server = net.createServer((client) => {
		const upstream = net.connect(sshPort, '127.0.0.1');
		const opened = Date.now();
		client.once('close', () => durations.push(Date.now() - opened));
		open.add(client);
		open.add(upstream);
		client.pipe(upstream);
		upstream.pipe(client);
		const end = () => {
			client.destroy();
			upstream.destroy();
		};
		client.on('error', end);
		upstream.on('error', end);
		client.on('close', () => (end(), open.delete(client)));
		upstream.on('close', () => (end(), open.delete(upstream)));
		const kill = armed;
		armed = undefined;
		if (!kill) return;
		let serving: number[] | undefined;
		const strike = () => {
			if (client.destroyed || upstream.destroyed || upstream.localPort === undefined) return void (kill.done = 'nothing');
			if (kill.mode === 'cut') {
				kill.done = 'cut';
				client.resetAndDestroy();
				upstream.resetAndDestroy();
				return;
			}
			// sshd's per-connection processes: children of the daemon we started, holding this connection.
			// (While a child kill waits for a command, the session's pids are looked up once, after login.)
			const session = serving?.length && kill.mode === 'child' ? serving : pidsOnPeerPort(sshPort, upstream.localPort).filter((p) => p !== sshdPid());
			serving = session;
			// child: the next command that runs (unbound-control, checkconf…), or the lock holder if none comes.
			const children = descendants(session);
			const busy = children.filter((p) => !['cat', 'flock'].includes(commOf(p)));
			if (kill.mode === 'child' && !busy.length) {
				// Before login only the pre-auth process holds the connection: look again later.
				if (!children.length) serving = undefined;
				const waited = Date.now() - opened - kill.afterMs;
				if (waited < 3000) return void setTimeout(strike, 1);
			}
			const targets = kill.mode === 'sshd' ? session : (busy.length ? busy : children).slice(0, 1);
			if (!targets.length) return void (kill.done = 'nothing');
			const label = `${kill.mode} ${targets.map((p) => `${p}${kill.mode === 'child' ? ` (${commOf(p)})` : ''}`).join(' ')}`;
			for (const pid of targets) {
				try {
					process.kill(pid, 'SIGKILL');
				} catch {
					// already gone
				}
			}
			kill.done = label;
		};
		const timer = setTimeout(() => {
			timers.delete(timer);
			strike();
		}, kill.afterMs);
		timers.add(timer);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		port: (server.address() as AddressInfo).port,
		durations,
		arm: (kill) => void (armed = kill),
		close: () =>
			new Promise<void>((resolve) => {
				for (const t of timers) clearTimeout(t);
				for (const s of open) s.destroy();
				server.close(() => resolve());
			}),
	};
}
