// What both operations share: where the records go (zone, TTL, types), how to
// reach Unbound (paths, sudo), reading those settings, and running one batch
// over one SSH session.
import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeProperties,
} from 'n8n-workflow';
import type { HostInput } from '../../../core/dns/plan';
import { checkTtl, normaliseZone, type RecordOptions } from '../../../core/dns/records';
import { validateAccess, type UnboundAccess, type UnboundHost } from '../../../core/dns/unbound';
import type { ChangeLimitOptions } from '../../../core/changeLimit';
import { changeLimitProperties, readChangeLimit } from '../../shared/changeLimit';
import type { ReadParameter } from '../../shared/batches';
import type { HostItem } from '../../shared/hostItems';
import type { ItemOutcome } from '../../shared/results';
import { DEFAULTS, sshCredentials, toNodeError, withUnboundHost } from '../transport';

// Defaults are literals for n8n's linter; test/unit/dns-node.test.ts checks they match DEFAULTS.
export const recordProperties: INodeProperties[] = [
	{
		displayName: 'Zone',
		name: 'zone',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'lab.example',
		description:
			'DNS zone of the host names: in zone lab.example, "web1" becomes web1.lab.example; a name already inside the zone is kept as it is',
	},
	{
		displayName: 'TTL (Seconds)',
		name: 'ttl',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 300,
		description: 'Time to live of every record',
	},
	{
		displayName: 'Record Types',
		name: 'recordTypes',
		type: 'multiOptions',
		options: [
			{ name: 'A / AAAA', value: 'forward', description: 'Name to address' },
			{ name: 'PTR', value: 'reverse', description: 'Address back to name' },
		],
		default: ['forward', 'reverse'],
		description: 'Which records each host gets',
	},
	{
		displayName: 'Managed File',
		name: 'managedFile',
		type: 'string',
		default: '/etc/unbound/n8n-netbox-auto/n8n-netbox-auto.conf',
		description:
			'Include file this node owns and rewrites; Unbound’s config must include it. Its directory must be writable by the SSH user (temp file, backup, lock).',
	},
	{
		displayName: 'Unbound Config',
		name: 'unboundConfig',
		type: 'string',
		default: '/etc/unbound/unbound.conf',
		description:
			'Unbound’s main config file, passed to unbound-control and unbound-checkconf; only read, never changed',
	},
	{
		displayName: 'Use Sudo',
		name: 'useSudo',
		type: 'boolean',
		default: true,
		description:
			'Whether to run unbound-control and unbound-checkconf through "sudo -n" (needed for a non-root SSH user)',
	},
];

export const takeOverNamesProperty: INodeProperties = {
	displayName: 'Take Over Names',
	name: 'takeOverNames',
	type: 'boolean',
	default: false,
	description:
		'Whether a host may replace A, AAAA and PTR records this node did not write at its names (from another include, the main config or a runtime local_data). Off: such a host fails, naming the records. Other types are never removed. <a href="https://github.com/n8n-nodes-netbox-auto/n8n-nodes-netbox-auto#on-a-resolver-people-already-run">More</a>.',
};

// Push has its own report item: what Prune removed, the steps and the change-limit
// verdict belong to the batch, not to any host's item.
export const summaryProperties: INodeProperties[] = [
	{
		// Not "Add Summary Item": in both nodes that name means Status's per-state count.
		displayName: 'Add Run Report Item',
		name: 'summary',
		type: 'boolean',
		// One item for the whole run: an expression per host item has no meaning.
		noDataExpression: true,
		default: false,
		description:
			'Whether to add one item at the end that reports the run: the count per outcome, the managed hosts Prune removed (or would remove), the steps that changed Unbound and the change-limit verdict',
		displayOptions: { show: { operation: ['push'] } },
	},
	{
		displayName: 'Add Summary Item',
		name: 'summary',
		type: 'boolean',
		// One item for the whole run: an expression per host item has no meaning.
		noDataExpression: true,
		default: false,
		description:
			'Whether to add one item at the end with the number of hosts per state, and the managed hosts no input item names (stale)',
		displayOptions: { show: { operation: ['status'] } },
	},
];

export const unboundOptionsProperty: INodeProperties = {
	displayName: 'Options',
	name: 'unboundOptions',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	options: [
		{
			displayName: 'Backups to Keep',
			name: 'keepBackups',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 10,
			description:
				'How many timestamped backups of the managed file (FILE.bak-UTCTIME) to keep beside it; each push that changes the file writes one',
			displayOptions: { show: { '/operation': ['push'] } },
		},
		...changeLimitProperties.map((p) => ({
			...p,
			displayOptions: { show: { '/operation': ['push'] } },
		})),
		{
			displayName: 'Check As User',
			name: 'checkAsUser',
			type: 'string',
			default: 'unbound',
			description:
				'User unbound-checkconf runs as: the one Unbound drops to and reads includes as. With sudo this needs a sudoers rule allowing checkconf as that user; empty runs it as the SSH user.',
		},
		{
			displayName: 'Lock Timeout (Seconds)',
			name: 'lockTimeout',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 60,
			description: 'How long to wait for another push to finish',
		},
		{
			// The tool's own spelling, as in its man page and the sudoers lines.
			// eslint-disable-next-line n8n-nodes-base/node-param-display-name-miscased
			displayName: 'unbound-checkconf Path',
			name: 'checkconfPath',
			type: 'string',
			default: '/usr/sbin/unbound-checkconf',
		},
		{
			// The tool's own spelling, as in its man page and the sudoers lines.
			// eslint-disable-next-line n8n-nodes-base/node-param-display-name-miscased
			displayName: 'unbound-control Path',
			name: 'controlPath',
			type: 'string',
			default: '/usr/sbin/unbound-control',
		},
		{
			displayName: 'Verify Timeout (Seconds)',
			name: 'verifyTimeout',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 10,
			description: 'How long Unbound may take to serve the change before the push is rolled back',
		},
	],
};

export interface DnsSettings {
	records: RecordOptions & { takeOverNames: boolean };
	access: Omit<UnboundAccess, 'sshUserIsRoot'>;
	lockTimeoutSeconds: number;
	verifyTimeoutMs: number;
	changeLimit: ChangeLimitOptions;
}

/** The node's settings for one item, validated; a bad one throws naming the parameter. */
export function readSettings(ctx: IExecuteFunctions, index: number, read: ReadParameter): DnsSettings {
	const fail = (message: string) => new NodeOperationError(ctx.getNode(), message, { itemIndex: index });
	const zone = normaliseZone(read('zone', index, ''));
	if (typeof zone !== 'string') throw fail(`Zone: ${zone.error}`);
	const ttl = read('ttl', index, 300);
	const ttlError = checkTtl(ttl);
	if (ttlError) throw fail(`TTL: ${ttlError}`);
	const types = read<string[]>('recordTypes', index, ['forward', 'reverse']);
	if (!types.length) throw fail('Record Types: choose A / AAAA, PTR or both');
	const o = read<IDataObject>('unboundOptions', index, {});
	const access = {
		managedFile: String(read('managedFile', index, DEFAULTS.managedFile)).trim(),
		config: String(read('unboundConfig', index, DEFAULTS.config)).trim(),
		control: String(o.controlPath ?? DEFAULTS.control).trim(),
		checkconf: String(o.checkconfPath ?? DEFAULTS.checkconf).trim(),
		sudo: read('useSudo', index, true),
		checkAsUser: String(o.checkAsUser ?? DEFAULTS.checkAsUser).trim(),
		keepBackups: Math.max(1, Math.round(Number(o.keepBackups ?? 10))),
	};
	let changeLimit: ChangeLimitOptions;
	try {
		validateAccess(access);
		changeLimit = readChangeLimit(o);
	} catch (error) {
		throw fail((error as Error).message);
	}
	return {
		records: {
			zone,
			ttl,
			forward: types.includes('forward'),
			reverse: types.includes('reverse'),
			takeOverNames: read('takeOverNames', index, false),
		},
		access,
		changeLimit,
		lockTimeoutSeconds: Math.max(1, Math.round(Number(o.lockTimeout ?? 60))),
		verifyTimeoutMs: Math.max(1, Number(o.verifyTimeout ?? 10)) * 1000,
	};
}

type ValidItem = Extract<HostItem, { state: 'valid' }>;

export const hostInputs = (valid: ValidItem[]): HostInput[] =>
	valid.map(({ index, host }) => ({ index, host }));

/** Names of items that are in the input but not pushed (skipped, invalid): prune keeps their records. */
export function namesNotPushed(ctx: IExecuteFunctions, hostItems: HostItem[], read: ReadParameter): string[] {
	return hostItems.flatMap((item) => {
		if (item.state === 'valid') return [];
		const mapped = read('fieldMapping.name', item.index, '');
		const name = mapped || ctx.getInputData()[item.index].json.name;
		return typeof name === 'string' && name ? [name] : [];
	});
}

/**
 * Runs `work` over one SSH session. A failure of the whole batch (host key,
 * lock, checkconf…) fails every host in it when the node continues on fail,
 * else the node.
 */
export async function runBatch(
	ctx: IExecuteFunctions,
	settings: DnsSettings,
	valid: ValidItem[],
	work: (unbound: UnboundHost) => Promise<ItemOutcome[]>,
	failed: IDataObject,
	/** Why the whole batch is refused before connecting, if it is. */
	refusal?: string,
): Promise<ItemOutcome[]> {
	// Nothing to push means no connection, and so no prune of everything on an empty input.
	if (!valid.length) return [];
	try {
		if (refusal) throw new NodeOperationError(ctx.getNode(), refusal);
		const credentials = sshCredentials(await ctx.getCredentials('unboundSshApi'));
		return await withUnboundHost(credentials, settings.access, work);
	} catch (error) {
		const nodeError = toNodeError(ctx.getNode(), error);
		if (!ctx.continueOnFail()) throw nodeError;
		const description = (nodeError as { description?: string }).description ?? undefined;
		return valid.map((v) => ({
			index: v.index,
			result: { ...failed, error: nodeError.message },
			error: { message: nodeError.message, description },
		}));
	}
}
