// Builds the NetBox client from the node's credential and turns transport
// errors into n8n's NodeApiError (with NetBox's field errors as description).
import { NodeApiError, type ICredentialDataDecryptedObject, type INode, type JsonObject } from 'n8n-workflow';
import { NetBoxClient, NetBoxError, type ClientOptions } from '../../../core/netbox/client';

export function clientFromCredential(credential: ICredentialDataDecryptedObject, options: ClientOptions = {}): NetBoxClient {
	return new NetBoxClient(
		{
			baseUrl: String(credential.baseUrl ?? ''),
			token: String(credential.token ?? ''),
			allowSelfSigned: credential.allowSelfSigned === true,
			caCertificate: typeof credential.caBundle === 'string' ? credential.caBundle : undefined,
		},
		options,
	);
}

/** The error never carries request headers, so the token cannot leak through it. */
export function toNodeApiError(node: INode, error: unknown): NodeApiError | Error {
	if (!(error instanceof NetBoxError)) return error as Error;
	const response: JsonObject = { status: error.status, method: error.method, path: error.path };
	return new NodeApiError(node, response, {
		message: error.message,
		description: error.details || undefined,
		httpCode: error.status ? String(error.status) : undefined,
	});
}
