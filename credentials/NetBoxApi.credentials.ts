import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

// Tested by the NetBox Push node's `netBoxApiTest` (GET /api/status/ through the
// package's own transport, so TLS options are honoured exactly as in a push).
export class NetBoxApi implements ICredentialType {
	name = 'netBoxApi';

	displayName = 'NetBox API';

	icon: Icon = { light: 'file:../nodes/NetBoxPush/netbox.svg', dark: 'file:../nodes/NetBoxPush/netbox.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-netbox-auto/n8n-nodes-netbox-auto#connect-your-netbox';

	properties: INodeProperties[] = [
		{
			displayName: 'NetBox URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			placeholder: 'https://netbox.example.com',
			description: 'Address of the NetBox web UI, e.g. https://netbox.example.com; a URL ending in /api works too',
			required: true,
		},
		{
			displayName: 'API Token',
			name: 'token',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'A NetBox API token with write permission. Tokens starting with nbt_ (NetBox 4.5+) are sent as Bearer, older ones as Token.',
			required: true,
		},
		{
			displayName: 'Allow Self-Signed Certificate',
			name: 'allowSelfSigned',
			type: 'boolean',
			default: false,
			description: 'Whether to accept any TLS certificate (not recommended; prefer the CA certificate below)',
		},
		{
			displayName: 'CA Certificate (PEM)',
			name: 'caBundle',
			type: 'string',
			typeOptions: { rows: 4 },
			default: '',
			placeholder: '-----BEGIN CERTIFICATE-----',
			description: 'Certificate of the CA that signed NetBox’s certificate, trusted in addition to the system store',
		},
	];
}
