import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ActionRun } from './support/action-runner.js';
import type { FakeVervericaApi } from './support/fake-ververica.js';
import { firstError, runFailures, syncFailure } from '../scripts/bench/checks.js';
import { seededFake, type DraftFile } from '../scripts/bench/drafts.js';
import { NAMESPACE, WORKSPACE, draftId, sqlPath } from '../scripts/bench/fixtures.js';

const drafts: DraftFile[] = [0, 1, 2].map((i) => ({
  file: sqlPath(i),
  draftId: draftId(i),
  old: `SELECT ${i};\n`,
  new: `SELECT ${i}, '订单 🚀';\n`,
}));

function run(overrides: Partial<ActionRun>): ActionRun {
  return {
    exitCode: 0,
    signal: null,
    stdout: '',
    stderr: '',
    summary: '',
    outputs: { updated: '3' },
    annotations: [],
    outputFile: '',
    ...overrides,
  };
}

describe('syncFailure', () => {
  let api: FakeVervericaApi;
  beforeAll(async () => {
    api = await seededFake(drafts, 0);
  });
  afterAll(() => api.stop());

  const hold = (texts: string[]): void =>
    texts.forEach((text, i) =>
      api.editDraftScript(WORKSPACE, NAMESPACE, (drafts[i] as DraftFile).draftId, text),
    );

  it('passes a green step that updated every draft to its file bytes', () => {
    hold(drafts.map((d) => d.new));
    expect(syncFailure(run({}), api, drafts)).toBeUndefined();
  });

  it('names the drafts that do not hold their file bytes', () => {
    hold([drafts[0]?.new ?? '', drafts[1]?.old ?? '', `${drafts[2]?.new ?? ''} `]);
    expect(syncFailure(run({}), api, drafts)).toBe(
      `2 of 3 drafts do not hold their file's bytes (${sqlPath(1)}, ${sqlPath(2)})`,
    );
  });

  it('fails a run that reported fewer drafts updated, even when the drafts are right', () => {
    hold(drafts.map((d) => d.new));
    expect(syncFailure(run({ outputs: { updated: '2' } }), api, drafts)).toBe(
      'reported 2 of 3 drafts updated',
    );
  });

  it('fails a red step with its first error', () => {
    const stdout = '::add-mask::x\n::error::flink-draft-sync failed: manifest broken\nmore\n';
    expect(syncFailure(run({ exitCode: 1, stdout }), api, drafts)).toBe(
      'exit code 1: ::error::flink-draft-sync failed: manifest broken',
    );
  });
});

describe('firstError', () => {
  it.each([
    ['plain log\nTypeError: x is undefined\n', 'TypeError: x is undefined'],
    ['only a line\n', 'only a line'],
    ['', ''],
    [`${'e'.repeat(300)}\n`, `${'e'.repeat(239)}…`],
  ])('%j → %j', (text, line) => {
    expect(firstError(text)).toBe(line);
  });
});

describe('runFailures', () => {
  it('numbers the runs that went wrong from 1 and skips the others', () => {
    expect(
      runFailures([{}, { failure: 'exit code 1' }, { failure: undefined }, { failure: 'x' }]),
    ).toEqual(['run 2: exit code 1', 'run 4: x']);
    expect(runFailures([])).toEqual([]);
  });
});
