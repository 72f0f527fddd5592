// The credential's CA certificate is trusted in addition to Node's store (as the
// credential says), not instead of it: Node's `ca` option alone would replace it.
// test/faults/security.test.ts proves the PEM is trusted against a real TLS server.
import tls from 'node:tls';
import { trustedCAs } from '../../core/netbox/client';

it('trusts the system store plus the given PEM', () => {
	const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
	const cas = trustedCAs(pem);
	expect(tls.rootCertificates.length).toBeGreaterThan(50);
	expect(cas).toHaveLength(tls.rootCertificates.length + 1);
	expect(cas).toEqual(expect.arrayContaining([...tls.rootCertificates, pem]));
});
