// `unit` needs no server; the others talk to the real NetBox, Unbound and sshd
// that scripts/services/*.sh start (and e2e to a real n8n), so the suite runs in band.
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] };
// .cache/ holds NetBox's venv and n8n installs, dist/ the build: nothing jest should crawl.
const common = { transform, testEnvironment: 'node', modulePathIgnorePatterns: ['<rootDir>/.cache/', '<rootDir>/dist/'] };
module.exports = {
	projects: [
		{ displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'], ...common },
		// Checks the built, packed package: run after `npm run build`.
		{ displayName: 'package', testMatch: ['<rootDir>/test/package/**/*.test.ts'], ...common },
		{ displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'], ...common },
		// The shipped workflow in a real n8n 2.41 (Node 24), driven over HTTP.
		{ displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'], ...common },
		// The same nodes through n8n 1.x's engine (n8n-core 1.122, n8n-workflow 1.120, as in
		// n8n 1.123): npm installs that n8n-core as `n8n-core-v1`, with its own n8n-workflow.
		{
			displayName: 'n8n-core 1.122',
			testMatch: ['<rootDir>/test/unit/hints.test.ts', '<rootDir>/test/integration/error-output.test.ts'],
			moduleNameMapper: {
				'^n8n-core$': '<rootDir>/node_modules/n8n-core-v1',
				'^n8n-core/(.*)$': '<rootDir>/node_modules/n8n-core-v1/$1',
				'^n8n-workflow$': '<rootDir>/node_modules/n8n-core-v1/node_modules/n8n-workflow',
				'^n8n-workflow/(.*)$': '<rootDir>/node_modules/n8n-core-v1/node_modules/n8n-workflow/$1',
			},
			globals: { N8N_CORE_LINE: '1.122' },
			setupFilesAfterEnv: ['<rootDir>/test/helpers/n8nCoreV1Setup.ts'],
			...common,
		},
		// Injected faults, hostile input, concurrency and secret-leak checks.
		// Its globalTeardown prints the suite's figures (faults, pushes, hosts lost, leaks).
		{
			displayName: 'faults',
			testMatch: ['<rootDir>/test/faults/**/*.test.ts'],
			globalSetup: '<rootDir>/test/faults/globalSetup.ts',
			globalTeardown: '<rootDir>/test/faults/summary.ts',
			...common,
		},
	],
	testTimeout: 300_000,
};
