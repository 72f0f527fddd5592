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

	// PEM armour lines are assembled at run time: no key-shaped literal lives in the repository.
	const armour = (edge: 'BEGIN' | 'END', kind = '') => `-----${edge} ${kind}PRIVATE KEY-----`;

	it('re-wraps a PEM key whose newlines a password field stripped', () => {
		const { privateKey } = generateKeyPairSync('ed25519', {
			privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
			publicKeyEncoding: { type: 'spki', format: 'pem' },
		});
		const body = privateKey.split('\n').slice(1, -2).join('');
		expect(normalisePrivateKey(privateKey.replace(/\n/g, ''))).toBe(
			`${armour('BEGIN')}\n${body}\n${armour('END')}\n`,
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
			`${armour('BEGIN', 'RSA ')} Proc-Type: 4,ENCRYPTED DEK-Info: AES-128-CBC,0123456789ABCDEF0123456789ABCDEF  QUJD REVG ${armour('END', 'RSA ')}`;
		expect(normalisePrivateKey(flat)).toBe(
			`${armour('BEGIN', 'RSA ')}\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0123456789ABCDEF0123456789ABCDEF\n\nQUJDREVG\n${armour('END', 'RSA ')}\n`,
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
