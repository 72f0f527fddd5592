// What the editor's pick lists offer, read from NetBox: its objects and its own
// field choices as name/value pairs. Each value is what the planner looks the
// object up by (see REF_ENDPOINT), so a picked value and a typed one mean the same.
import { NETBOX_STATUSES } from '../host';
import type { NetBoxClient } from './client';
import { REF_ENDPOINT } from './types';

export interface ListOption {
	name: string;
	value: string;
	description?: string;
}

export type ListKind = 'site' | 'role' | 'deviceType' | 'platform' | 'tenant' | 'cluster' | 'tag' | 'vrf';

/** The fields of a brief object the lists read. */
export interface BriefObject {
	name?: string;
	slug?: string;
	model?: string;
	rd?: string | null;
	display?: string;
	manufacturer?: { name?: string } | null;
}

/** Clusters are looked up by name only; VRFs by RD first, so a VRF with one is stored by it. */
function valueOf(kind: ListKind, object: BriefObject): string {
	if (kind === 'cluster') return object.name ?? '';
	if (kind === 'vrf') return object.rd || object.name || '';
	return object.slug ?? '';
}

function labelOf(kind: ListKind, object: BriefObject): string {
	if (kind === 'deviceType') return [object.manufacturer?.name, object.model].filter(Boolean).join(' ');
	if (kind === 'vrf' && object.rd) return `${object.name} (${object.rd})`;
	return object.name ?? object.display ?? '';
}

/**
 * NetBox objects as options, sorted by label. Objects sharing a value (one
 * device-type slug under two manufacturers) become one option that says so:
 * the planner refuses such a value rather than pick one.
 */
export function objectOptions(kind: ListKind, objects: BriefObject[]): ListOption[] {
	const byValue = new Map<string, string[]>();
	for (const object of objects) {
		const value = valueOf(kind, object);
		if (value) byValue.set(value, [...(byValue.get(value) ?? []), labelOf(kind, object) || value]);
	}
	return [...byValue]
		.map(([value, labels]) => ({
			name: labels.join(' / '),
			value,
			description: labels.length > 1 ? `${value}: ${labels.length} objects share it, a push with it fails as ambiguous` : value,
		}))
		.sort((a, b) => a.name.localeCompare(b.name));
}

export async function listObjects(client: NetBoxClient, kind: ListKind): Promise<ListOption[]> {
	// brief=1 keeps each page small; list() follows `next` (the demo NetBox has many sites).
	return objectOptions(kind, await client.list<BriefObject>(REF_ENDPOINT[kind].path, { brief: 1 }));
}

interface OptionsAnswer {
	actions?: Partial<Record<'POST' | 'PUT', Record<string, { choices?: Array<{ value: unknown; display_name?: string; display?: string }> }>>>;
}

/**
 * A field's choices from NetBox's answer to OPTIONS on a list endpoint
 * (grouped choices come flattened). NetBox describes only the methods the
 * token may use: POST with add permission, PUT with change permission.
 */
export function fieldChoices(answer: OptionsAnswer, field: string): ListOption[] {
	const choices = answer?.actions?.POST?.[field]?.choices ?? answer?.actions?.PUT?.[field]?.choices;
	if (!choices) {
		throw new Error(`NetBox did not list the choices of "${field}": the token needs permission to add or change these objects (OPTIONS shows choices only then)`);
	}
	return choices
		.filter((c) => typeof c.value === 'string' && c.value !== '')
		.map((c) => ({ name: c.display_name ?? c.display ?? String(c.value), value: c.value as string }));
}

const readChoices = async (client: NetBoxClient, path: string, field: string) =>
	fieldChoices(await client.request<OptionsAnswer>('OPTIONS', path), field);

export async function listInterfaceTypes(client: NetBoxClient): Promise<ListOption[]> {
	return (await readChoices(client, 'api/dcim/interfaces/', 'type')).map((c) => ({ ...c, description: c.value }));
}

/**
 * Statuses a host may get: NetBox's device and VM choices (its labels, its
 * order, custom ones included), kept to those the host schema accepts, since
 * any other value fails every host. One that fits only one kind says so.
 */
export function statusOptions(device: ListOption[], vm: ListOption[]): ListOption[] {
	const accepted = new Set<string>(NETBOX_STATUSES);
	const onVm = new Set(vm.map((c) => c.value));
	const onDevice = new Set(device.map((c) => c.value));
	const all = [...device, ...vm.filter((c) => !onDevice.has(c.value))];
	return all
		.filter((c) => accepted.has(c.value))
		.map((c) => ({
			...c,
			description: onDevice.has(c.value) && onVm.has(c.value) ? c.value : `${c.value} (${onDevice.has(c.value) ? 'devices' : 'VMs'} only)`,
		}));
}

export async function listStatuses(client: NetBoxClient): Promise<ListOption[]> {
	const [device, vm] = await Promise.all([
		readChoices(client, 'api/dcim/devices/', 'status'),
		readChoices(client, 'api/virtualization/virtual-machines/', 'status'),
	]);
	return statusOptions(device, vm);
}
