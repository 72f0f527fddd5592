// What the editor shows for both nodes: same order and labels, each node's own
// fields, and a list method behind every pick list.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { NodeHelpers, type INodeParameters, type INodeProperties, type INodeType } from 'n8n-workflow';
import { NetBoxPush } from '../../nodes/NetBoxPush/NetBoxPush.node';
import { UnboundDnsPush } from '../../nodes/UnboundDnsPush/UnboundDnsPush.node';

const nodes: Array<[string, INodeType]> = [
	['NetBox Push', new NetBoxPush()],
	['Unbound DNS Push', new UnboundDnsPush()],
];
const props = (node: INodeType) => node.description.properties;
const find = (list: INodeProperties[], name: string) => list.filter((p) => p.name === name);
const inner = (node: INodeType, name: string) => find(props(node), name)[0].options as INodeProperties[];

describe.each(nodes)('%s description', (_, node) => {
	it('Dry Run comes second, Push only; Add Summary Item shows on Status', () => {
		expect(props(node).slice(0, 2).map((p) => p.name)).toEqual(['operation', 'dryRun']);
		expect(props(node)[1].displayOptions).toEqual({ show: { operation: ['push'] } });
		expect(find(props(node), 'summary').some((p) => p.displayOptions?.show?.operation?.includes('status'))).toBe(true);
	});

	it('then Only Approved Hosts, (Defaults,) Field Mapping and Options, in that order', () => {
		const tail = props(node).map((p) => p.name).filter((n) => ['onlyApproved', 'hostDefaults', 'fieldMapping', 'options', 'unboundOptions'].includes(n));
		expect(tail.filter((n) => n !== 'hostDefaults')).toEqual(['onlyApproved', 'fieldMapping', expect.stringMatching(/ptions$/)]);
	});

	it('actions spell the brands', () => {
		const actions = (props(node)[0].options as Array<{ action: string }>).map((o) => o.action);
		expect(actions.join(' ')).toMatch(/NetBox|Unbound/);
		expect(actions.join(' ')).not.toMatch(/netbox|unbound/);
	});

	it('Field Mapping suggests $json and uses the human labels', () => {
		const mapping = find(props(node), 'fieldMapping')[0];
		expect(mapping.description).toContain('{{ $json.hostname }}');
		const labels = Object.fromEntries((mapping.options as INodeProperties[]).map((o) => [o.name, o.displayName]));
		expect(labels).toMatchObject({ ipv4: 'IPv4', ipv6: 'IPv6', name: 'Name' });
	});

	it('every pick list has its method', () => {
		const methods = node.methods?.loadOptions ?? {};
		const walk = (list: INodeProperties[]): string[] =>
			list.flatMap((p) => [
				...(p.typeOptions?.loadOptionsMethod ? [p.typeOptions.loadOptionsMethod] : []),
				...(Array.isArray(p.options) && p.options.some((o) => 'type' in o) ? walk(p.options as INodeProperties[]) : []),
			]);
		for (const method of walk(props(node))) expect(methods).toHaveProperty(method);
	});
});

describe('each node maps its own fields', () => {
	it('NetBox Push maps every host field, with the shared labels', () => {
		const labels = Object.fromEntries(inner(nodes[0][1], 'fieldMapping').map((o) => [o.name, o.displayName]));
		expect(labels).toMatchObject({ deviceType: 'Device Type', mac: 'MAC', switchPort: 'Switch Port', vrf: 'VRF' });
	});

	it('Unbound DNS Push maps only what DNS reads', () => {
		expect(inner(nodes[1][1], 'fieldMapping').map((o) => o.name).sort()).toEqual(['approved', 'ipv4', 'ipv6', 'name']);
	});
});

describe('NetBox Push pick lists', () => {
	const netbox = nodes[0][1];
	it('Defaults and Options read NetBox’s lists; the stored names stay', () => {
		const defaults = Object.fromEntries(inner(netbox, 'hostDefaults').map((o) => [o.name, o.typeOptions?.loadOptionsMethod]));
		expect(defaults).toEqual({
			cluster: 'getClusters',
			deviceType: 'getDeviceTypes',
			interface: undefined,
			platform: 'getPlatforms',
			role: 'getRoles',
			site: 'getSites',
			status: 'getStatuses',
			tags: 'getTags',
			tenant: 'getTenants',
		});
		const options = Object.fromEntries(inner(netbox, 'options').map((o) => [o.name, o]));
		expect(options.interfaceType).toMatchObject({ type: 'options', default: 'other', typeOptions: { loadOptionsMethod: 'getInterfaceTypes' } });
		expect(options.vrf).toMatchObject({ type: 'options', default: '', typeOptions: { loadOptionsMethod: 'getVrfs' } });
	});

	it('Changelog Message is for Push only: Status writes nothing', () => {
		const option = inner(netbox, 'options').find((o) => o.name === 'changelogMessage')!;
		expect(option.displayOptions).toEqual({ show: { '/operation': ['push'] } });
	});
});

describe('n8n resolves the parameters as before', () => {
	// The engine keeps only parameters the description shows: a moved or split one must still arrive.
	const resolve = (node: INodeType, parameters: INodeParameters, withDefaults = false) =>
		NodeHelpers.getNodeParameters(props(node), parameters, withDefaults, false, null, node.description)!;

	it('Add Summary Item reaches both Unbound operations; NetBox Push keeps it for Status only', () => {
		const [netbox, dns] = [nodes[0][1], nodes[1][1]];
		expect(resolve(dns, { operation: 'push', zone: 'lab.example', summary: true, dryRun: true }).summary).toBe(true);
		expect(resolve(dns, { operation: 'status', zone: 'lab.example', summary: true }).summary).toBe(true);
		expect(resolve(netbox, { operation: 'status', summary: true }).summary).toBe(true);
		expect(resolve(netbox, { operation: 'push', summary: true }).summary).toBeUndefined();
	});

	it('the shipped workflow’s NetBox and DNS nodes keep every parameter they set', () => {
		const workflow = JSON.parse(readFileSync(path.join(__dirname, '../../workflows/netbox-dns-approval.json'), 'utf8'));
		const ours = (workflow.nodes as Array<{ type: string; parameters: INodeParameters }>).filter((n) => n.type.startsWith('n8n-nodes-netbox-auto.'));
		expect(ours.length).toBeGreaterThanOrEqual(4);
		for (const { type, parameters } of ours) {
			const node = type.endsWith('netBoxPush') ? nodes[0][1] : nodes[1][1];
			expect(resolve(node, parameters, true)).toMatchObject(parameters);
		}
	});
});
