// The NetBox REST transport: undici keep-alive pool, timeouts, retries with
// backoff, pagination. It never puts the token into an error or a log line.
import tls from 'node:tls';
import { Agent, request, errors as undiciErrors } from 'undici';

export interface NetBoxConnection {
	baseUrl: string;
	token: string;
	allowSelfSigned?: boolean;
	/** PEM of a CA to trust in addition to the system store. */
	caCertificate?: string;
}

export interface ClientOptions {
	connectTimeoutMs?: number;
	/** Bulk writes of 1,000 objects take NetBox tens of seconds: be generous. */
	requestTimeoutMs?: number;
	maxRetries?: number;
	/** Base delay of the exponential backoff. */
	retryBaseMs?: number;
	userAgent?: string;
}

export type Query = Record<string, string | number | boolean | Array<string | number> | undefined>;

export interface RequestStats {
	requests: number;
	reads: number;
	writes: number;
	retries: number;
	/** The slowest write request until its answer (or its failure), in ms. */
	longestWriteMs: number;
}

const RETRY_STATUSES = new Set([429, 502, 503, 504]);
const RETRY_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED']);
/**
 * Transport failures in words. n8n replaces a message containing a Node error
 * code (ECONNRESET, ETIMEDOUT…) with a generic text, losing the request.
 */
const TRANSPORT_ERRORS: Record<string, string> = {
	ECONNRESET: 'the connection was reset',
	ECONNREFUSED: 'the connection was refused (is NetBox running at that address?)',
	EPIPE: 'the connection was closed while sending',
	ETIMEDOUT: 'the connection timed out',
	ENOTFOUND: 'the host name was not found',
	EAI_AGAIN: 'the host name could not be resolved',
	EHOSTUNREACH: 'the host is unreachable',
	UND_ERR_SOCKET: 'the connection was closed before NetBox answered',
	UND_ERR_CLOSED: 'the connection was closed before NetBox answered',
	UND_ERR_CONNECT_TIMEOUT: 'connecting to NetBox timed out',
	UND_ERR_HEADERS_TIMEOUT: 'NetBox did not answer within the request timeout',
	UND_ERR_BODY_TIMEOUT: 'NetBox stopped sending its answer within the request timeout',
};

/** A refused TLS certificate, in words and with the way out; undefined for other errors. */
function tlsMessage(error: Error, code: string): string | undefined {
	if (!/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/.test(code)) return undefined;
	return (
		`NetBox's TLS certificate was not accepted (${error.message}; ${code}): put the certificate of the CA that signed it ` +
		'in the credential\'s "CA Certificate", or turn on "Allow Self-Signed Certificate"'
	);
}

/** gunicorn (NetBox's usual server) rejects request lines over 4094 bytes. */
const MAX_URL_LENGTH = 3800;
export const PAGE_SIZE = 1000;
/** Chunks of one listWhereIn in flight at once (NetBox's default gunicorn has a few workers). */
const CHUNK_CONCURRENCY = 3;

/** An HTTP error from NetBox, or a transport failure (status 0). */
export class NetBoxError extends Error {
	constructor(
		message: string,
		readonly status: number,
		readonly method: string,
		readonly path: string,
		readonly body?: unknown,
		/** True when the request may have reached NetBox (response lost). */
		readonly mayHaveApplied = false,
		/** The transport's error code (UND_ERR_HEADERS_TIMEOUT…) when no answer came. */
		readonly code?: string,
	) {
		super(message);
		this.name = 'NetBoxError';
	}
	/** NetBox's field errors flattened to "field: message" lines. */
	get details(): string {
		return describeErrorBody(this.body);
	}
}

/** Flattens NetBox's many error shapes ({field: [msg]}, lists, 4.7 {errors:[{index, errors}]}). */
export function describeErrorBody(body: unknown, prefix = ''): string {
	if (body === null || body === undefined) return '';
	if (typeof body === 'string') return prefix ? `${prefix}: ${body}` : body;
	const indexed = (body as { errors?: Array<{ index?: number; errors?: unknown }> } | null)?.errors;
	if (Array.isArray(indexed) && !Array.isArray(body)) {
		// NetBox 4.7 bulk errors: {"detail": "...", "errors": [{"index": 1, "errors": {...}}]}
		// One object's refusal reads as NetBox's reason alone: "1 of 1 objects could
		// not be updated; object undefined: …" told a person nothing more.
		const detail = indexed.length === 1 ? undefined : (body as { detail?: string }).detail;
		const items = indexed.map((e) => (typeof e.index === 'number' && indexed.length > 1 ? `object ${e.index}: ` : '') + describeErrorBody(e.errors));
		return [detail, ...items].filter(Boolean).join('; ');
	}
	if (Array.isArray(body)) {
		return body.map((entry) => describeErrorBody(entry, prefix)).filter(Boolean).join('; ');
	}
	if (typeof body === 'object') {
		return Object.entries(body as Record<string, unknown>)
			.map(([key, value]) => describeErrorBody(value, key === 'detail' || key === 'non_field_errors' || key === '__all__' ? prefix : prefix ? `${prefix}.${key}` : key))
			.filter(Boolean)
			.join('; ');
	}
	return String(body);
}

export function authorizationHeader(token: string): string {
	// NetBox 4.5+ v2 tokens ("nbt_<key>.<secret>") are bearer tokens; v1 tokens use "Token".
	return token.startsWith('nbt_') ? `Bearer ${token}` : `Token ${token}`;
}

function encodeQuery(query: Query = {}): string {
	const parts: string[] = [];
	for (const [key, value] of Object.entries(query)) {
		if (value === undefined) continue;
		for (const v of Array.isArray(value) ? value : [value]) {
			parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(v))}`);
		}
	}
	return parts.length ? `?${parts.join('&')}` : '';
}

/**
 * The NetBox address without a trailing `/api`: people paste the API's URL as
 * often as the web UI's, and every request path here starts with `api/`.
 */
export function normaliseBaseUrl(url: string): string {
	return url.trim().replace(/\/+$/, '').replace(/\/api$/i, '');
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The CAs a connection trusts: Node's own store plus the credential's PEM.
 * Node's `ca` option *replaces* the store, so the PEM alone would distrust
 * every public CA; the credential promises "in addition to the system store".
 */
export function trustedCAs(pem: string): string[] {
	return [...tls.rootCertificates, pem];
}

export class NetBoxClient {
	readonly stats: RequestStats = { requests: 0, reads: 0, writes: 0, retries: 0, longestWriteMs: 0 };
	/** NetBox's "API-Version" header ("4.7"), from the first answer that carried it: saves asking /api/status/. */
	apiVersion?: string;
	/** NetBox's clock (its Date header) at the first answer: `created` times compare with this, not with ours. */
	serverTimeAtStart?: Date;
	private readonly dispatcher: Agent;
	private readonly base: URL;
	private readonly auth: string;
	private readonly options: Required<ClientOptions>;
	/** How long one request may take before the client gives up on its answer. */
	get requestTimeoutMs(): number {
		return this.options.requestTimeoutMs;
	}

	constructor(connection: NetBoxConnection, options: ClientOptions = {}) {
		this.base = new URL(normaliseBaseUrl(connection.baseUrl) + '/');
		this.auth = authorizationHeader(connection.token.trim());
		this.options = {
			connectTimeoutMs: 10_000,
			requestTimeoutMs: 300_000,
			maxRetries: 4,
			retryBaseMs: 500,
			userAgent: 'n8n-nodes-netbox-auto',
			...options,
		};
		this.dispatcher = new Agent({
			keepAliveTimeout: 30_000,
			connections: 8,
			connectTimeout: this.options.connectTimeoutMs,
			headersTimeout: this.options.requestTimeoutMs,
			bodyTimeout: this.options.requestTimeoutMs,
			connect: {
				rejectUnauthorized: !connection.allowSelfSigned,
				...(connection.caCertificate?.trim() ? { ca: trustedCAs(connection.caCertificate) } : {}),
			},
		});
	}

	async close(): Promise<void> {
		await this.dispatcher.close();
	}

	/** One request; retried on 429/502/503/504 and connection errors unless `retry` is false. */
	async request<T = unknown>(method: string, path: string, options: { query?: Query; body?: unknown; retry?: boolean } = {}): Promise<T> {
		const url = new URL(path.replace(/^\/+/, '') + encodeQuery(options.query), this.base);
		const retry = options.retry ?? method !== 'POST';
		const isWrite = method !== 'GET';
		for (let attempt = 0; ; attempt++) {
			this.stats.requests++;
			if (isWrite) this.stats.writes++;
			else this.stats.reads++;
			let status = 0;
			let retryAfterMs: number | undefined;
			let failure: NetBoxError;
			const started = Date.now();
			const timed = () => isWrite && (this.stats.longestWriteMs = Math.max(this.stats.longestWriteMs, Date.now() - started));
			try {
				const response = await request(url, {
					method: method as 'GET',
					dispatcher: this.dispatcher,
					headers: {
						authorization: this.auth,
						accept: 'application/json',
						'user-agent': this.options.userAgent,
						...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
					},
					body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
				});
				status = response.statusCode;
				this.noteServer(response.headers);
				const text = await response.body.text();
				timed();
				let body: unknown = text;
				try {
					body = text ? JSON.parse(text) : undefined;
				} catch {
					// NetBox answers HTML on some proxy and server errors: keep the text.
				}
				if (status >= 200 && status < 300) return body as T;
				retryAfterMs = parseRetryAfter(response.headers['retry-after']);
				const summary = describeErrorBody(body);
				failure = new NetBoxError(
					`NetBox answered ${status} to ${method} ${url.pathname}${summary ? `: ${truncate(summary, 500)}` : ''}`,
					status,
					method,
					url.pathname,
					body,
					status >= 500 && isWrite,
				);
				if (!RETRY_STATUSES.has(status)) throw failure;
			} catch (error) {
				if (error instanceof NetBoxError) {
					if (!RETRY_STATUSES.has(error.status)) throw error;
					failure = error;
				} else {
					timed();
					const code = (error as { code?: string }).code ?? '';
					const transient = RETRY_CODES.has(code) || error instanceof undiciErrors.SocketError;
					failure = new NetBoxError(
						`${method} ${url.pathname} failed: ${TRANSPORT_ERRORS[code] ?? tlsMessage(error as Error, code) ?? (code || (error as Error).message)}`,
						0,
						method,
						url.pathname,
						undefined,
						isWrite,
						code || undefined,
					);
					if (!transient) throw failure;
				}
			}
			if (!retry || attempt >= this.options.maxRetries) throw failure;
			this.stats.retries++;
			// Full jitter keeps several clients from retrying in lockstep.
			const backoff = Math.random() * this.options.retryBaseMs * 2 ** attempt;
			await sleep(Math.min(Math.max(retryAfterMs ?? 0, backoff), 30_000));
		}
	}

	private noteServer(headers: Record<string, string | string[] | undefined>): void {
		const version = headers['api-version'];
		if (!this.apiVersion && typeof version === 'string' && /^\d+\.\d+/.test(version)) this.apiVersion = version;
		const date = typeof headers.date === 'string' ? new Date(headers.date) : undefined;
		if (!this.serverTimeAtStart && date && !Number.isNaN(date.getTime())) this.serverTimeAtStart = date;
	}

	/** Every object of a list endpoint matching `query`, following `next`. */
	async list<T = Record<string, unknown>>(path: string, query: Query = {}): Promise<T[]> {
		const results: T[] = [];
		let offset = 0;
		for (;;) {
			const page = await this.request<{ results: T[]; next: string | null }>('GET', path, {
				query: { ...query, limit: PAGE_SIZE, offset },
			});
			results.push(...page.results);
			if (!page.next || page.results.length === 0) return results;
			// Follow NetBox's own offset; `next` may name another host (proxy), so keep our base.
			offset = Number(new URL(page.next).searchParams.get('offset') ?? offset + page.results.length);
		}
	}

	/**
	 * Lists objects whose `field` is any of `values` (repeated filters are OR'd
	 * by NetBox), in as few requests as the URL length allows. The chunks go
	 * out a few at a time: NetBox serves them on several workers at once.
	 */
	async listWhereIn<T = Record<string, unknown>>(path: string, field: string, values: Array<string | number>, query: Query = {}): Promise<T[]> {
		const fixed = this.base.href.length + path.length + encodeQuery(query).length + 40;
		const chunks: string[][] = [];
		let length = Infinity;
		for (const value of new Set(values.map(String))) {
			const cost = field.length + encodeURIComponent(value).length + 2;
			if (length + cost > MAX_URL_LENGTH) {
				chunks.push([]);
				length = fixed;
			}
			chunks[chunks.length - 1].push(value);
			length += cost;
		}
		const pages: T[][] = new Array(chunks.length);
		let next = 0;
		const worker = async () => {
			while (next < chunks.length) {
				const i = next++;
				pages[i] = await this.list<T>(path, { ...query, [field]: chunks[i] });
			}
		};
		await Promise.all(Array.from({ length: Math.min(CHUNK_CONCURRENCY, chunks.length) }, worker));
		return pages.flat();
	}
}

function parseRetryAfter(header: string | string[] | undefined): number | undefined {
	const value = Array.isArray(header) ? header[0] : header;
	if (!value) return undefined;
	if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value) * 1000;
	const date = Date.parse(value);
	return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function truncate(text: string, max: number): string {
	return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}
