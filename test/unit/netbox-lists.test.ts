// The editor's pick lists: NetBox's answers mapped to options, without a server.
import { fieldChoices, objectOptions, statusOptions } from '../../core/netbox/lists';

describe('pick lists from NetBox answers', () => {
	it('stores the slug, shows the name, sorted by name', () => {
		const sites = [
			{ id: 2, name: 'MDF Butler', slug: 'dm-butler', display: 'MDF Butler' },
			{ id: 1, name: 'Akron', slug: 'dm-akron', display: 'Akron' },
		];
		expect(objectOptions('site', sites)).toEqual([
			{ name: 'Akron', value: 'dm-akron', description: 'dm-akron' },
			{ name: 'MDF Butler', value: 'dm-butler', description: 'dm-butler' },
		]);
	});

	it('device types read as manufacturer and model; a slug two of them share says a push with it fails', () => {
		const types = [
			{ model: 'ISR 1111-8P', slug: 'isr1111', manufacturer: { name: 'Cisco' } },
			{ model: 'Generic', slug: 'generic', manufacturer: { name: 'Acme' } },
			{ model: 'Generic', slug: 'generic', manufacturer: { name: 'Other' } },
		];
		expect(objectOptions('deviceType', types)).toEqual([
			{ name: 'Acme Generic / Other Generic', value: 'generic', description: expect.stringContaining('2 objects share it') },
			{ name: 'Cisco ISR 1111-8P', value: 'isr1111', description: 'isr1111' },
		]);
	});

	it('clusters are stored by name, VRFs by RD when they have one', () => {
		expect(objectOptions('cluster', [{ name: 'dc1-vms', display: 'dc1-vms' }])).toEqual([
			{ name: 'dc1-vms', value: 'dc1-vms', description: 'dc1-vms' },
		]);
		expect(objectOptions('vrf', [{ name: 'Blue', rd: '65000:1' }, { name: 'Red', rd: null }])).toEqual([
			{ name: 'Blue (65000:1)', value: '65000:1', description: '65000:1' },
			{ name: 'Red', value: 'Red', description: 'Red' },
		]);
	});

	it('reads choices from an OPTIONS answer, and says why when NetBox lists none', () => {
		const answer = {
			actions: {
				POST: {
					type: {
						choices: [
							{ value: 'virtual', display_name: 'Virtual' },
							{ value: '1000base-t', display_name: '1000BASE-T (1GE)' },
						],
					},
				},
			},
		};
		expect(fieldChoices(answer, 'type')).toEqual([
			{ name: 'Virtual', value: 'virtual' },
			{ name: '1000BASE-T (1GE)', value: '1000base-t' },
		]);
		expect(fieldChoices({ actions: { PUT: answer.actions.POST } } as never, 'type')).toHaveLength(2);
		expect(() => fieldChoices({}, 'status')).toThrow(/permission to add or change/);
	});

	it('statuses: NetBox’s labels and order, those the host schema accepts, marked when only one kind has them', () => {
		const device = [
			{ name: 'Offline', value: 'offline' },
			{ name: 'Active', value: 'active' },
			{ name: 'Inventory', value: 'inventory' },
			{ name: 'Retired (custom)', value: 'retired' },
		];
		const vm = [
			{ name: 'Offline', value: 'offline' },
			{ name: 'Active', value: 'active' },
			{ name: 'Paused', value: 'paused' },
		];
		expect(statusOptions(device, vm)).toEqual([
			{ name: 'Offline', value: 'offline', description: 'offline' },
			{ name: 'Active', value: 'active', description: 'active' },
			{ name: 'Inventory', value: 'inventory', description: 'inventory (devices only)' },
		]);
	});
});
