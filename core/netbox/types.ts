// The slices of NetBox objects the push reads. Only what planning needs.

export interface NbRef {
	id: number;
	name?: string;
	slug?: string;
	model?: string;
	/** API url: nested objects carry it (not display_url). */
	url?: string;
	rd?: string | null;
	display?: string;
	/** Device types: whose slug it is (slugs are unique per manufacturer only). */
	manufacturer?: { name?: string; slug?: string };
	/** Clusters: names are unique per group only. */
	group?: { name?: string } | null;
}

export interface NbTag extends NbRef {
	slug: string;
}

interface NbObject {
	id: number;
	url?: string;
	display_url?: string;
	tags?: NbTag[];
}

/** A device or a virtual machine: the fields both share. */
export interface NbMachine extends NbObject {
	name: string;
	site?: NbRef | null;
	cluster?: NbRef | null;
	role?: NbRef | null;
	device_type?: NbRef;
	platform?: NbRef | null;
	tenant?: NbRef | null;
	status?: { value: string } | null;
	description?: string;
	primary_ip4?: NbRef | null;
	primary_ip6?: NbRef | null;
}

export interface NbInterface extends NbObject {
	name: string;
	device?: NbRef;
	virtual_machine?: NbRef;
	mac_address?: string | null;
	primary_mac_address?: { id: number; url?: string; mac_address: string } | null;
	cable?: NbRef | null;
	/** Which end of its cable this interface is: 'A' or 'B'. */
	cable_end?: string | null;
	link_peers?: Array<{ id: number; name?: string; device?: NbRef }>;
}

/** What an IP or a MAC is assigned to, as NetBox nests it: enough to name the owner. */
export interface NbAssigned {
	id: number;
	name?: string;
	device?: NbRef;
	virtual_machine?: NbRef;
}

export interface NbMacAddress extends NbObject {
	mac_address: string;
	assigned_object_type: string | null;
	assigned_object_id: number | null;
	assigned_object?: NbAssigned | null;
}

export interface NbCable extends NbObject {
	label?: string;
}

export interface NbIpAddress extends NbObject {
	address: string;
	dns_name?: string;
	vrf?: NbRef | null;
	assigned_object_type: string | null;
	assigned_object_id: number | null;
	assigned_object?: NbAssigned | null;
}

export type RefKind = 'site' | 'role' | 'deviceType' | 'platform' | 'tenant' | 'cluster' | 'vrf' | 'tag';

/** Everything the planner needs to know about NetBox, read in a few bulk requests. */
export interface NetBoxSnapshot {
	version: string;
	/** NetBox 4.2+ keeps MACs as objects of their own. */
	macObjects: boolean;
	/**
	 * Lower-cased slug or name → the objects it names, per reference kind.
	 * More than one means the value is ambiguous (two device types of one
	 * slug, two clusters of one name): the planner refuses to pick.
	 */
	refs: Record<RefKind, Map<string, NbRef[]>>;
	devices: NbMachine[];
	vms: NbMachine[];
	/** Device and VM interfaces of the hosts, and the switches' interfaces. */
	interfaces: NbInterface[];
	vmInterfaces: NbInterface[];
	/** MACs on the hosts' interfaces, and wherever else NetBox holds a host's MAC. */
	macs: NbMacAddress[];
	ips: NbIpAddress[];
	/** Cables a push might re-terminate or mend, with their tags (only owned ones are ever changed). */
	cables: NbCable[];
}

export const ENDPOINT = {
	device: 'api/dcim/devices/',
	vm: 'api/virtualization/virtual-machines/',
	interface: 'api/dcim/interfaces/',
	vminterface: 'api/virtualization/interfaces/',
	mac: 'api/dcim/mac-addresses/',
	ip: 'api/ipam/ip-addresses/',
	cable: 'api/dcim/cables/',
	tag: 'api/extras/tags/',
} as const;

/**
 * Only the fields the planner reads (NetBox 4.x `fields=`; older versions
 * ignore it). NetBox spends most of a read serialising, e.g. 1,000 switch
 * ports take 3.5 s in full and 0.35 s with a few fields.
 */
const COMMON = 'id,url,display_url,name,tags';
const MACHINE = `${COMMON},site,cluster,role,platform,tenant,status,description,primary_ip4,primary_ip6`;
export const READ_FIELDS = {
	device: { fields: `${MACHINE},device_type` },
	vm: { fields: MACHINE },
	interface: { fields: `${COMMON},device,virtual_machine,mac_address,primary_mac_address,cable,cable_end,link_peers` },
	mac: { fields: 'id,url,display_url,mac_address,assigned_object_type,assigned_object_id,assigned_object,tags' },
	ip: { fields: 'id,url,display_url,address,dns_name,vrf,status,assigned_object_type,assigned_object_id,assigned_object,tags' },
	cable: { fields: 'id,url,display_url,label,tags' },
};

export const REF_ENDPOINT: Record<RefKind, { path: string; keys: string[] }> = {
	site: { path: 'api/dcim/sites/', keys: ['slug', 'name'] },
	role: { path: 'api/dcim/device-roles/', keys: ['slug', 'name'] },
	deviceType: { path: 'api/dcim/device-types/', keys: ['slug', 'model'] },
	vrf: { path: 'api/ipam/vrfs/', keys: ['rd', 'name'] },
	platform: { path: 'api/dcim/platforms/', keys: ['slug', 'name'] },
	tenant: { path: 'api/tenancy/tenants/', keys: ['slug', 'name'] },
	cluster: { path: 'api/virtualization/clusters/', keys: ['name'] },
	tag: { path: 'api/extras/tags/', keys: ['slug', 'name'] },
};
