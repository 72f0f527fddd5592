import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

// Tested by the Unbound DNS Push node's `unboundSshApiTest`: connect with the
// pinned host key, log in, check what a push needs on the DNS host (the tools,
// flock, the managed folder, the exact sudo rules). The test sees only these
// fields, not the node's: the paths it checks are Debian's unless "Custom Unbound
// Paths" gives the ones the node uses. They are used by the test only.
export class UnboundSshApi implements ICredentialType {
	name = 'unboundSshApi';

	displayName = 'Unbound SSH API';

	icon: Icon = {
		light: 'file:../nodes/UnboundDnsPush/unbound.svg',
		dark: 'file:../nodes/UnboundDnsPush/unbound.dark.svg',
	};

	documentationUrl =
		'https://github.com/n8n-nodes-netbox-auto/n8n-nodes-netbox-auto#connect-your-unbound';

	properties: INodeProperties[] = [
		{
			displayName: 'Host',
			name: 'host',
			type: 'string',
			default: '',
			placeholder: 'dns1.example.com',
			required: true,
		},
		{ displayName: 'Port', name: 'port', type: 'number', default: 22 },
		{
			displayName: 'Username',
			name: 'username',
			type: 'string',
			default: '',
			required: true,
			description:
				'A non-root user allowed "sudo -n" for unbound-control and unbound-checkconf is enough',
		},
		{
			displayName: 'Private Key',
			name: 'privateKey',
			type: 'string',
			// As n8n's own SSH credential: a multi-line box, still masked and stored as a secret.
			typeOptions: { password: true, rows: 4 },
			default: '',
			required: true,
			description:
				'The whole key, -----BEGIN … KEY----- included (OpenSSH or PEM); line breaks lost when pasting are restored',
		},
		{
			displayName: 'Passphrase',
			name: 'passphrase',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'Passphrase of the private key, if it has one',
		},
		{
			displayName: 'Host-Key Fingerprint',
			name: 'hostKeyFingerprint',
			type: 'string',
			default: '',
			placeholder: 'SHA256:…',
			description:
				'The server’s host key as "ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub" prints it. The connection is refused when the server presents another key; left empty, it is refused too and the error shows the key the server presented.',
		},
		{
			displayName: 'Skip Host-Key Verification (Unsafe)',
			name: 'skipHostKeyVerification',
			type: 'boolean',
			default: false,
			description:
				'Whether to accept any host key. UNSAFE: anyone who can intercept the connection can impersonate the DNS host and receive your key’s login.',
		},
		{
			displayName: 'Custom Unbound Paths',
			name: 'customPaths',
			type: 'boolean',
			default: false,
			description:
				'Whether the Test checks other paths than Debian’s (/etc/unbound/unbound.conf, /etc/unbound/n8n-netbox-auto/n8n-netbox-auto.conf, /usr/sbin/unbound-control and unbound-checkconf, checkconf as user unbound). Give the same values as in the node. Used by the Test only.',
		},
		{
			displayName: 'Unbound Config',
			name: 'unboundConfig',
			type: 'string',
			default: '/etc/unbound/unbound.conf',
			placeholder: '/usr/local/etc/unbound/unbound.conf',
			description: 'The node’s Unbound Config. Used by the Test only.',
			displayOptions: { show: { customPaths: [true] } },
		},
		{
			displayName: 'Managed File',
			name: 'managedFile',
			type: 'string',
			default: '/etc/unbound/n8n-netbox-auto/n8n-netbox-auto.conf',
			description:
				'The node’s Managed File; the Test checks that its folder is writable. Used by the Test only.',
			displayOptions: { show: { customPaths: [true] } },
		},
		{
			// The tool's own spelling, as the node's option spells it.
			displayName: 'unbound-control Path',
			name: 'controlPath',
			type: 'string',
			default: '/usr/sbin/unbound-control',
			placeholder: '/usr/local/sbin/unbound-control',
			description: 'The node’s Options → unbound-control Path. Used by the Test only.',
			displayOptions: { show: { customPaths: [true] } },
		},
		{
			// The tool's own spelling, as the node's option spells it.
			displayName: 'unbound-checkconf Path',
			name: 'checkconfPath',
			type: 'string',
			default: '/usr/sbin/unbound-checkconf',
			placeholder: '/usr/local/sbin/unbound-checkconf',
			description: 'The node’s Options → unbound-checkconf Path. Used by the Test only.',
			displayOptions: { show: { customPaths: [true] } },
		},
		{
			displayName: 'Check As User',
			name: 'checkAsUser',
			type: 'string',
			default: 'unbound',
			description:
				'The node’s Options → Check As User (empty: unbound-checkconf runs as root). Used by the Test only.',
			displayOptions: { show: { customPaths: [true] } },
		},
	];
}
