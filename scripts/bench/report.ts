// Text output of the benchmarks: one line per check as it is measured, and a closing table.
import type { Check } from './measure.js';

type Row = Check & { id: number };

/** Enough digits to compare against the target, and no more. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1).replace(/\.0$/, '');
  return value.toFixed(2).replace(/\.?0+$/, '') || '0';
}

function withUnit(value: number, unit: string): string {
  const number = formatNumber(value);
  if (unit === '') return number;
  return unit === 'x' ? `${number}x` : `${number} ${unit}`;
}

export function measured(row: Check): string {
  return withUnit(row.value, row.unit);
}

export function target(row: Check): string {
  return `${row.bound === 'max' ? '≤' : '≥'} ${withUnit(row.target, row.unit)}`;
}

function verdict(row: Check): string {
  return row.pass ? 'PASS' : 'FAIL';
}

export function formatLine(row: Row): string {
  const note = row.note ? `  (${row.note.replace(/\s*\n\s*/g, ' | ')})` : '';
  return `${verdict(row)}  [${row.id}] ${row.bench} · ${row.metric}: ${measured(row)}, target ${target(row)}${note}`;
}

export function formatTable(rows: readonly Row[]): string {
  const header = ['#', 'benchmark', 'metric', 'measured', 'target', ''];
  const body = rows.map((r) => [
    String(r.id),
    r.bench,
    r.metric,
    measured(r),
    target(r),
    verdict(r),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => width(cells[i]))));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => {
        const pad = ' '.repeat(Math.max(0, (widths[i] ?? 0) - width(cell)));
        // Numbers line up on the right, words on the left.
        return i === 3 || i === 4 ? pad + cell : cell + pad;
      })
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('  ');
  return [line(header), rule, ...body.map(line)].join('\n');
}

/** Columns taken on a terminal; every character used here is one column wide. */
function width(text: string | undefined): number {
  return [...(text ?? '')].length;
}
