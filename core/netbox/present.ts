// How a host's plan is shown in its result. The planner works in NetBox's
// terms (one 'device' object for devices and VMs, the two assigned_object
// fields NetBox wants); people and workflows read the result, so there a VM is
// a `vm`, an address's assignment is one row, and what is created is one entry
// per object.
import type { Change, ForeignObject, HostPlan, ObjectName } from './plan';
import type { SummaryInput } from './summary';

/** Object names as results show them: `vm` for a VM's machine. */
export type ShownObject = ObjectName | 'vm';

export type ObjectLinks = Partial<Record<ShownObject, { id: number; url?: string }>>;

/** Fields of each object a push creates (or would create), e.g. `{ vm: { name, cluster, … }, ip4: { address, … } }`. */
export type CreatedObjects = Partial<Record<ShownObject, Record<string, unknown>>>;

const isVm = (plan: HostPlan) => plan.host.kind === 'vm';

export function shownObject<T extends string>(object: T, vm: boolean): T | 'vm' {
	return vm && object === 'device' ? 'vm' : object;
}

/**
 * The plan's changes as a result lists them. An address's assignment is
 * written as two fields (assigned_object_type and _id) that the planner shows
 * with the same from and to: one `assigned_object` row says it.
 */
export function shownChanges(changes: Change[], vm: boolean): Change[] {
	const shown: Change[] = [];
	for (const change of changes) {
		const object = shownObject(change.object, vm);
		if (change.field === 'assigned_object_id' && changes.some((c) => c.object === change.object && c.field === 'assigned_object_type' && c.from === change.from && c.to === change.to)) continue;
		const field = change.field === 'assigned_object_type' ? 'assigned_object' : change.field;
		shown.push({ ...change, object, field });
	}
	return shown;
}

export type ShownForeign = Omit<ForeignObject, 'object'> & { object: string };

export function shownForeign(foreign: ForeignObject[], vm: boolean): ShownForeign[] {
	return foreign.map((f) => ({ ...f, object: shownObject(f.object, vm) }));
}

export function objectLinks(plan: HostPlan): ObjectLinks {
	const links: ObjectLinks = {};
	for (const [name, id] of Object.entries(plan.ids) as Array<[ObjectName, number]>) {
		links[shownObject(name, isVm(plan))] = { id, url: plan.urls[name] };
	}
	return links;
}

/**
 * Each created object once, with its fields: its name (which the planner
 * sends only on creation), then each changed field. A primary address or MAC
 * set on an object created in the same push is one of its fields too.
 */
export function createdObjects(plan: HostPlan, changes: Change[] = shownChanges(plan.changes, isVm(plan))): CreatedObjects {
	const result: CreatedObjects = {};
	for (const step of plan.steps) {
		if (step.method !== 'POST') continue;
		const { name, type } = step.body;
		result[shownObject(step.object as ObjectName, isVm(plan))] = {
			...(typeof name === 'string' ? { name } : {}),
			...(step.object === 'interface' && typeof type === 'string' ? { type } : {}),
		};
	}
	for (const change of changes) {
		const entry = result[change.object as ShownObject];
		if (entry) entry[change.field] = change.to;
	}
	return result;
}

/**
 * The changes an output item lists beside `created`: those of objects that
 * already exist. A created object's fields are all in its `created` entry, so
 * listing them again as `from: null` rows only made a new host fill screens.
 */
export function changesToExisting(changes: Change[], created: CreatedObjects): Change[] {
	return changes.filter((c) => !(c.object in created));
}

/** What a result shows of a plan, and what its summary is made from. */
export function presentPlan(plan: HostPlan): SummaryInput & { foreign: ShownForeign[] } {
	const vm = isVm(plan);
	const changes = shownChanges(plan.changes, vm);
	return {
		name: plan.host.name,
		vm,
		changes,
		created: createdObjects(plan, changes),
		adopted: plan.adopted.map((o) => shownObject(o, vm)),
		foreign: shownForeign(plan.foreign, vm),
		error: plan.error,
	};
}
