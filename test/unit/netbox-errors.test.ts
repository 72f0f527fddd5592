// NetBox's refusals, as a person reads them on a failed host.
import { describeErrorBody } from '../../core/netbox/client';
import { errorsByIndex } from '../../core/netbox/execute';

const PRIMARY = 'Cannot reassign IP address while it is designated as the primary IP for the parent object';

describe('NetBox error words', () => {
	it('gives one refused object NetBox reason alone, without "1 of 1 objects" or "object undefined"', () => {
		const body = { detail: '1 of 1 objects could not be updated.', errors: [{ errors: { non_field_errors: [PRIMARY] } }] };
		expect(describeErrorBody(body)).toBe(PRIMARY);
	});

	it('names each object of a bulk refusal by its index', () => {
		const body = { detail: '2 of 3 objects could not be created.', errors: [{ index: 0, errors: { name: ['exists'] } }, { index: 2, errors: { address: ['duplicate'] } }] };
		expect(describeErrorBody(body)).toBe('2 of 3 objects could not be created.; object 0: name: exists; object 2: address: duplicate');
		expect([...errorsByIndex(body, 3)]).toEqual([[0, 'name: exists'], [2, 'address: duplicate']]);
	});

	it('finds the object of a bulk update refusal by its id when NetBox gives no index', () => {
		const body = { detail: '1 of 2 objects could not be updated.', errors: [{ id: 42, errors: { non_field_errors: [PRIMARY] } }] };
		expect([...errorsByIndex(body, 2, [41, 42])]).toEqual([[1, PRIMARY]]);
	});
});
