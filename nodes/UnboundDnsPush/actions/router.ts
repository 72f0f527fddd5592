import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';
import * as push from './push.operation';
import * as status from './status.operation';

export const operations = { push, status };

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const operation = this.getNodeParameter('operation', 0) as string;
	if (!(operation in operations))
		throw new NodeOperationError(this.getNode(), `Unknown operation "${operation}"`);
	return [await operations[operation as keyof typeof operations].execute.call(this, items)];
}
