// A NetBox URL pasted with /api (the API's address) reaches the same NetBox.
import { normaliseBaseUrl } from '../../core/netbox/client';

describe('NetBox URL in the credential', () => {
	it.each([
		['https://netbox.example.com', 'https://netbox.example.com'],
		['https://netbox.example.com/', 'https://netbox.example.com'],
		['https://netbox.example.com/api', 'https://netbox.example.com'],
		['https://netbox.example.com/api/', 'https://netbox.example.com'],
		[' https://example.com/netbox/API// ', 'https://example.com/netbox'],
		['https://example.com/apis', 'https://example.com/apis'],
	])('%s is used as %s', (given, used) => expect(normaliseBaseUrl(given)).toBe(used));
});
