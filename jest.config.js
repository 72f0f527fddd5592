// Two projects: `unit` needs no server; `integration` talks to the real NetBox,
// Unbound and sshd that scripts/services/*.sh start, so it runs in band.
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] };
module.exports = {
	projects: [
		{ displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'], transform, testEnvironment: 'node' },
		// Checks the built, packed package: run after `npm run build`.
		{ displayName: 'package', testMatch: ['<rootDir>/test/package/**/*.test.ts'], transform, testEnvironment: 'node' },
		{
			displayName: 'integration',
			testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
			transform,
			testEnvironment: 'node',
		},
	],
	testTimeout: 300_000,
};
