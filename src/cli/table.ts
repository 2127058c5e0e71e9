// The CLI's table on a terminal: one line per draft, failures first, then the totals. Pure.
import { countByStatus } from '../report/summary.js';
import { isFailed, type DraftResult } from '../results.js';

const MESSAGE_CHARS = 120;

function oneLine(text: string, max: number): string {
  // Whitespace runs become one space; other control characters (an escape sequence's ESC) go.
  const flat = Array.from(text.replace(/\s+/g, ' '))
    .filter((c) => c >= ' ' && c !== '\u007f')
    .join('')
    .trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
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
