// n8n side of the host model: the parameters every node of the package shows
// for reading hosts from items, and the reading itself (field mapping,
// defaults, validation, batch duplicates, approval).
import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { findBatchDuplicates, HOST_FIELDS, hostSchema, parseHost, type Host, type HostDefaults, type HostSchema } from '../../core/host';

const FIELD_HELP: Record<string, string> = {
	name: 'RFC 1123 host name',
	kind: 'device or vm',
	ipv4: 'IPv4 address with prefix length, e.g. 10.0.0.5/24',
	ipv6: 'IPv6 address with prefix length, e.g. 2001:db8::5/64',
	mac: 'MAC address in any common notation',
	interface: 'Interface name on the host',
	switch: 'Switch the host is cabled to',
	switchPort: 'Interface on the switch',
	approved: 'Whether the host was approved',
};

export const onlyApprovedProperty: INodeProperties = {
	displayName: 'Only Approved Hosts',
	name: 'onlyApproved',
	type: 'boolean',
	default: true,
	description: 'Whether to act only on items whose "approved" field is true; others come out as skipped',
};

export const fieldMappingProperty: INodeProperties = {
	displayName: 'Field Mapping',
	name: 'fieldMapping',
	type: 'collection',
	placeholder: 'Map a Field',
	default: {},
	description: 'By default each host field is read from the item field of the same name. Map a field here to read it from elsewhere, e.g. {{ $JSON.hostname }}.',
	options: HOST_FIELDS.map((field) => ({
		displayName: field.charAt(0).toUpperCase() + field.slice(1),
		name: field,
		type: 'string' as const,
		default: '',
		description: `Expression for the host's ${field} (${FIELD_HELP[field] ?? field}); defaults to the item's "${field}" field`,
	})).sort((a, b) => a.displayName.localeCompare(b.displayName)),
};

export const hostDefaultsProperty: INodeProperties = {
	displayName: 'Defaults',
	name: 'hostDefaults',
	type: 'collection',
	placeholder: 'Add Default',
	default: {},
	description: 'Values used when an item does not give them',
	options: [
		{ displayName: 'Cluster', name: 'cluster', type: 'string', default: '', description: 'Cluster name for VMs' },
		{ displayName: 'Device Type', name: 'deviceType', type: 'string', default: '', description: 'Device type slug or model' },
		{ displayName: 'Interface Name', name: 'interface', type: 'string', default: 'eth0' },
		{ displayName: 'Platform', name: 'platform', type: 'string', default: '', description: 'Platform slug or name' },
		{ displayName: 'Role', name: 'role', type: 'string', default: '', description: 'Device role slug or name' },
		{ displayName: 'Site', name: 'site', type: 'string', default: '', description: 'Site slug or name' },
		{ displayName: 'Status', name: 'status', type: 'string', default: '', description: 'NetBox status, e.g. active, planned, staged' },
		{ displayName: 'Tags', name: 'tags', type: 'string', default: '', description: 'Comma-separated tags added to every host' },
		{ displayName: 'Tenant', name: 'tenant', type: 'string', default: '', description: 'Tenant slug or name' },
	],
};

export type HostItem =
	| { index: number; state: 'valid'; host: Host }
	| { index: number; state: 'skipped'; reason: string }
	| { index: number; state: 'invalid'; field: string; message: string };

/** Reads every input item as a host. Never throws for bad input: bad items come back `invalid`. */
export function readHostItems(ctx: IExecuteFunctions, items: INodeExecutionData[], schema: HostSchema = hostSchema): HostItem[] {
	const onlyApproved = ctx.getNodeParameter('onlyApproved', 0, true) as boolean;
	const parsed = items.map((item, index): HostItem => {
		const raw: IDataObject = { ...item.json };
		const mapping = ctx.getNodeParameter('fieldMapping', index, {}) as IDataObject;
		for (const [field, value] of Object.entries(mapping)) if (value !== '' && value !== undefined) raw[field] = value;
		const defaults = { ...(ctx.getNodeParameter('hostDefaults', index, {}) as IDataObject) };
		if (typeof defaults.tags === 'string') defaults.tags = defaults.tags.split(',').map((t) => t.trim()).filter(Boolean);
		// Approval first: a host nobody approved is skipped, even when it would not validate.
		if (onlyApproved && ![true, 'true', 'yes'].includes(raw.approved as string)) {
			return { index, state: 'skipped', reason: 'not approved (set "approved": true, or turn off "Only Approved Hosts")' };
		}
		const result = parseHost(raw, defaults as HostDefaults, schema);
		if (!result.ok) return { index, state: 'invalid', field: result.field, message: result.message };
		return { index, state: 'valid', host: result.host };
	});
	const duplicates = findBatchDuplicates(parsed.map((p) => (p.state === 'valid' ? p.host : undefined)));
	return parsed.map((p) => {
		const duplicate = duplicates.get(p.index);
		return duplicate ? { index: p.index, state: 'invalid', ...duplicate } : p;
	});
}
