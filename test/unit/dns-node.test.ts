import { UnboundSshApi } from '../../credentials/UnboundSshApi.credentials';
import { UnboundDnsPush } from '../../nodes/UnboundDnsPush/UnboundDnsPush.node';
import { DEFAULTS } from '../../nodes/UnboundDnsPush/transport';

describe('Unbound DNS Push node description', () => {
	const { description } = new UnboundDnsPush();
	const property = (name: string) => description.properties.find((p) => p.name === name)!;
	const option = (name: string) =>
		(property('unboundOptions').options as Array<{ name: string; default: unknown }>).find(
			(o) => o.name === name,
		)!;

	it('is the node the issue asks for', () => {
		expect(description).toMatchObject({
			name: 'unboundDnsPush',
			displayName: 'Unbound DNS Push',
			usableAsTool: true,
		});
		expect(description.credentials).toEqual([
			{ name: 'unboundSshApi', required: true, testedBy: 'unboundSshApiTest' },
		]);
		expect((property('operation').options as Array<{ value: string }>).map((o) => o.value)).toEqual(
			['push', 'status'],
		);
		expect(property('onlyApproved').default).toBe(true);
		expect(property('prune').default).toBe(false);
		expect(property('recordTypes').default).toEqual(['forward', 'reverse']);
	});

	it('shows the same defaults the code falls back to (the linter wants literals there)', () => {
		expect(property('managedFile').default).toBe(DEFAULTS.managedFile);
		expect(property('unboundConfig').default).toBe(DEFAULTS.config);
		expect(option('controlPath').default).toBe(DEFAULTS.control);
		expect(option('checkconfPath').default).toBe(DEFAULTS.checkconf);
		expect(option('checkAsUser').default).toBe(DEFAULTS.checkAsUser);
	});

	it('keeps the key and passphrase in password fields and labels the unsafe switch', () => {
		const fields = new UnboundSshApi().properties;
		const field = (name: string) => fields.find((f) => f.name === name)!;
		expect(field('privateKey').typeOptions).toEqual({ password: true, rows: 4 });
		expect(field('passphrase').typeOptions).toEqual({ password: true });
		expect(field('skipHostKeyVerification')).toMatchObject({
			default: false,
			displayName: expect.stringContaining('Unsafe'),
		});
	});
});
