// Entry point for tools that import the package directly; n8n itself loads the
// built classes listed in package.json's "n8n" section.
export { NetBoxPush } from './nodes/NetBoxPush/NetBoxPush.node';
export { NetBoxApi } from './credentials/NetBoxApi.credentials';
export { UnboundDnsPush } from './nodes/UnboundDnsPush/UnboundDnsPush.node';
export { UnboundSshApi } from './credentials/UnboundSshApi.credentials';
