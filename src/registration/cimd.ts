/**
 * Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document):
 * a client whose `client_id` is an https URL publishes its metadata at that
 * URL, and the authorization server fetches it instead of a registration.
 * The fetch is a request the server makes to a URL a stranger chose, so it
 * is guarded: https only; every address the name resolves to must be public
 * (see `publicAddress.ts`), and the connection goes to the very address
 * that was checked (the name is resolved once, by this module, and the TLS
 * connection is opened to that address with the name as SNI and for the
 * certificate check); no redirects; a size limit and a time limit; JSON only.
 */
import https from 'node:https';
import tls from 'node:tls';
import { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { TokenError } from '../errors/tokenerror.js';
import { checkOptions, POSITIVE, POSITIVE_INTEGER, NON_NEGATIVE, type OptionTable } from '../lib/checkOptions.js';
import { checkClientMetadata, type ClientMetadata } from './clientMetadata.js';
import { bareAddress, isPublicAddress } from './publicAddress.js';

/**
 * A resolved name: one address and its family, as `dns.lookup` answers
 * with `all: true`.
 *
 * @group Registration
 */
export interface ResolvedAddress {
  /** The IP address. */
  address: string;
  /** 4 or 6. */
  family: number;
}

/**
 * Resolves a host name to its addresses (default `dns.lookup` with
 * `all: true`). Every address answered is checked; one that is not public
 * refuses the fetch.
 *
 * @group Registration
 */
export type ClientIdLookupFunction = (hostname: string) => Promise<ResolvedAddress[]>;

/**
 * Where a fetch connects: the checked address, the port, and the host name
 * for TLS (SNI and the certificate check; absent for an IP literal).
 *
 * @group Registration
 */
export interface ClientIdConnectTarget {
  /** The address that was checked: the one to connect to. */
  address: string;
  /** 4 or 6. */
  family: number;
  /** The port. */
  port: number;
  /** The host name of the URL, for SNI and the certificate check; undefined for an IP literal. */
  servername: string | undefined;
  /** Extra trust anchors (the `ca` option). */
  ca: string | Buffer | Array<string | Buffer> | undefined;
}

/**
 * Opens the TLS connection of a fetch to `target.address` (default
 * `tls.connect`). Tests inject one that refuses anything but loopback.
 *
 * @group Registration
 */
export type ClientIdConnectFunction = (target: ClientIdConnectTarget) => Duplex;

/**
 * Options of {@link createClientIdMetadataResolver}.
 *
 * @group Registration
 */
export interface ClientIdMetadataOptions {
  /**
   * Development only: let documents be fetched from loopback addresses
   * (`127.0.0.0/8`, `::1`). Every other non-public address stays refused.
   * Default false.
   */
  allowLoopback?: boolean;
  /** Accept `http://localhost[:port]` redirect URIs in documents (beside the loopback literals). Default false. */
  allowLocalhost?: boolean;
  /** Accept private-use URI schemes of reverse domain names in documents' redirect URIs. Default false. */
  allowPrivateUseSchemes?: boolean;
  /** Time limit of a fetch, from the name lookup to the last byte, in milliseconds. Default 5000. */
  timeout?: number;
  /** Largest document, in bytes. Default 5120. */
  maxBytes?: number;
  /** Shortest time a document is cached, in seconds, whatever its headers say. Default 60. */
  minTtl?: number;
  /** Longest time a document is cached, in seconds. Default 86400. */
  maxTtl?: number;
  /** Time a document is cached when its response has no caching headers, in seconds (then bounded). Default 300. */
  defaultTtl?: number;
  /** Most documents cached; the oldest is dropped first. Default 1000. */
  maxEntries?: number;
  /** Resolves host names; default `dns.lookup` with `all: true`. */
  lookup?: ClientIdLookupFunction;
  /** Opens the TLS connection to the checked address; default `tls.connect`. */
  connect?: ClientIdConnectFunction;
  /** Extra trust anchors for the documents' servers, added to Node's root certificates (a test CA). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Clock of the cache, in milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
}

/**
 * A client's metadata document, checked: `client_id` is the URL it was
 * fetched from, the authentication method `none` or `private_key_jwt`
 * (with `jwks` or `jwks_uri`), redirect URIs as the registration endpoint
 * accepts them.
 *
 * @group Registration
 */
export interface ClientIdMetadataDocument extends ClientMetadata {
  /** The URL of the document, which is the client identifier. */
  client_id: string;
}

/**
 * Why a document was not used, on the error a resolver rejects with:
 * `url` (not a client ID URL), `address` (a non-public address),
 * `redirect` (a 3xx), `status`, `content_type`, `size`, `timeout`,
 * `network`, `json`, `document` (its contents), `redirect_uri` (the
 * request's redirect URI is not among the document's).
 *
 * @group Registration
 */
export type ClientIdMetadataFailure = 'url' | 'address' | 'redirect' | 'status' | 'content_type' | 'size' | 'timeout' | 'network' | 'json' | 'document' | 'redirect_uri';

/**
 * What a resolver checks besides the document itself.
 *
 * @group Registration
 */
export interface ClientIdMetadataCheck {
  /** The redirect URI of the request: it must be one of the document's `redirect_uris`, exactly. */
  redirectUri?: string;
}

/**
 * Fetches, checks and caches client metadata documents: call it with a
 * `client_id` that {@link isClientIdMetadataUrl} accepts, from the app's
 * `validate` (authorization endpoint) or client lookup (token endpoint).
 * It resolves the checked document, or rejects with a `TokenError`
 * `invalid_client` (401; `invalid_request`, 400, for a redirect URI that is
 * not the document's) carrying a `reason` ({@link ClientIdMetadataFailure}).
 *
 * @group Registration
 */
export interface ClientIdMetadataResolver {
  /**
   * The checked document of `clientId`, from the cache or fetched.
   * @param clientId the `client_id` of the request, an https URL
   * @param check the request's redirect URI, to compare with the document's
   */
  (clientId: string, check?: ClientIdMetadataCheck): Promise<ClientIdMetadataDocument>;
  /** Forget every cached document. */
  clear(): void;
}

/** The error a resolver rejects with. */
function refused(reason: ClientIdMetadataFailure, message: string, cause?: unknown): TokenError {
  const err = reason === 'redirect_uri'
    ? new TokenError(message, 'invalid_request', null, 400, cause === undefined ? undefined : { cause })
    : new TokenError(`Client metadata document: ${message}`, 'invalid_client', null, 401, cause === undefined ? undefined : { cause });
  (err as TokenError & { reason: ClientIdMetadataFailure }).reason = reason;
  return err;
}

/**
 * Whether `value` is a client ID URL of draft-ietf-oauth-client-id-metadata-document
 * §3: an `https` URL with a path other than `/`, no fragment, no user
 * information, no `.` or `..` segments, at most 2048 characters. Use it to
 * tell such clients from registered ones in a client lookup.
 *
 * @param value a `client_id`
 * @returns whether it is to be resolved as a metadata document URL
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-client-id-metadata-document/
 * @group Registration
 */
export function isClientIdMetadataUrl(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 2048 || !value.startsWith('https://')) return false;
  if (value.includes('#') || /[\s\\]/.test(value)) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.username || url.password || !url.hostname) return false;
  if (url.pathname === '/' || url.pathname === '') return false;
  const rawPath = value.slice(8 + value.slice(8).search(/[/?]|$/)).split('?')[0]!;
  return !rawPath.split('/').some((seg) => seg === '.' || seg === '..' || /^%2e(%2e)?$/i.test(seg) || /^\.%2e$|^%2e\.$/i.test(seg));
}

/** What each option of {@link createClientIdMetadataResolver} accepts. */
const CIMD_OPTIONS = {
  allowLoopback: 'boolean',
  allowLocalhost: 'boolean',
  allowPrivateUseSchemes: 'boolean',
  timeout: POSITIVE,
  maxBytes: POSITIVE_INTEGER,
  minTtl: NON_NEGATIVE,
  maxTtl: NON_NEGATIVE,
  defaultTtl: NON_NEGATIVE,
  maxEntries: POSITIVE_INTEGER,
  lookup: 'function',
  connect: 'function',
  ca: ['string', 'object', 'array'],
  now: 'function',
} as const satisfies OptionTable<ClientIdMetadataOptions>;

/** The default resolver: the system's, every address. */
function systemLookup(hostname: string): Promise<ResolvedAddress[]> {
  return new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses)));
  });
}

/** The default connect: TLS to the checked address, the URL's name for SNI and the certificate check. */
function tlsConnect(target: ClientIdConnectTarget): Duplex {
  const ca = target.ca === undefined ? undefined : [...tls.rootCertificates, ...(Array.isArray(target.ca) ? target.ca : [target.ca])];
  return tls.connect({
    host: target.address,
    port: target.port,
    servername: target.servername,
    ca,
    ALPNProtocols: ['http/1.1'],
    // For an IP literal there is no name: check the certificate against the address.
    checkServerIdentity: (_host, cert) => tls.checkServerIdentity(target.servername || target.address, cert),
  });
}

/** A JSON media type: `application/json` or `application/*+json`. */
const JSON_TYPE = /^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i;

/** Seconds a response may be cached per its headers, or undefined when they say nothing. */
function freshnessOf(headers: Record<string, string | string[] | undefined>, now: number): number | undefined {
  const cc = headers['cache-control'];
  const directives = (Array.isArray(cc) ? cc.join(',') : cc || '').toLowerCase();
  if (/(^|,)\s*(no-store|no-cache|private)\s*(,|=|$)/.test(directives)) return 0;
  const maxAge = /(^|,)\s*max-age\s*=\s*"?(\d+)"?/.exec(directives);
  if (maxAge) return Number(maxAge[2]);
  const expires = headers.expires;
  if (typeof expires === 'string') {
    const at = Date.parse(expires);
    const date = typeof headers.date === 'string' ? Date.parse(headers.date) : now;
    if (!Number.isNaN(at)) return Math.max(0, Math.floor((at - (Number.isNaN(date) ? now : date)) / 1000));
  }
  return undefined;
}

interface Fetched {
  body: Buffer;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * Create a resolver of client metadata documents: see
 * {@link ClientIdMetadataResolver}. The server method
 * `server.clientIdMetadataDocuments(options)` makes one and advertises
 * `client_id_metadata_document_supported: true`.
 *
 * Fetching: the URL must pass {@link isClientIdMetadataUrl}; its host name
 * is resolved (`lookup`) and every address answered must be public (no
 * loopback, private, unique-local, link-local, CGNAT, multicast,
 * `0.0.0.0/8`, IPv4-mapped or NAT64 forms, unless `allowLoopback` lets
 * loopback through for development); the TLS connection is opened to the
 * checked address (`connect`), so a second resolution cannot swap it.
 * A 3xx answer is refused (no redirects), as is any status but 200, a
 * media type other than JSON, a body over `maxBytes` (the connection is cut
 * there), and a fetch not finished within `timeout`.
 *
 * Checking (draft §4): `client_id` equals the URL exactly; no
 * `client_secret`; `token_endpoint_auth_method` `none` (the default) or
 * `private_key_jwt` with `jwks` or `jwks_uri`; the rest as the registration
 * endpoint checks metadata. Documents are cached per `Cache-Control`
 * (`max-age`, `no-store`) or `Expires`, between `minTtl` and `maxTtl`;
 * concurrent requests for one URL share one fetch; failures are not cached.
 *
 * @param options limits, cache bounds, the development allowance, injectable `lookup` and `connect`
 * @returns the resolver
 * @example
 * ```ts
 * const resolveClientIdMetadata = server.clientIdMetadataDocuments();
 * server.authorize(async ({ clientID, redirectURI }) => {
 *   if (isClientIdMetadataUrl(clientID)) {
 *     const client = await resolveClientIdMetadata(clientID, { redirectUri: redirectURI });
 *     return { client, redirectURI };
 *   }
 *   return db.clients.validate(clientID, redirectURI);
 * });
 * ```
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-client-id-metadata-document/
 * @group Registration
 */
export function createClientIdMetadataResolver(options?: ClientIdMetadataOptions): ClientIdMetadataResolver {
  checkOptions('createClientIdMetadataResolver', options, CIMD_OPTIONS);
  const opts = options || {};
  const allowLoopback = !!opts.allowLoopback;
  const timeout = opts.timeout || 5000;
  const maxBytes = opts.maxBytes || 5120;
  const minTtl = opts.minTtl ?? 60;
  const maxTtl = Math.max(minTtl, opts.maxTtl ?? 86400);
  const defaultTtl = opts.defaultTtl ?? 300;
  const maxEntries = opts.maxEntries || 1000;
  const lookup = opts.lookup || systemLookup;
  const connect = opts.connect || tlsConnect;
  const now = opts.now || Date.now;
  const rules = {
    maxUris: 20,
    maxString: 2000,
    maxKeys: 20,
    localhost: !!opts.allowLocalhost,
    privateUseSchemes: !!opts.allowPrivateUseSchemes,
    authMethods: ['none', 'private_key_jwt'] as const,
    defaultAuthMethod: 'none' as const,
    grantTypes: undefined,
    responseTypes: undefined,
  };
  const cache = new Map<string, { doc: ClientIdMetadataDocument; expires: number }>();
  const pending = new Map<string, Promise<ClientIdMetadataDocument>>();

  function check(clientId: string, doc: ClientIdMetadataDocument, wanted: ClientIdMetadataCheck | undefined): ClientIdMetadataDocument {
    if (wanted && wanted.redirectUri !== undefined) {
      if (!doc.redirect_uris || !doc.redirect_uris.includes(wanted.redirectUri)) {
        throw refused('redirect_uri', 'Invalid parameter: redirect_uri is not one of the client metadata document\'s redirect_uris');
      }
    }
    void clientId;
    return doc;
  }

  async function load(clientId: string): Promise<ClientIdMetadataDocument> {
    const fetched = await fetchDocument(new URL(clientId));
    let json: unknown;
    try {
      json = JSON.parse(fetched.body.toString('utf8'));
    } catch (err) {
      throw refused('json', 'the document is not valid JSON', err);
    }
    const doc = checkDocument(clientId, json);
    const fresh = freshnessOf(fetched.headers, now());
    const ttl = Math.min(maxTtl, Math.max(minTtl, fresh === undefined ? defaultTtl : fresh));
    if (ttl > 0) {
      cache.delete(clientId);
      while (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
      cache.set(clientId, { doc, expires: now() + ttl * 1000 });
    }
    return doc;
  }

  function checkDocument(clientId: string, json: unknown): ClientIdMetadataDocument {
    if (!json || typeof json !== 'object' || Array.isArray(json)) throw refused('document', 'the document must be a JSON object');
    const raw = json as Record<string, unknown>;
    if (raw.client_id !== clientId) throw refused('document', 'its client_id is not the URL it was fetched from');
    if (raw.client_secret !== undefined || raw.client_secret_expires_at !== undefined) throw refused('document', 'it must not contain a client_secret');
    let metadata: ClientMetadata;
    try {
      metadata = checkClientMetadata(raw, rules);
    } catch (err) {
      throw refused('document', err instanceof Error ? err.message : 'invalid metadata', err);
    }
    return { client_id: clientId, ...metadata };
  }

  async function fetchDocument(url: URL): Promise<Fetched> {
    const deadline = now() + timeout;
    const host = bareAddress(url.hostname);
    const port = url.port ? Number(url.port) : 443;
    let addresses: ResolvedAddress[];
    if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
    else {
      try {
        addresses = await withTimeout(Promise.resolve(lookup(host)), deadline - now());
      } catch (err) {
        if ((err as { reason?: unknown }).reason === 'timeout') throw err;
        throw refused('network', `cannot resolve ${host}`, err);
      }
    }
    if (!Array.isArray(addresses) || addresses.length === 0) throw refused('network', `${host} has no address`);
    for (const a of addresses) {
      if (!a || typeof a.address !== 'string' || !isPublicAddress(a.address, allowLoopback)) {
        throw refused('address', `${host} resolves to an address that is not public`);
      }
    }
    const target = addresses[0]!;
    const left = deadline - now();
    if (left <= 0) throw refused('timeout', `no answer within ${timeout} ms`);
    return new Promise<Fetched>((resolve, reject) => {
      let settled = false;
      const finish = (err: unknown, value?: Fetched): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) {
          req.destroy();
          reject(err);
        } else resolve(value!);
      };
      const timer = setTimeout(() => finish(refused('timeout', `no answer within ${timeout} ms`)), left);
      let socket: Duplex;
      try {
        socket = connect({ address: bareAddress(target.address), family: target.family, port, servername: isIP(host) ? undefined : host, ca: opts.ca });
      } catch (err) {
        clearTimeout(timer);
        settled = true;
        return reject(refused('network', 'cannot connect', err));
      }
      const req = https.request({
        method: 'GET',
        host: url.hostname,
        port,
        path: url.pathname + url.search,
        headers: { accept: 'application/json', 'accept-encoding': 'identity' },
        createConnection: () => socket as unknown as import('node:net').Socket,
      });
      req.on('error', (err) => finish(refused('network', err instanceof Error ? err.message : 'network error', err)));
      req.on('response', (res) => {
        const status = res.statusCode || 0;
        if (status >= 300 && status < 400) return finish(refused('redirect', `answered ${status}: redirects are not followed`));
        if (status !== 200) return finish(refused('status', `answered ${status}`));
        const type = res.headers['content-type'];
        if (typeof type !== 'string' || !JSON_TYPE.test(type)) return finish(refused('content_type', 'the document is not served as application/json'));
        const declared = Number(res.headers['content-length']);
        if (declared > maxBytes) return finish(refused('size', `the document is larger than ${maxBytes} bytes`));
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) return finish(refused('size', `the document is larger than ${maxBytes} bytes`));
          chunks.push(chunk);
        });
        res.on('end', () => finish(null, { body: Buffer.concat(chunks), headers: res.headers }));
        res.on('error', (err) => finish(refused('network', 'network error', err)));
      });
      req.end();
    });
  }

  const resolver = function resolveClientIdMetadata(clientId: string, wanted?: ClientIdMetadataCheck): Promise<ClientIdMetadataDocument> {
    if (!isClientIdMetadataUrl(clientId)) return Promise.reject(refused('url', 'the client_id is not an https URL with a path'));
    const hit = cache.get(clientId);
    if (hit) {
      if (hit.expires > now()) {
        try {
          return Promise.resolve(check(clientId, hit.doc, wanted));
        } catch (err) {
          return Promise.reject(err);
        }
      }
      cache.delete(clientId);
    }
    let loading = pending.get(clientId);
    if (!loading) {
      loading = load(clientId).finally(() => pending.delete(clientId));
      pending.set(clientId, loading);
    }
    return loading.then((doc) => check(clientId, doc, wanted));
  } as ClientIdMetadataResolver;
  resolver.clear = () => cache.clear();
  return resolver;
}

/** `promise`, or a `timeout` refusal after `ms`. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  if (ms <= 0) return Promise.reject(refused('timeout', 'no answer in time'));
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(refused('timeout', 'the name lookup took too long')), ms);
    promise.then((v) => { clearTimeout(timer); resolve(v); }, (e) => { clearTimeout(timer); reject(e); });
  });
}
