// Settles a question about NetBox 4.7 against the real server: does an
// interface write still take `mac_address` and make the MAC object itself?
// NetBox 4.7.3's source says yes: dcim/api/serializers_/device_components.py
// declares `mac_address = serializers.CharField(allow_null=True, required=False)`
// on InterfaceSerializer, pops it in validate() and hands it to
// Interface._set_primary_mac_address (dcim/models/device_components.py), which
// finds or creates the MAC on that interface under a row lock and makes it
// primary (virtualization/api/serializers_/virtualmachines.py does the same for
// VM interfaces). The package does not use it: the MAC NetBox makes this way
// carries no tag, so until a second write tagged it, the package's own MAC
// would look foreign to its next run (see README, "Who owns what").
import type { NetBoxClient } from '../../core/netbox/client';
import { connectNetBox, ensureFixtures } from '../helpers/netbox';

type Obj = Record<string, any>;
const NAME = 'it-macshortcut';
const MAC = '02:00:00:5e:00:01';

describe('NetBox takes mac_address on an interface write', () => {
	let nb: NetBoxClient;
	const cleanup = async () => {
		const [device] = await nb.list<Obj>('api/dcim/devices/', { name: NAME });
		if (device) await nb.request('DELETE', 'api/dcim/devices/', { body: [{ id: device.id }] });
		const [vm] = await nb.list<Obj>('api/virtualization/virtual-machines/', { name: NAME });
		if (vm) await nb.request('DELETE', 'api/virtualization/virtual-machines/', { body: [{ id: vm.id }] });
		const macs = await nb.list<Obj>('api/dcim/mac-addresses/', { mac_address: MAC });
		if (macs.length) await nb.request('DELETE', 'api/dcim/mac-addresses/', { body: macs.map((m) => ({ id: m.id })) });
	};
	beforeAll(async () => {
		nb = await connectNetBox();
		await ensureFixtures(nb);
		await cleanup();
	});
	afterAll(async () => {
		await cleanup();
		await nb.close();
	});

	it.each([
		['device', 'api/dcim/devices/', 'api/dcim/interfaces/', { site: { slug: 'it-lab' }, role: { slug: 'it-server' }, device_type: { slug: 'it-box' } }, 'device', 'dcim.interface'],
		['VM', 'api/virtualization/virtual-machines/', 'api/virtualization/interfaces/', { cluster: { name: 'it-cluster' } }, 'virtual_machine', 'virtualization.vminterface'],
	])('%s interface: one untagged MAC object, assigned and primary', async (_kind, machines, interfaces, extra, parent, type) => {
		const [machine] = await nb.request<Obj[]>('POST', machines, { body: [{ name: NAME, ...extra }] });
		const [iface] = await nb.request<Obj[]>('POST', interfaces, { body: [{ [parent]: machine.id, name: 'eth0', ...(parent === 'device' ? { type: 'virtual' } : {}), mac_address: MAC }] });
		const macs = await nb.list<Obj>('api/dcim/mac-addresses/', { mac_address: MAC });
		expect(macs).toHaveLength(1);
		expect(macs[0]).toMatchObject({ assigned_object_type: type, assigned_object_id: iface.id, tags: [] });
		expect(iface.primary_mac_address?.id).toBe(macs[0].id);
		// The same value again finds that MAC: no second object.
		await nb.request('PATCH', interfaces, { body: [{ id: iface.id, mac_address: MAC }] });
		expect(await nb.list<Obj>('api/dcim/mac-addresses/', { mac_address: MAC })).toHaveLength(1);
		await cleanup();
	});
});
