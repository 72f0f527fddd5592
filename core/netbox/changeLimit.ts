// The change limit for NetBox Push, counted in hosts: how many hosts of this
// push would update a device or VM that already exists, out of how many the
// node manages (devices and VMs carrying the ownership tag). NetBox Push
// removes nothing, so `removed` is always 0.
import { checkChangeLimit, type ChangeLimitOptions, type ChangeLimitVerdict } from '../changeLimit';
import type { NetBoxClient } from './client';
import type { HostPlan } from './plan';
import { ENDPOINT, type NbMachine, type NetBoxSnapshot } from './types';

/**
 * Hosts whose plan would change a device or VM that exists (owned, or foreign
 * and adopted): not those being created, unchanged, or failing on their own.
 */
export function updatedHosts(plans: HostPlan[]): number {
	return plans.filter((p) => !p.error && !p.creates && p.steps.length > 0).length;
}

/** The ownership tag's slug as NetBox holds it; undefined when NetBox has no such tag (then nothing is managed). */
export function ownershipSlug(snapshot: NetBoxSnapshot, ownershipTag: string): string | undefined {
	return snapshot.refs.tag.get(ownershipTag.toLowerCase())?.[0]?.slug;
}

/** Devices and VMs in the snapshot that carry the tag: a lower bound of what the node manages. */
export function managedSeen(snapshot: NetBoxSnapshot, slug: string): number {
	const tagged = (list: NbMachine[]) => new Set(list.filter((m) => m.tags?.some((t) => t.slug === slug)).map((m) => m.id)).size;
	return tagged(snapshot.devices) + tagged(snapshot.vms);
}

/** Devices plus VMs carrying the tag, as NetBox counts them: two requests. */
export async function countManaged(client: NetBoxClient, slug: string): Promise<number> {
	const count = async (endpoint: string) => (await client.request<{ count: number }>('GET', endpoint, { query: { tag: slug, limit: 1, fields: 'id' } })).count;
	const [devices, vms] = await Promise.all([count(ENDPOINT.device), count(ENDPOINT.vm)]);
	return devices + vms;
}

/**
 * The verdict on a planned push. NetBox is asked for the number of managed
 * hosts only when the push could be over the limit: the tagged devices and VMs
 * the snapshot already holds are a lower bound of it, and a push within the
 * limit of that lower bound is within the limit of the real number too (a
 * re-push with nothing to change asks nothing).
 */
export async function changeLimitVerdict(client: NetBoxClient, snapshot: NetBoxSnapshot, plans: HostPlan[], ownershipTag: string, limit: ChangeLimitOptions): Promise<ChangeLimitVerdict> {
	const updated = updatedHosts(plans);
	const slug = ownershipSlug(snapshot, ownershipTag);
	let managed = slug ? managedSeen(snapshot, slug) : 0;
	if (slug && updated > 0 && 100 * updated > limit.maxPercent * managed) managed = Math.max(managed, await countManaged(client, slug));
	return checkChangeLimit({ managed, managedHosts: managed, updated, removed: 0, unit: 'hosts' }, limit);
}
