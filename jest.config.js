// `unit` needs no server; the others talk to the real NetBox, Unbound and sshd
// that scripts/services/*.sh start (and e2e to a real n8n), so the suite runs in band.
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] };
module.exports = {
	projects: [
		{ displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'], transform, testEnvironment: 'node' },
		// Checks the built, packed package: run after `npm run build`.
		{ displayName: 'package', testMatch: ['<rootDir>/test/package/**/*.test.ts'], transform, testEnvironment: 'node' },
		{ displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'], transform, testEnvironment: 'node' },
		// The shipped workflow in a real n8n 2.41 (Node 24), driven over HTTP.
		{ displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'], transform, testEnvironment: 'node' },
		// Injected faults, hostile input, concurrency and secret-leak checks.
		{ displayName: 'faults', testMatch: ['<rootDir>/test/faults/**/*.test.ts'], transform, testEnvironment: 'node' },
	],
	testTimeout: 300_000,
};
