/**
 * Options checked at runtime, for JavaScript users whom TypeScript does not
 * protect: wrong types and near misses throw a TypeError at construction,
 * other unknown keys are only logged (1.x ignored them), 1.x options keep
 * working. The tables are typed against the options interfaces
 * (`satisfies OptionTable<XOptions>`), so `make typecheck` fails on an option
 * without a table entry; the type test at the end shows that it would.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { format } from 'node:util';
import oauth2orize, { createServer, exchange, grant, SessionStore } from '../../src/index.js';
import { checkOptions, editDistance, nearMiss, type OptionTable } from '../../src/lib/checkOptions.js';
import { debug } from '../../src/lib/debug.js';
import { settingsOf } from '../../src/settings/settings.js';
import type { ServerOptions } from '../../src/types.js';

const issue = (_c: unknown, done: (err: unknown, t?: string) => void) => done(null, 't');
const any = (value: unknown) => value as any;

function debugLines(fn: () => void): string[] {
  const lines: string[] = [];
  const saved = { enabled: debug.enabled, log: (debug as any).log };
  debug.enabled = true;
  (debug as any).log = (...args: unknown[]) => lines.push(format(...args));
  try {
    fn();
  } finally {
    debug.enabled = saved.enabled;
    (debug as any).log = saved.log;
  }
  return lines;
}

describe('checkOptions', () => {
  describe('the mistakes of issue "first hour"', () => {
    it('createServer({ pkce: true }) requires PKCE (S256), it does not silently mean off', () => {
      const server = createServer({ pkce: true });
      const pkce = settingsOf(server).profile!.pkce!;
      assert.equal(pkce.required, true);
      assert.ok(!pkce.allowPlain, 'S256 only');
    });

    it("createServer({ pkce: { required: 'yes' } }) is a TypeError naming the option", () => {
      assert.throws(() => createServer({ pkce: { required: any('yes') } }), {
        name: 'TypeError',
        message: /pkce: option required must be true, false or 'public', got "yes"/,
      });
    });

    it("createServer({ pkce: 'S256' }) is a TypeError", () => {
      assert.throws(() => createServer({ pkce: any('S256') }), /option pkce must be a boolean or an object, got "S256"/);
    });

    it("createServer({ hardened: 'false' }) is a TypeError, not the profile on", () => {
      assert.throws(() => createServer({ issuer: 'https://as.example.com', hardened: any('false') }), {
        name: 'TypeError',
        message: 'oauth2orize.createServer: option hardened must be a boolean or an object, got "false"',
      });
    });

    it('createServer({ hardend: true }) asks "did you mean hardened?"', () => {
      assert.throws(() => createServer(any({ hardend: true })), {
        name: 'TypeError',
        message: 'oauth2orize.createServer: unknown option hardend: did you mean hardened?',
      });
    });

    it('createServer({ hardened: { allowImplict: true } }) asks "did you mean allowImplicit?"', () => {
      assert.throws(() => createServer({ issuer: 'https://as.example.com', hardened: any({ allowImplict: true }) }), /did you mean allowImplicit\?/);
    });
  });

  describe('every factory', () => {
    const cases: [string, () => unknown, RegExp][] = [
      ['grant.code', () => grant.code(any({ scopeSeperator: ',' }), any(issue)), /oauth2orize\.grant\.code: unknown option scopeSeperator: did you mean scopeSeparator\?/],
      ['grant.code pkce: true', () => grant.code(any({ pkce: true }), any(issue)), /option pkce must be false or an object, got true/],
      ['grant.token', () => grant.token(any({ modes: 'form_post' }), any(issue)), /grant\.token: option modes must be an object/],
      ['exchange.password', () => exchange.password(any({ userproperty: 'client' }), any(issue)), /exchange\.password: unknown option userproperty: did you mean userProperty\?/],
      ['exchange.clientCredentials', () => exchange.clientCredentials(any({ scopeSeparator: 5 }), any(issue)), /option scopeSeparator must be a string or an array, got 5/],
      ['exchange.authorizationCode', () => exchange.authorizationCode(any({ pkce: true }), any(issue)), /option pkce must be false or an object/],
      ['exchange.deviceCode', () => exchange.deviceCode(any({ interval: -1 }), any(issue)), /option interval must be a positive number/],
      ['server.token', () => createServer().token(any({ requireClient: 'yes' })), /server\.token: option requireClient must be a boolean/],
      ['server.authorize', () => createServer().authorize(any({ idLenght: 16 }), any(() => {})), /server\.authorize: unknown option idLenght: did you mean idLength\?/],
      ['server.decision', () => createServer().decision(any({ cancelfield: 'no' })), /did you mean cancelField\?/],
      ['server.resume', () => createServer().resume(any({ loadTransaction: 'no' }), any(() => {})), /option loadTransaction must be a boolean or a function/],
      ['server.errorHandler', () => createServer().errorHandler(any({ mdoe: 'indirect' })), /unknown option mdoe: did you mean mode\?/],
      ['oauth2orize.errorHandler', () => oauth2orize.errorHandler(any({ rfcStatus: 1 })), /option rfcStatus must be a boolean, got 1/],
      ['server.metadata', () => createServer({ issuer: 'https://as.example.com' }).metadata(any({ maxage: 60 })), /did you mean maxAge\?/],
      ['server.introspection', () => createServer().introspection(any({ clockTolerance: -5 }), any(() => {})), /clockTolerance must be 0 or more/],
      ['server.deviceAuthorization', () => createServer().deviceAuthorization(any({ verificationURI: 'https://as.example.com/device', intervall: 5 }), any(() => {})), /did you mean interval\?/],
      ['SessionStore', () => new SessionStore(any({ maxTransaction: 5 })), /SessionStore: unknown option maxTransaction: did you mean maxTransactions\?/],
    ];
    for (const [name, make, message] of cases) {
      it(`${name}: a TypeError naming the option`, () => {
        assert.throws(make, (err: Error) => {
          assert.ok(err instanceof TypeError, String(err));
          assert.match(err.message, message);
          return true;
        });
      });
    }
  });

  describe('what 1.x accepted keeps working', () => {
    it("1.x's options, a shared configuration object and undefined values", () => {
      const shared = { store: undefined, sessionKey: 'az', transactionField: 'tid', idLength: 16, userProperty: 'client', scopeSeparator: [' ', ','], database: 'postgres://', port: 3000 };
      const server = createServer(any(shared));
      assert.doesNotThrow(() => server.authorize(any(shared), any(() => {})));
      assert.doesNotThrow(() => server.decision(any({ ...shared, cancelField: 'deny', loadTransaction: false })));
      assert.doesNotThrow(() => server.resume(any({ ...shared, loadTransaction: () => {} }), any(() => {})));
      assert.doesNotThrow(() => server.token());
      assert.doesNotThrow(() => server.errorHandler({ mode: 'indirect', fragment: ['token'] }));
      assert.doesNotThrow(() => oauth2orize.errorHandler(any({ mode: 'unknown' })), "1.12's suite passes mode: 'unknown'");
      assert.doesNotThrow(() => grant.code(any(shared), any(issue)));
      assert.doesNotThrow(() => grant.token({ scopeSeparator: ',', modes: {} }, any(issue)));
      assert.doesNotThrow(() => exchange.password(any(shared), any(issue)));
      assert.doesNotThrow(() => exchange.code(any({ userProperty: 'client', scopeSeparator: ' ' }), any(issue)), 'authorizationCode ignores scopeSeparator, as 1.x');
      assert.doesNotThrow(() => new SessionStore({ maxTransactions: Infinity }));
    });

    it('other unknown keys are logged under DEBUG=oauth2orize, naming the factory and the key', () => {
      const lines = debugLines(() => createServer(any({ database: 'postgres://' })));
      assert.ok(lines.some((l) => l.includes('oauth2orize.createServer: unknown option database ignored')), JSON.stringify(lines));
    });

    it('a function or nothing in the options place is not checked (the 1.x (issue) form)', () => {
      assert.doesNotThrow(() => grant.code(any(issue)));
      assert.doesNotThrow(() => createServer(undefined));
    });
  });

  describe('nearMiss and editDistance', () => {
    it('distance 1 (2 from eight letters), transpositions, case; never under four letters', () => {
      assert.equal(editDistance('hardend', 'hardened'), 1);
      assert.equal(editDistance('pcke', 'pkce'), 1);
      assert.equal(nearMiss('hardend', ['hardened', 'issuer']), 'hardened');
      assert.equal(nearMiss('USERPROPERTY', ['userProperty']), 'userProperty');
      assert.equal(nearMiss('scopeSeperater', ['scopeSeparator']), 'scopeSeparator');
      assert.equal(nearMiss('port', ['store']), undefined);
      assert.equal(nearMiss('database', ['issuer', 'store', 'clock']), undefined);
      assert.equal(nearMiss('pkc', ['pkce']), undefined);
    });

    it('a check that complains names the option', () => {
      const table: OptionTable<{ n?: number }> = { n: { kinds: ['number'], check: (v) => ((v as number) > 1 ? undefined : 'must be above 1') } };
      assert.throws(() => checkOptions('f', { n: 1 }, table), { message: 'f: option n must be above 1' });
      assert.doesNotThrow(() => checkOptions('f', { n: 2 }, table));
    });
  });
});

// Compile-time: a table must list every option of its interface, and nothing else.
// @ts-expect-error -- clock is missing
void ({ store: 'object', issuer: 'string', hardened: 'boolean', pkce: 'boolean', exposeErrors: 'boolean', rfcStatus: 'boolean', requireGrantType: 'boolean', requireClient: 'boolean' } as const satisfies OptionTable<ServerOptions>);
void ({ store: 'object', issuer: 'string', hardened: 'boolean', pkce: 'boolean', exposeErrors: 'boolean', rfcStatus: 'boolean', requireGrantType: 'boolean', requireClient: 'boolean', clock: 'function',
  // @ts-expect-error -- not an option of ServerOptions
  clocks: 'function' } as const satisfies OptionTable<ServerOptions>);
