import { describe, expect, it } from '@jest/globals';
import {
  formatNumber,
  markdownNotes,
  markdownReport,
  markdownTable,
  targetText,
  verdict,
  type BenchReport,
} from '../scripts/bench/report.js';
import { brokenRow, makeRow, type RowInput } from '../scripts/bench/rows.js';
import { describeCalls, type CallCounts } from '../scripts/bench/drafts.js';

const base: RowInput = {
  id: '1.5',
  section: 'Throughput',
  measure: '200 drafts, concurrency 8: wall time',
  unit: 'ms',
  values: [2100, 1900, 2000, 2600, 1950],
};

describe('makeRow', () => {
  it.each([
    ['no target, nothing to check', {}, true],
    ['median under a max target', { target: { bound: 'max', value: 2000 } }, true],
    ['median over a max target', { target: { bound: 'max', value: 1999 } }, false],
    ['median reaching a min target', { target: { bound: 'min', value: 2000 } }, true],
    ['median short of a min target', { target: { bound: 'min', value: 2001 } }, false],
    ['every run correct', { verification: { runs: 5, failures: [] } }, true],
    ['one run wrong', { verification: { runs: 5, failures: ['run 3: 199 of 200'] } }, false],
    [
      'on target but one run wrong',
      { target: { bound: 'max', value: 9999 }, verification: { runs: 5, failures: ['x'] } },
      false,
    ],
  ] as const)('%s → pass %p', (_name, extra, pass) => {
    expect(makeRow({ ...base, ...extra }).pass).toBe(pass);
  });

  it('holds the median, min and max of the runs, in run order', () => {
    const row = makeRow(base);
    expect(row).toMatchObject({ median: 2000, min: 1900, max: 2600, values: base.values });
  });

  it('fails a row with no runs or a run that was not measured', () => {
    expect(makeRow({ ...base, values: [] }).pass).toBe(false);
    expect(makeRow({ ...base, values: [1, Number.NaN, 2] }).pass).toBe(false);
  });

  it('fails the row of a benchmark that could not run, with its reason', () => {
    const row = brokenRow('3', 'cold start', new Error('spawn ENOENT'));
    expect(row.pass).toBe(false);
    expect(row.verification?.failures).toEqual(['spawn ENOENT']);
  });
});

describe('formatNumber', () => {
  it.each([
    [12_534.4, '12,534'],
    [812.3, '812'],
    [42.04, '42'],
    [13.25, '13.3'],
    [1.2, '1.2'],
    [0.981, '0.98'],
    [0, '0'],
    [Number.NaN, '–'],
  ])('%p → %s', (value, text) => {
    expect(formatNumber(value)).toBe(text);
  });
});

describe('targetText', () => {
  it.each([
    [undefined, 'ms', '—'],
    [{ bound: 'max', value: 400 }, 'ms', '≤ 400 ms'],
    [{ bound: 'min', value: 10 }, '×', '≥ 10×'],
    [
      { bound: 'max', value: 3125, basis: '1.25 × floor 2,500 ms' },
      'ms',
      '≤ 3,125 ms (1.25 × floor 2,500 ms)',
    ],
  ] as const)('%j in %s → %s', (target, unit, text) => {
    expect(targetText(target, unit)).toBe(text);
  });
});

describe('markdownTable', () => {
  const rows = [
    makeRow({
      ...base,
      target: { bound: 'max', value: 3125, basis: '1.25 × floor 2,500 ms' },
      verification: { runs: 5, failures: [] },
    }),
    makeRow({
      id: '2.2',
      section: 'Baseline',
      measure: 'speed-up | vs SDK',
      unit: '×',
      values: [9.5, 9.8, 9.7],
      target: { bound: 'min', value: 10 },
      verification: { runs: 3, failures: ['run 2: 1 of 200 drafts wrong'] },
    }),
    makeRow({
      id: '4.1',
      section: 'Change detection',
      measure: 'git alone',
      unit: 'ms',
      values: [20],
    }),
  ];
  const table = markdownTable(rows);
  const lines = table.split('\n');

  it('has a header, a rule and one line per row, with the same number of cells', () => {
    expect(lines).toHaveLength(2 + rows.length);
    const cells = (line: string) => line.split(/(?<!\\)\|/).length;
    for (const line of lines) expect(cells(line)).toBe(cells(lines[0] as string));
  });

  it('shows median, min, max, target, correct runs and the verdict', () => {
    expect(lines[2]).toBe(
      '| 1.5 | Throughput: 200 drafts, concurrency 8: wall time | 2,000 ms | 1,900 ms | 2,600 ms | ' +
        '≤ 3,125 ms (1.25 × floor 2,500 ms) | ✓ 5/5 | PASS |',
    );
    expect(lines[3]).toBe(
      '| 2.2 | Baseline: speed-up \\| vs SDK | 9.7× | 9.5× | 9.8× | ≥ 10× | ✗ 2/3 | FAIL |',
    );
    expect(lines[4]).toBe(
      '| 4.1 | Change detection: git alone | 20 ms | 20 ms | 20 ms | — | — | ok |',
    );
  });

  it('lists notes and every wrong run under the table', () => {
    expect(markdownNotes(rows)).toBe('- 2.2: **wrong result**: run 2: 1 of 200 drafts wrong');
  });

  it('names the failed rows in the verdict', () => {
    expect(verdict(rows, 251.4)).toBe('1 of 3 rows FAILED (2.2) in 251 s.');
    expect(verdict(rows.slice(0, 1), 12)).toBe('All 1 rows passed in 12 s.');
  });

  it('puts machine, runs, table and verdict into the report', () => {
    const report: BenchReport = {
      startedAt: '2025-01-01T00:00:00.000Z',
      bundle: { bytes: 981_001, sha256: 'ab'.repeat(32), changed: false },
      seconds: 251.4,
      runs: 5,
      machine: {
        node: '20.20.2',
        actionNode: '24.9.0',
        platform: 'linux-x64',
        cpus: 2,
        cpuModel: 'Xeon',
        memoryGiB: 8,
        loadAverage: 0.42,
      },
      rows,
    };
    const text = markdownReport(report);
    expect(text).toContain('2 CPUs (Xeon)');
    expect(text).toContain('load average 0.42 at the start');
    expect(text).toContain('the action on Node 24.9.0');
    expect(text).toContain('Median, min and max of 5 runs.');
    expect(text).toContain(table);
    expect(text).toContain('1 of 3 rows FAILED (2.2) in 251 s.');
    expect(text).toContain('dist/index.js: 981,001 bytes, sha256 abababababab.');
    expect(text).not.toContain('mix two bundles');
    const mixed = markdownReport({ ...report, bundle: { ...report.bundle, changed: true } });
    expect(mixed).toContain('rebuilt while the benchmark ran: these runs mix two bundles');
  });
});

describe('describeCalls', () => {
  it.each([
    [[], 'no calls'],
    [[{}], 'no calls'],
    [
      [
        { ListDeploymentDrafts: 8, UpdateDeploymentDraft: 200 },
        { ListDeploymentDrafts: 8, UpdateDeploymentDraft: 200 },
      ],
      '8 ListDeploymentDrafts + 200 UpdateDeploymentDraft',
    ],
    [
      [
        { ListDeploymentDrafts: 40, UpdateDeploymentDraft: 1000 },
        { ListDeploymentDrafts: 100, UpdateDeploymentDraft: 1000 },
        { UpdateDeploymentDraft: 1000, GetDeploymentDraft: 3 },
      ],
      '0–100 ListDeploymentDrafts + 1000 UpdateDeploymentDraft + 0–3 GetDeploymentDraft',
    ],
  ] as [CallCounts[], string][])('%j → %s', (runs, text) => {
    expect(describeCalls(runs)).toBe(text);
  });
});
