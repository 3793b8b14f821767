// Hand-written mutations for `make mutate` (scripts/mutate.mjs): each is a small, plausible bug
// in src/lib/, src/txn/ or src/unorderedlist.ts. `find` must occur exactly once in `file` (else
// the mutation is reported as skipped: the source moved on); `tests` are the files that should
// catch it.

const PARAMS = ['test/exchange/password.test.ts', 'test/exchange/clientCredentials.test.ts', 'test/grant/code.test.ts', 'test/grant/token.test.ts'];
const ASYNC = ['test/lib/callback.test.ts', 'test/async/thenables.test.ts', 'test/async/authorization.test.ts'];
const SERVER = ['test/server/parse.test.ts', 'test/server/respond.test.ts', 'test/server/exchange.test.ts', 'test/server/serialization.test.ts', 'test/server/grant.test.ts'];
const GRANTS = ['test/grant/code.test.ts', 'test/grant/token.test.ts'];
const LIST = ['test/unorderedlist.test.ts', 'test/server/parse.test.ts', 'test/server/respond.test.ts'];
const REDIRECT = ['test/response/query.test.ts', 'test/response/fragment.test.ts', 'test/response/oracle-property.test.ts'];
const EXCHANGES = ['test/exchange/password.test.ts', 'test/exchange/clientCredentials.test.ts', 'test/exchange/authorizationCode.test.ts', 'test/exchange/refreshToken.test.ts'];
const TXN = ['test/middleware/decision.test.ts', 'test/middleware/authorization.test.ts', 'test/middleware/resume.test.ts', 'test/middleware/transactionLoader.test.ts'];
const SESSION = ['test/txn/session.test.ts', 'test/middleware/transactionLoader.test.ts', 'test/hardening/race.test.ts'];
const CAP = [...SESSION, 'test/hardening/transactions.test.ts'];

/** @type {{ id: string, file: string, find: string, replace: string, tests: string[], what: string }[]} */
export const mutations = [
  // src/lib/params.ts
  { id: 'separators-empty', file: 'src/lib/params.ts', what: "an empty scopeSeparator is not defaulted to ' '",
    find: "if (option === undefined || option === '') return [' '];", replace: "if (option === undefined) return [' '];", tests: PARAMS },
  { id: 'split-first-separator', file: 'src/lib/params.ts', what: 'the first separator wins even when it does not split',
    find: 'if (parts.length > 1) return parts;', replace: 'if (parts.length > 0) return parts;', tests: PARAMS },
  { id: 'string-param-coerce', file: 'src/lib/params.ts', what: 'a non-string parameter is coerced instead of refused',
    find: "throw new ErrorClass(`Invalid parameter: ${name} must be a string`, 'invalid_request');", replace: 'return String(value);', tests: PARAMS },
  { id: 'own-inherited', file: 'src/lib/params.ts', what: 'own() reads inherited properties (__proto__, constructor)',
    find: 'return Object.prototype.hasOwnProperty.call(bag, name) ? (bag as ParamBag)[name] : undefined;', replace: 'return (bag as ParamBag)[name];',
    tests: [...GRANTS, 'test/txn/session.test.ts'] },
  { id: 'scope-empty', file: 'src/lib/params.ts', what: "an empty scope becomes undefined instead of staying ''",
    find: "if (!scope) return scope === '' ? '' : undefined;", replace: 'if (!scope) return undefined;', tests: PARAMS },
  { id: 'body-missing', file: 'src/lib/params.ts', what: 'a request without body parsing reads as an empty body',
    find: 'if (!req.socket || !headers) return undefined;', replace: 'if (!req.socket || !headers) return EMPTY;', tests: EXCHANGES },

  // src/lib/callback.ts
  { id: 'thenable-native-only', file: 'src/lib/callback.ts', what: 'isThenable accepts only native Promises',
    find: "typeof (value as { then?: unknown }).then === 'function'", replace: 'value instanceof Promise', tests: ASYNC },
  { id: 'falsy-rejection', file: 'src/lib/callback.ts', what: 'a rejection with a falsy reason reads as success',
    find: "return err || new Error('Callback rejected without a reason');", replace: 'return err;', tests: ASYNC },
  { id: 'settle-swallow', file: 'src/lib/callback.ts', what: 'an exception while handling a resolved value is swallowed',
    find: '      } catch (err) {\n        onError(err);\n      }', replace: '      } catch {\n        // ignored\n      }', tests: ASYNC },
  { id: 'catch-rejection-swallow', file: 'src/lib/callback.ts', what: 'a 1.x-form callback that rejects is never answered',
    find: '      if (!settled()) done(rejection(err));', replace: '      void err;', tests: ASYNC },
  { id: 'once-not-guarding', file: 'src/lib/callback.ts', what: 'once() lets every call through',
    find: '    if (guarded.called) return;\n', replace: '', tests: [...ASYNC, ...EXCHANGES] },

  // src/lib/dispatch.ts
  { id: 'parse-first-wins', file: 'src/lib/dispatch.ts', what: 'synchronous request parsers merge first-wins',
    find: '        merge(areq, out);\n        continue;', replace: '        merge(areq, { ...(out as object), ...areq });\n        continue;', tests: SERVER },
  { id: 'parse-no-type-filter', file: 'src/lib/dispatch.ts', what: 'every request parser runs, whatever its type',
    find: 'if (layer.type !== null && !layer.type.equalTo(wanted)) continue;', replace: 'if (layer.type === undefined) continue;', tests: SERVER },
  { id: 'parse-ignore-error', file: 'src/lib/dispatch.ts', what: "an async parser's error is ignored",
    find: '        if (err) return cb(err);\n        merge(areq, out);\n        resumeAt();', replace: '        merge(areq, out);\n        resumeAt();', tests: SERVER },
  { id: 'parse-falsy-rejection', file: 'src/lib/dispatch.ts', what: 'a parser rejected without a reason fails with no error',
    find: "cb(err || new Error('Request parser rejected without a reason'));", replace: 'cb(err);', tests: [...SERVER, 'test/async/handlers.test.ts'] },
  { id: 'respond-arity', file: 'src/lib/dispatch.ts', what: 'response handlers of arity 4 are not offered complete()',
    find: "shape({ positional: ['txn', 'res'], extras: ['complete'], contextArities: [] })", replace: "shape({ positional: ['txn', 'res'], contextArities: [] })", tests: SERVER },
  { id: 'respond-error-swallow', file: 'src/lib/dispatch.ts', what: 'an error no error handler answers is dropped',
    find: 'if (!layer) return cb(e);', replace: 'if (!layer) return cb();', tests: SERVER },
  { id: 'exchange-any-type', file: 'src/lib/dispatch.ts', what: 'an exchange answers any grant_type',
    find: 'if (layer.type === null || layer.type === type) break;', replace: 'break;', tests: SERVER },
  { id: 'promise-form-no-decline', file: 'src/lib/dispatch.ts', what: 'a Promise-form handler that resolves without answering does not decline',
    find: 'if (promiseForm && pending() && !res.headersSent && !res.writableEnded) next(err);', replace: 'void promiseForm;', tests: [...SERVER, 'test/async/handlers.test.ts'] },
  { id: 'handler-falsy-rejection', file: 'src/lib/dispatch.ts', what: 'a handler rejected without a reason passes no error',
    find: "next(reason || new Error('Handler rejected without a reason'));", replace: 'next(reason);', tests: [...SERVER, 'test/async/handlers.test.ts'] },
  { id: 'chain-pass-error', file: 'src/lib/dispatch.ts', what: "a serializer's 'pass' is an error",
    find: "if (err === 'pass') err = undefined;", replace: "if (err === 'pass') err = new Error('pass');", tests: SERVER },
  { id: 'chain-gone-client', file: 'src/lib/dispatch.ts', what: 'a deserializer answering false moves on to the next link',
    find: 'if (deserializing && (out === null || out === false)) return done(null, false);', replace: '', tests: SERVER },

  // src/grant/authorizationResponse.ts
  { id: 'client-id-optional', file: 'src/grant/authorizationResponse.ts', what: 'a missing client_id is not refused',
    find: "if (!clientID) throw new AuthorizationError('Missing required parameter: client_id', 'invalid_request');", replace: '', tests: GRANTS },
  { id: 'mode-inherited', file: 'src/grant/authorizationResponse.ts', what: 'response modes are looked up through the prototype',
    find: 'return (name) => (Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined);', replace: 'return (name) => table[name];', tests: GRANTS },
  { id: 'error-no-state', file: 'src/grant/authorizationResponse.ts', what: 'an error redirect does not echo state',
    find: 'if (e.uri) params.error_uri = e.uri;\n    if (txn.req && txn.req.state) params.state = txn.req.state;', replace: 'if (e.uri) params.error_uri = e.uri;', tests: GRANTS },
  { id: 'denied-no-state', file: 'src/grant/authorizationResponse.ts', what: 'access_denied does not echo state',
    find: "const params: Record<string, unknown> = { error: 'access_denied' };\n  if (txn.req && txn.req.state) params.state = txn.req.state;", replace: "const params: Record<string, unknown> = { error: 'access_denied' };", tests: GRANTS },
  { id: 'mode-no-validate', file: 'src/grant/authorizationResponse.ts', what: "a response mode's validate() is not called",
    find: 'respond.validate(txn);', replace: 'void txn;', tests: [...GRANTS, 'test/plugins/form-post.test.ts'] },

  // src/unorderedlist.ts
  { id: 'list-subset-equal', file: 'src/unorderedlist.ts', what: 'a list equals any longer list that contains it',
    find: 'if (this._items.length !== list._items.length) return false;', replace: '', tests: LIST },
  { id: 'list-contains-all', file: 'src/unorderedlist.ts', what: 'containsAny requires all values',
    find: 'return values.some((value) => this._items.includes(value));', replace: 'return values.every((value) => this._items.includes(value));', tests: [...LIST, 'test/middleware/errorHandler.test.ts'] },

  // src/lib/redirect.ts
  { id: 'query-keeps-search', file: 'src/lib/redirect.ts', what: 'params are not added to a redirect URI that has a query',
    find: 'parsed.search = null;', replace: '', tests: REDIRECT },
  { id: 'fragment-fast-path', file: 'src/lib/redirect.ts', what: 'the fragment fast path ignores unusual queries',
    find: '(queryAt === -1 || PLAIN_QUERY.test(uri.slice(queryAt + 1)))', replace: 'true', tests: REDIRECT },
  { id: 'redirect-no-length', file: 'src/lib/redirect.ts', what: 'a bare 302 has no Content-Length: 0',
    find: "res.setHeader('Content-Length', '0');", replace: '', tests: REDIRECT },

  // src/lib/respond.ts
  { id: 'issued-twice', file: 'src/lib/respond.ts', what: 'done() called twice writes twice',
    find: '    if (self.called) return;\n', replace: '', tests: EXCHANGES },
  { id: 'token-type-forced', file: 'src/lib/respond.ts', what: 'a token_type param cannot replace Bearer',
    find: "if (!body.token_type) body.token_type = 'Bearer';", replace: "body.token_type = 'Bearer';", tests: EXCHANGES },
  { id: 'deliver-no-params', file: 'src/lib/respond.ts', what: "a context-form issue's params are dropped",
    find: 'return issued(null, tokens.accessToken, tokens.refreshToken, tokens.params);', replace: 'return issued(null, tokens.accessToken, tokens.refreshToken);', tests: [...EXCHANGES, 'test/async/thenables.test.ts'] },
  { id: 'no-store', file: 'src/lib/respond.ts', what: 'token responses are cacheable',
    find: "res.setHeader('Cache-Control', 'no-store');", replace: '', tests: EXCHANGES },

  // src/exchange/defineExchange.ts
  { id: 'user-property', file: 'src/exchange/defineExchange.ts', what: 'options.userProperty is ignored',
    find: "return (options && options.userProperty) || 'user';", replace: "return 'user';", tests: EXCHANGES },

  // src/txn/transaction.ts
  { id: 'no-remove-on-end', file: 'src/txn/transaction.ts', what: 'a decided transaction stays in the store',
    find: 'if (tid !== undefined) removeTransaction(server, options, req, tid);', replace: '', tests: TXN },
  { id: 'claim-ignored', file: 'src/txn/transaction.ts', what: "the store's claim() is not consulted",
    find: "if (typeof claim !== 'function' || tid === undefined) return done(null, true);", replace: 'return done(null, true);', tests: [...TXN, 'test/hardening/race.test.ts'] },
  { id: 'locals-overwritten', file: 'src/txn/transaction.ts', what: 'new locals replace the existing ones',
    find: 'txn.locals = txn.locals || {};', replace: 'txn.locals = {};', tests: TXN },
  { id: 'complete-context-arity', file: 'src/txn/transaction.ts', what: 'a context-form complete is called in the 1.x form',
    find: "const COMPLETE = shape({ positional: ['req', 'txn'],", replace: "const COMPLETE = shape({ positional: ['req', 'txn'], contextArities: [0],", tests: [...TXN, 'test/async/decision.test.ts'] },
  { id: 'immediate-4-args', file: 'src/txn/transaction.ts', what: 'immediate of arity 4 gets the type instead of the scope',
    find: "txn.client, txn.user, areq.scope, areq.type, areq, txn.locals, txn);", replace: "txn.client, txn.user, areq.type, areq.scope, areq, txn.locals, txn);", tests: TXN },
  { id: 'approve-no-allow', file: 'src/txn/transaction.ts', what: 'an immediate approval is not marked allow',
    find: 'txn.res.allow = true;', replace: '', tests: TXN },
  { id: 'end-not-proxied', file: 'src/txn/transaction.ts', what: '_endProxied is not set',
    find: 'txn._endProxied = true;', replace: '', tests: TXN },
  { id: 'store-promise-form', file: 'src/txn/transaction.ts', what: 'a Promise-form store method is called with a callback',
    find: 'return shape({ positional, contextArities: [n], context: false });', replace: 'return shape({ positional, contextArities: [n + 1], context: false });', tests: [...TXN, 'test/async/store.test.ts'] },

  // src/txn/session.ts
  { id: 'no-default-cap', file: 'src/txn/session.ts', what: 'sessions keep unlimited transactions by default',
    find: "this.maxTransactions = typeof max === 'number' && max >= 1 ? max : 20;", replace: "this.maxTransactions = typeof max === 'number' && max >= 1 ? max : Infinity;", tests: CAP },
  { id: 'evict-one-too-many', file: 'src/txn/session.ts', what: 'eviction drops one transaction too many',
    find: 'for (let i = 0; i < ids.length - this.maxTransactions; i++)', replace: 'for (let i = 0; i <= ids.length - this.maxTransactions; i++)', tests: CAP },
  { id: 'tid-not-from-body', file: 'src/txn/session.ts', what: 'transaction_id is not read from the body',
    find: 'if (!tid) tid = own((req.body || {}) as ParamBag, field);', replace: '', tests: SESSION },
  { id: 'tid-any-type', file: 'src/txn/session.ts', what: 'a non-string transaction_id is not refused',
    find: 'if (typeof tid !== \'string\') return cb(new BadRequestError(`Invalid parameter: ${field} must be a string`));', replace: '', tests: SESSION },
  { id: 'gone-client-kept', file: 'src/txn/session.ts', what: 'a client that deserializes to false is loaded anyway',
    find: 'if (!client) {', replace: 'if (client === undefined) {', tests: SESSION },
  { id: 'claim-twice', file: 'src/txn/claims.ts', what: 'a transaction held by a live request can be claimed again',
    find: 'if (now - entry.at < HOLD_MAX_MS) return false;', replace: '', tests: [...SESSION, 'test/txn/session-claims.test.ts'] },
  { id: 'tid-reused', file: 'src/txn/session.ts', what: 'transaction IDs repeat',
    find: '  pool = pool.slice(length);\n', replace: '', tests: SESSION },
  { id: 'remove-noop', file: 'src/txn/session.ts', what: 'remove() leaves the transaction in the session',
    find: 'Object.prototype.hasOwnProperty.call(txns, tid)) delete txns[tid];', replace: 'Object.prototype.hasOwnProperty.call(txns, tid)) void tid;', tests: SESSION },
  { id: 'client-not-serialized', file: 'src/txn/session.ts', what: 'the full client object is kept in the session',
    find: 'const tid = newId(length);\n      txn.client = obj;', replace: 'const tid = newId(length);', tests: SESSION },
];
