// The benchmark's output: a Markdown table (printed and written to a file) and a JSON document
// with every run's value. Pure.
import type { Row, Target } from './rows.js';

export interface Machine {
  node: string;
  actionNode: string;
  platform: string;
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  /** One-minute load average when the benchmark started: other work skews every timing. */
  loadAverage: number;
}

export interface BenchReport {
  startedAt: string;
  /** dist/index.js as measured; `changed` when it was rebuilt while the benchmark ran. */
  bundle: { bytes: number; sha256: string; changed: boolean };
  /** Wall time of the whole benchmark, setup included. */
  seconds: number;
  runs: number;
  machine: Machine;
  rows: Row[];
}

/** Enough digits to compare against the target, and no more. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1).replace(/\.0$/, '');
  return value.toFixed(2).replace(/\.?0+$/, '') || '0';
}

export function withUnit(value: number, unit: string): string {
  const number = formatNumber(value);
  if (unit === '' || !Number.isFinite(value)) return number;
  return unit === '×' ? `${number}×` : `${number} ${unit}`;
}

export function targetText(target: Target | undefined, unit: string): string {
  if (!target) return '—';
  const bound = `${target.bound === 'max' ? '≤' : '≥'} ${withUnit(target.value, unit)}`;
  return target.basis ? `${bound} (${target.basis})` : bound;
}

function correctness(row: Row): string {
  if (!row.verification) return '—';
  const { runs, failures } = row.verification;
  return `${failures.length === 0 ? '✓' : '✗'} ${runs - failures.length}/${runs}`;
}

function result(row: Row): string {
  if (row.pass) return row.target ? 'PASS' : 'ok';
  return 'FAIL';
}

/** Markdown cells cannot hold a pipe or a line break. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

export function markdownTable(rows: readonly Row[]): string {
  const header =
    '| # | measure | median | min | max | target | correct runs | result |\n' +
    '|---|---|--:|--:|--:|---|:-:|:-:|';
  const lines = rows.map((r) =>
    [
      r.id,
      `${r.section}: ${r.measure}`,
      withUnit(r.median, r.unit),
      withUnit(r.min, r.unit),
      withUnit(r.max, r.unit),
      targetText(r.target, r.unit),
      correctness(r),
      result(r),
    ]
      .map(cell)
      .join(' | '),
  );
  return [header, ...lines.map((l) => `| ${l} |`)].join('\n');
}

/** Notes and the failures of the correctness checks, keyed by row. */
export function markdownNotes(rows: readonly Row[]): string {
  const lines: string[] = [];
  for (const row of rows) {
    if (row.note) lines.push(`- ${row.id}: ${cell(row.note)}`);
    for (const failure of row.verification?.failures ?? []) {
      lines.push(`- ${row.id}: **wrong result**: ${cell(failure)}`);
    }
  }
  return lines.join('\n');
}

export function verdict(rows: readonly Row[], seconds: number): string {
  const failed = rows.filter((r) => !r.pass);
  return failed.length === 0
    ? `All ${rows.length} rows passed in ${seconds.toFixed(0)} s.`
    : `${failed.length} of ${rows.length} rows FAILED (${failed.map((r) => r.id).join(', ')}) ` +
        `in ${seconds.toFixed(0)} s.`;
}

export function markdownReport(report: BenchReport): string {
  const m = report.machine;
  return [
    '# flink-draft-sync benchmarks',
    '',
    `${report.startedAt}: ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB RAM, ${m.platform}, ` +
      `load average ${m.loadAverage.toFixed(2)} at the start; ` +
      `the action on Node ${m.actionNode}, the benchmark on Node ${m.node}. ` +
      `Median, min and max of ${report.runs} runs. ` +
      `dist/index.js: ${report.bundle.bytes.toLocaleString('en-US')} bytes, sha256 ${report.bundle.sha256.slice(0, 12)}.`,
    '',
    ...(report.bundle.changed
      ? ['**dist/index.js was rebuilt while the benchmark ran: these runs mix two bundles.**', '']
      : []),
    markdownTable(report.rows),
    '',
    markdownNotes(report.rows),
    '',
    verdict(report.rows, report.seconds),
    '',
  ].join('\n');
}

export function jsonReport(report: BenchReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
