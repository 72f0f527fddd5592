// What both operations of the NetBox node share: the options collection and
// running a batch against NetBox with one client.
import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import type { NetBoxClient } from '../../../core/netbox/client';
import { PACING_DEFAULTS, type PacingOptions } from '../../../core/netbox/pacing';
import type { PlanOptions } from '../../../core/netbox/plan';
import { changeLimitProperties } from '../../shared/changeLimit';
import type { ReadParameter } from '../../shared/batches';
import type { HostItem } from '../../shared/hostItems';
import type { ItemOutcome } from '../../shared/results';
import { clientFromCredential, toNodeApiError } from '../transport';

/** One of the shared change-limit options, shown for Push only (Status writes nothing). */
function changeLimitOption(name: string): INodeProperties {
	const property = changeLimitProperties.find((p) => p.name === name);
	if (!property) throw new Error(`no change-limit option ${name}`);
	return { ...property, displayOptions: { show: { '/operation': ['push'] } } };
}

export const optionsProperty: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	options: [
		changeLimitOption('changeLimitPercent'),
		changeLimitOption('changeLimitMinHosts'),
		{
			displayName: 'Changelog Message',
			name: 'changelogMessage',
			type: 'string',
			default: 'Pushed by n8n (n8n-nodes-netbox-auto)',
			description: 'Recorded in NetBox’s change log with every write (NetBox 4.4+)',
			// Status only reads: there is nothing to log.
			displayOptions: { show: { '/operation': ['push'] } },
		},
		{
			displayName: 'Concurrency',
			name: 'concurrency',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 16 },
			default: 3,
			description: 'Write requests sent to NetBox at once. More use more of NetBox’s gunicorn workers; keep it at or below their number.',
			displayOptions: { show: { '/operation': ['push'] } },
		},
		{
			displayName: 'DNS Domain',
			name: 'dnsDomain',
			type: 'string',
			default: '',
			placeholder: 'lab.example',
			description: 'Appended to short host names to form the IP addresses’ DNS name',
		},
		changeLimitOption('force'),
		{
			displayName: 'Foreign Objects',
			name: 'foreignObjects',
			type: 'options',
			default: 'adopt',
			description: 'What to do with an existing object that has no ownership tag (made by a person or another tool). Addresses, MACs and cables that belong to other devices are never taken, whatever this says. <a href="https://github.com/n8n-nodes-netbox-auto/n8n-nodes-netbox-auto#on-a-netbox-people-already-run">More</a>.',
			options: [
				{ name: 'Adopt', value: 'adopt', description: 'Tag it and set the fields the item states; never its site, cluster, role, type, platform or tenant' },
				{ name: 'Leave Alone', value: 'leave', description: 'Write nothing to it; the result lists what differs' },
				{ name: 'Fail the Host', value: 'fail', description: 'Fail the host before anything is written for it, naming the object' },
			],
		},
		{
			displayName: 'Interface Type Name or ID',
			name: 'interfaceType',
			type: 'options',
			typeOptions: { loadOptionsMethod: 'getInterfaceTypes' },
			default: 'other',
			description: 'NetBox type of new device interfaces, from NetBox’s own choices (e.g. 1000base-t). Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
		},
		{
			displayName: 'Max Objects per Request',
			name: 'maxChunk',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 5000 },
			default: 500,
			description: 'Most objects one write request carries, however fast NetBox answers',
			displayOptions: { show: { '/operation': ['push'] } },
		},
		{
			displayName: 'Ownership Tag',
			name: 'ownershipTag',
			type: 'string',
			default: 'netbox-auto',
			description: 'Tag put on every object this node creates or adopts; created if missing',
		},
		{
			displayName: 'Request Timeout (Seconds)',
			name: 'timeout',
			type: 'number',
			default: 300,
			description: 'How long to wait for one NetBox request; bulk writes of thousands of objects take a while',
		},
		{
			displayName: 'Target Seconds per Request',
			name: 'targetSeconds',
			type: 'number',
			typeOptions: { minValue: 1, numberPrecision: 1 },
			default: 15,
			description: 'Write requests are sized from NetBox’s measured time per object to stay well under this (they aim at half). Keep it far below the read timeout of the proxy in front of NetBox (nginx: 60 s by default).',
			displayOptions: { show: { '/operation': ['push'] } },
		},
		{
			displayName: 'Update Foreign Fields',
			name: 'updateForeignFields',
			type: 'boolean',
			default: false,
			description: 'Whether an adopted device or VM may get the site, cluster, role, device type, platform and tenant the item states. Off: they are kept and listed under "kept".',
		},
		{
			displayName: 'VRF Name or ID',
			name: 'vrf',
			type: 'options',
			typeOptions: { loadOptionsMethod: 'getVrfs' },
			default: '',
			description: 'VRF (RD or name) of the addresses of hosts that have no "vrf" field. Empty: the global table. An address in another VRF is another address. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
		},
	],
};

export interface NetBoxOptions extends PlanOptions {
	changelogMessage: string;
	timeout: number;
	pacing: PacingOptions;
}

/** The options for one item (an expression in one may differ per item). */
export function readOptions(index: number, read: ReadParameter): NetBoxOptions {
	const o = read<Partial<NetBoxOptions & Required<PacingOptions>>>('options', index, {});
	return {
		ownershipTag: o.ownershipTag || 'netbox-auto',
		dnsDomain: o.dnsDomain || undefined,
		interfaceType: o.interfaceType || 'other',
		foreignObjects: o.foreignObjects || 'adopt',
		updateForeignFields: o.updateForeignFields ?? false,
		vrf: o.vrf || undefined,
		changelogMessage: o.changelogMessage ?? 'Pushed by n8n (n8n-nodes-netbox-auto)',
		timeout: o.timeout || 300,
		pacing: {
			concurrency: o.concurrency || PACING_DEFAULTS.concurrency,
			targetSeconds: o.targetSeconds || PACING_DEFAULTS.targetSeconds,
			maxChunk: o.maxChunk || PACING_DEFAULTS.maxChunk,
		},
	};
}

/**
 * Runs `work` with one client. A failure of the whole batch (NetBox down, bad
 * token) fails every host in it when the node continues on fail, else the node.
 */
export async function withNetBox(
	ctx: IExecuteFunctions,
	valid: Array<Extract<HostItem, { state: 'valid' }>>,
	timeout: number,
	work: (client: NetBoxClient) => Promise<ItemOutcome[]>,
	failed: ItemOutcome['result'],
): Promise<ItemOutcome[]> {
	if (!valid.length) return [];
	const client = clientFromCredential(await ctx.getCredentials('netBoxApi'), { requestTimeoutMs: timeout * 1000 });
	try {
		return await work(client);
	} catch (error) {
		const nodeError = toNodeApiError(ctx.getNode(), error);
		if (!ctx.continueOnFail()) throw nodeError;
		const description = (nodeError as { description?: string }).description ?? undefined;
		return valid.map((v) => ({ index: v.index, result: { ...failed, error: nodeError.message }, error: { message: nodeError.message, description } }));
	} finally {
		await client.close();
	}
}
