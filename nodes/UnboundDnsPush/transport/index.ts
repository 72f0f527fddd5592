// The boundary between the node and core/: the SSH session and Unbound host
// built from the credential and parameters, and core errors turned into
// NodeOperationError (their messages carry no key material by construction).
import { NodeOperationError, type ICredentialDataDecryptedObject, type INode } from 'n8n-workflow';
import { DnsPushError } from '../../../core/dns/push';
import { UnboundError, UnboundHost, type UnboundAccess } from '../../../core/dns/unbound';
import { SshError, SshSession, type SshCredentials } from '../../../core/ssh/session';

export const DEFAULTS = {
	managedFile: '/etc/unbound/n8n-netbox-auto/n8n-netbox-auto.conf',
	config: '/etc/unbound/unbound.conf',
	control: '/usr/sbin/unbound-control',
	checkconf: '/usr/sbin/unbound-checkconf',
	checkAsUser: 'unbound',
} as const;

export function sshCredentials(data: ICredentialDataDecryptedObject): SshCredentials {
	return {
		host: String(data.host ?? '').trim(),
		port: Number(data.port ?? 22),
		username: String(data.username ?? '').trim(),
		privateKey: String(data.privateKey ?? ''),
		passphrase: data.passphrase ? String(data.passphrase) : undefined,
		hostKeyFingerprint: String(data.hostKeyFingerprint ?? ''),
		skipHostKeyVerification: data.skipHostKeyVerification === true,
	};
}

/** Opens one SSH session for the whole execution, runs `work`, always closes it. */
export async function withUnboundHost<T>(
	credentials: SshCredentials,
	access: Omit<UnboundAccess, 'sshUserIsRoot'>,
	work: (unbound: UnboundHost) => Promise<T>,
): Promise<T> {
	const session = await SshSession.open(credentials);
	try {
		return await work(
			new UnboundHost(session, { ...access, sshUserIsRoot: credentials.username === 'root' }),
		);
	} finally {
		session.close();
	}
}

const STEP_HELP: Record<string, string> = {
	lock: 'Another push may be running, or the SSH user cannot create the lock file beside the managed file.',
	read: 'The managed file holds lines this node did not write; it never overwrites them.',
	checkconf: 'unbound-checkconf rejected the configuration; its own message is quoted above.',
	verify: 'Unbound did not serve the change within the verify timeout.',
};

export function toNodeError(node: INode, error: unknown): NodeOperationError | Error {
	if (error instanceof SshError) {
		const description =
			error.kind === 'host-key'
				? "Check the host-key fingerprint in the credential (ssh-keygen -lf on the server's host key)."
				: undefined;
		return new NodeOperationError(node, error.message, { description });
	}
	if (error instanceof DnsPushError && !error.restored) {
		return new NodeOperationError(node, error.message, {
			description: 'The rollback did not complete: check the managed file and Unbound by hand.',
		});
	}
	if (error instanceof DnsPushError || error instanceof UnboundError) {
		return new NodeOperationError(node, error.message, { description: STEP_HELP[error.step] });
	}
	return error as Error;
}
