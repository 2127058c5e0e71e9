// Writing an import into a manifest: new, or extended with comments kept; entries already mapped
// are left alone; entries in another workspace or namespace than the defaults carry their own.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { extendManifest } from '../src/import/manifest-edit.js';
import type { ImportEntry } from '../src/import/plan.js';
import { draftNameProblem, parseManifest } from '../src/manifest/manifest.js';

const ID_A = 'a1b2c3d4-0000-4000-8000-000000000001';
const ID_B = 'a1b2c3d4-0000-4000-8000-000000000002';
const scope = { workspace: 'ws', namespace: 'ns' };
const entry = (file: string, draftId: string, folder = ''): ImportEntry => ({
  file,
  name: file.replace(/^.*\//, '').replace(/\.sql$/, ''),
  folder,
  draftId,
  declared: { engineVersion: 'vvr-8.0.11-flink-1.17' },
});
const parsed = (text: string) => {
  const result = parseManifest(text, { path: 'flink-drafts.yaml' });
  if (!result.ok) throw new Error(result.error.map((p) => p.message).join('\n'));
  return result.value;
};

describe('extendManifest', () => {
  it('writes a new manifest that parses back to the entries', () => {
    const edit = extendManifest(
      undefined,
      [entry('sql/a.sql', ID_A), entry('sql/x/b.sql', ID_B, 'x')],
      scope,
    );
    const entries = parsed(edit.text);
    expect(
      entries.map((e) => [e.file, e.name, e.folder, e.draftId, e.workspace, e.namespace]),
    ).toEqual([
      ['sql/a.sql', 'a', '', ID_A, 'ws', 'ns'],
      ['sql/x/b.sql', 'b', 'x', ID_B, 'ws', 'ns'],
    ]);
    expect(entries[0]?.declared).toEqual({ engineVersion: 'vvr-8.0.11-flink-1.17' });
  });

  it('appends to an existing one, keeping its comments, and skips what it maps already', () => {
    const text = `# keep me\nversion: 1\ndefaults:\n  workspace: ws\n  namespace: ns\ndrafts:\n  - file: sql/a.sql # mine\n    draftId: ${ID_A}\n`;
    const edit = extendManifest(
      { text, entries: parsed(text) },
      [entry('sql/other.sql', ID_A), entry('sql/b.sql', ID_B)],
      scope,
    );
    expect(edit.added.map((e) => e.draftId)).toEqual([ID_B]);
    expect(edit.present.map((e) => e.draftId)).toEqual([ID_A]);
    expect(edit.text).toContain('# keep me');
    expect(edit.text).toContain('# mine');
    expect(parsed(edit.text).map((e) => e.draftId)).toEqual([ID_A, ID_B]);
    const again = extendManifest(
      { text: edit.text, entries: parsed(edit.text) },
      [entry('sql/b.sql', ID_B)],
      scope,
    );
    expect(again.text).toBe(edit.text);
  });

  it('gives each new entry its workspace and namespace when the defaults name others', () => {
    const text = `version: 1\ndefaults:\n  workspace: other\n  namespace: ns\ndrafts: []\n`;
    const edit = extendManifest({ text, entries: [] }, [entry('sql/a.sql', ID_A)], scope);
    expect(parsed(edit.text).map((e) => [e.workspace, e.namespace])).toEqual([['ws', 'ns']]);
  });
});

/** Text with something in it and no control character (what the manifest reader accepts). */
function clean(value: string): boolean {
  return (
    value.trim() !== '' &&
    ![...value].some((c) => {
      const n = c.codePointAt(0) ?? 0;
      return n < 0x20 || (n >= 0x7f && n <= 0x9f);
    })
  );
}

describe('a new manifest, written as text', () => {
  it('parses back to exactly the entries, whatever the names and values hold (property)', () => {
    const text = fc.string({ unit: 'binary', maxLength: 20 });
    const name = text.filter((n) => draftNameProblem(n) === undefined);
    const entryArb = fc.record({
      name,
      folder: fc.array(name, { maxLength: 3 }).map((parts) => parts.join('/')),
      engineVersion: text.filter(clean),
      deps: fc.array(text.filter(clean), { maxLength: 2 }),
      vars: fc.uniqueArray(
        fc.record({
          name: text.filter(clean),
          value: text,
        }),
        { selector: (v) => v.name, maxLength: 3 },
      ),
    });
    fc.assert(
      fc.property(fc.array(entryArb, { minLength: 1, maxLength: 4 }), (specs) => {
        const entries: ImportEntry[] = specs.map((spec, i) => ({
          file: `sql/${i}.sql`,
          name: spec.name,
          folder: spec.folder,
          draftId: `a1b2c3d4-0000-4000-8000-${String(i).padStart(12, '0')}`,
          declared: {
            engineVersion: spec.engineVersion,
            ...(spec.deps.length > 0 ? { additionalDependencies: spec.deps } : {}),
            ...(spec.vars.length > 0 ? { localVariables: spec.vars } : {}),
          },
        }));
        const { text: written } = extendManifest(undefined, entries, scope);
        const back = parsed(written);
        expect(back.map((e) => [e.file, e.name, e.folder, e.draftId, e.declared ?? {}])).toEqual(
          entries.map((e) => [e.file, e.name, e.folder, e.draftId, e.declared]),
        );
      }),
      { numRuns: 300 },
    );
  });
});
