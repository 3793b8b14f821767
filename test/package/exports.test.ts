/**
 * Every value the built typings declare exists at runtime, in all three ways of loading
 * the package: `require()` (dist/cjs/main.d.cts), the ESM default export and the named
 * ESM exports (dist/esm/index.d.ts). Values declared on the `grant` and `exchange`
 * objects are checked one level down. Needs `make build` first.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const esmDts = path.join(root, 'dist', 'esm', 'index.d.ts');
const cjsDts = path.join(root, 'dist', 'cjs', 'main.d.cts');

/** Value members declared by a module (or by the `export =` target), with the members of object-typed values. */
function declaredValues(file: string): Map<string, string[]> {
  const program = ts.createProgram([file], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    types: [],
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  assert.ok(source, `${file} is missing: run make build first`);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  assert.ok(moduleSymbol, `${file} is not a module`);
  const out = new Map<string, string[]>();
  for (const symbol of checker.getExportsOfModule(moduleSymbol)) {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    if (!(target.flags & ts.SymbolFlags.Value)) continue;
    const type = checker.getTypeOfSymbol(target);
    // Members are checked only for object-typed values (`grant`, `exchange`, ...): a
    // string constant's type has String.prototype's members, which are not exports.
    const objectTyped = (type.flags & ts.TypeFlags.Object) !== 0;
    const members =
      objectTyped && target.flags & (ts.SymbolFlags.Variable | ts.SymbolFlags.Property)
        ? type.getProperties().map((p) => p.name)
        : [];
    out.set(symbol.name, members);
  }
  return out;
}

function check(label: string, runtime: Record<string, unknown>, declared: Map<string, string[]>, skip: string[] = []): void {
  assert.ok(declared.size > 5, `${label}: the typings declare too few values (${[...declared.keys()]})`);
  const missing: string[] = [];
  for (const [name, members] of declared) {
    if (skip.includes(name)) continue;
    const value = runtime[name];
    if (value === undefined) {
      missing.push(name);
      continue;
    }
    for (const member of members) {
      if ((value as Record<string, unknown>)[member] === undefined) missing.push(`${name}.${member}`);
    }
  }
  assert.deepEqual(missing, [], `${label}: declared in the typings but undefined at runtime`);
}

describe('declared runtime exports exist', () => {
  for (const file of [esmDts, cjsDts]) {
    assert.ok(fs.existsSync(file), `${path.relative(root, file)} is missing: run make build first`);
  }

  it('require("oauth2orize") has every value main.d.cts declares', () => {
    const require = createRequire(import.meta.url);
    const cjs = require(path.join(root, 'dist', 'cjs', 'main.cjs'));
    const declared = declaredValues(cjsDts);
    for (const name of ['Server', 'SessionStore', 'createServer', 'grant', 'exchange', 'TokenError']) {
      assert.ok(declared.has(name), `main.d.cts declares ${name}`);
    }
    check('require', cjs, declared);
    assert.equal(typeof cjs.SessionStore, 'function', 'SessionStore is a constructor');
    assert.ok(cjs() instanceof cjs.Server, 'createServer() returns a Server');
  });

  it('the ESM named exports and the default export have every value index.d.ts declares', async () => {
    const esm = (await import(pathToFileURL(path.join(root, 'dist', 'esm', 'index.js')).href)) as Record<string, unknown>;
    const declared = declaredValues(esmDts);
    assert.ok(declared.has('default') && declared.has('SessionStore'), 'index.d.ts declares default and SessionStore');
    check('named import', esm, declared);
    // The default export carries every named value export as a property.
    const named = new Map([...declared].filter(([name]) => name !== 'default'));
    check('default import', esm.default as Record<string, unknown>, named);
    const dflt = esm.default as Record<string, unknown>;
    for (const name of named.keys()) {
      assert.equal(dflt[name], esm[name], `default.${name} is the same value as the named export`);
    }
  });
});
