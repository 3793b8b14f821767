/**
 * The skeleton every bundled exchange shares: read the factory's
 * `(options?, issue)` arguments, read the request's parameters, call the
 * app's `issue` through the one calling convention (`lib/callback.ts`), and
 * write the token response (`lib/respond.ts`). An exchange file declares
 * what is its own ({@link ExchangeDefinition}): its parameters and their
 * errors, its context keys, its failure message, and any gate or step of its
 * grant type.
 */
import { TokenError } from '../errors/tokenerror.js';
import { bodyOf, scopeParam, separatorsOf, stringParam } from '../lib/params.js';
import type { ParamBag } from '../types.js';
import { bodyParsingError, deliverTokens, tokenResponder } from '../lib/respond.js';
import type { IssuedCallback } from '../types.js';
import { call, once, optionsFirst, prepare, shape, type Callback, type FactoryArgs, type Once, type ShapeSpec } from '../lib/callback.js';
import { bindingError, dpopProofOf } from '../dpop/tokenRequest.js';
import type { Rule } from '../lib/checkOptions.js';
import type { ExchangeFunction } from '../types.js';
import { USER_PROPERTY } from '../settings/settings.js';
import { resourcesOf } from '../lib/resource.js';
import { profileOf } from '../settings/profile.js';
import type { NextFunction, OAuth2IncomingMessage } from '../types.js';



/** The request property holding the authenticated client: `options.userProperty`, or the one default ({@link USER_PROPERTY}) when unset or empty. */
export function userPropertyOf(options: { userProperty?: string } | undefined): string {
  return (options && options.userProperty) || USER_PROPERTY;
}

/**
 * A request parameter an exchange reads. Its value reaches `issue` after
 * `client`, in the order of {@link ExchangeDefinition.params}. The string
 * parameters are checked first, in order (`Invalid parameter: <name> must be
 * a string`), then the required ones are checked present, in order
 * (`Missing required parameter: <name>`), then the computed ones are read,
 * in order.
 */
export interface ExchangeParam {
  /** Its name in the context object, and in the shape of `issue`. */
  readonly as: string;
  /** The body parameter, read as a string. Absent for a computed value. */
  readonly name?: string;
  /** Refuse the request when the string parameter is missing or empty. */
  readonly required?: boolean;
  /**
   * Computes the value from the body (after every string parameter was
   * checked), given the value of the parameter before it; throws the error
   * to answer with.
   */
  readonly read?: (body: ParamBag, ex: Exchange<any>, previous: any) => unknown;
}

/** A string parameter that must be present: `Missing required parameter: <name>` otherwise. */
export function required(name: string, as: string = name): ExchangeParam {
  return { as, name, required: true };
}

/** A string parameter that may be absent. */
export function optional(name: string, as: string = name): ExchangeParam {
  return { as, name };
}

/** The `scope` parameter, split on the `scopeSeparator` option. */
export const SCOPE: ExchangeParam = { as: 'scope', read: (body, ex) => scopeParam(body, ex.separators, TokenError) };

/** One exchange: what is its own. The rest is the skeleton's. */
export interface ExchangeDefinition<S = undefined> {
  /** The factory's name, in its errors: `oauth2orize.<factory> exchange requires an issue callback`. */
  readonly factory: string;
  /** The `grant_type` it answers: the exchange function's `name`, under which `server.exchange(fn)` registers it. */
  readonly grantType: string;
  /** The parameters, at most three; see {@link ExchangeParam}. */
  readonly params: readonly ExchangeParam[];
  /**
   * How `issue` is called. Its values are `client`, the three parameters'
   * (by their `as` names; `undefined` where there are fewer), `body` and
   * `authInfo`, in that order. The result reader defaults to
   * `deliverTokens` (a string is the access token, an object names the
   * tokens).
   */
  readonly issue: Omit<ShapeSpec, 'values'>;
  /** The message of the `invalid_grant` error a falsy access token gives. */
  readonly invalid: string;
  /** What each of the factory's options accepts, checked at construction (`lib/checkOptions.ts`). */
  readonly options: Readonly<Record<string, Rule>>;
  /** Refuses a request before anything is read: returns the error, or nothing. */
  readonly gate?: (req: OAuth2IncomingMessage) => unknown;
  /** The client `issue` gets, from `req[userProperty]`; throws to refuse (default: as it is). */
  readonly client?: (client: unknown, ex: Exchange<S>) => unknown;
  /** The factory's own state, from its options and callback, made at construction; throws the factory's `TypeError`s. */
  readonly setup?: (options: any, issue: any) => S;
  /** Wraps the token responder (`done` of `issue`), to check or translate what the app gives. */
  readonly respond?: (responder: Once<Parameters<IssuedCallback>>) => Once<Parameters<IssuedCallback>>;
  /**
   * A step of the grant type between the parameters and `issue` (PKCE,
   * device polling). It calls {@link Exchange.issueTokens} (or another
   * callback) itself. Gets the parameters' values `a`, `b`, `c`.
   */
  readonly proceed?: (ex: Exchange<S>, req: OAuth2IncomingMessage, next: NextFunction, issued: IssuedCallback, client: unknown, a: any, b: any, c: any, body: ParamBag) => void;
  /** Whether the first argument is the callback, not options (default: it is a function). */
  readonly leading?: (first: unknown, second: unknown) => boolean;
  /** Told of each exchange made, with its factory's state. */
  readonly created?: (exchange: ExchangeFunction, ex: Exchange<S>) => void;
  /**
   * What the first parameter names, when it can be bound to a DPoP key (a
   * code, a refresh token): the exchange then takes the `dpopBinding`
   * option, a lookup of the `jkt` it is bound to, and refuses a request
   * whose proof is made with another key (RFC 9449 §5, §10).
   */
  readonly binding?: string;
}

/** One exchange made by a factory: its options, and its `issue` with the form chosen once. */
export interface Exchange<S = undefined> {
  /** The factory's options (`{}` when none). */
  readonly options: any;
  /** Where the authenticated client is found on the request. */
  readonly userProperty: string;
  /** The `scopeSeparator` option, as a list. */
  readonly separators: readonly string[];
  /** The app's `issue`. */
  readonly issue: Callback;
  /** What `setup` made. */
  readonly state: S;
  /** Call `issue` with the request's values (for a `proceed` step); `req` gives the DPoP proof. */
  issueTokens(issued: IssuedCallback, next: NextFunction, client: unknown, a: unknown, b: unknown, c: unknown, body: ParamBag, authInfo: unknown, req?: unknown): void;
}

/**
 * Make the factory of an exchange from its definition. The factory takes
 * `(options?, issue)` and returns the exchange function, named after the
 * grant type.
 */
export function defineExchange<S = undefined>(definition: ExchangeDefinition<S>): (options: unknown, issue?: unknown) => ExchangeFunction {
  const { params, gate, respond, proceed, invalid } = definition;
  const checkClient = definition.client;
  if (params.length > 3) throw new Error('defineExchange: at most three parameters');
  const [p0, p1, p2] = params;
  const values = ['client', p0 && p0.as, p1 && p1.as, p2 && p2.as, 'body', 'authInfo', 'dpop'];
  const issueShape = shape({
    ...definition.issue,
    values,
    context: definition.issue.context || withResource(values),
    result: definition.issue.result || deliverTokens,
  });
  const args: FactoryArgs = {
    misuse: `oauth2orize.exchange.${definition.factory}`,
    callbacks: [`oauth2orize.${definition.factory} exchange requires an issue callback`],
    leading: definition.leading,
    options: { name: `oauth2orize.exchange.${definition.factory}`, table: definition.options },
  };

  // `dpopBinding(value, client, done)`, or the context form `{ <value>, client, body }`, as PKCE's lookup.
  const bindingShape = definition.binding && p0
    ? shape({ positional: [p0.as, 'client'], values: [p0.as, 'client', 'body'], contextArities: [0, 1, 2] })
    : undefined;

  return function factory(first: unknown, second?: unknown): ExchangeFunction {
    const [options, fn] = optionsFirst<Record<string, any>>(args, [first, second]);
    const issue = prepare(issueShape, fn);
    if (options.dpopBinding !== undefined && typeof options.dpopBinding !== 'function') {
      throw new TypeError(`oauth2orize.${definition.factory} exchange: dpopBinding must be a function`);
    }
    const bindingLookup = bindingShape && options.dpopBinding ? prepare(bindingShape, options.dpopBinding) : undefined;
    const ex: Exchange<S> = {
      options,
      userProperty: userPropertyOf(options),
      separators: separatorsOf(options.scopeSeparator),
      issue,
      state: definition.setup ? definition.setup(options, fn) : (undefined as S),
      issueTokens(issued, next, client, a, b, c, body, authInfo, req) {
        call(issue, issued, next, client, a, b, c, body, authInfo, dpopProofOf(req));
      },
    };
    const userProperty = ex.userProperty;

    const exchange: ExchangeFunction = function (req, res, next) {
      if (gate !== undefined) {
        const refusal = gate(req);
        if (refusal) return next(refusal);
      }
      const body = bodyOf(req);
      if (!body) return next(bodyParsingError());
      let client = (req as unknown as ParamBag)[userProperty];
      let a: unknown, b: unknown, c: unknown;
      try {
        if (checkClient !== undefined) client = checkClient(client, ex);
        if (p0 !== undefined && p0.name !== undefined) a = stringParam(body, p0.name, TokenError);
        if (p1 !== undefined && p1.name !== undefined) b = stringParam(body, p1.name, TokenError);
        if (p2 !== undefined && p2.name !== undefined) c = stringParam(body, p2.name, TokenError);
        if (p0 !== undefined && p0.required && !a) throw missing(p0.name!);
        if (p1 !== undefined && p1.required && !b) throw missing(p1.name!);
        if (p2 !== undefined && p2.required && !c) throw missing(p2.name!);
        if (p0 !== undefined && p0.read !== undefined) a = p0.read(body, ex, undefined);
        if (p1 !== undefined && p1.read !== undefined) b = p1.read(body, ex, a);
        if (p2 !== undefined && p2.read !== undefined) c = p2.read(body, ex, b);
        // RFC 8707 §2: every grant type may name the resources the token is
        // for; a bad value is refused here, once, for every exchange (on a
        // server with a profile: 1.x servers ignore it, as 1.12 did).
        resourcesOf(body, TokenError, profileOf(req) === undefined);
      } catch (err) {
        return next(err);
      }
      const proof = dpopProofOf(req);
      const responder = tokenResponder(res, next, invalid, proof ? 'DPoP' : undefined);
      const issued = respond !== undefined ? respond(responder) : responder;
      if (bindingLookup === undefined) {
        if (proceed !== undefined) return proceed(ex, req, next, issued, client, a, b, c, body);
        return call(issue, issued, next, client, a, b, c, body, req.authInfo, proof);
      }
      const go = (): void => {
        if (proceed !== undefined) return proceed(ex, req, next, issued, client, a, b, c, body);
        call(issue, issued, next, client, a, b, c, body, req.authInfo, proof);
      };
      // The code or refresh token may be bound to a key: ask the app which, then compare.
      const found = once((err?: unknown, bound?: unknown): void => {
        if (err) return next(err);
        const refusal = bindingError(req, bound, definition.binding!);
        if (refusal) return next(refusal);
        go();
      });
      call(bindingLookup, found, 'done', a, client, body);
    };
    // `server.exchange(fn)` registers an exchange under its function's name.
    Object.defineProperty(exchange, 'name', { value: definition.grantType });
    if (definition.created) definition.created(exchange, ex);
    return exchange;
  };
}

/**
 * The context object of an `issue` called with `values` (by name), plus
 * `resource`: the checked RFC 8707 `resource` list of the body (the value
 * named `body`), `[]` when the request names none. The positional forms
 * keep 1.x's arguments; they read the list with `requestedResources(body)`.
 */
export function withResource(values: readonly (string | undefined)[]): (...args: unknown[]) => Record<string, unknown> {
  const at = values.indexOf('body');
  return function context(...args: unknown[]): Record<string, unknown> {
    const ctx: Record<string, unknown> = {};
    for (let i = 0; i < values.length; i++) {
      const name = values[i];
      if (name !== undefined) ctx[name] = args[i];
    }
    ctx.resource = resourcesOf(args[at] as ParamBag, TokenError);
    return ctx;
  };
}

function missing(name: string): TokenError {
  return new TokenError('Missing required parameter: ' + name, 'invalid_request');
}
