// The package's classes in one place, for code working from a checkout (tests,
// scripts). n8n itself loads the bundled files listed in package.json's "n8n"
// section; the published package has no `main`.
export { NetBoxPush } from './nodes/NetBoxPush/NetBoxPush.node';
export { NetBoxApi } from './credentials/NetBoxApi.credentials';
export { UnboundDnsPush } from './nodes/UnboundDnsPush/UnboundDnsPush.node';
export { UnboundSshApi } from './credentials/UnboundSshApi.credentials';
