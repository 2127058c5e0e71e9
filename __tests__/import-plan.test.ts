// The import's plan: which drafts become which files, and why the others are skipped. Whatever a
// draft's name or folder holds, no file lands outside --out.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import path from 'node:path';
import { planImport } from '../src/import/plan.js';
import type { DeploymentDraft } from '../src/ververica/draft.js';

const ROOT_ID = 'root';
const sql = (id: string, name: string, parentId?: string): DeploymentDraft => ({
  deploymentDraftId: id,
  name,
  ...(parentId ? { parentId } : {}),
  artifact: { kind: 'SQLSCRIPT', sqlArtifact: { sqlScript: `-- ${id}\n` } },
});

describe('planImport', () => {
  const folders = new Map([
    [ROOT_ID, ''],
    ['f1', 'orders'],
    ['f2', 'orders/enrichment'],
    ['bad', 'orders/..'],
  ]);

  it.each<[string, DeploymentDraft, string]>([
    [
      'a JAR draft',
      { deploymentDraftId: 'j', name: 'j', artifact: { kind: 'JAR' } },
      'it is a JAR, not a SQL draft',
    ],
    ['a name with a slash', sql('s', 'a/b'), 'contains "/"'],
    ['a name that climbs', sql('d', '..'), '".." is not a name'],
    ['a control character', sql('c', 'a\u001bb'), 'contains a control character'],
    ['an empty name', sql('e', ''), 'is empty'],
    ['a folder that climbs', sql('x', 'ok', 'bad'), 'its folder name ".." is not a name'],
    ['an unknown folder', sql('u', 'ok', 'nowhere'), 'its folder nowhere was not found'],
  ])('skips %s', (_why, draft, says) => {
    const plan = planImport([draft], folders, ROOT_ID, { out: 'jobs', folder: '' });
    expect(plan.files).toEqual([]);
    expect(plan.skipped[0]?.why).toContain(says);
  });

  it('puts each draft at <out>/<folder>/<name>.sql, and a second draft on the same file is skipped', () => {
    const plan = planImport(
      [sql('1', 'top'), sql('2', 'enrich', 'f2'), sql('3', 'Enrich', 'f2')],
      folders,
      ROOT_ID,
      { out: 'jobs', folder: '' },
    );
    expect(plan.files.map((f) => [f.file, f.entry.folder])).toEqual([
      ['jobs/top.sql', ''],
      ['jobs/orders/enrichment/enrich.sql', 'orders/enrichment'],
    ]);
    expect(plan.skipped[0]?.why).toContain('as draft 2 is');
  });

  it('takes only the folder asked for, and what is below it', () => {
    const plan = planImport(
      [sql('1', 'top'), sql('2', 'a', 'f1'), sql('3', 'b', 'f2')],
      folders,
      ROOT_ID,
      { out: '', folder: 'orders/enrichment' },
    );
    expect(plan.files.map((f) => f.file)).toEqual(['orders/enrichment/b.sql']);
  });

  it('never plans a file outside --out, whatever the names hold (property)', () => {
    const part = fc.string({ maxLength: 12 });
    fc.assert(
      fc.property(fc.array(part, { maxLength: 3 }), part, (segments, name) => {
        const tree = new Map([
          [ROOT_ID, ''],
          ['f', segments.join('/')],
        ]);
        const plan = planImport([sql('1', name, 'f')], tree, ROOT_ID, { out: 'jobs', folder: '' });
        for (const { file } of plan.files) {
          const relative = path.posix.relative('jobs', path.posix.normalize(file));
          expect(relative.startsWith('..')).toBe(false);
          expect(path.posix.normalize(file)).toBe(file);
          expect(file.endsWith('.sql')).toBe(true);
        }
      }),
    );
  });
});
