/**
 * src/errors/codes.ts: the one table of error codes and statuses.
 *
 * - Every OAuth error code raised anywhere in src/ is in the table, and every row is raised
 *   somewhere. The codes are found by parsing src/: string literals in the arguments of
 *   `new XError(...)`, `new ErrorClass(...)` and `...Error(...)` calls (`tokenError`,
 *   `deviceCodeError`), and in the value of an `error` property of an object literal (the
 *   parameters of an error redirect or page).
 * - The statuses the error classes and `errorHandler({ rfcStatus })` derive from it are
 *   1.x's, as listed here literally (oauth2orize 1.12's own suite checks the same ones).
 * - A code outside 1.x's tables is raised with the status of its `raised` column.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { ERROR_CODES, type ErrorCodeRow } from '../../src/errors/codes.js';
import { TokenError } from '../../src/errors/tokenerror.js';
import { AuthorizationError } from '../../src/errors/authorizationerror.js';
import { OAuth2Error } from '../../src/errors/oauth2error.js';
import { errorHandler } from '../../src/middleware/errorHandler.js';
import { tokenError } from '../../src/lib/endpoint.js';
import { deviceCodeError, type DeviceCodeErrorCode } from '../../src/exchange/deviceCode.js';
import { MockResponse, mockRequest } from '../helpers/mock.js';

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');
const CODE = /^[a-z]+(?:_[a-z]+)+$/;

/** Where a code is raised: file:line, the callee, and the status literal after the code, if any. */
interface Site {
  code: string;
  where: string;
  callee: string;
  status?: number;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

/** The code-like string literals in `node`; with `skipCalls`, not those inside a call (counted there). */
function literalsIn(node: ts.Node, skipCalls = false): string[] {
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) {
      if (CODE.test(n.text)) out.push(n.text);
    }
    if (skipCalls && (ts.isNewExpression(n) || ts.isCallExpression(n))) return;
    ts.forEachChild(n, visit);
  };
  visit(node);
  return out;
}

function calleeName(expr: ts.Expression): string | undefined {
  if (ts.isIdentifier(expr)) return expr.text;
  if (ts.isPropertyAccessExpression(expr)) return expr.name.text;
  return undefined;
}

/** Every place in `files` where an error code is raised. */
function raisedCodes(files: string[]): Site[] {
  const sites: Site[] = [];
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    const where = (n: ts.Node): string => `${path.relative(src, file)}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
    const visit = (n: ts.Node): void => {
      if ((ts.isNewExpression(n) || ts.isCallExpression(n)) && n.arguments) {
        const callee = calleeName(n.expression);
        if (callee && /Error(Class)?$/.test(callee)) {
          n.arguments.forEach((arg, i) => {
            for (const code of literalsIn(arg)) {
              const next = n.arguments!.slice(i + 1).find((a) => ts.isNumericLiteral(a));
              sites.push({ code, where: where(arg), callee, status: next ? Number((next as ts.NumericLiteral).text) : undefined });
            }
          });
        }
      }
      if (ts.isPropertyAssignment(n) && ts.isIdentifier(n.name) && n.name.text === 'error' && ts.isObjectLiteralExpression(n.parent)) {
        for (const code of literalsIn(n.initializer, true)) sites.push({ code, where: where(n), callee: '{ error }' });
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return sites;
}

const rows = ERROR_CODES as Readonly<Record<string, ErrorCodeRow>>;
const sites = raisedCodes(sourceFiles(src));

describe('errors/codes: the table of error codes', () => {
  it('finds the codes raised in src/ (the scan itself works)', () => {
    const found = new Set(sites.map((s) => s.code));
    for (const code of ['invalid_request', 'access_denied', 'server_error', 'slow_down', 'invalid_request_uri']) {
      assert.ok(found.has(code), `the scan finds ${code}`);
    }
    assert.ok(sites.length > 50, `only ${sites.length} sites found`);
  });

  it('has a row for every code raised in src/', () => {
    const missing = sites.filter((s) => !Object.prototype.hasOwnProperty.call(rows, s.code)).map((s) => `${s.code} (${s.where}, ${s.callee})`);
    assert.deepEqual(missing, [], 'add these codes to ERROR_CODES and OAuth2ErrorCode in src/errors/codes.ts');
  });

  it('has no row for a code that nothing raises and 1.x does not list', () => {
    // 1.x's tables give statuses to codes that only applications raise (invalid_scope).
    const raised = new Set(sites.map((s) => s.code));
    const unused = Object.keys(rows).filter((code) => !raised.has(code) && rows[code]!.token === undefined && rows[code]!.authorization === undefined);
    assert.deepEqual(unused, []);
  });

  it('gives TokenError the statuses of 1.x', () => {
    const expected = new Map(Object.entries({
      invalid_request: 400, invalid_client: 401, invalid_grant: 403, unauthorized_client: 403, unsupported_grant_type: 501, invalid_scope: 400,
    }));
    for (const code of [...Object.keys(rows), 'login_required', 'constructor', '__proto__']) {
      assert.equal(new TokenError('m', code).status, expected.get(code) ?? 500, code);
    }
  });

  it('gives AuthorizationError the statuses of 1.x', () => {
    const expected = new Map(Object.entries({
      invalid_request: 400, unauthorized_client: 403, access_denied: 403, unsupported_response_type: 501, invalid_scope: 400, temporarily_unavailable: 503,
    }));
    for (const code of [...Object.keys(rows), 'login_required', 'constructor', '__proto__']) {
      assert.equal(new AuthorizationError('m', code).status, expected.get(code) ?? 500, code);
    }
  });

  it('gives OAuth2Error 500 whatever the code, and an explicit status always wins', () => {
    for (const code of Object.keys(rows)) {
      assert.equal(new OAuth2Error('m', code).status, 500, code);
      assert.equal(new TokenError('m', code, null, 418).status, 418, code);
      assert.equal(new AuthorizationError('m', code, null, 418).status, 418, code);
    }
  });

  it('makes errorHandler({ rfcStatus: true }) send RFC 6749 statuses where 1.x differs, and only there', () => {
    const rfc = new Map(Object.entries({ invalid_grant: 400, unauthorized_client: 400, unsupported_grant_type: 400, unsupported_response_type: 400 }));
    for (const rfcStatus of [true, false]) {
      const handle = errorHandler({ rfcStatus });
      for (const code of [...Object.keys(rows), 'login_required', 'constructor']) {
        const res = new MockResponse();
        handle({ code, status: 418, message: 'm' }, mockRequest() as never, res as never, () => {});
        assert.equal(res.statusCode, rfcStatus ? (rfc.get(code) ?? 418) : 418, `${code}, rfcStatus ${rfcStatus}`);
      }
    }
  });

  it('raises each code outside 1.x\'s tables with the status of its `raised` column', () => {
    const wrong: string[] = [];
    for (const site of sites) {
      const row = rows[site.code];
      if (!row || row.raised === undefined) continue;
      let status = site.status;
      if (status === undefined && site.callee === 'tokenError') status = tokenError('m', site.code).status;
      if (status === undefined && site.callee === 'deviceCodeError') status = deviceCodeError(site.code as DeviceCodeErrorCode).status;
      if (status !== row.raised) wrong.push(`${site.code} at ${site.where}: ${status}, table ${row.raised}`);
    }
    assert.deepEqual(wrong, []);
  });
});
