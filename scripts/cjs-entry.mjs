#!/usr/bin/env node
// Writes the CommonJS entry point of the package after `tsc` has built dist/cjs/.
//
// 1.x was a CommonJS module whose `module.exports` was `createServer` itself, with the
// rest of the API hung off it as properties. The TypeScript build of src/index.ts gives
// `exports.default = <that callable>` plus named exports instead, so `require()` needs a
// small shim:
//
//   dist/cjs/package.json  {"type":"commonjs"}, so Node treats dist/cjs/*.js as CommonJS
//   dist/cjs/main.cjs      module.exports = require('./index.js').default
//   dist/cjs/main.d.cts    `export =` typings for the shim
//
// The typings cannot be written once by hand without drifting from src/, so they are
// generated here from dist/cjs/index.d.ts with the TypeScript API:
//
//   - the call signatures of the default export become `declare function oauth2orize(...)`;
//   - every named export becomes a member of a namespace merged with that function
//     (`export import X = index.X`), which keeps classes, generics and interfaces usable
//     as `oauth2orize.Server<Client, User>` from a CommonJS TypeScript file;
//   - `export type` re-exports cannot be aliased through `index`, so they are aliased
//     through the module that declares them.
//
// The generated file is then type-checked on its own; any error fails the build.

import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const cjsDir = path.join(root, 'dist', 'cjs');
const indexDts = path.join(cjsDir, 'index.d.ts');
const NAME = 'oauth2orize';
const INDEX = '_index';

function fail(message) {
  console.error(`scripts/cjs-entry.mjs: ${message}`);
  process.exit(1);
}

if (!fs.existsSync(indexDts)) fail(`${path.relative(root, indexDts)} is missing; run tsc first`);

const options = {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  strict: true,
  noEmit: true,
  types: ['node'],
  typeRoots: [path.join(root, 'node_modules', '@types')],
};

function specifierFor(fileName) {
  let rel = path.relative(cjsDir, fileName).split(path.sep).join('/');
  rel = rel.replace(/\.d\.ts$/, '.js');
  if (!rel.startsWith('.')) rel = './' + rel;
  return rel;
}

function isTypeOnlyExport(symbol) {
  return (symbol.declarations ?? []).some(
    (d) => ts.isExportSpecifier(d) && (d.isTypeOnly || d.parent.parent.isTypeOnly),
  );
}

function resolve(checker, symbol) {
  return symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
}

const program = ts.createProgram([indexDts], options);
const checker = program.getTypeChecker();
const source = program.getSourceFile(indexDts);
const moduleSymbol = checker.getSymbolAtLocation(source);
if (!moduleSymbol) fail('dist/cjs/index.d.ts is not a module');

const exported = checker.getExportsOfModule(moduleSymbol);
const defaultSymbol = exported.find((s) => s.escapedName === 'default');
if (!defaultSymbol) fail('src/index.ts has no default export');

// Call signatures of the default export, printed as overloads of a function declaration.
const printer = ts.createPrinter({ newLine: ts.NewLineKind.LineFeed });
const defaultType = checker.getTypeOfSymbol(resolve(checker, defaultSymbol));
const signatures = defaultType.getCallSignatures();
if (signatures.length === 0) fail('the default export of src/index.ts is not callable');

const flags =
  ts.NodeBuilderFlags.NoTruncation |
  ts.NodeBuilderFlags.GenerateNamesForShadowedTypeParams |
  ts.NodeBuilderFlags.UseFullyQualifiedType;
const functionLines = signatures.map((sig) => {
  const node = checker.signatureToSignatureDeclaration(
    sig,
    ts.SyntaxKind.FunctionDeclaration,
    source,
    flags,
  );
  if (!node) fail('could not print a call signature of the default export');
  const decl = ts.factory.createFunctionDeclaration(
    [ts.factory.createModifier(ts.SyntaxKind.DeclareKeyword)],
    undefined,
    NAME,
    node.typeParameters,
    node.parameters,
    node.type,
    undefined,
  );
  // Types that index.d.ts does not import are printed as import("<absolute path>");
  // make those specifiers relative to dist/cjs/ again.
  return printer
    .printNode(ts.EmitHint.Unspecified, decl, source)
    .replace(/import\("([^"]+)"\)/g, (whole, spec) => {
      if (!path.isAbsolute(spec)) return whole;
      if (!spec.startsWith(cjsDir + path.sep)) fail(`a signature refers to ${spec}`);
      return `import("${specifierFor(spec.replace(/(\.d)?(\.ts|\.js)?$/, '.d.ts'))}")`;
    });
});

// Names the printed signatures may refer to: reuse index.d.ts's own imports, which are
// relative to dist/cjs/ just like main.d.cts.
const importLines = source.statements
  .filter((s) => ts.isImportDeclaration(s) || ts.isImportEqualsDeclaration(s))
  .map((s) => s.getText(source));
for (const line of importLines) {
  if (new RegExp(`\\b(${NAME}|${INDEX})\\b`).test(line)) {
    fail(`index.d.ts imports a name that clashes with the generated shim: ${line}`);
  }
}

// Namespace members.
const extraModules = new Map(); // specifier -> alias
const memberLines = [];
for (const symbol of exported) {
  const name = symbol.escapedName;
  if (name === 'default') continue;
  if (!isTypeOnlyExport(symbol)) {
    memberLines.push(`    export import ${name} = ${INDEX}.${name};`);
    continue;
  }
  const target = resolve(checker, symbol);
  const decl = target.declarations?.[0];
  if (!decl) fail(`cannot find the declaration of the type-only export ${name}`);
  const file = decl.getSourceFile();
  const fileSymbol = checker.getSymbolAtLocation(file);
  const own =
    fileSymbol &&
    checker
      .getExportsOfModule(fileSymbol)
      .find((s) => !isTypeOnlyExport(s) && resolve(checker, s) === target);
  if (!own || !file.fileName.startsWith(cjsDir + path.sep)) {
    fail(`cannot alias the type-only export ${name} (declared in ${file.fileName})`);
  }
  const specifier = specifierFor(file.fileName);
  if (!extraModules.has(specifier)) extraModules.set(specifier, `_m${extraModules.size}`);
  memberLines.push(`    export import ${name} = ${extraModules.get(specifier)}.${own.escapedName};`);
}

const text = [
  '// Generated by scripts/cjs-entry.mjs. Typings for require("oauth2orize"), which returns',
  '// createServer itself with the rest of the API as properties, as in 1.x.',
  ...importLines,
  `import ${INDEX} = require('./index.js');`,
  ...[...extraModules].map(([spec, alias]) => `import ${alias} = require('${spec}');`),
  ...functionLines,
  `declare namespace ${NAME} {`,
  ...memberLines,
  '}',
  `export = ${NAME};`,
  '',
].join('\n');

fs.writeFileSync(path.join(cjsDir, 'package.json'), '{\n  "type": "commonjs"\n}\n');
fs.writeFileSync(
  path.join(cjsDir, 'main.cjs'),
  [
    "'use strict';",
    '// require("oauth2orize") returns createServer itself, carrying the rest of the API,',
    '// exactly like 1.x. Generated by scripts/cjs-entry.mjs.',
    "module.exports = require('./index.js').default;",
    '',
  ].join('\n'),
);
const mainDts = path.join(cjsDir, 'main.d.cts');
if (text.includes(root)) fail('the generated main.d.cts mentions an absolute path');
fs.writeFileSync(mainDts, text);

// Check the generated declarations on their own.
const check = ts.createProgram([mainDts], options);
const diagnostics = ts.getPreEmitDiagnostics(check).filter((d) => d.file?.fileName === mainDts);
if (diagnostics.length > 0) {
  const host = {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => root,
    getNewLine: () => '\n',
  };
  console.error(ts.formatDiagnosticsWithColorAndContext(diagnostics, host));
  fail('the generated dist/cjs/main.d.cts does not type-check');
}
