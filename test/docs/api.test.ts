/**
 * The API reference: TypeDoc converts src/index.ts with the settings in typedoc.json (the
 * ones `make docs` uses) and must find a comment on every export, and a description of every
 * parameter of every exported function and method. It then renders the HTML into a temporary
 * folder, which resolves every {@link ...}; a warning at any step fails the test.
 *
 * A failure names each undocumented export, e.g. `Server.grant (Method)`.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Application, LogLevel, ReflectionKind, type DeclarationReflection, type ProjectReflection } from 'typedoc';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Runs TypeDoc's converter and validation; returns the project and every warning it logged. */
async function convert(): Promise<{ project: ProjectReflection | undefined; warnings: string[] }> {
  const cwd = process.cwd();
  process.chdir(root);
  try {
    const app = await Application.bootstrap({ options: path.join(root, 'typedoc.json'), logLevel: LogLevel.Warn });
    const warnings: string[] = [];
    const log = app.logger.log.bind(app.logger);
    app.logger.log = (message, level) => {
      // eslint-disable-next-line no-control-regex
      if (level >= LogLevel.Warn) warnings.push(String(message).replace(/\x1b\[[0-9;]*m/g, ''));
      log(message, LogLevel.Verbose);
    };
    const project = await app.convert();
    if (project) {
      app.validate(project);
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'oauth2orize-docs-'));
      try {
        await app.generateDocs(project, out);
        assert.ok(fs.existsSync(path.join(out, 'index.html')), 'TypeDoc wrote index.html');
      } finally {
        fs.rmSync(out, { recursive: true, force: true });
      }
    }
    return { project, warnings };
  } finally {
    process.chdir(cwd);
  }
}

/** `Server.grant`, `grant.code`: the name a reader would search for. */
function qualifiedName(r: DeclarationReflection): string {
  return r.getFriendlyFullName().replace(/\.__type/g, '');
}

test('every export is documented (TypeDoc validation, as `make docs` runs it)', { timeout: 120_000 }, async () => {
  const { project, warnings } = await convert();
  assert.ok(project, `TypeDoc could not convert src/index.ts:\n${warnings.join('\n')}`);
  assert.ok(warnings.length === 0, `TypeDoc reported ${warnings.length} problem(s); document these exports:\n${warnings.join('\n')}`);

  // TypeDoc checks that each reflection has a comment; it does not check parameters.
  const missing: string[] = [];
  const kinds = ReflectionKind.Function | ReflectionKind.Method | ReflectionKind.Constructor;
  for (const r of project.getReflectionsByKind(kinds) as DeclarationReflection[]) {
    if (r.flags.isPrivate || r.flags.isProtected || r.inheritedFrom) continue;
    for (const sig of r.signatures ?? []) {
      for (const p of sig.parameters ?? []) {
        if (!p.comment || p.comment.summary.every((part) => part.text.trim() === '')) {
          missing.push(`${qualifiedName(r)}(${p.name}): no @param description`);
        }
      }
    }
  }
  assert.ok(missing.length === 0, `${missing.length} parameters without documentation:\n${missing.join('\n')}`);
});
