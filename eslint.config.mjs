import { configWithoutCloudSupport } from '@n8n/node-cli/eslint';

export default [
	// Tests, build scripts and the benchmark are not part of the published package.
	{ ignores: ['test/**', 'scripts/**', 'bench/**', 'dist/**', '.cache/**', 'jest.config.js'] },
	...configWithoutCloudSupport,
	{
		// core/ knows nothing of n8n (it is usable and tested without it): it throws
		// its own errors, which the nodes turn into NodeApiError/NodeOperationError
		// at the boundary (nodes/*/transport, nodes/shared/results.ts).
		files: ['core/**/*.ts'],
		rules: { '@n8n/community-nodes/require-node-api-error': 'off' },
	},
];
