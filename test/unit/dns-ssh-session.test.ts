import { generateKeyPairSync } from 'node:crypto';
import {
	commandLine,
	hostKeyFingerprint,
	normaliseFingerprint,
	normalisePrivateKey,
	shellQuote,
} from '../../core/ssh/session';
import { validateAccess, type UnboundAccess } from '../../core/dns/unbound';

describe('ssh helpers', () => {
	it('fingerprints a key blob the way ssh-keygen -lf prints it', () => {
		// `ssh-keygen -lf` of this public key printed "256 SHA256:quGnYo… test (ED25519)".
		const blob = Buffer.from(
			'AAAAC3NzaC1lZDI1NTE5AAAAIKV3giEdDtHu8MZgnaxGya3zQwRHM0+NKb/dV1Ws6lu9',
			'base64',
		);
		expect(hostKeyFingerprint(blob)).toBe('SHA256:quGnYoXm0qHPmsYvY2ZtM1S4F/R5ukFgn2SJHKb/IO8');
	});

	it('normalises a pinned fingerprint', () => {
		const fp = 'SHA256:1ucmTh4WnZYisNyLpKCu8CD7ZK3YeDNHXDGCLu96ZdA';
		expect(normaliseFingerprint(fp)).toBe(fp);
		expect(normaliseFingerprint(`${fp}=`)).toBe(fp);
		expect(normaliseFingerprint(`256 ${fp} root@host (ED25519)`)).toBe(fp);
		expect(normaliseFingerprint('MD5:aa:bb')).toBeUndefined();
		expect(normaliseFingerprint('SHA256:short')).toBeUndefined();
	});

	it('re-wraps a PEM key whose newlines a password field stripped', () => {
		const { privateKey } = generateKeyPairSync('ed25519', {
			privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
			publicKeyEncoding: { type: 'spki', format: 'pem' },
		});
		const body = privateKey.split('\n').slice(1, -2).join('');
		expect(normalisePrivateKey(privateKey.replace(/\n/g, ''))).toBe(
			`-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`,
		);
		expect(normalisePrivateKey(privateKey.replace(/\n/g, ' '))).toBe(
			normalisePrivateKey(privateKey),
		);
		expect(normalisePrivateKey(privateKey.replace(/\n/g, '\\n'))).toBe(
			normalisePrivateKey(privateKey),
		);
	});

	it('keeps the headers of a legacy encrypted PEM', () => {
		const flat =
			'-----BEGIN RSA PRIVATE KEY----- Proc-Type: 4,ENCRYPTED DEK-Info: AES-128-CBC,0123456789ABCDEF0123456789ABCDEF  QUJD REVG -----END RSA PRIVATE KEY-----';
		expect(normalisePrivateKey(flat)).toBe(
			'-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0123456789ABCDEF0123456789ABCDEF\n\nQUJDREVG\n-----END RSA PRIVATE KEY-----\n',
		);
	});

	it('single-quotes every argument and refuses control characters', () => {
		expect(shellQuote("it's")).toBe(`'it'\\''s'`);
		expect(commandLine(['sudo', '-n', '/usr/sbin/unbound-control', '$(reboot)'])).toBe(
			`'sudo' '-n' '/usr/sbin/unbound-control' '$(reboot)'`,
		);
		expect(() => commandLine(['a\nb'])).toThrow('control characters');
	});
});

describe('validateAccess', () => {
	const good: UnboundAccess = {
		managedFile: '/etc/unbound/unbound.conf.d/n8n-netbox-auto.conf',
		config: '/etc/unbound/unbound.conf',
		control: '/usr/sbin/unbound-control',
		checkconf: '/usr/sbin/unbound-checkconf',
		sudo: true,
		checkAsUser: 'unbound',
		sshUserIsRoot: false,
	};

	it('accepts plain absolute paths', () => expect(validateAccess(good)).toBe(good));

	it.each([
		[{ managedFile: 'relative.conf' }],
		[{ config: '/etc/unbound/../shadow' }],
		[{ control: "/usr/sbin/unbound-control'; reboot; '" }],
		[{ checkconf: '/usr/sbin/unbound checkconf' }],
		[{ managedFile: '/etc/unbound/$(id).conf' }],
		[{ checkAsUser: 'root; id' }],
	])('refuses %j', (change) => {
		expect(() => validateAccess({ ...good, ...change })).toThrow();
	});
});
