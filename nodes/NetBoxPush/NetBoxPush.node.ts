import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import { fieldMappingProperty, onlyApprovedProperty } from '../shared/hostItems';
import { hostDefaultsProperty } from './actions/defaults';
import * as push from './actions/push.operation';
import * as status from './actions/status.operation';
import { optionsProperty } from './actions/common';
import { netBoxApiTest } from './methods/credentialTest';
import { loadOptions } from './methods/loadOptions';

const operations = { push, status };

export class NetBoxPush implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'NetBox Push',
		name: 'netBoxPush',
		icon: { light: 'file:netbox.svg', dark: 'file:netbox.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{$parameter["operation"] === "status" ? "Status" : ($parameter["dryRun"] ? "Push (dry run)" : "Push")}}',
		description: 'Create or update devices and VMs in NetBox with interface, MAC, IP, primary IP and cable, in bulk',
		defaults: { name: 'NetBox Push' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'netBoxApi', required: true, testedBy: 'netBoxApiTest' }],
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
						action: 'Push hosts into NetBox',
						description: 'Create what is missing and update what differs; dry run shows the plan only',
					},
					{
						name: 'Status',
						value: 'status',
						// eslint-disable-next-line n8n-nodes-base/node-param-operation-option-action-miscased
						action: 'Compare hosts with NetBox',
						description: 'Read only: report each host as in-sync, missing or drifted',
					},
				],
				default: 'push',
			},
			...push.description,
			...status.description,
			onlyApprovedProperty,
			hostDefaultsProperty,
			fieldMappingProperty(),
			optionsProperty,
		],
	};

	methods = { credentialTest: { netBoxApiTest }, loadOptions };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const operation = this.getNodeParameter('operation', 0) as keyof typeof operations;
		return [await operations[operation].execute.call(this, items)];
	}
}
