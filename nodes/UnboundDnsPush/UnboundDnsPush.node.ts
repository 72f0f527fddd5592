import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import { fieldMappingProperty, onlyApprovedProperty } from '../shared/hostItems';
import {
	recordProperties,
	summaryProperties,
	takeOverNamesProperty,
	unboundOptionsProperty,
} from './actions/common';
import * as push from './actions/push.operation';
import { router } from './actions/router';
import * as status from './actions/status.operation';
import { unboundSshApiTest } from './methods/credentialTest';

export class UnboundDnsPush implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Unbound DNS Push',
		name: 'unboundDnsPush',
		icon: { light: 'file:unbound.svg', dark: 'file:unbound.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle:
			'={{$parameter["operation"] === "status" ? "Status" : ($parameter["dryRun"] ? "Push (dry run)" : "Push")}}',
		description:
			'Make an Unbound resolver serve A, AAAA and PTR records for hosts, over SSH: locked, checked, atomic and verified',
		defaults: { name: 'Unbound DNS Push' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'unboundSshApi', required: true, testedBy: 'unboundSshApiTest' }],
		properties: [
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				options: [
					{
						name: 'Push',
						value: 'push',
						// Brand names keep their capitals (the rule wants sentence case).
						// eslint-disable-next-line n8n-nodes-base/node-param-operation-option-action-miscased
						action: 'Push host records to Unbound',
						description:
							'Write the records to the managed file and make Unbound serve them; dry run shows the diff only',
					},
					{
						name: 'Status',
						value: 'status',
						// eslint-disable-next-line n8n-nodes-base/node-param-operation-option-action-miscased
						action: 'Compare host records with Unbound',
						description:
							'Read only: each host is in-sync, missing or drifted against the managed file and what Unbound serves',
					},
				],
				default: 'push',
			},
			push.dryRunProperty,
			...recordProperties,
			...push.description,
			...status.description,
			takeOverNamesProperty,
			...summaryProperties,
			onlyApprovedProperty,
			// What a DNS push reads; NetBox's fields (site, switch…) mean nothing here.
			fieldMappingProperty(['name', 'ipv4', 'ipv6', 'approved']),
			unboundOptionsProperty,
		],
	};

	methods = { credentialTest: { unboundSshApiTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return router.call(this);
	}
}
