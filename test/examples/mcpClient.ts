/**
 * The MCP host side of the example's MCP tests: the `OAuthClientProvider`
 * the official SDK asks an app to implement, and a fetch that records what
 * the SDK sends. Nothing here helps the SDK with OAuth: it finds its way on
 * its own.
 */
import assert from 'node:assert/strict';
import * as oauth from 'oauth4webapi';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { Browser, type RunningExample, consentForm, redirectTarget, signInThrough } from './helpers.js';

/**
 * What an MCP host app implements for the SDK: where tokens and the PKCE
 * verifier are kept (memory here), which client it is, and how it opens the
 * authorization URL (here it keeps it, and the test plays the browser).
 */
export class TestProvider implements OAuthClientProvider {
  /** The URL the SDK asked the user's browser to open. */
  authorizationURL: URL | undefined;
  readonly stateValue = oauth.generateRandomState();
  #tokens: OAuthTokens | undefined;
  #verifier: string | undefined;

  /** What the SDK saved: the registered client (DCR), or its metadata document URL (CIMD). */
  saved: OAuthClientInformationMixed | undefined;

  /**
   * @param client a pre-registered client; without one, the SDK registers
   *   (dynamic registration) or, with `clientMetadataUrl`, uses that URL as its `client_id`
   */
  constructor(
    readonly redirectUrl: string,
    readonly client?: OAuthClientInformationMixed,
    readonly clientMetadataUrl?: string,
  ) {}

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'oauth2orize MCP test client',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  state(): string {
    return this.stateValue;
  }
  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.client ?? this.saved;
  }
  saveClientInformation(info: OAuthClientInformationMixed): void {
    this.saved = info;
  }
  tokens(): OAuthTokens | undefined {
    return this.#tokens;
  }
  saveTokens(tokens: OAuthTokens): void {
    this.#tokens = tokens;
  }
  redirectToAuthorization(url: URL): void {
    this.authorizationURL = url;
  }
  saveCodeVerifier(verifier: string): void {
    this.#verifier = verifier;
  }
  codeVerifier(): string {
    if (this.#verifier === undefined) throw new Error('no code verifier saved');
    return this.#verifier;
  }
}

/** One HTTP exchange the SDK client made: method, path, status, and the form it posted. */
export interface Exchange {
  method: string;
  path: string;
  status: number;
  form?: URLSearchParams;
}

/** A fetch for the SDK that records every request it makes. It changes nothing. */
export function recordingFetch(log: Exchange[]): FetchLike {
  return async (url, init) => {
    const res = await fetch(url, init);
    const body = init?.body;
    log.push({
      method: init?.method ?? 'GET',
      path: new URL(url).pathname,
      status: res.status,
      ...(body instanceof URLSearchParams ? { form: new URLSearchParams(body) } : {}),
    });
    return res;
  };
}

/** Assert that `log` contains these `method path status` lines in this order (others may come between). */
export function assertInOrder(log: Exchange[], expected: string[]) {
  const lines = log.map((e) => `${e.method} ${e.path} ${e.status}`);
  let at = 0;
  for (const line of expected) {
    const found = lines.indexOf(line, at);
    assert.notEqual(found, -1, `expected "${line}" after position ${at} in:\n${lines.join('\n')}`);
    at = found + 1;
  }
}

/** The structured content of a tool result, failing on a tool error. */
export function structured(result: Awaited<ReturnType<Client['callTool']>>): Record<string, unknown> {
  assert.notEqual(result.isError, true, `tool error: ${JSON.stringify(result.content)}`);
  assert.ok(result.structuredContent, 'the tool returns structured content');
  return result.structuredContent as Record<string, unknown>;
}


/**
 * The whole MCP sign-in as a host app runs it: connect (the SDK meets the
 * 401, discovers, registers or not, and asks for the browser), play the
 * browser (sign in, consent), hand the code to the SDK, connect again.
 * `consented` sees the consent page's HTML. Returns the connected client.
 */
export async function connectThroughBrowser(
  app: RunningExample,
  provider: TestProvider,
  log: Exchange[],
  consented: (html: string) => void = () => {},
): Promise<Client> {
  const mcpURL = new URL(app.url('/mcp'));
  const first = new Client({ name: 'oauth2orize-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(mcpURL, { authProvider: provider, fetch: recordingFetch(log) });
  await assert.rejects(first.connect(transport), UnauthorizedError);
  await first.close();

  const url = provider.authorizationURL;
  assert.ok(url, 'the SDK asked to open an authorization URL');
  assert.equal(url.searchParams.get('resource'), mcpURL.href);
  const browser = new Browser();
  const consent = await signInThrough(browser, app, url.href);
  const page = await consent.text();
  assert.equal(consent.status, 200, `the consent page: ${page}`);
  consented(page);
  const decision = await browser.post(app.url('/authorize/decision'), consentForm(page));
  const callback = redirectTarget(decision, app.origin);
  assert.equal(callback.searchParams.get('state'), provider.stateValue);
  const code = callback.searchParams.get('code');
  assert.ok(code, `a code in ${callback.href}`);
  await transport.finishAuth(code);

  const client = new Client({ name: 'oauth2orize-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(mcpURL, { authProvider: provider, fetch: recordingFetch(log) }));
  return client;
}
