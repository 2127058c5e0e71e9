// Declared draft fields: what differs, what drifted, what a write sets, and a new draft's body.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { declaredChanges, driftedFields, newDraft, withDeclared } from '../src/sync/declared.js';
import type { DeclaredFields } from '../src/manifest/manifest.js';
import type { DeploymentDraft } from '../src/ververica/draft.js';

const draft: DeploymentDraft = {
  deploymentDraftId: 'd',
  engineVersion: 'vvr-6.0.7-flink-1.15',
  executionMode: 'STREAMING',
  artifact: {
    kind: 'SQLSCRIPT',
    sqlArtifact: { sqlScript: 'x', additionalDependencies: ['a.jar'] },
  },
  localVariables: [
    { name: 'b', value: '2' },
    { name: 'a', value: '1' },
  ],
  labels: { keep: 'me' },
  unknownField: { kept: true },
};

describe('declaredChanges', () => {
  it.each<[string, DeclaredFields | undefined, Array<[string, string, string]>]>([
    ['nothing declared', undefined, []],
    ['the same values', { engineVersion: 'vvr-6.0.7-flink-1.15', executionMode: 'STREAMING' }, []],
    [
      'variables in another order',
      {
        localVariables: [
          { name: 'a', value: '1' },
          { name: 'b', value: '2' },
        ],
      },
      [],
    ],
    [
      'a new engine',
      { engineVersion: 'vvr-8.0.11-flink-1.17' },
      [['engineVersion', 'vvr-6.0.7-flink-1.15', 'vvr-8.0.11-flink-1.17']],
    ],
    ['batch', { executionMode: 'BATCH' }, [['executionMode', 'STREAMING', 'BATCH']]],
    [
      'no dependencies',
      { additionalDependencies: [] },
      [['additionalDependencies', 'a.jar', '(none)']],
    ],
    [
      'dependencies in another order',
      { additionalDependencies: ['b.jar', 'a.jar'] },
      [['additionalDependencies', 'a.jar', 'b.jar, a.jar']],
    ],
    [
      'a changed variable',
      {
        localVariables: [
          { name: 'a', value: '9' },
          { name: 'b', value: '2' },
        ],
      },
      [['localVariables', 'b=2, a=1', 'a=9, b=2']],
    ],
  ])('%s', (_why, declared, expected) => {
    expect(declaredChanges(draft, declared).map((c) => [c.field, c.from, c.to])).toEqual(expected);
  });
});

describe('driftedFields', () => {
  it('a value that is neither the declaration now nor at the base drifted', () => {
    const now = { engineVersion: 'v3' };
    expect(driftedFields(draft, now, { engineVersion: 'v2' }).map((c) => c.field)).toEqual([
      'engineVersion',
    ]);
  });
  it('a value still as declared at the base is the push changing it, not drift', () => {
    expect(
      driftedFields(draft, { engineVersion: 'v3' }, { engineVersion: 'vvr-6.0.7-flink-1.15' }),
    ).toEqual([]);
  });
  it('a field declared for the first time is not drift', () => {
    expect(driftedFields(draft, { engineVersion: 'v3' }, {})).toEqual([]);
    expect(driftedFields(draft, { engineVersion: 'v3' }, undefined)).toEqual([]);
  });
});

describe('withDeclared', () => {
  it('sets what is declared and leaves every other field as it was', () => {
    const next = withDeclared(draft, { engineVersion: 'v9', additionalDependencies: ['z.jar'] });
    expect(next).toEqual({
      ...draft,
      engineVersion: 'v9',
      artifact: {
        kind: 'SQLSCRIPT',
        sqlArtifact: { sqlScript: 'x', additionalDependencies: ['z.jar'] },
      },
    });
    expect(draft.engineVersion).toBe('vvr-6.0.7-flink-1.15');
  });

  it('after a write of the declaration, nothing differs (property)', () => {
    const name = fc.string({ minLength: 1, maxLength: 8 });
    const declared = fc.record(
      {
        engineVersion: fc.string({ minLength: 1, maxLength: 12 }),
        executionMode: fc.constantFrom('STREAMING' as const, 'BATCH' as const),
        additionalDependencies: fc.array(fc.string({ minLength: 1 }), { maxLength: 3 }),
        localVariables: fc.uniqueArray(fc.record({ name, value: fc.string() }), {
          selector: (v) => v.name,
          maxLength: 4,
        }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(declared, (fields) => {
        expect(declaredChanges(withDeclared(draft, fields), fields)).toEqual([]);
      }),
    );
  });
});

describe('newDraft', () => {
  it('is a SQLSCRIPT draft with the defaults, the labels and nothing server-owned', () => {
    expect(
      newDraft({
        name: 'n',
        parentId: 'p',
        script: 'SELECT 1;',
        engineVersion: 'v1',
        commitSha: 'c'.repeat(40),
        repositoryId: 'github.com/o/r',
      }),
    ).toEqual({
      name: 'n',
      parentId: 'p',
      executionMode: 'STREAMING',
      engineVersion: 'v1',
      artifact: {
        kind: 'SQLSCRIPT',
        sqlArtifact: { sqlScript: 'SELECT 1;', additionalDependencies: [] },
      },
      localVariables: [],
      labels: {
        'flink-draft-sync/commit': 'c'.repeat(40),
        'flink-draft-sync/created': 'c'.repeat(40),
        'flink-draft-sync/repository': 'github.com/o/r',
      },
    });
  });
});
