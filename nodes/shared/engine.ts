// Which rule the running n8n applies when it sends a node's returned items to
// the error output ("On Error: Continue (using error output)"). The rule lives
// in n8n-core, which ships in lockstep with the n8n-workflow that n8n hands to
// community nodes, so that package's major version tells the two lines apart:
// - n8n 2.x (n8n-core 2.41): json {error, message, details} routes. An item with
//   a top-level `error` routes too, but its json is cut down to the message.
// - n8n 1.x (n8n-core 1.122, n8n 1.123): only json that is exactly {error} or
//   {error, message} routes (then merged with the paired input item). An item
//   with a top-level `error` routes too, but its json ends up as {error} alone,
//   without even the host's fields.

/** The major version of the n8n-workflow this node runs against (2 if unknown). */
export function workflowMajor(): number {
	try {
		// Not `import`: the bundler must leave this to n8n's own copy at run time.
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const { version } = require('n8n-workflow/package.json') as { version?: string };
		const major = Number(String(version).split('.')[0]);
		return Number.isInteger(major) && major > 0 ? major : 2;
	} catch {
		return 2;
	}
}

/** True when a failed item may carry `details` and still reach the error output (n8n 2.x). */
export const errorOutputTakesDetails = workflowMajor() >= 2;
