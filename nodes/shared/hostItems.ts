// n8n side of the host model: the parameters both nodes show for reading hosts
// from items (NetBox Push's Defaults live with that node), and the reading
// itself (field mapping, defaults, validation, batch duplicates, approval).
import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { parameterReader, type ReadParameter } from './batches';
import { findBatchDuplicates, HOST_FIELDS, hostSchema, parseHost, type Host, type HostDefaults, type HostField, type HostSchema } from '../../core/host';

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

/** One label per host field, the same in both nodes. */
export const FIELD_LABELS: Record<HostField, string> = {
	name: 'Name',
	kind: 'Kind',
	ipv4: 'IPv4',
	ipv6: 'IPv6',
	mac: 'MAC',
	interface: 'Interface',
	site: 'Site',
	role: 'Role',
	deviceType: 'Device Type',
	platform: 'Platform',
	tenant: 'Tenant',
	cluster: 'Cluster',
	status: 'Status',
	tags: 'Tags',
	description: 'Description',
	switch: 'Switch',
	switchPort: 'Switch Port',
	vrf: 'VRF',
	approved: 'Approved',
};

/** Field Mapping offering `fields` only: each node maps what it reads (DNS reads no site or switch). */
export function fieldMappingProperty(fields: readonly HostField[] = HOST_FIELDS): INodeProperties {
	return {
		displayName: 'Field Mapping',
		name: 'fieldMapping',
		type: 'collection',
		placeholder: 'Map a Field',
		default: {},
		// n8n's variable is $json: the rule would make the example "$JSON", which fails in an expression.
		// eslint-disable-next-line n8n-nodes-base/node-param-description-miscased-json
		description: 'By default each host field is read from the item field of the same name. Map a field here to read it from elsewhere, e.g. {{ $json.hostname }}.',
		options: fields
			.map((field) => ({
				displayName: FIELD_LABELS[field],
				name: field,
				type: 'string' as const,
				default: '',
				description: `Expression for the host's ${field} (${FIELD_HELP[field] ?? field}); defaults to the item's "${field}" field`,
			}))
			.sort((a, b) => a.displayName.localeCompare(b.displayName)),
	};
}

export type HostItem =
	| { index: number; state: 'valid'; host: Host }
	| { index: number; state: 'skipped'; reason: string }
	| { index: number; state: 'invalid'; field: string; message: string };

/**
 * Reads the input items at `indices` (all by default) as hosts. Never throws
 * for bad input: bad items come back `invalid`. Batch duplicates are looked
 * for among those items only.
 */
export function readHostItems(
	ctx: IExecuteFunctions,
	items: INodeExecutionData[],
	schema: HostSchema = hostSchema,
	indices: number[] = items.map((_, index) => index),
	read: ReadParameter = parameterReader(ctx),
): HostItem[] {
	const parsed = indices.map((index): HostItem => {
		const raw: IDataObject = { ...items[index].json };
		const mapping = read<IDataObject>('fieldMapping', index, {});
		for (const [field, value] of Object.entries(mapping)) if (value !== '' && value !== undefined) raw[field] = value;
		const defaults = { ...read<IDataObject>('hostDefaults', index, {}) };
		if (typeof defaults.tags === 'string') defaults.tags = defaults.tags.split(',').map((t) => t.trim()).filter(Boolean);
		// Approval first: a host nobody approved is skipped, even when it would not validate.
		if (read('onlyApproved', index, true) && ![true, 'true', 'yes'].includes(raw.approved as string)) {
			return { index, state: 'skipped', reason: 'not approved (set "approved": true, or turn off "Only Approved Hosts")' };
		}
		const result = parseHost(raw, defaults as HostDefaults, schema);
		if (!result.ok) return { index, state: 'invalid', field: result.field, message: result.message };
		return { index, state: 'valid', host: result.host };
	});
	const duplicates = findBatchDuplicates(parsed.map((p) => (p.state === 'valid' ? p.host : undefined)), indices);
	return parsed.map((p, position) => {
		const duplicate = duplicates.get(position);
		return duplicate ? { index: p.index, state: 'invalid', ...duplicate } : p;
	});
}
