// Pick lists for the editor, read from NetBox with the node's credential.
// Each stores the slug (cluster: name; VRF: RD or name) the planner looks up,
// so an expression giving the same text works the same.
import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';
import type { NetBoxClient } from '../../../core/netbox/client';
import { listInterfaceTypes, listObjects, listStatuses, type ListKind } from '../../../core/netbox/lists';
import { clientFromCredential, toNodeApiError } from '../transport';

async function withClient(ctx: ILoadOptionsFunctions, read: (client: NetBoxClient) => Promise<INodePropertyOptions[]>): Promise<INodePropertyOptions[]> {
	// Short timeout and one retry: someone is waiting on an open dropdown.
	const client = clientFromCredential(await ctx.getCredentials('netBoxApi'), { requestTimeoutMs: 30_000, maxRetries: 1 });
	try {
		return await read(client);
	} catch (error) {
		throw toNodeApiError(ctx.getNode(), error);
	} finally {
		await client.close();
	}
}

const objects = (kind: ListKind) =>
	async function (this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
		return await withClient(this, (client) => listObjects(client, kind));
	};

export const loadOptions = {
	getSites: objects('site'),
	getRoles: objects('role'),
	getDeviceTypes: objects('deviceType'),
	getClusters: objects('cluster'),
	getPlatforms: objects('platform'),
	getTenants: objects('tenant'),
	getTags: objects('tag'),
	async getVrfs(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
		// Empty is the global table, as when the option is not set.
		return await withClient(this, async (client) => [{ name: 'Global Table', value: '', description: 'No VRF' }, ...(await listObjects(client, 'vrf'))]);
	},
	async getStatuses(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
		return await withClient(this, listStatuses);
	},
	async getInterfaceTypes(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
		return await withClient(this, listInterfaceTypes);
	},
};
