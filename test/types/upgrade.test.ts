/**
 * Compiles each app in test/types/upgrade/ (code written against
 * `@types/oauth2orize` 1.11.5) in its own program, with the package name mapped
 * to src/index.ts: each augments `Express.Request` in its own way, so they
 * cannot share one program. test/package/pack.test.ts compiles the same files
 * against the packed package.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = path.join(root, 'test', 'types', 'upgrade');
const apps = fs.readdirSync(dir).filter((f) => f.endsWith('.ts')).sort();

function diagnose(file: string): string[] {
  const program = ts.createProgram([file], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts'],
    types: ['node', 'express'],
    typeRoots: [path.join(root, 'node_modules', '@types')],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    esModuleInterop: true,
    paths: { oauth2orize: [path.join(root, 'src', 'index.ts')] },
  });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
    const name = d.file ? path.relative(root, d.file.fileName) : '';
    return `${name}${where ? `(${where.line + 1},${where.character + 1})` : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

describe('apps written against @types/oauth2orize compile against src/', { timeout: 120_000 }, () => {
  it('finds the apps', () => {
    assert.ok(apps.includes('app-controller.ts') && apps.includes('dt-style.ts'), `apps: ${apps}`);
  });
  for (const app of apps) {
    it(`${app} compiles with 0 errors`, () => {
      assert.deepEqual(diagnose(path.join(dir, app)), [], `${app} has type errors`);
    });
  }
});
