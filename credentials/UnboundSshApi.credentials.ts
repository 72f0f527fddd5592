import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

// Tested by the Unbound DNS Push node's `unboundSshApiTest`: connect with the
// pinned host key, log in, check that the Unbound tools can be run.
export class UnboundSshApi implements ICredentialType {
	name = 'unboundSshApi';

	displayName = 'Unbound SSH API';

	icon: Icon = {
		light: 'file:../nodes/UnboundDnsPush/unbound.svg',
		dark: 'file:../nodes/UnboundDnsPush/unbound.dark.svg',
	};

	documentationUrl =
		'https://github.com/n8n-nodes-netbox-auto/n8n-nodes-netbox-auto#connect-your-unbound-host';

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
			typeOptions: { password: true },
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
	];
}
