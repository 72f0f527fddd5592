// The change-limit options, the same names and words in both nodes, and how a
// verdict reaches the items: a refused push fails every host of the batch with
// the counts; a dry run says the limit would be exceeded and writes nothing anyway.
import type { IDataObject, INodeProperties } from 'n8n-workflow';
import { changeLimitOptions, type ChangeLimitOptions, type ChangeLimitVerdict } from '../../core/changeLimit';

// Defaults are literals for n8n's linter; they match CHANGE_LIMIT_DEFAULTS.
export const changeLimitProperties: INodeProperties[] = [
	{
		displayName: 'Change Limit (%)',
		name: 'changeLimitPercent',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 100 },
		default: 30,
		description:
			'Largest share of what this node already manages that one push may update or remove. A push over it is refused as a whole and writes nothing.',
	},
	{
		displayName: 'Change Limit From (Managed Hosts)',
		name: 'changeLimitMinHosts',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 10,
		description: 'The change limit applies once at least this many hosts are managed',
	},
	{
		displayName: 'Force',
		name: 'force',
		type: 'boolean',
		default: false,
		description: 'Whether to let a push through that is over the change limit',
	},
];

/** The change-limit settings from a node's options collection; throws naming a bad one. */
export function readChangeLimit(options: IDataObject): ChangeLimitOptions {
	return changeLimitOptions({
		maxPercent: options.changeLimitPercent,
		minManaged: options.changeLimitMinHosts,
		force: options.force,
	});
}

/** What an item says about the limit: only when it matters (over it, forced or not). */
export function changeLimitField(verdict: ChangeLimitVerdict | undefined): IDataObject {
	if (!verdict || (!verdict.exceeded && !verdict.forced)) return {};
	return {
		changeLimit: {
			exceeded: true,
			forced: verdict.forced,
			message: verdict.message,
			...verdict.count,
			maxPercent: verdict.maxPercent,
		},
	};
}
