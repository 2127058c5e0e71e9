import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  MANIFEST_LIMITS,
  ManifestCode,
  formatProblem,
  parseManifest,
  type ManifestOptions,
  type ManifestProblem,
  type ManifestResult,
} from '../src/manifest/manifest.js';

const PATH = 'flink-drafts.yaml';
const ID_A = 'c84d73be-40ad-4627-8bdd-fa1eba51b234';
const ID_B = '0b5c1f7e-9d2a-4c3b-8e6f-1a2b3c4d5e6f';
const CODES: readonly string[] = Object.values(ManifestCode);

function parse(text: string, options: Partial<ManifestOptions> = {}): ManifestResult {
  return parseManifest(text, { path: PATH, ...options });
}

function problemsOf(text: string, options: Partial<ManifestOptions> = {}): ManifestProblem[] {
  const result = parse(text, options);
  if (result.ok) throw new Error(`expected problems, got ${JSON.stringify(result.value)}`);
  return result.error;
}

/** [code, field, line, column] of every problem, in order. */
function located(text: string, options: Partial<ManifestOptions> = {}) {
  return problemsOf(text, options).map((p) => [p.code, p.field, p.line, p.column]);
}

/** A manifest whose defaults supply workspace and namespace; entry lines start at line 6. */
function withDefaults(drafts: string): string {
  return `version: 1\ndefaults:\n  workspace: ws\n  namespace: ns\ndrafts:\n${drafts}`;
}

const entryA = `  - file: sql/a.sql\n    draftId: ${ID_A}\n`;

describe('parseManifest accepts a valid manifest', () => {
  it('reads a draft by name in its folder, with the fields it declares', () => {
    const text = withDefaults(
      [
        '  - file: sql/a.sql',
        '    name: orders-enrich',
        '    folder: orders/enrichment',
        '    engineVersion: vvr-8.0.11-flink-1.17',
        '    executionMode: BATCH',
        '    additionalDependencies: [s3://b/udf.jar]',
        '    localVariables:',
        '      region: eu',
        '      "day": "2026-12-03"',
        '  - file: sql/b.sql',
        '    name: root-job',
        '',
      ].join('\n'),
    );
    const result = parse(text);
    if (!result.ok) throw new Error(result.error.map((p) => p.message).join('\n'));
    expect(result.value[0]).toMatchObject({
      draftId: '',
      name: 'orders-enrich',
      folder: 'orders/enrichment',
      declared: {
        engineVersion: 'vvr-8.0.11-flink-1.17',
        executionMode: 'BATCH',
        additionalDependencies: ['s3://b/udf.jar'],
        localVariables: [
          { name: 'region', value: 'eu' },
          { name: 'day', value: '2026-12-03' },
        ],
      },
    });
    expect(result.value[1]).toMatchObject({ draftId: '', name: 'root-job', folder: '' });
    expect(result.value[1]?.declared).toBeUndefined();
  });

  it('returns one entry per draft with normalized path, lower-cased ID and position', () => {
    const text = [
      '# Drafts synced from this repository.',
      'version: 1',
      'defaults:',
      '  workspace: a14bd5d90a0000',
      '  namespace: default-namespace',
      'drafts:',
      '  - file: ./sql/orders_enrich.sql',
      `    draftId: ${ID_A.toUpperCase()}`,
      '    namespace: other-namespace',
      `  - {file: "sql//b.sql", draftId: '${ID_B}'}`,
      '',
    ].join('\n');
    expect(parse(text)).toEqual({
      ok: true,
      value: [
        {
          file: 'sql/orders_enrich.sql',
          draftId: ID_A,
          workspace: 'a14bd5d90a0000',
          namespace: 'other-namespace',
          line: 7,
          column: 5,
        },
        {
          file: 'sql/b.sql',
          draftId: ID_B,
          workspace: 'a14bd5d90a0000',
          namespace: 'default-namespace',
          line: 10,
          column: 5,
        },
      ],
    });
  });

  it('accepts an empty drafts list', () => {
    expect(parse('version: 1\ndrafts: []\n')).toEqual({ ok: true, value: [] });
  });

  it('treats an empty defaults mapping as no defaults', () => {
    const text = `version: 1\ndefaults:\ndrafts:\n${entryA}`;
    const result = parse(text, { defaults: { workspace: 'w', namespace: 'n' } });
    expect(result.ok && result.value.map((e) => [e.workspace, e.namespace])).toEqual([['w', 'n']]);
  });

  it("reads an entry's own deploy and restart, and leaves them out when not given", () => {
    const text = withDefaults(
      `${entryA}    deploy: false\n    restart: if-running\n  - file: b.sql\n    draftId: ${ID_B}\n`,
    );
    const result = parse(text);
    expect(result.ok && result.value.map((e) => [e.deploy, e.restart])).toEqual([
      [false, 'if-running'],
      [undefined, undefined],
    ]);
  });

  it.each([
    ['sql/a.sql', 'sql/a.sql'],
    ['./sql/a.sql', 'sql/a.sql'],
    ['sql//a.sql', 'sql/a.sql'],
    ['sql/./a.sql', 'sql/a.sql'],
    ['./././a.sql', 'a.sql'],
    ['"sql/with space.sql"', 'sql/with space.sql'],
    ['sql/ünïcødé.sql', 'sql/ünïcødé.sql'],
  ])('normalizes file %s to %s', (raw, normalized) => {
    const result = parse(withDefaults(`  - file: ${raw}\n    draftId: ${ID_A}\n`));
    expect(result.ok && result.value[0]?.file).toBe(normalized);
  });
});

describe('workspace and namespace precedence: entry > manifest defaults > action inputs', () => {
  const cases: Array<{
    name: string;
    entry: string;
    defaults: string;
    inputs: ManifestOptions['defaults'];
    expected: [string, string];
  }> = [
    {
      name: 'entry wins over both',
      entry: 'workspace: we\n    namespace: ne',
      defaults: 'defaults:\n  workspace: wd\n  namespace: nd\n',
      inputs: { workspace: 'wi', namespace: 'ni' },
      expected: ['we', 'ne'],
    },
    {
      name: 'manifest defaults win over inputs',
      entry: '',
      defaults: 'defaults:\n  workspace: wd\n  namespace: nd\n',
      inputs: { workspace: 'wi', namespace: 'ni' },
      expected: ['wd', 'nd'],
    },
    {
      name: 'inputs fill what the manifest leaves out',
      entry: 'namespace: ne',
      defaults: 'defaults:\n  workspace: wd\n',
      inputs: { workspace: 'wi', namespace: 'ni' },
      expected: ['wd', 'ne'],
    },
    {
      name: 'inputs alone',
      entry: '',
      defaults: '',
      inputs: { workspace: 'wi', namespace: 'ni' },
      expected: ['wi', 'ni'],
    },
  ];
  it.each(cases)('$name', ({ entry, defaults, inputs, expected }) => {
    const fields = entry ? `\n    ${entry}` : '';
    const text = `version: 1\n${defaults}drafts:\n  - file: a.sql\n    draftId: ${ID_A}${fields}\n`;
    const result = parse(text, { defaults: inputs });
    expect(result.ok && result.value.map((e) => [e.workspace, e.namespace])).toEqual([expected]);
  });

  it('treats a blank action input as unset', () => {
    const text = `version: 1\ndrafts:\n  - file: a.sql\n    draftId: ${ID_A}\n    workspace: w\n`;
    expect(located(text, { defaults: { namespace: '' } })).toEqual([
      [ManifestCode.NamespaceMissing, 'drafts[0].namespace', 3, 5],
    ]);
  });
});

interface Case {
  name: string;
  text: string;
  options?: Partial<ManifestOptions>;
  problem: [code: string, field: string, line: number, column: number];
  /** Part of the message that tells the user what to do. */
  says?: string;
}

const oneProblem: Case[] = [
  {
    name: 'YAML syntax error',
    text: 'version: 1\ndrafts: [a, b]]\n',
    problem: [ManifestCode.YamlSyntax, '', 2, 15],
    says: 'invalid YAML',
  },
  {
    name: 'two YAML documents',
    text: 'version: 1\ndrafts: []\n---\nversion: 1\n',
    problem: [ManifestCode.MultipleDocuments, '', 3, 1],
    says: '---',
  },
  {
    name: 'empty file',
    text: '',
    problem: [ManifestCode.ManifestEmpty, '', 1, 1],
  },
  {
    name: 'comments only',
    text: '# nothing yet\n',
    problem: [ManifestCode.ManifestEmpty, '', 1, 1],
  },
  {
    name: 'top level is a list',
    text: `- file: a.sql\n  draftId: ${ID_A}\n`,
    problem: [ManifestCode.ManifestNotMapping, '', 1, 1],
    says: 'not a list',
  },
  {
    name: 'top level is a scalar',
    text: 'hello\n',
    problem: [ManifestCode.ManifestNotMapping, '', 1, 1],
  },
  {
    name: 'version missing',
    text: 'drafts: []\n',
    problem: [ManifestCode.VersionMissing, 'version', 1, 1],
    says: 'add `version: 1`',
  },
  {
    name: 'version 2',
    text: 'version: 2\ndrafts: []\n',
    problem: [ManifestCode.VersionUnsupported, 'version', 1, 10],
    says: 'not the number 2',
  },
  {
    name: 'version as text',
    text: 'version: "1"\ndrafts: []\n',
    problem: [ManifestCode.VersionUnsupported, 'version', 1, 10],
  },
  {
    name: 'unknown top-level key with a typo',
    text: 'version: 1\ndraft: []\ndrafts: []\n',
    problem: [ManifestCode.UnknownKey, 'draft', 2, 1],
    says: 'did you mean `drafts`?',
  },
  {
    name: 'entry key at the top level',
    text: 'version: 1\nnamespace: ns\ndrafts: []\n',
    problem: [ManifestCode.UnknownKey, 'namespace', 2, 1],
    says: 'move it under `defaults:`',
  },
  {
    name: 'unknown key in defaults',
    text: 'version: 1\ndefaults:\n  Workspace: w\ndrafts: []\n',
    problem: [ManifestCode.UnknownKey, 'defaults.Workspace', 3, 3],
    says: 'did you mean `workspace`?',
  },
  {
    name: 'unknown key in an entry, wrong case',
    text: withDefaults(`  - file: a.sql\n    draftId: ${ID_A}\n    draftid: ${ID_B}\n`),
    problem: [ManifestCode.UnknownKey, 'drafts[0].draftid', 8, 5],
    says: 'did you mean `draftId`?',
  },
  {
    name: 'unknown key with no close match',
    text: withDefaults(`  - file: a.sql\n    draftId: ${ID_A}\n    owner: me\n`),
    problem: [ManifestCode.UnknownKey, 'drafts[0].owner', 8, 5],
    says: '`file`, `draftId`, `name`, `folder`, `workspace`, `namespace`',
  },
  {
    name: 'unknown key that is not text',
    text: 'version: 1\n42: x\ndrafts: []\n',
    problem: [ManifestCode.UnknownKey, '', 2, 1],
    says: 'the number 42',
  },
  {
    name: 'key given twice',
    text: withDefaults(`  - file: a.sql\n    draftId: ${ID_A}\n    file: b.sql\n`),
    problem: [ManifestCode.DuplicateKey, 'drafts[0].file', 8, 5],
    says: 'first at line 6',
  },
  {
    name: 'defaults is a list',
    text: 'version: 1\ndefaults: [w]\ndrafts: []\n',
    problem: [ManifestCode.DefaultsNotMapping, 'defaults', 2, 11],
  },
  {
    name: 'drafts missing',
    text: 'version: 1\n',
    problem: [ManifestCode.DraftsMissing, 'drafts', 1, 1],
  },
  {
    name: 'drafts is a mapping',
    text: `version: 1\ndrafts:\n  file: a.sql\n  draftId: ${ID_A}\n`,
    problem: [ManifestCode.DraftsNotSequence, 'drafts', 3, 3],
    says: 'not a mapping',
  },
  {
    name: 'drafts left empty',
    text: 'version: 1\ndrafts:\n',
    problem: [ManifestCode.DraftsNotSequence, 'drafts', 2, 8],
  },
  {
    name: 'entry is a scalar',
    text: withDefaults('  - sql/a.sql\n'),
    problem: [ManifestCode.EntryNotMapping, 'drafts[0]', 6, 5],
  },
  {
    name: 'file missing',
    text: withDefaults(`  - draftId: ${ID_A}\n`),
    problem: [ManifestCode.FieldMissing, 'drafts[0].file', 6, 5],
    says: 'add `file:`',
  },
  {
    name: 'draftId missing',
    text: withDefaults('  - file: a.sql\n'),
    problem: [ManifestCode.FieldMissing, 'drafts[0].draftId', 6, 5],
    says: 'add `draftId:`',
  },
  {
    name: 'draftId is a number',
    text: withDefaults('  - file: a.sql\n    draftId: 12345\n'),
    problem: [ManifestCode.NotAString, 'drafts[0].draftId', 7, 14],
    says: 'put it in quotes',
  },
  {
    name: 'file is a boolean',
    text: withDefaults(`  - file: true\n    draftId: ${ID_A}\n`),
    problem: [ManifestCode.NotAString, 'drafts[0].file', 6, 11],
    says: 'the boolean true',
  },
  {
    name: 'draftId is null',
    text: withDefaults('  - file: a.sql\n    draftId: null\n'),
    problem: [ManifestCode.NotAString, 'drafts[0].draftId', 7, 14],
    says: 'has no value',
  },
  {
    name: 'draftId has nothing after the colon',
    text: withDefaults('  - file: a.sql\n    draftId:\n'),
    problem: [ManifestCode.NotAString, 'drafts[0].draftId', 7, 13],
    says: 'has no value',
  },
  {
    name: 'YAML 1.1 reads a bare n as a boolean',
    text: `%YAML 1.1\n---\n${withDefaults(`  - file: a.sql\n    draftId: ${ID_A}\n    namespace: n\n`)}`,
    problem: [ManifestCode.NotAString, 'drafts[0].namespace', 10, 16],
    says: 'not the boolean n; put it in quotes',
  },
  {
    name: 'YAML 1.1 reads a date',
    text: `%YAML 1.1\n---\n${withDefaults(`  - file: 2024-01-31\n    draftId: ${ID_A}\n`)}`,
    problem: [ManifestCode.NotAString, 'drafts[0].file', 8, 11],
    says: 'not the non-text value "2024-01-31"',
  },
  {
    name: 'namespace is a list',
    text: withDefaults(`  - file: a.sql\n    draftId: ${ID_A}\n    namespace: [a, b]\n`),
    problem: [ManifestCode.NotAString, 'drafts[0].namespace', 8, 16],
    says: 'not a list',
  },
  {
    name: 'draftId not a UUID',
    text: withDefaults('  - file: a.sql\n    draftId: c84d73be-40ad-4627-8bdd\n'),
    problem: [ManifestCode.DraftIdNotUuid, 'drafts[0].draftId', 7, 14],
    says: 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx',
  },
  {
    name: 'draftId with a non-hex digit',
    text: withDefaults(`  - file: a.sql\n    draftId: g${ID_A.slice(1)}\n`),
    problem: [ManifestCode.DraftIdNotUuid, 'drafts[0].draftId', 7, 14],
  },
  ...(
    [
      ['""', ManifestCode.PathEmpty, 'is empty'],
      ['"  "', ManifestCode.PathEmpty, 'is empty'],
      ['./', ManifestCode.PathEmpty, 'names no file'],
      ['"sql/a\\tb.sql"', ManifestCode.PathControlCharacter, 'control character'],
      ['"sql/a\\0.sql"', ManifestCode.PathControlCharacter, 'control character'],
      ['/etc/x.sql', ManifestCode.PathAbsolute, 'relative to the repository root'],
      ['C:\\sql\\a.sql', ManifestCode.PathAbsolute, 'is absolute'],
      ['c:/sql/a.sql', ManifestCode.PathAbsolute, 'is absolute'],
      ['\\\\server\\share\\a.sql', ManifestCode.PathAbsolute, 'is absolute'],
      ['sql\\a.sql', ManifestCode.PathBackslash, 'separate directories with "/"'],
      ['../other/a.sql', ManifestCode.PathTraversal, '".."'],
      ['sql/../a.sql', ManifestCode.PathTraversal, '".."'],
      ['sql/a.txt', ManifestCode.PathNotSql, 'only .sql files'],
      ['sql/a.SQL', ManifestCode.PathNotSql, 'lower-case ".sql"'],
      ['sql/a.sql/', ManifestCode.PathNotSql, ''],
    ] as const
  ).map(([file, code, says]): Case => ({
    name: `file ${file}`,
    text: withDefaults(`  - file: ${file}\n    draftId: ${ID_A}\n`),
    problem: [code, 'drafts[0].file', 6, 11],
    says,
  })),
  {
    name: 'the same file twice, written differently',
    text: withDefaults(`${entryA}  - file: ./sql//a.sql\n    draftId: ${ID_B}\n`),
    problem: [ManifestCode.DuplicateFile, 'drafts[1].file', 8, 11],
    says: 'sql/a.sql is already mapped at line 6',
  },
  {
    name: 'one draft from two files (ID case differs)',
    text: withDefaults(`${entryA}  - file: sql/b.sql\n    draftId: ${ID_A.toUpperCase()}\n`),
    problem: [ManifestCode.DuplicateDraft, 'drafts[1].draftId', 9, 14],
    says: 'already mapped from sql/a.sql at line 7',
  },
  {
    name: 'no workspace anywhere',
    text: `version: 1\ndefaults:\n  namespace: ns\ndrafts:\n${entryA}`,
    problem: [ManifestCode.WorkspaceMissing, 'drafts[0].workspace', 5, 5],
    says: 'or set the action input `workspace`',
  },
  {
    name: 'no namespace anywhere',
    text: `version: 1\ndrafts:\n${entryA}`,
    options: { defaults: { workspace: 'w' } },
    problem: [ManifestCode.NamespaceMissing, 'drafts[0].namespace', 3, 5],
  },
  {
    name: 'namespace override with "/"',
    text: withDefaults(`${entryA}    namespace: a/b\n`),
    problem: [ManifestCode.NamespaceInvalid, 'drafts[0].namespace', 8, 16],
    says: 'contains "/"',
  },
  {
    name: 'deploy as text',
    text: withDefaults(`${entryA}    deploy: "yes"\n`),
    problem: [ManifestCode.DeployNotBoolean, 'drafts[0].deploy', 8, 13],
    says: 'must be true or false, not the text "yes"',
  },
  {
    name: 'an unknown restart',
    text: withDefaults(`${entryA}    restart: always\n`),
    problem: [ManifestCode.RestartInvalid, 'drafts[0].restart', 8, 14],
    says: '`restart` must be `never` or `if-running`, not "always"',
  },
  {
    name: 'a name with a slash',
    text: withDefaults(`  - file: sql/a.sql\n    name: orders/enrich\n`),
    problem: [ManifestCode.NameInvalid, 'drafts[0].name', 7, 11],
    says: 'contains "/"; put folders in `folder:`',
  },
  {
    name: 'a name with a control character',
    text: withDefaults(`  - file: sql/a.sql\n    name: "orders\\u0007"\n`),
    problem: [ManifestCode.NameInvalid, 'drafts[0].name', 7, 11],
    says: 'contains a control character',
  },
  {
    name: 'a name over the length limit',
    text: withDefaults(`  - file: sql/a.sql\n    name: ${'n'.repeat(65)}\n`),
    problem: [ManifestCode.NameInvalid, 'drafts[0].name', 7, 11],
    says: 'is longer than 64 characters',
  },
  {
    name: 'a name that is ..',
    text: withDefaults(`  - file: sql/a.sql\n    name: ".."\n`),
    problem: [ManifestCode.NameInvalid, 'drafts[0].name', 7, 11],
    says: 'is not a name',
  },
  {
    name: 'a folder that climbs',
    text: withDefaults(`  - file: sql/a.sql\n    name: a\n    folder: orders/../secrets\n`),
    problem: [ManifestCode.FolderInvalid, 'drafts[0].folder', 8, 13],
    says: 'the folder name ".." is not a name',
  },
  {
    name: 'an absolute folder',
    text: withDefaults(`  - file: sql/a.sql\n    name: a\n    folder: /orders\n`),
    problem: [ManifestCode.FolderInvalid, 'drafts[0].folder', 8, 13],
    says: 'starts or ends with "/"',
  },
  {
    name: 'a folder with an empty segment',
    text: withDefaults(`  - file: sql/a.sql\n    name: a\n    folder: orders//x\n`),
    problem: [ManifestCode.FolderInvalid, 'drafts[0].folder', 8, 13],
    says: 'has an empty folder name',
  },
  {
    name: 'a folder without a name',
    text: withDefaults(`${entryA}    folder: orders\n`),
    problem: [ManifestCode.FolderWithoutName, 'drafts[0].folder', 8, 5],
    says: 'add `name:`',
  },
  {
    name: 'an unknown execution mode',
    text: withDefaults(`${entryA}    executionMode: streaming\n`),
    problem: [ManifestCode.ExecutionModeInvalid, 'drafts[0].executionMode', 8, 20],
    says: 'must be `STREAMING` or `BATCH`, not "streaming"',
  },
  {
    name: 'an empty engine version',
    text: withDefaults(`${entryA}    engineVersion: " "\n`),
    problem: [ManifestCode.EngineVersionInvalid, 'drafts[0].engineVersion', 8, 20],
    says: 'is not an engine version',
  },
  {
    name: 'dependencies as one string',
    text: withDefaults(`${entryA}    additionalDependencies: s3://a.jar\n`),
    problem: [ManifestCode.DependenciesInvalid, 'drafts[0].additionalDependencies', 8, 29],
    says: 'must be a list of URIs, not the text',
  },
  {
    name: 'a variable given twice',
    text: withDefaults(`${entryA}    localVariables:\n      a: "1"\n      a: "2"\n`),
    problem: [ManifestCode.VariablesInvalid, 'drafts[0].localVariables', 10, 7],
    says: '"a" is given twice',
  },
  {
    name: 'variables as a list',
    text: withDefaults(`${entryA}    localVariables: [a]\n`),
    problem: [ManifestCode.VariablesInvalid, 'drafts[0].localVariables', 8, 21],
    says: 'must be a mapping of names to values',
  },
  {
    name: 'neither draftId nor name',
    text: withDefaults(`  - file: sql/a.sql\n`),
    problem: [ManifestCode.FieldMissing, 'drafts[0].draftId', 6, 5],
    says: 'or `name:` with its name',
  },
  {
    name: 'the same name twice in one folder',
    text: withDefaults(
      `  - file: a.sql\n    name: x\n    folder: f\n  - file: b.sql\n    name: x\n    folder: f\n`,
    ),
    problem: [ManifestCode.DuplicateDraft, 'drafts[1].name', 10, 11],
    says: 'the draft named "f/x" (workspace ws, namespace ns) is already mapped from a.sql at line 7',
  },
  {
    name: 'empty namespace override',
    text: withDefaults(`${entryA}    namespace: ""\n`),
    problem: [ManifestCode.NamespaceInvalid, 'drafts[0].namespace', 8, 16],
    says: 'is empty',
  },
  {
    name: 'workspace default with a control character',
    text: `version: 1\ndefaults:\n  workspace: "w\\u0007"\n  namespace: ns\ndrafts:\n${entryA}`,
    problem: [ManifestCode.WorkspaceInvalid, 'defaults.workspace', 3, 14],
    says: 'control character',
  },
  {
    name: 'workspace action input with "/", reported at the first entry using it',
    text: `version: 1\ndefaults:\n  namespace: ns\ndrafts:\n${entryA}  - file: b.sql\n    draftId: ${ID_B}\n`,
    options: { defaults: { workspace: 'a/b' } },
    problem: [ManifestCode.WorkspaceInvalid, 'drafts[0].workspace', 5, 5],
    says: 'the action input `workspace`',
  },
  {
    name: 'anchor',
    text: withDefaults(`  - file: &f a.sql\n    draftId: ${ID_A}\n`),
    problem: [ManifestCode.AnchorNotAllowed, '', 6, 11],
    says: 'anchor "&f" is not allowed',
  },
  {
    name: 'alias',
    text: withDefaults(`  - file: a.sql\n    draftId: ${ID_A}\n    namespace: *n\n`),
    problem: [ManifestCode.AliasNotAllowed, '', 8, 16],
  },
  {
    name: 'tag',
    text: withDefaults(`  - file: !!str a.sql\n    draftId: ${ID_A}\n`),
    problem: [ManifestCode.TagNotAllowed, '', 6, 11],
  },
  {
    name: 'scalar over the length limit',
    text: withDefaults(
      `  - file: ${'a'.repeat(MANIFEST_LIMITS.maxScalarLength)}.sql\n    draftId: ${ID_A}\n`,
    ),
    problem: [ManifestCode.ScalarTooLong, '', 6, 11],
    says: `the limit is ${MANIFEST_LIMITS.maxScalarLength}`,
  },
  {
    // The entry's field value sits at depth 3; the 30th bracket opens level 33.
    name: 'nesting deeper than the limit',
    text: withDefaults(`  - file: ${'['.repeat(MANIFEST_LIMITS.maxDepth - 2)}\n`),
    problem: [ManifestCode.NestingTooDeep, '', 6, 40],
    says: `more than ${MANIFEST_LIMITS.maxDepth} levels`,
  },
  {
    name: 'manifest over maxBytes',
    text: withDefaults(entryA),
    options: { maxBytes: 16 },
    problem: [ManifestCode.ManifestTooLarge, '', 1, 1],
    says: 'larger than 16 bytes',
  },
];

describe('parseManifest reports each kind of problem with its code, field and position', () => {
  it.each(oneProblem)('$name', ({ text, options, problem, says }) => {
    const problems = problemsOf(text, options);
    expect(problems.map((p) => [p.code, p.field, p.line, p.column])).toEqual([problem]);
    expect(problems[0]?.path).toBe(PATH);
    if (says) expect(problems[0]?.message).toContain(says);
  });

  it('covers every problem code except the ones that need a large input', () => {
    const covered = new Set(oneProblem.map((c) => c.problem[0]));
    const large = [ManifestCode.TooManyDrafts, ManifestCode.TooManyProblems];
    expect(CODES.filter((code) => !covered.has(code) && !large.includes(code as never))).toEqual(
      [],
    );
  });

  it('checks nested values below the depth limit normally', () => {
    const text = withDefaults(
      `  - file: ${'['.repeat(8)}x${']'.repeat(8)}\n    draftId: ${ID_A}\n`,
    );
    expect(located(text)).toEqual([[ManifestCode.NotAString, 'drafts[0].file', 6, 11]]);
  });
});

describe('parseManifest reports every problem at once, in document order', () => {
  it('finds all of them in one pass', () => {
    const text = [
      'version: 2', // 1
      'defalts:', // 2
      '  workspace: ws', // 3
      'drafts:', // 4
      '  - file: /abs.sql', // 5
      '    draftid: x', // 6
      '    workspace: w', // 7
      '    namespace: n', // 8
      '  - file: sql/a.SQL', // 9
      '    draftId: 123', // 10
      '    workspace: w', // 11
      '    namespace: "a/b"', // 12
      '  - file: ./sql/c.sql', // 13
      `    draftId: ${ID_A}`, // 14
      '    workspace: w', // 15
      '    namespace: n', // 16
      '  - file: sql/c.sql', // 17
      `    draftId: ${ID_B}`, // 18
      '    workspace: w', // 19
      '    namespace: n', // 20
      '  - file: sql/d.sql', // 21
      `    draftId: ${ID_A}`, // 22
      '    workspace: w', // 23
      '    namespace: n', // 24
      '  - just a string', // 25
      '',
    ].join('\n');
    expect(located(text)).toEqual([
      [ManifestCode.VersionUnsupported, 'version', 1, 10],
      [ManifestCode.UnknownKey, 'defalts', 2, 1],
      [ManifestCode.FieldMissing, 'drafts[0].draftId', 5, 5],
      [ManifestCode.PathAbsolute, 'drafts[0].file', 5, 11],
      [ManifestCode.UnknownKey, 'drafts[0].draftid', 6, 5],
      [ManifestCode.PathNotSql, 'drafts[1].file', 9, 11],
      [ManifestCode.NotAString, 'drafts[1].draftId', 10, 14],
      [ManifestCode.NamespaceInvalid, 'drafts[1].namespace', 12, 16],
      [ManifestCode.DuplicateFile, 'drafts[3].file', 17, 11],
      [ManifestCode.DuplicateDraft, 'drafts[4].draftId', 22, 14],
      [ManifestCode.EntryNotMapping, 'drafts[5]', 25, 5],
    ]);
  });

  it('reports every YAML syntax error with its position', () => {
    const text =
      'version: 1\ndrafts:\n  - file: a.sql\n   draftId: x\n  - file: "b.sql" c\n  - }\n';
    expect(located(text)).toEqual([
      [ManifestCode.YamlSyntax, '', 4, 1],
      [ManifestCode.YamlSyntax, '', 5, 19],
      [ManifestCode.YamlSyntax, '', 6, 5],
    ]);
  });

  it('caps the list and says how many more there are', () => {
    const entries = Array.from({ length: 150 }, (_, i) => `  - file: f${i}.txt\n`).join('');
    const problems = problemsOf(`version: 1\ndrafts:\n${entries}`, {
      defaults: { workspace: 'w', namespace: 'n' },
    });
    expect(problems).toHaveLength(MANIFEST_LIMITS.maxProblems);
    const last = problems[problems.length - 1];
    expect(last?.code).toBe(ManifestCode.TooManyProblems);
    // 150 entries with two problems each; 99 are shown.
    expect(last?.message).toContain('201 more problems');
  });
});

describe('formatProblem', () => {
  it.each([
    [
      { field: 'drafts[2].draftId', line: 12, column: 5, message: 'not a UUID' },
      'flink-drafts.yaml:12:5: drafts[2].draftId: not a UUID',
    ],
    [{ field: '', line: 1, column: 1, message: 'empty' }, 'flink-drafts.yaml:1:1: empty'],
  ])('formats %j', (fields, expected) => {
    expect(formatProblem({ path: PATH, code: ManifestCode.YamlSyntax, ...fields })).toBe(expected);
  });

  it('formats a real problem with its path, position and field', () => {
    const [problem] = problemsOf(withDefaults('  - file: a.sql\n    draftId: nope\n'), {
      path: 'deploy/flink.yaml',
    });
    expect(problem && formatProblem(problem)).toBe(
      'deploy/flink.yaml:7:14: drafts[0].draftId: "nope" is not a draft ID; use the UUID form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx',
    );
  });
});

describe('hostile input', () => {
  const laughs = [
    'version: 1',
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ...'bcdefghi'.split('').map((name, i) => {
      const previous = 'abcdefghi'[i];
      return `${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`;
    }),
    'drafts: *i',
    '',
  ].join('\n');

  it('refuses billion laughs by their anchors and aliases without expanding them', () => {
    const problems = problemsOf(laughs);
    const codes = new Set(problems.map((p) => p.code));
    expect(codes).toContain(ManifestCode.AnchorNotAllowed);
    expect(codes).toContain(ManifestCode.AliasNotAllowed);
    expect(problems.find((p) => p.field === 'drafts')).toBeUndefined();
    expect(problems.length).toBeLessThanOrEqual(MANIFEST_LIMITS.maxProblems);
  });

  const deep = 10_000;
  it.each([
    ['open flow sequences', 'drafts: ' + '['.repeat(deep)],
    ['closed flow sequences', '['.repeat(deep) + ']'.repeat(deep)],
    ['flow mappings', '{a: '.repeat(deep) + '1' + '}'.repeat(deep)],
    ['compact block sequences', '- '.repeat(deep) + 'x'],
    ['explicit keys', '? '.repeat(deep) + 'x'],
    ['empty keys', ': '.repeat(deep) + 'x'],
    ['indentation', Array.from({ length: 1400 }, (_, i) => `${' '.repeat(i)}a:`).join('\n')],
  ])('refuses deep nesting: %s', (_name, text) => {
    expect(problemsOf(text).map((p) => p.code)).toEqual([ManifestCode.NestingTooDeep]);
  });

  // Refusing is not enough: the parser must stop before it builds the whole nested structure,
  // which for a megabyte of brackets takes hundreds of megabytes. A small heap proves it did.
  it('refuses a megabyte of nesting within a 64 MB heap', () => {
    const manifest = fileURLToPath(new URL('../src/manifest/manifest.ts', import.meta.url));
    const script = `
      import { parseManifest } from ${JSON.stringify(manifest)};
      const size = ${MANIFEST_LIMITS.maxBytes};
      const bombs = ['[', '{', '- ', '? ', ': '].map((s) => s.repeat(size / s.length));
      const codes = bombs.map((text) => {
        const result = parseManifest(text, { path: 'm' });
        return result.ok ? 'ok' : result.error.map((p) => p.code).join();
      });
      process.stdout.write(JSON.stringify(codes));
    `;
    const child = spawnSync(
      process.execPath,
      ['--max-old-space-size=64', '--import', 'tsx', '--input-type=module', '-e', script],
      {
        cwd: fileURLToPath(new URL('..', import.meta.url)),
        encoding: 'utf8',
        env: { ...process.env, NODE_OPTIONS: '' },
      },
    );
    expect({ status: child.status, stderr: child.stderr.slice(0, 500) }).toEqual({
      status: 0,
      stderr: '',
    });
    expect(JSON.parse(child.stdout)).toEqual(Array(5).fill(ManifestCode.NestingTooDeep));
  });

  it('refuses a manifest one byte over the default limit', () => {
    const text = `version: 1\n# ${'x'.repeat(MANIFEST_LIMITS.maxBytes)}\n`;
    expect(located(text)).toEqual([[ManifestCode.ManifestTooLarge, '', 1, 1]]);
  });

  it('measures the limit in UTF-8 bytes, not characters', () => {
    const text = `version: 1\ndrafts: []\n# ${'é'.repeat(20)}\n`;
    expect(parse(text, { maxBytes: text.length }).ok).toBe(false);
    expect(parse(text, { maxBytes: Buffer.byteLength(text) }).ok).toBe(true);
  });

  it('refuses a 50 MB scalar by size alone', () => {
    const text = `version: 1\ndrafts:\n  - file: ${'a'.repeat(50 * 1024 * 1024)}.sql\n`;
    expect(located(text)).toEqual([[ManifestCode.ManifestTooLarge, '', 1, 1]]);
  });

  it('refuses more entries than the limit', () => {
    const entries = Array.from(
      { length: MANIFEST_LIMITS.maxEntries + 1 },
      (_, i) => `- {file: f${i}.sql, draftId: ${ID_A.slice(0, 24)}${String(i).padStart(12, '0')}}`,
    );
    const text = `version: 1\ndrafts:\n${entries.join('\n')}\n`;
    expect(located(text)).toEqual([[ManifestCode.TooManyDrafts, 'drafts', 3, 1]]);
  });

  it('accepts exactly the entry limit', () => {
    const entries = Array.from(
      { length: MANIFEST_LIMITS.maxEntries },
      (_, i) => `- {file: f${i}.sql, draftId: ${ID_A.slice(0, 24)}${String(i).padStart(12, '0')}}`,
    );
    const result = parse(`version: 1\ndrafts:\n${entries.join('\n')}\n`, {
      defaults: { workspace: 'w', namespace: 'n' },
    });
    expect(result.ok && result.value.length).toBe(MANIFEST_LIMITS.maxEntries);
  });

  it('keeps a megabyte of stray brackets to a bounded list', () => {
    const problems = problemsOf(']'.repeat(MANIFEST_LIMITS.maxBytes));
    expect(problems).toHaveLength(MANIFEST_LIMITS.maxProblems);
    expect(problems[0]?.code).toBe(ManifestCode.YamlSyntax);
  });

  it('does not echo a huge value back in full', () => {
    const id = 'x'.repeat(4000);
    const [problem] = problemsOf(withDefaults(`  - file: a.sql\n    draftId: ${id}\n`));
    expect(problem?.code).toBe(ManifestCode.DraftIdNotUuid);
    expect(problem?.message.length).toBeLessThan(200);
  });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])(
    'treats the key %s as any other unknown key',
    (key) => {
      const text = `version: 1\n${key}: x\ndrafts: []\n`;
      expect(located(text)).toEqual([[ManifestCode.UnknownKey, key, 2, 1]]);
    },
  );
});

// ---------------------------------------------------------------------------------------------
// Properties

function expectWellFormed(result: ManifestResult, text: string): void {
  if (result.ok) return;
  expect(result.error.length).toBeGreaterThan(0);
  expect(result.error.length).toBeLessThanOrEqual(MANIFEST_LIMITS.maxProblems);
  const lineCount = text.split(/\r\n|\r|\n/).length;
  let previous = [0, 0];
  for (const p of result.error) {
    expect(CODES).toContain(p.code);
    expect(p.path).toBe(PATH);
    expect(p.message.length).toBeGreaterThan(0);
    expect(p.line).toBeGreaterThanOrEqual(1);
    expect(p.line).toBeLessThanOrEqual(lineCount);
    expect(p.column).toBeGreaterThanOrEqual(1);
    const ordered =
      p.line > (previous[0] ?? 0) || (p.line === previous[0] && p.column >= (previous[1] ?? 0));
    expect(ordered).toBe(true);
    previous = [p.line, p.column];
  }
}

const yamlish = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        '[',
        ']',
        '{',
        '}',
        '-',
        '- ',
        '? ',
        ': ',
        ':',
        ',',
        ' ',
        '  ',
        '\n',
        '\r\n',
        '\t',
        '#',
        '&a ',
        '*a',
        '!!str ',
        '!x ',
        '"',
        "'",
        '|',
        '>',
        '---',
        '...',
        '%YAML 1.1\n',
        '\\',
        'version',
        'drafts',
        'defaults',
        'file',
        'draftId',
        'workspace',
        'namespace',
        '1',
        'null',
        'a.sql',
        '../',
        '/',
        'C:',
        ID_A,
        '\u0000',
        '\ufeff',
        '\u2028',
      ),
      fc.string({ maxLength: 4 }),
    ),
    { maxLength: 80 },
  )
  .map((parts) => parts.join(''));

const validManifest = fc
  .uniqueArray(
    fc.record({
      dir: fc.constantFrom('', 'sql/', './sql/', 'jobs/daily/'),
      name: fc.stringMatching(/^[a-z][a-z0-9_]{0,12}$/),
      id: fc.uuid(),
      namespace: fc.option(fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/), { nil: undefined }),
      style: fc.constantFrom('block', 'flow'),
    }),
    { selector: (e) => e.name, maxLength: 8 },
  )
  .filter((entries) => new Set(entries.map((e) => e.id)).size === entries.length)
  .map((entries) => {
    const lines = entries.map((e) => {
      const ns = e.namespace ? `, namespace: ${e.namespace}` : '';
      return e.style === 'flow'
        ? `  - {file: ${e.dir}${e.name}.sql, draftId: ${e.id}${ns}}`
        : `  - file: ${e.dir}${e.name}.sql\n    draftId: ${e.id.toUpperCase()}` +
            (e.namespace ? `\n    namespace: ${e.namespace}` : '');
    });
    const text = `version: 1\ndefaults:\n  workspace: ws\ndrafts:${lines.length ? '\n' + lines.join('\n') : ' []'}\n`;
    return { text, entries };
  });

describe('properties', () => {
  it('never throws on arbitrary strings, and always answers in the documented shape', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        expectWellFormed(parse(text), text);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on YAML-flavoured noise', () => {
    fc.assert(
      fc.property(yamlish, (text) => {
        expectWellFormed(parse(text, { defaults: { namespace: 'n' } }), text);
      }),
      { numRuns: 1000 },
    );
  });

  it('accepts generated valid manifests and returns their entries', () => {
    fc.assert(
      fc.property(validManifest, ({ text, entries }) => {
        const result = parse(text, { defaults: { namespace: 'input-ns' } });
        expect(
          result.ok && result.value.map((e) => [e.file, e.draftId, e.workspace, e.namespace]),
        ).toEqual(
          entries.map((e) => [
            `${e.dir.replace('./', '')}${e.name}.sql`,
            e.id.toLowerCase(),
            'ws',
            e.namespace ?? 'input-ns',
          ]),
        );
      }),
    );
  });

  it('never throws on mutated valid manifests', () => {
    const mutation = fc.record({
      at: fc.nat(),
      remove: fc.nat({ max: 3 }),
      insert: fc.oneof(yamlish, fc.string({ unit: 'binary', maxLength: 3 })),
    });
    fc.assert(
      fc.property(
        validManifest,
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        (base, edits) => {
          let text = base.text;
          for (const edit of edits) {
            const at = edit.at % (text.length + 1);
            text = text.slice(0, at) + edit.insert + text.slice(at + edit.remove);
          }
          expectWellFormed(parse(text), text);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
