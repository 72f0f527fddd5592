// Runs one node of this package through n8n's real execution engine
// (n8n-core's WorkflowExecute), the way an n8n instance runs it: parameters
// resolved by n8n, credentials handed out by a credentials helper, paired items
// and the error output computed by the engine itself.
import { WorkflowExecute } from 'n8n-core';
import {
	createRunExecutionData,
	Workflow,
	type ICredentialDataDecryptedObject,
	type IDataObject,
	type INodeExecutionData,
	type INodeParameters,
	type INodeType,
	type INodeTypes,
	type IWorkflowExecuteAdditionalData,
} from 'n8n-workflow';

export interface RunNodeOptions {
	node: INodeType;
	parameters: INodeParameters;
	/** Credential type name → decrypted data. */
	credentials?: Record<string, ICredentialDataDecryptedObject>;
	items: IDataObject[];
	onError?: 'stopWorkflow' | 'continueRegularOutput' | 'continueErrorOutput';
}

export interface RunNodeResult {
	/** Items of the main output. */
	success: INodeExecutionData[];
	/** Items of the error output (onError: continueErrorOutput). */
	errors: INodeExecutionData[];
	/** The workflow error when the node failed the execution. */
	error?: Error & { description?: string; context?: IDataObject };
}

const NODE_NAME = 'Under Test';

export async function runNode(options: RunNodeOptions): Promise<RunNodeResult> {
	const type = `n8n-nodes-netbox-auto.${options.node.description.name}`;
	const nodeTypes: INodeTypes = {
		getByName: () => options.node,
		getByNameAndVersion: () => options.node,
		getKnownTypes: () => ({}),
	};
	const credentials = Object.fromEntries(
		Object.keys(options.credentials ?? {}).map((name) => [name, { id: name, name }]),
	);
	const workflow = new Workflow({
		id: 'test',
		name: 'test',
		nodes: [
			{
				id: 'node-under-test',
				name: NODE_NAME,
				type,
				typeVersion: 1,
				position: [0, 0],
				parameters: options.parameters,
				credentials,
				onError: options.onError,
			},
		],
		connections: {},
		active: false,
		nodeTypes,
		settings: {},
	});
	const credentialsHelper = {
		getDecrypted: async (_data: unknown, _details: unknown, typeName: string) => {
			const data = options.credentials?.[typeName];
			if (!data) throw new Error(`no test credential of type ${typeName}`);
			return data;
		},
		getParentTypes: () => [],
		isCredentialUsableByNode: () => true,
		authenticate: async (_c: unknown, _t: unknown, request: unknown) => request,
		getCredentialsProperties: () => [],
	};
	const additionalData = {
		credentialsHelper,
		currentNodeExecutionIndex: 0,
		restApiUrl: 'http://127.0.0.1/rest',
		instanceBaseUrl: 'http://127.0.0.1/',
		formBaseUrl: 'http://127.0.0.1/form',
		formWaitingBaseUrl: 'http://127.0.0.1/form-waiting',
		formTestBaseUrl: 'http://127.0.0.1/form-test',
		webhookBaseUrl: 'http://127.0.0.1/webhook',
		webhookWaitingBaseUrl: 'http://127.0.0.1/webhook-waiting',
		webhookTestBaseUrl: 'http://127.0.0.1/webhook-test',
		mcpBaseUrl: 'http://127.0.0.1/mcp',
		mcpTestBaseUrl: 'http://127.0.0.1/mcp-test',
		variables: {},
		encryptedRunnerIdentity: undefined,
		getRunExecutionData: async () => undefined,
		getRuntimeCredential: async () => undefined,
		executeWorkflow: async () => {
			throw new Error('not supported in tests');
		},
	} as unknown as IWorkflowExecuteAdditionalData;

	const node = workflow.getNode(NODE_NAME)!;
	const runData = createRunExecutionData({
		executionData: {
			nodeExecutionStack: [
				{ node, data: { main: [options.items.map((json) => ({ json }))] }, source: null },
			],
		},
	});
	const execution = new WorkflowExecute(additionalData, 'manual', runData);
	const run = await execution.processRunExecutionData(workflow);
	const task = run.data.resultData.runData[NODE_NAME]?.[0];
	const outputs = task?.data?.main ?? [];
	return {
		success: outputs[0] ?? [],
		errors: outputs[1] ?? [],
		error: (run.data.resultData.error ?? task?.error) as RunNodeResult['error'],
	};
}
