// Execution hints: the words for a run that "succeeded" without doing what the
// user wanted, built once for both nodes, and how they reach the editor
// through n8n's own engine.
import type { IExecuteFunctions } from 'n8n-workflow';
import type { ChangeLimitVerdict } from '../../core/changeLimit';
import { NetBoxPush } from '../../nodes/NetBoxPush/NetBoxPush.node';
import { UnboundDnsPush } from '../../nodes/UnboundDnsPush/UnboundDnsPush.node';
import { addHints, executionHints, type HintFacts } from '../../nodes/shared/hints';
import { runNode } from '../helpers/runNode';

const facts = (f: Partial<HintFacts>): HintFacts => ({ items: 4, notApproved: 0, dryRun: false, actions: [], conflicts: 0, ...f });
const verdict = (exceeded: boolean, forced = false): ChangeLimitVerdict => ({
	exceeded,
	forced,
	message: 'the push would update 5 and remove 0 of 12 managed hosts (41.7 %), over the change limit of 30 %; nothing was written',
	count: { updated: 5, removed: 0, managed: 12, managedHosts: 12, unit: 'hosts' },
	maxPercent: 30,
});

describe('execution hints', () => {
	it('says why nothing happened when every host was skipped as not approved', () => {
		expect(executionHints('netbox', facts({ notApproved: 4, actions: ['skipped', 'skipped', 'skipped', 'skipped'] }))).toEqual([
			{ type: 'warning', location: 'outputPane', message: '4 of 4 hosts skipped: not approved. Set `approved: true` on the items or turn off Only Approved Hosts.' },
		]);
		// Some approved: the items say which were skipped; no hint.
		expect(executionHints('netbox', facts({ notApproved: 3 }))).toEqual([]);
		expect(executionHints('dns', facts({ items: 0 }))).toEqual([]);
	});

	it('says a dry run found nothing to change', () => {
		expect(executionHints('dns', facts({ dryRun: true, actions: ['unchanged', 'unchanged'] })).map((h) => h.message)).toEqual(['Dry run: all 2 hosts unchanged; a push would write nothing.']);
		expect(executionHints('dns', facts({ dryRun: false, actions: ['unchanged'] }))).toEqual([]);
		expect(executionHints('dns', facts({ dryRun: true, actions: ['unchanged', 'created'] }))).toEqual([]);
	});

	it('names the change limit: refusing a push, or going to refuse the one a dry run plans', () => {
		const [refused] = executionHints('netbox', facts({ changeLimit: verdict(true) }));
		expect(refused).toMatchObject({ type: 'danger', message: expect.stringMatching(/^Change limit: the push would update 5 .* nothing was written\.$/) });
		const [planned] = executionHints('netbox', facts({ dryRun: true, changeLimit: verdict(true) }));
		expect(planned).toMatchObject({ type: 'warning', message: expect.stringMatching(/^Dry run: a push of these hosts would be refused by the change limit: /) });
		expect(executionHints('netbox', facts({ changeLimit: verdict(false, true) }))).toEqual([]);
	});

	it('counts the hosts that failed on conflicts, in each system’s words', () => {
		expect(executionHints('netbox', facts({ conflicts: 2 }))[0].message).toBe(
			'2 of 4 hosts failed on conflicts with objects this node does not own; each item’s `conflict` names the object and who holds it.',
		);
		expect(executionHints('dns', facts({ items: 1, conflicts: 1 }))[0].message).toMatch(/^1 of 1 host failed on conflicts with records this node did not write; .*Take Over Names/);
	});

	it('adds nothing on an n8n without addExecutionHints', () => {
		const hint = { message: 'x' };
		expect(() => addHints({} as IExecuteFunctions, [hint])).not.toThrow();
		const added: unknown[] = [];
		addHints({ addExecutionHints: (...h: unknown[]) => added.push(...h) } as unknown as IExecuteFunctions, [hint]);
		expect(added).toEqual([hint]);
	});
});

describe('execution hints through n8n’s engine', () => {
	// No host is approved, so neither node connects anywhere: no services needed.
	const unapproved = [{ name: 'ux-a', ipv4: '10.0.0.1/24' }, { name: 'ux-b', ipv4: '10.0.0.2/24', approved: false }];

	it('NetBox Push: the task data carries the hint, the items say skipped', async () => {
		const result = await runNode({ node: new NetBoxPush(), parameters: { operation: 'push', dryRun: true }, items: unapproved });
		expect(result.error).toBeUndefined();
		expect(result.hints).toEqual([expect.objectContaining({ type: 'warning', message: expect.stringMatching(/^2 of 2 hosts skipped: not approved\./) })]);
		expect(result.success.map((i) => (i.json.netbox as { summary: string }).summary)).toEqual(Array(2).fill('plan: skipped: not approved (set "approved": true, or turn off "Only Approved Hosts")'));
	});

	it('Unbound DNS Push: the same words', async () => {
		const result = await runNode({ node: new UnboundDnsPush(), parameters: { operation: 'push', zone: 'lab.example' }, items: unapproved });
		expect(result.error).toBeUndefined();
		expect(result.hints.map((h) => h.message)).toEqual(['2 of 2 hosts skipped: not approved. Set `approved: true` on the items or turn off Only Approved Hosts.']);
		expect((result.success[0].json.dns as { summary: string }).summary).toMatch(/^skipped: not approved/);
	});
});
