// Runs one node of this package through n8n's real execution engine
// (n8n-core's WorkflowExecute), the way an n8n instance runs it: parameters
// resolved by n8n, credentials handed out by a credentials helper, paired items
// and the error output computed by the engine itself.
import { ExecutionLifecycleHooks, WorkflowExecute } from 'n8n-core';
import * as workflowLib from 'n8n-workflow';
import {
	Workflow,
	type ICredentialDataDecryptedObject,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeParameters,
	type INodeType,
	type INodeTypes,
	type IWorkflowExecuteAdditionalData,
	type NodeExecutionHint,
} from 'n8n-workflow';

export interface RunNodeOptions {
	node: INodeType;
	parameters: INodeParameters;
	/** Credential type name → decrypted data. */
	credentials?: Record<string, ICredentialDataDecryptedObject>;
	items: IDataObject[];
	onError?: 'stopWorkflow' | 'continueRegularOutput' | 'continueErrorOutput';
	/** The upstream node's type as the node under test sees it (it still just emits the items). */
	sourceType?: string;
}

export interface RunNodeResult {
	/** Items of the main output. */
	success: INodeExecutionData[];
	/** Items of the error output (onError: continueErrorOutput). */
	errors: INodeExecutionData[];
	/** The workflow error when the node failed the execution. */
	error?: Error & { description?: string; context?: IDataObject };
	/** Execution hints the node added, as the task data carries them to the editor. */
	hints: NodeExecutionHint[];
}

const NODE_NAME = 'Under Test';
const SOURCE_NAME = 'Hosts';

/** Emits the test's items, so the node under test has a real upstream node (as in a workflow). */
const itemSource: INodeType = {
	description: {
		displayName: 'Items', name: 'items', group: ['input'], version: 1, description: '', defaults: { name: 'Items' },
		inputs: ['main'], outputs: ['main'], properties: [{ displayName: 'JSON', name: 'json', type: 'string', default: '[]' }],
	},
	async execute(this: IExecuteFunctions) {
		const items = JSON.parse(this.getNodeParameter('json', 0) as string) as IDataObject[];
		return [items.map((json, item) => ({ json, pairedItem: { item: 0 } }))];
	},
};

export async function runNode(options: RunNodeOptions): Promise<RunNodeResult> {
	const type = `n8n-nodes-netbox-auto.${options.node.description.name}`;
	const sourceType = options.sourceType ?? 'test.items';
	const nodeTypes: INodeTypes = {
		getByName: (name) => (name === sourceType ? itemSource : options.node),
		getByNameAndVersion: (name) => (name === sourceType ? itemSource : options.node),
		getKnownTypes: () => ({}),
	};
	const credentials = Object.fromEntries(
		Object.keys(options.credentials ?? {}).map((name) => [name, { id: name, name }]),
	);
	const workflow = new Workflow({
		id: 'test',
		name: 'test',
		nodes: [
			{ id: 'source', name: SOURCE_NAME, type: sourceType, typeVersion: 1, position: [-200, 0], parameters: { json: JSON.stringify(options.items) } },
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
		connections: { [SOURCE_NAME]: { main: [[{ node: NODE_NAME, type: 'main', index: 0 }]] } },
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

	const workflowData = { id: 'test', name: 'test', nodes: Object.values(workflow.nodes), connections: workflow.connectionsBySourceNode, active: false, settings: {} };
	(additionalData as { hooks?: ExecutionLifecycleHooks }).hooks = new ExecutionLifecycleHooks('manual', 'test-execution', workflowData as never);

	const source = workflow.getNode(SOURCE_NAME)!;
	const nodeExecutionStack = [{ node: source, data: { main: [[{ json: {} }]] }, source: null }];
	// n8n-workflow 1.x (the `n8n-core 1.122` project) has no createRunExecutionData.
	const create = (workflowLib as Partial<typeof workflowLib>).createRunExecutionData;
	const runData = create
		? create({ executionData: { nodeExecutionStack } })
		: ({
			startData: {},
			resultData: { runData: {} },
			executionData: { contextData: {}, nodeExecutionStack, metadata: {}, waitingExecution: {}, waitingExecutionSource: {} },
		} as unknown as ReturnType<typeof workflowLib.createRunExecutionData>);
	const execution = new WorkflowExecute(additionalData, 'manual', runData);
	const run = await execution.processRunExecutionData(workflow);
	const task = run.data.resultData.runData[NODE_NAME]?.[0];
	const outputs = task?.data?.main ?? [];
	return {
		success: outputs[0] ?? [],
		errors: outputs[1] ?? [],
		error: (run.data.resultData.error ?? task?.error) as RunNodeResult['error'],
		hints: task?.hints ?? [],
	};
}
