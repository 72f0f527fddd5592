// A failed push puts back everything Unbound served before at the names it
// touched, of every type: the foreign TXT at a pruned name included. The DNS
// host here is an in-memory model of the few UnboundHost calls a push makes
// (served records by owner name, local_datas_remove clearing a whole name),
// with a verify that never sees the change; the real Unbound is exercised by
// test/integration/unbound-brownfield.test.ts.
import { parseAddress, type ParsedAddress } from '../../core/address';
import { renderManagedFile } from '../../core/dns/managedFile';
import { pushHosts, DnsPushError } from '../../core/dns/push';
import { desiredRecords, parseServed, type DnsRecord, type ServedRR } from '../../core/dns/records';
import type { UnboundHost } from '../../core/dns/unbound';

const options = { zone: 'lab.example', ttl: 300, forward: true, reverse: true };
const v4 = (ip: string) => parseAddress(ip, 4) as ParsedAddress;
const recordsOf = (name: string, ip: string): DnsRecord[] => desiredRecords(`${name}.lab.example`, { name, ipv4: v4(ip) }, options);

function modelHost(file: DnsRecord[], served: ServedRR[]) {
	const state = { text: renderManagedFile(file), served: [...served], changes: 0 };
	const host = {
		config: '/etc/unbound/unbound.conf',
		managedFile: '/etc/unbound/n8n-netbox-auto/n8n-netbox-auto.conf',
		lock: async () => async () => undefined,
		assertLocked: () => undefined,
		readManagedFile: async () => ({ text: state.text, records: file }),
		readBackupRecords: async () => [],
		removeStaleTemps: async () => undefined,
		writeTemp: async (text: string) => ((state as { temp?: string }).temp = text) && '/tmp/t',
		writeBackup: async () => '/tmp/b',
		install: async () => void (state.text = (state as { temp?: string }).temp!),
		remove: async () => undefined,
		checkconf: async () => undefined,
		running: async () => true,
		control: async () => 'is running',
		// After the push's own change, Unbound "loses" one new record: verify never passes.
		listLocalData: async () => (state.changes === 1 ? state.served.slice(1) : state.served),
		replaceLocalData: async (owners: string[], lines: string[]) => {
			state.changes++;
			const cleared = new Set(owners.map((o) => o.replace(/\.$/, '')));
			const kept = state.served.filter((s) => !cleared.has(s.owner));
			// Like Unbound, an RR it already serves is not added twice.
			const added = parseServed(lines.join('\n')).filter((a) => !kept.some((k) => k.rr === a.rr));
			state.served = [...kept, ...added];
		},
	};
	return { host: host as unknown as UnboundHost, state };
}

it('a failed push puts back the foreign records of a name it cleared, with everything else it served', async () => {
	const file = [...recordsOf('web1', '10.0.0.5'), ...recordsOf('old1', '10.0.0.7')];
	const foreign = parseServed('old1.lab.example.\t300\tIN\tTXT\t"keep me"\nold1.lab.example.\t300\tIN\tMX\t10 web1.lab.example.');
	const before = [...file.map(({ owner, type, rr }) => ({ owner, type, rr })), ...foreign];
	const { host, state } = modelHost(file, before);
	const push = pushHosts(host, [{ index: 0, host: { name: 'web1', ipv4: v4('10.0.0.5') } }], {
		...options,
		prune: true,
		dryRun: false,
		applyMode: 'local_datas',
		lockTimeoutSeconds: 1,
		verifyTimeoutMs: 50,
	});
	await expect(push).rejects.toThrow(DnsPushError);
	await expect(push).rejects.toThrow(/restored/);
	// The push cleared old1 and gave back its TXT and MX; the rollback put its A and PTR back too.
	expect(state.served.map((s) => s.rr).sort()).toEqual(before.map((s) => s.rr).sort());
	expect(state.text).toBe(renderManagedFile(file));
});
