// Running the package's nodes for the fault suite, and counting what comes
// out: each input item must come out exactly once, on the main or on the
// error output, and every error must say something.
import type { ICredentialDataDecryptedObject, IDataObject, INodeExecutionData } from 'n8n-workflow';
import { NetBoxPush } from '../../../nodes/NetBoxPush/NetBoxPush.node';
import { UnboundDnsPush } from '../../../nodes/UnboundDnsPush/UnboundDnsPush.node';
import { runNode, type RunNodeResult } from '../../helpers/runNode';

export type OnError = 'continueErrorOutput' | 'stopWorkflow';

export function runNetBox(baseUrl: string, token: string, items: unknown[], parameters: IDataObject = {}, options: { onError?: OnError; credential?: IDataObject } = {}) {
	const { options: extraOptions, ...rest } = parameters;
	return runNode({
		node: new NetBoxPush(),
		parameters: { operation: 'push', ...rest, options: { dnsDomain: 'lab.example', ...(extraOptions as IDataObject) } },
		credentials: { netBoxApi: { baseUrl, token, ...options.credential } as ICredentialDataDecryptedObject },
		items: items as IDataObject[],
		onError: options.onError ?? 'continueErrorOutput',
	});
}

export function runDns(credential: ICredentialDataDecryptedObject, items: unknown[], parameters: IDataObject, onError: OnError = 'continueErrorOutput') {
	return runNode({
		node: new UnboundDnsPush(),
		parameters: { operation: 'push', useSudo: true, ...parameters },
		credentials: { unboundSshApi: credential },
		items: items as IDataObject[],
		onError,
	});
}

export interface Accounting {
	/** Input indices on the main output, with their action (or state). */
	ok: Map<number, string>;
	/** Input indices on the error output, with the message. */
	failed: Map<number, string>;
	/** Broken promises: an item missing, twice, unpaired, an empty error. */
	problems: string[];
}

const indexOf = (item: INodeExecutionData) => {
	const paired = item.pairedItem as { item?: number } | undefined;
	return typeof paired?.item === 'number' ? paired.item : undefined;
};

/** Accounts for every input item in one run of a node that continues on fail. */
export function account(count: number, result: RunNodeResult, key: 'netbox' | 'dns'): Accounting {
	const ok = new Map<number, string>();
	const failed = new Map<number, string>();
	const problems: string[] = [];
	if (result.error) problems.push(`the node failed the execution: ${result.error.message}`);
	const seen = new Map<number, number>();
	const note = (index: number | undefined, where: string) => {
		if (index === undefined) return void problems.push(`an item on the ${where} output has no paired item`);
		seen.set(index, (seen.get(index) ?? 0) + 1);
	};
	for (const item of result.success) {
		if (item.json.summary) continue;
		const index = indexOf(item);
		note(index, 'main');
		const outcome = item.json[key] as IDataObject | undefined;
		const action = String(outcome?.action ?? outcome?.state ?? '');
		if (/failed/.test(action)) problems.push(`item ${index} is on the main output with action ${action}`);
		if (index !== undefined) ok.set(index, action);
	}
	for (const item of result.errors) {
		const index = indexOf(item);
		note(index, 'error');
		const message = String(item.json.error ?? '');
		if (!message.trim()) problems.push(`item ${index} is on the error output without a message`);
		if (index !== undefined) failed.set(index, message);
	}
	for (let i = 0; i < count; i++) {
		const n = seen.get(i) ?? 0;
		if (n !== 1) problems.push(`item ${i} came out ${n} times`);
	}
	for (const index of seen.keys()) if (index < 0 || index >= count) problems.push(`an output item claims input ${index}, which does not exist`);
	return { ok, failed, problems };
}
