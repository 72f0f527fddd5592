import type { ICredentialsDecrypted, ICredentialTestFunctions, INodeCredentialTestResult } from 'n8n-workflow';
import { readVersion } from '../../../core/netbox/snapshot';
import { clientFromCredential } from '../transport';

/** GET /api/status/ with the credential; reports the NetBox version. */
export async function netBoxApiTest(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
	const client = clientFromCredential(credential.data ?? {}, { maxRetries: 0, requestTimeoutMs: 15_000 });
	try {
		const version = await readVersion(client);
		return { status: 'OK', message: `Connected to NetBox ${version}` };
	} catch (error) {
		return { status: 'Error', message: (error as Error).message };
	} finally {
		await client.close();
	}
}
