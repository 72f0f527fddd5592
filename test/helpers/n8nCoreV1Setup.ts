// setupFilesAfterEnv of the `n8n-core 1.122` project. n8n-core 1.122 starts a
// 60 s cleanup interval for its SSH tunnel pool the first time a node runs
// (SSHClientsManager) and stops it only on process exit, so jest would never
// exit. Stop it after each test file, as n8n itself does on shutdown.
/* eslint-disable @typescript-eslint/no-require-imports */
afterAll(() => {
	const core = require.resolve('n8n-core');
	const { Container } = require(require.resolve('@n8n/di', { paths: [core] })) as { Container: { has(t: unknown): boolean; get(t: unknown): { onShutdown(): void } } };
	const { SSHClientsManager } = require('n8n-core/dist/execution-engine/ssh-clients-manager') as { SSHClientsManager: unknown };
	if (Container.has(SSHClientsManager)) Container.get(SSHClientsManager).onShutdown();
});
