// Writing an import into a manifest: new, or extended with comments kept; entries already mapped
// are left alone; entries in another workspace or namespace than the defaults carry their own.
import { describe, expect, it } from '@jest/globals';
import { extendManifest } from '../src/import/manifest-edit.js';
import type { ImportEntry } from '../src/import/plan.js';
import { parseManifest } from '../src/manifest/manifest.js';

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
