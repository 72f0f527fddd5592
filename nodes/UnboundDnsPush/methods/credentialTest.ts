import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	INodeCredentialTestResult,
} from 'n8n-workflow';
import { SshSession } from '../../../core/ssh/session';
import { DEFAULTS, sshCredentials } from '../transport';

/** Why the Unbound tools at their default paths cannot be run, or undefined when they can. */
async function toolProblem(session: SshSession, asRoot: boolean): Promise<string | undefined> {
	for (const tool of [DEFAULTS.control, DEFAULTS.checkconf]) {
		if ((await session.exec(['test', '-x', tool])).code !== 0)
			return `${tool} is not an executable file on the server`;
		if (asRoot) continue;
		// `sudo -l CMD` answers whether CMD is allowed, without running it.
		const allowed = await session.exec(['sudo', '-n', '-l', tool]);
		if (allowed.code !== 0)
			return `the user may not run ${tool} through "sudo -n" (${(allowed.stderr || allowed.stdout).trim() || `exit ${allowed.code}`})`;
	}
	return undefined;
}

/** Connects with the pinned host key, logs in, and checks that the Unbound tools can be run. */
export async function unboundSshApiTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	const credentials = sshCredentials(credential.data ?? {});
	let session: SshSession | undefined;
	try {
		session = await SshSession.open({ ...credentials, readyTimeoutMs: 15_000 });
		const problem = await toolProblem(session, credentials.username === 'root');
		if (problem) return { status: 'Error', message: `Connected, but ${problem}` };
		return {
			status: 'OK',
			message: `Connected to ${credentials.host}:${credentials.port} as ${credentials.username}; unbound-control and unbound-checkconf can be run`,
		};
	} catch (error) {
		return { status: 'Error', message: (error as Error).message };
	} finally {
		session?.close();
	}
}
