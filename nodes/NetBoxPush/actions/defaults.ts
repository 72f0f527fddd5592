// Defaults of NetBox Push: values for what items leave out. The references are
// pick lists read from NetBox (methods/loadOptions.ts); each still takes an
// expression, and stores the slug or name the planner looks up.
import type { INodeProperties } from 'n8n-workflow';

export const hostDefaultsProperty: INodeProperties = {
	displayName: 'Defaults',
	name: 'hostDefaults',
	type: 'collection',
	placeholder: 'Add Default',
	default: {},
	description: 'Values used when an item does not give them',
	options: [
		{
			displayName: 'Cluster Name or ID',
			name: 'cluster',
			type: 'options',
			typeOptions: { loadOptionsMethod: 'getClusters' },
			default: '',
			description: 'Cluster for new VMs, stored by name. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
		},
		{
			displayName: 'Device Type Name or ID',
			name: 'deviceType',
			type: 'options',
			typeOptions: { loadOptionsMethod: 'getDeviceTypes' },
			default: '',
			description: 'Device type for new devices, stored by slug (or give the model). Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
		},
		{ displayName: 'Interface Name', name: 'interface', type: 'string', default: 'eth0' },
		{
			displayName: 'Platform Name or ID',
			name: 'platform',
			type: 'options',
			typeOptions: { loadOptionsMethod: 'getPlatforms' },
			default: '',
			description: 'Platform, stored by slug (or give the name). Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
		},
		{
			displayName: 'Role Name or ID',
			name: 'role',
			type: 'options',
			typeOptions: { loadOptionsMethod: 'getRoles' },
			default: '',
			description: 'Device role for new devices and VMs, stored by slug (or give the name). Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
		},
		{
			displayName: 'Site Name or ID',
			name: 'site',
			type: 'options',
			typeOptions: { loadOptionsMethod: 'getSites' },
			default: '',
			description: 'Site for new devices, stored by slug (or give the name). Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
		},
		{
			displayName: 'Status Name or ID',
			name: 'status',
			type: 'options',
			typeOptions: { loadOptionsMethod: 'getStatuses' },
			default: '',
			description: 'NetBox status of new devices and VMs, from NetBox’s own choices. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
		},
		{
			displayName: 'Tag Names or IDs',
			name: 'tags',
			type: 'multiOptions',
			typeOptions: { loadOptionsMethod: 'getTags' },
			default: [],
			// An expression may also give a comma-separated string, as items do; unknown tags are created.
			description: 'Tags added to every host, stored by slug. Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
		},
		{
			displayName: 'Tenant Name or ID',
			name: 'tenant',
			type: 'options',
			typeOptions: { loadOptionsMethod: 'getTenants' },
			default: '',
			description: 'Tenant, stored by slug (or give the name). Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
		},
	],
};
