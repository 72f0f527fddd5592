// Carries out a plan with NetBox's bulk endpoints: one list POST / list PATCH
// per object type and stage. A failing object fails its host only; a lost
// response to a create is resolved by re-reading before any retry; twin MACs
// and IPs made by two pushes of one host at once are merged at the end.
import { hostPart } from '../address';
import { NetBoxError, sleep, type NetBoxClient } from './client';
import { ENDPOINT, READ_FIELDS } from './types';
import { STAGES, type HostPlan, type ObjectName, type Step } from './plan';
import { Pacer, type Lane } from './pacing';
import { shownObject } from './present';

export interface ExecuteOptions {
	/** Sent with every write on NetBox 4.4+; older versions ignore it. */
	changelogMessage?: string;
	/** Retries of a create whose response was lost (each after a re-read). */
	createRetries?: number;
	/** Chunk sizes and write requests in flight; one pacer for all passes of a push keeps what it measured. */
	pacer?: Pacer;
}

interface Entry {
	plan: HostPlan;
	step: Step;
	body: Record<string, unknown>;
}

type Written = { id: number; url?: string; display_url?: string };

/** What a re-read returns: any of the objects a push creates. */
interface Found extends Written {
	name?: string;
	slug?: string;
	address?: string;
	mac_address?: string;
	assigned_object_id?: number | null;
	site?: { id: number } | null;
	cluster?: { id: number } | null;
	device?: { id: number };
	virtual_machine?: { id: number };
	cable?: { id: number } | null;
	assigned_object_type?: string | null;
	tags?: Array<{ slug: string }>;
	primary_mac_address?: { id: number } | null;
	primary_ip4?: { id: number } | null;
	primary_ip6?: { id: number } | null;
}

const STEP_TARGET: Record<Step['object'], ObjectName> = {
	device: 'device', interface: 'interface', mac: 'mac', ip4: 'ip4', ip6: 'ip6', cable: 'cable', primary: 'device', primaryMac: 'interface',
};

class MissingDependency extends Error {}

/** Replaces `{ $ref }` placeholders with ids of objects created earlier for the same host. */
function resolve(value: unknown, plan: HostPlan): unknown {
	if (Array.isArray(value)) return value.map((v) => resolve(v, plan));
	if (value && typeof value === 'object') {
		const ref = (value as { $ref?: ObjectName }).$ref;
		if (ref) {
			const id = plan.ids[ref];
			if (id === undefined) throw new MissingDependency(`${ref} was not created`);
			return id;
		}
		return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, plan)]));
	}
	return value;
}

/** Per-object errors of a failed bulk request: 4.7's {errors:[{index, errors}]} or ≤ 4.6's aligned list. */
export function errorsByIndex(body: unknown, count: number, ids: unknown[] = []): Map<number, string> {
	const found = new Map<number, string>();
	const text = describe;
	if (body && typeof body === 'object' && Array.isArray((body as { errors?: unknown }).errors)) {
		for (const entry of (body as { errors: Array<{ index?: number; id?: number; errors?: unknown }> }).errors) {
			// Bulk creates name the failing object by its index; bulk updates may name it by id.
			const index = typeof entry.index === 'number' ? entry.index : entry.id !== undefined ? ids.indexOf(entry.id) : -1;
			if (index >= 0 && index < count) found.set(index, text(entry.errors));
		}
	} else if (Array.isArray(body) && body.length === count) {
		body.forEach((entry, index) => {
			if (entry && typeof entry === 'object' && Object.keys(entry).length) found.set(index, text(entry));
		});
	}
	return found;
}

function describe(errors: unknown): string {
	return new NetBoxError('', 400, '', '', errors).details;
}

/** How to find what a lost create may have made: where to look and what matches. */
const FINDERS: Record<string, { path: string; field: string; key: (body: Record<string, unknown>) => string | number; match: (found: Found, body: Record<string, unknown>) => boolean }> = {
	[ENDPOINT.device]: { path: ENDPOINT.device, field: 'name', key: (b) => String(b.name), match: (f, b) => f.name?.toLowerCase() === String(b.name).toLowerCase() && f.site?.id === b.site },
	[ENDPOINT.vm]: { path: ENDPOINT.vm, field: 'name', key: (b) => String(b.name), match: (f, b) => f.name?.toLowerCase() === String(b.name).toLowerCase() && (f.cluster?.id ?? null) === (b.cluster ?? null) },
	[ENDPOINT.interface]: { path: ENDPOINT.interface, field: 'device_id', key: (b) => Number(b.device), match: (f, b) => f.device?.id === b.device && f.name === b.name },
	[ENDPOINT.vminterface]: { path: ENDPOINT.vminterface, field: 'virtual_machine_id', key: (b) => Number(b.virtual_machine), match: (f, b) => f.virtual_machine?.id === b.virtual_machine && f.name === b.name },
	[ENDPOINT.mac]: { path: ENDPOINT.mac, field: 'mac_address', key: (b) => String(b.mac_address), match: (f, b) => f.assigned_object_id === b.assigned_object_id && f.mac_address?.toUpperCase() === b.mac_address },
	[ENDPOINT.ip]: { path: ENDPOINT.ip, field: 'address', key: (b) => String(b.address).split('/')[0], match: (f, b) => f.address === b.address && f.assigned_object_id === b.assigned_object_id },
	[ENDPOINT.tag]: { path: ENDPOINT.tag, field: 'slug', key: (b) => String(b.slug), match: (f, b) => f.slug === b.slug },
	// A cable is found through the host-side interface it ends on.
	[ENDPOINT.cable]: {
		path: ENDPOINT.interface,
		field: 'id',
		key: (b) => (b.b_terminations as Array<{ object_id: number }>)[0].object_id,
		match: (f, b) => f.id === (b.b_terminations as Array<{ object_id: number }>)[0].object_id && !!f.cable,
	},
};

async function findCreated(client: NetBoxClient, endpoint: string, bodies: Array<Record<string, unknown>>): Promise<Array<Written | undefined>> {
	const finder = FINDERS[endpoint];
	const found = await client.listWhereIn<Found>(finder.path, finder.field, bodies.map(finder.key));
	return bodies.map((body) => {
		const hit = found.find((f) => finder.match(f, body));
		return endpoint === ENDPOINT.cable && hit?.cable ? { id: hit.cable.id } : hit;
	});
}

export interface WriteListOptions {
	/** Re-sends of a write whose answer was lost (each after re-reading what it did). */
	createRetries?: number;
	/** Chunk sizes and requests in flight; shared by the lists of one push. */
	pacer?: Pacer;
}

type Pending = { body: Record<string, unknown>; index: number };
type Report = { onDone: (index: number, written: Written) => void; onFail: (index: number, message: string) => void };

/**
 * Writes one list of objects to one endpoint, in chunks the pacer sizes, as
 * many at once as it allows. Each chunk stands alone: a chunk that fails
 * fails only its own objects.
 */
export async function writeList(
	client: NetBoxClient,
	method: 'POST' | 'PATCH',
	endpoint: string,
	entries: Array<{ body: Record<string, unknown> }>,
	onDone: (index: number, written: Written) => void,
	onFail: (index: number, message: string) => void,
	options: WriteListOptions = {},
): Promise<void> {
	const pacer = options.pacer ?? new Pacer();
	const kind = `${method} ${endpoint}`;
	let next = 0;
	// The size is chosen when a slot is free, from what the latest answers measured.
	const sendNext = () =>
		pacer.slot(async (lane) => {
			if (next >= entries.length) return;
			const size = pacer.nextSize(kind, entries.length - next);
			const chunk = entries.slice(next, next + size).map((entry, i) => ({ body: entry.body, index: next + i }));
			next += size;
			await writeChunk(client, method, endpoint, chunk, { onDone, onFail }, { pacer, lane }, options.createRetries ?? 4);
		});
	const worker = async () => {
		while (next < entries.length) await sendNext();
	};
	// A kind not timed yet goes out as one small probe first; only then wide.
	if (!pacer.knows(kind)) await sendNext();
	await Promise.all(Array.from({ length: pacer.options.concurrency }, worker));
}

/**
 * One chunk in one request. On a 400 the failing objects are dropped (by
 * NetBox's index, or by halving when it gives none) and the rest are sent
 * again; on a lost create, what exists is re-read before anything is sent again.
 */
async function writeChunk(client: NetBoxClient, method: 'POST' | 'PATCH', endpoint: string, chunk: Pending[], report: Report, pacing: { pacer: Pacer; lane: Lane }, createRetries: number): Promise<void> {
	const { pacer, lane } = pacing;
	let pending = chunk;
	for (let attempt = 0; pending.length; ) {
		const sentAt = Date.now();
		try {
			// Writes are retried here, not in the client: a lost answer needs a re-read first.
			const result = await client.request<Written[]>(method, endpoint, { body: pending.map((p) => p.body), retry: false });
			pacer.record(`${method} ${endpoint}`, pending.length, Date.now() - sentAt, lane.peak);
			pending.forEach((p, i) => report.onDone(p.index, result[i]));
			return;
		} catch (error) {
			if (!(error instanceof NetBoxError)) throw error;
			if (error.status === 400) {
				const failed = errorsByIndex(error.body, pending.length, pending.map((p) => p.body.id));
				if (failed.size) {
					for (const [i, message] of failed) report.onFail(pending[i].index, message);
					pending = pending.filter((_, i) => !failed.has(i));
					continue;
				}
				if (pending.length === 1) return report.onFail(pending[0].index, error.details || error.message);
				const half = Math.ceil(pending.length / 2);
				for (const part of [pending.slice(0, half), pending.slice(half)]) await writeChunk(client, method, endpoint, part, report, pacing, createRetries);
				return;
			}
			const transient = error.status === 0 || error.status >= 500 || error.status === 429;
			// A failed request took at least this long; a cut one may have taken far less than NetBox's work.
			if (transient) pacer.record(`${method} ${endpoint}`, pending.length, Date.now() - sentAt, lane.peak, { lowerBound: true });
			if (method === 'POST' && transient && attempt < createRetries && FINDERS[endpoint]) {
				attempt++;
				pending = await settleLostCreate(client, endpoint, pending, report, attempt, answerNeverCame(error) ? sentAt + settleWindowMs(client) : 0);
				if (pending.length) client.stats.retries++;
				continue;
			}
			if (method === 'PATCH' && transient && attempt < createRetries) {
				attempt++;
				pending = await settleLostChange(client, endpoint, pending, report, attempt, answerNeverCame(error) ? pacer.expectedMs(`${method} ${endpoint}`, pending.length) : 0);
				if (pending.length) client.stats.retries++;
				continue;
			}
			for (const p of pending) report.onFail(p.index, error.message);
			return;
		}
	}
}

/**
 * How long a create whose answer never came may still be running in NetBox:
 * the request timeout, but no longer than gunicorn's (NetBox's contrib
 * gunicorn.py: 120 s), which kills a worker still on it and so rolls its
 * transaction back. Past that, what is not there was never made.
 */
const GUNICORN_TIMEOUT_MS = 120_000;
const settleWindowMs = (client: NetBoxClient) => Math.min(client.requestTimeoutMs, GUNICORN_TIMEOUT_MS + 10_000);

/**
 * A 504 (the proxy gave up on NetBox) or a timeout of our own: NetBox got the
 * request and may still be writing it. A 502, 503 or 429 comes from a server
 * that did not run it, and a reset from a connection NetBox answered or never read.
 */
const answerNeverCame = (error: NetBoxError) => error.status === 504 || error.code === 'UND_ERR_HEADERS_TIMEOUT' || error.code === 'UND_ERR_BODY_TIMEOUT';

/**
 * The create may have been applied before its answer was lost: never send it
 * twice. Re-reads what it made, with backoff, until everything is found or
 * `settleUntil` has passed (NetBox is done with the request by then); returns
 * what is still to be created.
 */
async function settleLostCreate(client: NetBoxClient, endpoint: string, pending: Pending[], report: Report, attempt: number, settleUntil: number): Promise<Pending[]> {
	let wait = Math.random() * 500 * 2 ** attempt;
	for (;;) {
		await sleep(wait);
		const found = await findCreated(client, endpoint, pending.map((p) => p.body));
		pending.forEach((p, i) => found[i] && report.onDone(p.index, found[i]!));
		pending = pending.filter((_, i) => !found[i]);
		if (!pending.length || Date.now() >= settleUntil) return pending;
		wait = Math.min(Math.max(1_000, wait * 2), 15_000, Math.max(0, settleUntil - Date.now()));
	}
}

/**
 * A change whose answer was lost. Sending it again is safe (the same values
 * twice), but not at once: NetBox may still be applying it, holding those
 * rows, and a second copy waits on their locks and then runs in full, which
 * behind a proxy's read timeout can cut it too. So it waits about as long as
 * such a chunk takes, re-reads the objects, and sends again only those not
 * yet showing the change.
 */
async function settleLostChange(client: NetBoxClient, endpoint: string, pending: Pending[], report: Report, attempt: number, expectedMs: number): Promise<Pending[]> {
	await sleep(Math.min(15_000, Math.max(expectedMs, 500 * 2 ** attempt) * (0.5 + Math.random())));
	if (!expectedMs) return pending;
	const found = await client.listWhereIn<Found>(endpoint, 'id', pending.map((p) => p.body.id as number));
	const byId = new Map(found.map((f) => [f.id, f as unknown as Record<string, unknown>]));
	const applied = (body: Record<string, unknown>) => {
		const current = byId.get(body.id as number);
		return !!current && Object.entries(body).every(([field, value]) => field === 'id' || field === 'changelog_message' || sameValue(current[field], value));
	};
	pending.forEach((p) => applied(p.body) && report.onDone(p.index, byId.get(p.body.id as number) as unknown as Written));
	return pending.filter((p) => !applied(p.body));
}

/** A field as NetBox shows it (a related object nested with its id) against the value written; anything not plain counts as different, which only costs a re-send. */
function sameValue(shown: unknown, written: unknown): boolean {
	const id = shown !== null && typeof shown === 'object' && 'id' in shown ? (shown as { id: unknown }).id : shown;
	return (written === null || typeof written !== 'object') && id === written;
}

/** A step's object as results name it: a VM's machine is `vm`. */
const shownStep = (plan: HostPlan, object: Step['object']) => shownObject(object, plan.host.kind === 'vm');

function fail(plan: HostPlan, field: string, message: string) {
	plan.error ??= { field, message };
}

/** Creates missing tags; hosts fail if a tag they need cannot be made. */
export async function createTags(client: NetBoxClient, tags: Array<{ name: string; slug: string }>, plans: HostPlan[]): Promise<void> {
	if (!tags.length) return;
	await writeList(client, 'POST', ENDPOINT.tag, tags.map((t) => ({ body: t })), () => undefined, (i, message) => {
		for (const plan of plans) fail(plan, 'tags', `tag "${tags[i].name}" could not be created: ${message}`);
	});
}

/** NetBox's words for "someone else just made this": unique names, interfaces, IPs, cable ends. */
const CONFLICT = /unique|already exists|duplicate/i;

/**
 * Writes the plans. Returns true when another push was writing the same hosts
 * at the same moment (a write refused as a duplicate, or twins settled): the
 * caller then reads those hosts again.
 */
export async function executePlans(client: NetBoxClient, plans: HostPlan[], options: ExecuteOptions = {}): Promise<boolean> {
	const pacer = options.pacer ?? new Pacer();
	const created: Created[] = [];
	let contested = false;
	for (const stage of STAGES) {
		const groups = new Map<string, Entry[]>();
		for (const plan of plans) {
			if (plan.error) continue;
			for (const step of plan.steps.filter((s) => stage.includes(s.object))) {
				try {
					const id = step.id ?? plan.ids[STEP_TARGET[step.object]];
					if (step.method === 'PATCH' && id === undefined) throw new MissingDependency(`${shownStep(plan, STEP_TARGET[step.object])} was not created`);
					const body = {
						...(step.method === 'PATCH' ? { id } : {}),
						...(resolve(step.body, plan) as Record<string, unknown>),
						...(options.changelogMessage ? { changelog_message: options.changelogMessage } : {}),
					};
					const key = `${step.method} ${step.endpoint}`;
					groups.set(key, [...(groups.get(key) ?? []), { plan, step, body }]);
				} catch (error) {
					if (!(error instanceof MissingDependency)) throw error;
					fail(plan, shownStep(plan, step.object), error.message);
				}
			}
		}
		await Promise.all(
			[...groups].map(([key, entries]) => {
				const [method, endpoint] = key.split(' ') as ['POST' | 'PATCH', string];
				return writeList(
					client,
					method,
					endpoint,
					entries,
					(i, written) => {
						const { plan, step } = entries[i];
						const target = STEP_TARGET[step.object];
						plan.applied.push(step.object);
						if (step.method === 'POST') plan.ids[target] = written.id;
						plan.urls[target] ??= written.display_url ?? written.url;
						if (step.method === 'POST' && TWIN_PRONE.includes(step.object)) {
							created.push({ plan, object: step.object as Created['object'], body: entries[i].body, id: written.id });
						}
					},
					(i, message) => {
						contested ||= CONFLICT.test(message);
						const object = shownStep(entries[i].plan, entries[i].step.object);
						fail(entries[i].plan, object, `${object}: ${message}`);
					},
					{ createRetries: options.createRetries, pacer },
				);
			}),
		);
	}
	if (created.length && (await settleTwins(client, created, options))) contested = true;
	return contested;
}

/** Objects NetBox does not keep unique: MAC objects at all, IP addresses only outside concurrent transactions. */
const TWIN_PRONE: Step['object'][] = ['mac', 'ip4', 'ip6'];

interface Created {
	plan: HostPlan;
	object: 'mac' | 'ip4' | 'ip6';
	body: Record<string, unknown>;
	id: number;
}

/**
 * Two pushes of the same host at the same moment can both find its interface
 * without a MAC (or an IP) and both create one: NetBox refuses a second
 * device, interface or cable, but not a second MAC object, and checks IP
 * uniqueness only against committed rows. So after the writes, for what this
 * push created, the twins on the same interface are looked up; the oldest
 * (lowest id) is kept, the interface's primary MAC or the machine's primary IP
 * is pointed at it, and the others are deleted. Every push applies the same
 * rule, so whichever settles last leaves exactly one. Twins must carry the
 * same tags as this push's object: nothing a person made is deleted.
 */
async function settleTwins(client: NetBoxClient, created: Created[], options: ExecuteOptions): Promise<boolean> {
	const [macs, ips] = await Promise.all([readRecent(client, created, 'mac'), readRecent(client, created, 'ip')]);
	const onIface = new Map<string, Found[]>();
	for (const f of [...macs, ...ips]) {
		const key = `${f.mac_address ? 'mac' : 'ip'} ${f.assigned_object_type}:${f.assigned_object_id}`;
		onIface.set(key, [...(onIface.get(key) ?? []), f]);
	}
	const message: Record<string, string> = options.changelogMessage ? { changelog_message: options.changelogMessage } : {};
	const doomed = new Map<string, Array<{ id: number; twin: Created }>>();
	const settled: Settled[] = [];
	for (const c of created) {
		const tags = ((c.body.tags as Array<{ slug: string }> | undefined) ?? []).map((t) => t.slug);
		const candidates = onIface.get(`${c.object === 'mac' ? 'mac' : 'ip'} ${c.body.assigned_object_type}:${c.body.assigned_object_id}`) ?? [];
		const same = candidates.filter(
			(f) =>
				(c.object === 'mac'
					? f.mac_address?.toUpperCase() === String(c.body.mac_address).toUpperCase()
					: !!f.address && hostPart(f.address) === hostPart(String(c.body.address))) &&
				tags.every((slug) => f.tags?.some((t) => t.slug === slug)),
		);
		if (same.length < 2) continue;
		const keep = same.reduce((a, b) => (b.id < a.id ? b : a));
		const target = c.object === 'mac' ? 'mac' : c.object;
		c.plan.ids[target] = keep.id;
		c.plan.urls[target] = keep.display_url ?? keep.url;
		const vm = c.plan.host.kind === 'vm';
		const endpoint = c.object === 'mac' ? (vm ? ENDPOINT.vminterface : ENDPOINT.interface) : vm ? ENDPOINT.vm : ENDPOINT.device;
		const field = c.object === 'mac' ? 'primary_mac_address' : c.object === 'ip4' ? 'primary_ip4' : 'primary_ip6';
		const ownerId = c.object === 'mac' ? Number(c.body.assigned_object_id) : c.plan.ids.device!;
		const deleteEndpoint = c.object === 'mac' ? ENDPOINT.mac : ENDPOINT.ip;
		for (const other of same.filter((f) => f.id !== keep.id)) doomed.set(deleteEndpoint, [...(doomed.get(deleteEndpoint) ?? []), { id: other.id, twin: c }]);
		settled.push({ twin: c, keep: keep.id, endpoint, field, ownerId });
	}
	if (!settled.length) return false;
	const failTwin = (c: Created, text: string) => fail(c.plan, c.object, `${c.object}: another push created the same ${c.object === 'mac' ? 'MAC' : 'IP address'} at the same moment, and ${text}`);
	// Point at the survivor first, so no interface or machine is ever left without its primary.
	await pointAtKept(client, settled, message, failTwin);
	for (const [endpoint, list] of doomed) await deleteTwins(client, endpoint, list, message, failTwin);
	// A push settling at the same moment may have pointed elsewhere in between: check, and point again once.
	await pointAtKept(client, settled, message, failTwin);
	return true;
}

interface Settled {
	twin: Created;
	/** The twin kept: the oldest. */
	keep: number;
	/** Where the pointer at it lives: the interface (primary MAC) or the machine (primary IP). */
	endpoint: string;
	field: string;
	ownerId: number;
}

/**
 * Points every interface or machine that does not point at the twin kept at
 * it. Only those: NetBox saves the whole row on a PATCH, so each write here
 * could undo what another push sets on the same row at the same moment. One
 * entry per row, as NetBox refuses a list that names a row twice.
 */
async function pointAtKept(client: NetBoxClient, settled: Settled[], message: Record<string, string>, failTwin: (c: Created, text: string) => void): Promise<void> {
	for (const [endpoint, list] of groupBy(settled, (s) => s.endpoint)) {
		const now = await client.listWhereIn<Found>(endpoint, 'id', [...new Set(list.map((s) => s.ownerId))]);
		const wrong = list.filter((s) => (now.find((o) => o.id === s.ownerId)?.[s.field as 'primary_ip4'] ?? null)?.id !== s.keep);
		const owners = [...groupBy(wrong, (s) => String(s.ownerId)).values()];
		const bodies = owners.map((group) => ({ body: Object.assign({ id: group[0].ownerId, ...message }, ...group.map((s) => ({ [s.field]: s.keep }))) }));
		await writeList(client, 'PATCH', endpoint, bodies, () => undefined, (i, m) => {
			for (const s of owners[i]) failTwin(s.twin, `pointing at the one kept failed: ${m}`);
		});
	}
}

/**
 * Deletes the extra twins. NetBox deletes a list all or nothing, and a push
 * settling the same host at the same moment may have deleted some of them
 * already: then the ones still there are deleted again. A twin still there
 * after that fails its host.
 */
async function deleteTwins(
	client: NetBoxClient,
	endpoint: string,
	list: Array<{ id: number; twin: Created }>,
	message: Record<string, string>,
	failTwin: (c: Created, text: string) => void,
): Promise<void> {
	let ids = [...new Set(list.map((d) => d.id))];
	for (let attempt = 1; ids.length; attempt++) {
		try {
			await client.request('DELETE', endpoint, { body: ids.map((id) => ({ id, ...message })) });
			return;
		} catch (error) {
			const left = await client.listWhereIn<Found>(endpoint, 'id', ids).catch(() => undefined);
			const still = new Set((left ?? []).map((f) => f.id));
			if (left && still.size < ids.length && attempt < 4) {
				ids = ids.filter((id) => still.has(id));
				continue;
			}
			for (const d of list) if (!left || still.has(d.id)) failTwin(d.twin, `removing the extra one failed: ${(error as Error).message}`);
			return;
		}
	}
}

/**
 * How far back twins are looked for: a twin comes from another push's create
 * that was still in its transaction when this push read NetBox, and a bulk
 * create of thousands of objects can run for minutes.
 */
const TWIN_WINDOW_MS = 15 * 60_000;

/**
 * MACs or IPs created in the last minutes that carry the tags every object
 * this push created carries (the ownership tag): where twins can be. A few
 * pages, where asking per machine took one request per ~200 machines.
 * The window is on NetBox's clock (its Date header), not on ours.
 */
async function readRecent(client: NetBoxClient, created: Created[], kind: 'mac' | 'ip'): Promise<Found[]> {
	const mine = created.filter((c) => (c.object === 'mac') === (kind === 'mac'));
	if (!mine.length) return [];
	const slugsOf = (c: Created) => ((c.body.tags as Array<{ slug: string }> | undefined) ?? []).map((t) => t.slug);
	const shared = mine.slice(1).reduce((common, c) => common.filter((slug) => slugsOf(c).includes(slug)), slugsOf(mine[0]));
	const start = client.serverTimeAtStart?.getTime() ?? Date.now();
	return client.list<Found>(kind === 'mac' ? ENDPOINT.mac : ENDPOINT.ip, {
		...(kind === 'mac' ? READ_FIELDS.mac : READ_FIELDS.ip),
		...(shared.length ? { tag: shared[0] } : {}),
		created__gte: new Date(start - TWIN_WINDOW_MS).toISOString(),
	});
}

function groupBy<T>(list: T[], key: (item: T) => string): Map<string, T[]> {
	const groups = new Map<string, T[]>();
	for (const item of list) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
	return groups;
}
