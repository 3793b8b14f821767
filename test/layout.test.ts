/**
 * The layout of src/ (CONTRIBUTING.md, "Where things live"), enforced:
 *
 * 1. Imports point the allowed way between rooms (ALLOWED below): lower rooms never import
 *    a higher one, and nothing below the server imports server.ts, except the 1.x endpoints
 *    in middleware/, which take the server as their first argument (type only).
 * 2. The public entry's declarations reach no file in lib/: lib/ holds private helpers, and
 *    a public type declared there would put lib/ into the package's typings. The check emits
 *    the declarations of src/index.ts in memory and follows their imports.
 * 3. No tracker numbers in src/ ("issue 12"): comments say what and why.
 *
 * PENDING lists the known exceptions, each in a file being rewritten on another branch; a
 * failure names the file and the import. An exception that no longer occurs fails too, so
 * that the list shrinks as they are fixed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'src');

/** A file's room: its folder under src/ (`lib/`), or the file itself at the top (`server.ts`). */
function roomOf(file: string): string {
  const rel = path.relative(src, file).split(path.sep);
  return rel.length > 1 ? rel[0] + '/' : rel[0]!;
}

/** The public types hub: any room may import types from it. */
const TYPES = 'types.ts';
/** Rooms whose imports must all be type-only (they hold declarations, no code). */
const TYPE_ONLY_ROOMS = new Set([TYPES, 'compat.ts', 'augment.ts']);
const EVERYTHING = '*';

/**
 * Which rooms each room may import from (besides itself and `import type` from types.ts).
 * `type:` allows a type-only import.
 */
const ALLOWED: Record<string, readonly string[]> = {
  'errors/': [],
  'unorderedlist.ts': [],
  'lib/': ['errors/', 'unorderedlist.ts'],
  'diagnostics/': ['lib/', 'errors/'],
  'pkce.ts': ['lib/', 'errors/', 'diagnostics/'],
  'settings/': ['lib/', 'errors/', 'unorderedlist.ts', 'diagnostics/', 'pkce.ts', 'type:dpop/', 'type:stores/'],
  'response/': ['lib/', 'errors/', 'diagnostics/', 'settings/'],
  'txn/': ['lib/', 'errors/', 'diagnostics/', 'settings/'],
  'stores/': ['lib/', 'errors/', 'diagnostics/', 'settings/', 'txn/'],
  'dpop/': ['lib/', 'errors/', 'diagnostics/', 'settings/', 'stores/'],
  'device/': ['lib/', 'errors/', 'diagnostics/', 'settings/', 'txn/', 'stores/'],
  'par/': ['lib/', 'errors/', 'diagnostics/', 'settings/', 'dpop/', 'type:middleware/', 'type:stores/'],
  'grant/': ['lib/', 'errors/', 'diagnostics/', 'settings/', 'pkce.ts', 'response/', 'device/', 'dpop/'],
  'exchange/': ['lib/', 'errors/', 'diagnostics/', 'settings/', 'pkce.ts', 'device/', 'stores/', 'dpop/'],
  'middleware/': ['lib/', 'errors/', 'diagnostics/', 'settings/', 'unorderedlist.ts', 'pkce.ts', 'response/', 'txn/', 'par/', 'stores/', 'dpop/', 'type:server.ts'],
  'clientauth/': ['lib/', 'errors/', 'diagnostics/', 'settings/', 'stores/', 'middleware/'],
  'resource/': ['lib/', 'errors/', 'diagnostics/', 'settings/', 'stores/', 'dpop/'],
  'registration/': ['lib/', 'errors/', 'diagnostics/', 'settings/', 'stores/', 'clientauth/'],
  'server.ts': [EVERYTHING],
  'index.ts': [EVERYTHING],
  [TYPES]: [EVERYTHING],
  'compat.ts': [EVERYTHING],
  'augment.ts': [],
  'otel.ts': ['diagnostics/'],
};

/**
 * Known exceptions, `file -> imported file` (paths under src/), each in a file that another
 * branch is rewriting this round. Remove an entry once its import is fixed.
 */
const PENDING: Record<string, string> = {
  // The stores read the server's settings through `server._profile`; once they read them
  // through the settings channel, type `server` with what they use of it.
  'txn/session.ts -> server.ts': 'type the legacy-store server narrowly',
  'txn/redis.ts -> server.ts': 'type the legacy-store server narrowly',
};

/** lib/ declaration files the public typings still reach, each a public type declared in lib/. */
const PENDING_LIB_TYPES: Record<string, string> = {};

/** Files whose tracker-number comments are being rewritten on another branch. */
const PENDING_TRACKER: readonly string[] = [];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

interface Import {
  from: string;
  to: string;
  typeOnly: boolean;
  line: number;
}

/** Every relative import and re-export of `file`, with whether it is type-only. */
function importsOf(file: string): Import[] {
  const sf = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const out: Import[] = [];
  for (const st of sf.statements) {
    if (!(ts.isImportDeclaration(st) || ts.isExportDeclaration(st))) continue;
    const spec = st.moduleSpecifier;
    if (!spec || !ts.isStringLiteral(spec) || !spec.text.startsWith('.')) continue;
    let typeOnly: boolean;
    if (ts.isImportDeclaration(st)) {
      const clause = st.importClause;
      const named = clause?.namedBindings;
      typeOnly = !!clause && (clause.isTypeOnly
        || (!clause.name && !!named && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly)));
    } else {
      const named = st.exportClause;
      typeOnly = st.isTypeOnly || (!!named && ts.isNamedExports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly));
    }
    const to = path.resolve(path.dirname(file), spec.text.replace(/\.js$/, '.ts'));
    out.push({ from: file, to, typeOnly, line: sf.getLineAndCharacterOfPosition(st.getStart()).line + 1 });
  }
  return out;
}

/** Why `imp` breaks the rules, or undefined when it is allowed. */
function violation(imp: Import): string | undefined {
  const from = roomOf(imp.from);
  const to = roomOf(imp.to);
  if (from === to) return undefined;
  if (TYPE_ONLY_ROOMS.has(from) && !imp.typeOnly) return `${from} holds declarations only: use import type`;
  if (to === TYPES) return imp.typeOnly ? undefined : 'types.ts is imported with import type';
  const allowed = ALLOWED[from];
  if (!allowed) return `room ${from} has no rule in test/layout.test.ts (add it, and to CONTRIBUTING.md)`;
  if (allowed.includes(EVERYTHING) || allowed.includes(to)) return undefined;
  if (allowed.includes('type:' + to)) return imp.typeOnly ? undefined : `${from} may import only types from ${to}`;
  return `${from} may not import ${to}`;
}

const rel = (file: string): string => path.relative(src, file).split(path.sep).join('/');

describe('layout of src/', () => {
  it('imports point the allowed way between rooms', () => {
    const wrong: string[] = [];
    const seen = new Set<string>();
    for (const file of sourceFiles(src)) {
      for (const imp of importsOf(file)) {
        const why = violation(imp);
        if (!why) continue;
        const key = `${rel(imp.from)} -> ${rel(imp.to)}`;
        seen.add(key);
        if (!(key in PENDING)) wrong.push(`src/${rel(imp.from)}:${imp.line} imports ${rel(imp.to)}: ${why}`);
      }
    }
    assert.deepEqual(wrong, [], 'imports against the layout (see CONTRIBUTING.md, "Where things live")');
    const stale = Object.keys(PENDING).filter((key) => !seen.has(key));
    assert.deepEqual(stale, [], 'these exceptions are fixed: remove them from PENDING');
  });

  it('the rules know every room of src/', () => {
    const rooms = new Set(sourceFiles(src).map(roomOf));
    assert.deepEqual([...rooms].filter((r) => !(r in ALLOWED)), []);
  });

  it('the public typings reach no file in lib/', { timeout: 120_000 }, () => {
    const options: ts.CompilerOptions = {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      types: ['node'],
      strict: true,
      skipLibCheck: true,
      declaration: true,
      emitDeclarationOnly: true,
      rootDir: src,
      outDir: '/virtual',
    };
    const program = ts.createProgram([path.join(src, 'index.ts')], options);
    const dts = new Map<string, string>();
    program.emit(undefined, (name, text) => {
      if (name.endsWith('.d.ts')) dts.set(path.relative('/virtual', name).split(path.sep).join('/'), text);
    });
    assert.ok(dts.has('index.d.ts'), 'the declarations of src/index.ts were emitted');

    // Follow the imports of the declarations from index.d.ts; record who reaches each file.
    const reachedFrom = new Map<string, string>([['index.d.ts', '']]);
    const queue = ['index.d.ts'];
    while (queue.length) {
      const file = queue.shift()!;
      const text = dts.get(file);
      if (text === undefined) continue;
      for (const m of text.matchAll(/(?:from|import\()\s*['"](\.[^'"]+)['"]/g)) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), m[1]!.replace(/\.js$/, '.d.ts')));
        if (reachedFrom.has(target)) continue;
        reachedFrom.set(target, file);
        queue.push(target);
      }
    }
    const inLib = [...reachedFrom.keys()].filter((f) => f.startsWith('lib/'));
    const wrong = inLib.filter((f) => !(f in PENDING_LIB_TYPES)).map((f) => `${f} (reached from ${reachedFrom.get(f)})`);
    assert.deepEqual(wrong, [], 'public types declared in lib/: move them to the room of their capability, or to types.ts');
    const stale = Object.keys(PENDING_LIB_TYPES).filter((f) => !inLib.includes(f));
    assert.deepEqual(stale, [], 'these lib/ files are no longer reached: remove them from PENDING_LIB_TYPES');
  });

  it('has no tracker numbers in src/', () => {
    const wrong: string[] = [];
    for (const file of sourceFiles(src)) {
      if (PENDING_TRACKER.includes(rel(file))) continue;
      fs.readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
        if (/\bissues?[ -]?#?\d/i.test(line)) wrong.push(`src/${rel(file)}:${i + 1}: ${line.trim()}`);
      });
    }
    assert.deepEqual(wrong, [], 'say what and why, not which issue');
  });
});
