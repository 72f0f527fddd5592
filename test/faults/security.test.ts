// Security checks, through n8n's engine:
// - SSH: a wrong or a missing host-key fingerprint is refused before
//   authentication (the server's log shows no public key was ever offered).
// - TLS: NetBox behind a self-signed certificate (a loopback TLS proxy with a
//   certificate made now with openssl) is refused by default, accepted with the
//   credential's CA certificate and with "allow self-signed", refused with
//   another CA.
// - Secrets: the NetBox token, the SSH private key and its passphrase appear
//   in no output, error message, error description, n8n log line or console
//   line, in success and in failure (bad token, NetBox down, TLS refused,
//   wrong passphrase, wrong key, wrong host key), continuing or stopping.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ICredentialDataDecryptedObject, ICredentialTestFunctions, IDataObject } from 'n8n-workflow';
import { NetBoxPush } from '../../nodes/NetBoxPush/NetBoxPush.node';
import { UnboundDnsPush } from '../../nodes/UnboundDnsPush/UnboundDnsPush.node';
import { netboxDirectEnv } from '../helpers/netbox';
import { startDnsHost, ZONE, type DnsHost } from './lib/dnsHost';
import { startFaultProxy, type FaultProxy } from './lib/faultProxy';
import { emptyFigures, recordFigures } from './lib/figures';
import { startLeakScanner, type LeakScanner } from './lib/leaks';
import { faultHosts } from './lib/netbox';
import { account, runDns, runNetBox, type OnError } from './lib/run';

const { url, token } = netboxDirectEnv();
const hosts = faultHosts(900, 2);
let dns: DnsHost;
let scanner: LeakScanner;
let tls: FaultProxy;
let certDir: string;
let cert: string;
let otherCert: string;
const figures = emptyFigures();

function selfSigned(dir: string, name: string): { key: string; cert: string } {
	const key = path.join(dir, `${name}.key`);
	const crt = path.join(dir, `${name}.crt`);
	execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', crt, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
	return { key: readFileSync(key, 'utf8'), cert: readFileSync(crt, 'utf8') };
}

/** A key pair the server has never seen. */
function strangerKey(): string {
	const file = path.join(certDir, 'stranger');
	rmSync(file, { force: true });
	execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file]);
	return readFileSync(file, 'utf8');
}

const dnsParameters = (): IDataObject => ({ zone: ZONE, managedFile: dns.managedFile, unboundConfig: dns.conf });
const dnsItems = () => hosts.map((h) => ({ name: h.name, kind: 'vm', ipv4: h.ipv4, ipv6: h.ipv6, approved: true }));

const publicKeyLines = () => (readFileSync(dns.sshdLog, 'utf8').match(/publickey|Accepted key/g) ?? []).length;

async function netbox(baseUrl: string, credential: IDataObject, onError: OnError = 'continueErrorOutput', operation = 'status') {
	const result = await runNetBox(baseUrl, String(credential.token ?? token), hosts, { operation }, { onError, credential });
	figures.pushesRun++;
	scanner.collect(`NetBox ${operation} (${onError})`, result);
	return result;
}

async function unbound(credential: ICredentialDataDecryptedObject, onError: OnError = 'continueErrorOutput') {
	const result = await runDns(credential, dnsItems(), dnsParameters(), onError);
	figures.pushesRun++;
	scanner.collect(`DNS push (${onError})`, result);
	return result;
}

const firstError = (result: Awaited<ReturnType<typeof netbox>>) => String(result.errors[0]?.json.error ?? result.error?.message ?? '');

beforeAll(async () => {
	dns = await startDnsHost({ name: 'dns-sec', dnsPort: 5494, controlPort: 8994, sshPort: 2295 });
	scanner = startLeakScanner([
		{ label: 'NetBox token', value: token },
		{ label: 'SSH private key', value: dns.privateKey },
		{ label: 'SSH key passphrase', value: dns.passphrase },
	]);
	certDir = mkdtempSync(path.join(tmpdir(), 'fault-tls-'));
	const own = selfSigned(certDir, 'netbox');
	cert = own.cert;
	otherCert = selfSigned(certDir, 'other').cert;
	tls = await startFaultProxy({ target: url, rate: 0, tls: own });
});

afterAll(async () => {
	scanner?.stop();
	recordFigures('security', figures);
	await tls?.close();
	await dns?.stop();
	rmSync(certDir, { recursive: true, force: true });
});

describe('SSH host key', () => {
	it('a wrong fingerprint is refused before authentication, and nothing changes', async () => {
		const before = publicKeyLines();
		const wrong = `SHA256:${'A'.repeat(43)}`;
		const result = await unbound(dns.credential({ hostKeyFingerprint: wrong }), 'stopWorkflow');
		figures.faultsInjected++;
		expect(result.error?.message).toContain('host key mismatch, refused before authentication');
		expect(result.error?.message).toContain(`the server presented ${dns.fingerprint}`);
		expect(publicKeyLines()).toBe(before);
		expect(dns.managedText()).toBe('');
	});

	it('a missing fingerprint is refused before authentication and shows the key to pin', async () => {
		const before = publicKeyLines();
		const result = await unbound(dns.credential({ hostKeyFingerprint: '' }));
		figures.faultsInjected++;
		const acc = account(2, result, 'dns');
		expect(acc.problems).toEqual([]);
		expect([...acc.failed.values()]).toEqual(Array(2).fill(expect.stringContaining(`The server presented ${dns.fingerprint}`)));
		expect(publicKeyLines()).toBe(before);
		expect(dns.managedText()).toBe('');
	});

	it('the credential test refuses a wrong fingerprint too', async () => {
		const test = new UnboundDnsPush().methods.credentialTest.unboundSshApiTest;
		const check = (data: ICredentialDataDecryptedObject) => test.call({} as ICredentialTestFunctions, { id: 't', name: 't', type: 'unboundSshApi', data });
		const before = publicKeyLines();
		const refused = await check(dns.credential({ hostKeyFingerprint: `SHA256:${'B'.repeat(43)}` }));
		scanner.collect('credential test (wrong host key)', refused);
		expect(refused).toMatchObject({ status: 'Error', message: expect.stringContaining('mismatch') });
		expect(publicKeyLines()).toBe(before);
		const ok = await check(dns.credential());
		scanner.collect('credential test (right host key)', ok);
		expect(ok.status).toBe('OK');
	});

	it('with the right fingerprint (and the key pasted without line breaks) the push goes through', async () => {
		const flattened = dns.privateKey.replace(/\n/g, ' ');
		const result = await unbound(dns.credential({ privateKey: flattened }));
		const acc = account(2, result, 'dns');
		expect([...acc.failed.values()]).toEqual([]);
		expect(dns.managedText()).toContain(`${hosts[0].name}.${ZONE}.`);
	});

	it('a wrong passphrase or a key the server does not know fails clearly, without the key or passphrase', async () => {
		for (const [label, overrides] of [
			['wrong passphrase', { passphrase: 'not-the-passphrase' }],
			['no passphrase', { passphrase: '' }],
			['unknown key', { privateKey: strangerKey(), passphrase: '' }],
		] as const) {
			for (const onError of ['continueErrorOutput', 'stopWorkflow'] as const) {
				const result = await unbound(dns.credential(overrides as ICredentialDataDecryptedObject), onError);
				figures.faultsInjected++;
				const message = String(result.errors[0]?.json.error ?? result.error?.message ?? '');
				figures.notes!.push(`${label} (${onError}): ${message.slice(0, 140)}`);
				expect(message).toMatch(label === 'unknown key' ? /authentication .* failed/ : /passphrase|decrypt|Encrypted|privateKey/i);
			}
		}
	});
});

describe('TLS to NetBox', () => {
	it('a self-signed certificate is refused by default, before any request', async () => {
		const result = await netbox(tls.url, {});
		figures.faultsInjected++;
		const message = firstError(result);
		figures.notes!.push(`TLS refused: ${message.slice(0, 200)}`);
		expect(result.success.filter((i) => !i.json.summary)).toEqual([]);
		expect(message).toMatch(/certificate/i);
		expect(tls.log).toEqual([]);
	});

	it('accepted with the credential’s CA certificate', async () => {
		const result = await netbox(tls.url, { caBundle: cert });
		expect(result.errors).toEqual([]);
		expect(result.success.map((i) => typeof (i.json.netbox as IDataObject).state)).toEqual(['string', 'string']);
		expect(tls.log.length).toBeGreaterThan(0);
	});

	it('accepted with "allow self-signed"', async () => {
		tls.clearLog();
		const result = await netbox(tls.url, { allowSelfSigned: true });
		expect(result.errors).toEqual([]);
		expect(tls.log.length).toBeGreaterThan(0);
	});

	it('refused with another CA’s certificate', async () => {
		tls.clearLog();
		const result = await netbox(tls.url, { caBundle: otherCert }, 'stopWorkflow');
		figures.faultsInjected++;
		expect(result.error?.message).toMatch(/certificate/i);
		expect(tls.log).toEqual([]);
	});

	it('the credential test says the same', async () => {
		const test = new NetBoxPush().methods.credentialTest.netBoxApiTest;
		const check = (data: IDataObject) => test.call({} as never, { id: 'c', name: 'c', type: 'netBoxApi', data: { baseUrl: tls.url, token, ...data } });
		const refused = await check({});
		const trusted = await check({ caBundle: cert });
		scanner.collect('NetBox credential tests', [refused, trusted]);
		expect(refused).toMatchObject({ status: 'Error', message: expect.stringMatching(/certificate/i) });
		expect(trusted).toMatchObject({ status: 'OK', message: expect.stringMatching(/^Connected to NetBox 4\./) });
	});
});

describe('secrets', () => {
	it('a wrong token and an unreachable NetBox fail without showing the token', async () => {
		for (const onError of ['continueErrorOutput', 'stopWorkflow'] as const) {
			const bad = await netbox(url, { token: `${token}x` }, onError, 'push');
			figures.faultsInjected++;
			expect(firstError(bad)).toMatch(/403/);
			const down = await netbox('http://127.0.0.1:9', {}, onError, 'push');
			figures.faultsInjected++;
			expect(firstError(down)).toMatch(/refused/);
		}
	});

	it('no token, key or passphrase in any output, error, description, n8n log line or console line of this suite', () => {
		const leaks = scanner.leaks();
		figures.leaksFound += leaks.length;
		figures.notes!.push(`secret scan: ${scanner.scanned()} texts scanned, ${leaks.length} leaks`);
		expect(leaks).toEqual([]);
	});
});
