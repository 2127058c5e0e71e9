// The CLI's table on a terminal: one line per draft, failures first, then the totals. Pure.
import { countByStatus } from '../report/summary.js';
import { isFailed, type DraftResult } from '../results.js';
import type { ImportReport } from '../import/import.js';

const MESSAGE_CHARS = 120;

function oneLine(text: string, max: number): string {
  // Whitespace runs become one space; other control characters (an escape sequence's ESC) go.
  const flat = Array.from(text.replace(/\s+/g, ' '))
    .filter((c) => c >= ' ' && c !== '\u007f')
    .join('')
    .trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** Pads every column but the last to its widest cell. */
function columns(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  return [header, ...rows].map((cells) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** `import`'s table: each file, each draft skipped, and what happened to the manifest. */
export function renderImport(report: ImportReport): string {
  const rows = [
    ...report.files.map((f) => [f.status, f.file, f.name, oneLine(f.message ?? '', MESSAGE_CHARS)]),
    ...report.skipped.map((s) => [
      'skipped',
      '',
      oneLine(s.name || s.draftId, 60),
      oneLine(s.why, MESSAGE_CHARS),
    ]),
  ];
  const counts = new Map<string, number>();
  for (const [status] of rows)
    counts.set(status as string, (counts.get(status as string) ?? 0) + 1);
  const totals = [...counts].map(([status, n]) => `${n} ${status}`).join(', ') || 'no drafts';
  const { manifest } = report;
  const said =
    manifest.status === 'unchanged'
      ? `${manifest.path}: unchanged (every draft was already in it)`
      : `${manifest.path}: ${manifest.status}, ${manifest.added} ${manifest.added === 1 ? 'entry' : 'entries'} added`;
  return [...columns(['STATUS', 'FILE', 'DRAFT', 'MESSAGE'], rows), '', totals, said, ''].join(
    '\n',
  );
}

export function renderTable(results: readonly DraftResult[], mode: 'plan' | 'apply'): string {
  if (results.length === 0) return 'No drafts were part of this run.\n';
  const rows = [...results.filter(isFailed), ...results.filter((r) => !isFailed(r))].map((r) => [
    r.status,
    r.file,
    r.draftName ?? r.draftId,
    r.code ?? '',
    oneLine(r.message ?? r.rollout?.plan ?? '', MESSAGE_CHARS),
  ]);
  const header = ['STATUS', 'FILE', 'DRAFT', 'CODE', 'MESSAGE'];
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const counts = countByStatus([...results]);
  const totals = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`)
    .join(', ');
  const note = mode === 'plan' ? ' (plan: nothing was changed)' : '';
  return [line(header), ...rows.map(line), '', `${totals}${note}`, ''].join('\n');
}
