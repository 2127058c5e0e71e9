// Line-based unified diff of a draft's current SQL against the file in git, for plan mode.
// Myers' O(ND) algorithm in linear space, so megabyte scripts never need an N×M table.
import { Buffer } from 'node:buffer';
import { myers } from './myers.js';

export interface DiffOptions {
  oldLabel?: string;
  newLabel?: string;
  /** Unchanged lines shown around each change. */
  context?: number;
  /** Upper bound on the lines of `text`, the "… N more lines" tail included. */
  maxLines?: number;
  /** Upper bound on the UTF-8 bytes of `text`, the tail included. */
  maxBytes?: number;
}

export interface DiffResult {
  /** Empty when the texts are identical. */
  text: string;
  truncated: boolean;
  /** Lines added and removed in the whole diff, shown or not. */
  added: number;
  removed: number;
}

export interface DiffLimits {
  maxLines?: number;
  maxBytes?: number;
}

const DEFAULT_CONTEXT = 3;
// Diffs are for reading in a summary or comment; the summary shortens them further to fit its own limit.
const DEFAULT_MAX_LINES = 500;
const DEFAULT_MAX_BYTES = 32 * 1024;
const TAIL = /^… (\d+) more lines?$/;

export function unifiedDiff(oldText: string, newText: string, opts: DiffOptions = {}): DiffResult {
  if (oldText === newText) return { text: '', truncated: false, added: 0, removed: 0 };
  const oldLabel = oneLine(opts.oldLabel ?? 'old');
  const newLabel = oneLine(opts.newLabel ?? 'new');
  const before = splitLines(oldText);
  const after = splitLines(newText);
  const notes: string[] = [];

  const endingsNote = lineEndingsNote(before, after, oldLabel, newLabel);
  const sameContent =
    before.final === after.final &&
    before.lines.length === after.lines.length &&
    before.lines.every((line, i) => line === after.lines[i]);
  if (sameContent) {
    // A diff would show every line as changed and hide the one real difference; name it instead.
    return {
      text: `Only line endings differ: ${endingsNote ?? 'some lines changed between LF and CRLF'}\n`,
      truncated: false,
      added: 0,
      removed: 0,
    };
  }
  if (endingsNote)
    notes.push(`Line endings differ (${endingsNote}); lines are compared without them.`);

  const changes = compareLines(before, after);
  const hunks = buildHunks(changes, Math.max(0, opts.context ?? DEFAULT_CONTEXT));
  const added = changes.newChanged.reduce((n, c) => n + c, 0);
  const removed = changes.oldChanged.reduce((n, c) => n + c, 0);
  const header = [...notes, `--- ${oldLabel}`, `+++ ${newLabel}`];
  const lines = diffLines(before, after, changes, hunks, header);
  const { text, truncated } = takeLines(lines, {
    maxLines: opts.maxLines ?? DEFAULT_MAX_LINES,
    maxBytes: opts.maxBytes ?? DEFAULT_MAX_BYTES,
  });
  return { text, truncated, added, removed };
}

/**
 * Cuts a diff's text at a line boundary so it fits the limits, ending it with "… N more lines".
 * A tail left by an earlier cut is counted in, so N stays the number of lines really left out.
 */
export function shortenDiff(
  text: string,
  limits: DiffLimits,
): { text: string; truncated: boolean } {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let earlier = 0;
  const tail = TAIL.exec(lines[lines.length - 1] ?? '');
  if (tail) {
    lines.pop();
    earlier = Number(tail[1]);
  }
  const cut = takeLines(lines, limits, earlier);
  return { text: cut.text, truncated: cut.truncated || earlier > 0 };
}

interface SplitText {
  lines: string[];
  /** Whether the text ends with a line break; meaningless when there are no lines. */
  final: boolean;
  crlf: number;
  lf: number;
}

function splitLines(text: string): SplitText {
  if (text === '') return { lines: [], final: true, crlf: 0, lf: 0 };
  const lines = text.split('\n');
  const final = lines[lines.length - 1] === '';
  if (final) lines.pop();
  let crlf = 0;
  // Every line but an unterminated last one was followed by '\n'.
  const terminated = final ? lines.length : lines.length - 1;
  for (let i = 0; i < terminated; i++) {
    const line = lines[i] as string;
    if (line.endsWith('\r')) {
      lines[i] = line.slice(0, -1);
      crlf++;
    }
  }
  return { lines, final, crlf, lf: terminated - crlf };
}

function endingStyle(t: SplitText): string | undefined {
  if (t.crlf === 0 && t.lf === 0) return undefined;
  if (t.crlf === 0) return 'LF';
  if (t.lf === 0) return 'CRLF';
  return 'mixed LF and CRLF';
}

function lineEndingsNote(
  before: SplitText,
  after: SplitText,
  oldLabel: string,
  newLabel: string,
): string | undefined {
  const from = endingStyle(before);
  const to = endingStyle(after);
  if (!from || !to) return undefined;
  if (from === to && (before.crlf === after.crlf || from !== 'mixed LF and CRLF')) return undefined;
  return `${oldLabel} uses ${from}, ${newLabel} uses ${to}`;
}

function oneLine(label: string): string {
  return label.replace(/[\r\n\t]+/g, ' ');
}

interface Changes {
  oldChanged: Uint8Array;
  newChanged: Uint8Array;
}

/** Marks each line that is not part of a longest common subsequence, with 1. */
function compareLines(before: SplitText, after: SplitText): Changes {
  const ids = new Map<string, number>();
  const toIds = (t: SplitText): Int32Array => {
    const out = new Int32Array(t.lines.length);
    t.lines.forEach((line, i) => {
      // An unterminated last line differs from the same text with a line break. Lines never
      // contain '\n', so prefixing one keeps the two apart.
      const key = !t.final && i === t.lines.length - 1 ? `\n${line}` : line;
      let id = ids.get(key);
      if (id === undefined) ids.set(key, (id = ids.size));
      out[i] = id;
    });
    return out;
  };
  const a = toIds(before);
  const b = toIds(after);
  const oldChanged = new Uint8Array(a.length);
  const newChanged = new Uint8Array(b.length);

  // A line with no equal on the other side cannot be in a common subsequence. Leaving such lines
  // out before the search keeps it fast when a script is mostly rewritten.
  const inA = new Uint8Array(ids.size);
  const inB = new Uint8Array(ids.size);
  for (const id of a) inA[id] = 1;
  for (const id of b) inB[id] = 1;
  const keptA = keep(a, inB, oldChanged);
  const keptB = keep(b, inA, newChanged);

  const changedA = new Uint8Array(keptA.values.length);
  const changedB = new Uint8Array(keptB.values.length);
  myers(keptA.values, keptB.values, changedA, changedB);
  changedA.forEach((c, i) => c && (oldChanged[keptA.index[i] as number] = 1));
  changedB.forEach((c, i) => c && (newChanged[keptB.index[i] as number] = 1));
  return { oldChanged, newChanged };
}

function keep(
  seq: Int32Array,
  present: Uint8Array,
  changed: Uint8Array,
): { values: Int32Array; index: Int32Array } {
  const values: number[] = [];
  const index: number[] = [];
  seq.forEach((id, i) => {
    if (present[id]) {
      values.push(id);
      index.push(i);
    } else {
      changed[i] = 1;
    }
  });
  return { values: Int32Array.from(values), index: Int32Array.from(index) };
}

interface Hunk {
  /** Start and end, exclusive, in the old and new line arrays. */
  oldStart: number;
  oldEnd: number;
  newStart: number;
  newEnd: number;
}

function buildHunks({ oldChanged, newChanged }: Changes, context: number): Hunk[] {
  const hunks: Hunk[] = [];
  let i = 0;
  let j = 0;
  while (i < oldChanged.length || j < newChanged.length) {
    if (!oldChanged[i] && !newChanged[j]) {
      i++;
      j++;
      continue;
    }
    const startI = i;
    const startJ = j;
    while (oldChanged[i]) i++;
    while (newChanged[j]) j++;
    const last = hunks[hunks.length - 1];
    if (last && startI - last.oldEnd <= 2 * context) {
      last.oldEnd = i;
      last.newEnd = j;
    } else {
      const lead = Math.min(context, startI - (last?.oldEnd ?? 0));
      hunks.push({ oldStart: startI - lead, oldEnd: i, newStart: startJ - lead, newEnd: j });
    }
  }
  // Trailing context, stopped by the end of the old text (matched lines pair up to the end).
  for (const h of hunks) {
    const trail = Math.min(context, oldChanged.length - h.oldEnd);
    h.oldEnd += trail;
    h.newEnd += trail;
  }
  return hunks;
}

function range(start: number, length: number): string {
  if (length === 0) return `${start},0`;
  return length === 1 ? `${start + 1}` : `${start + 1},${length}`;
}

function* diffLines(
  before: SplitText,
  after: SplitText,
  changes: Changes,
  hunks: Hunk[],
  header: string[],
): Generator<string> {
  const noNewline = '\\ No newline at end of file';
  const oldOpen = (i: number): boolean => !before.final && i === before.lines.length - 1;
  const newOpen = (j: number): boolean => !after.final && j === after.lines.length - 1;
  yield* header;
  for (const h of hunks) {
    yield `@@ -${range(h.oldStart, h.oldEnd - h.oldStart)} +${range(h.newStart, h.newEnd - h.newStart)} @@`;
    let i = h.oldStart;
    let j = h.newStart;
    while (i < h.oldEnd || j < h.newEnd) {
      if (!changes.oldChanged[i] && !changes.newChanged[j]) {
        yield ` ${before.lines[i]}`;
        if (oldOpen(i)) yield noNewline;
        i++;
        j++;
        continue;
      }
      for (; i < h.oldEnd && changes.oldChanged[i]; i++) {
        yield `-${before.lines[i]}`;
        if (oldOpen(i)) yield noNewline;
      }
      for (; j < h.newEnd && changes.newChanged[j]; j++) {
        yield `+${after.lines[j]}`;
        if (newOpen(j)) yield noNewline;
      }
    }
  }
}

function tailLine(more: number): string {
  return `… ${more} more line${more === 1 ? '' : 's'}`;
}

/** Keeps whole lines while they fit; `earlier` counts lines an earlier cut already left out. */
function takeLines(
  lines: Iterable<string>,
  limits: DiffLimits,
  earlier = 0,
): { text: string; truncated: boolean } {
  const maxLines = limits.maxLines ?? Infinity;
  const maxBytes = limits.maxBytes ?? Infinity;
  const kept: string[] = [];
  const sizes: number[] = [];
  let bytes = 0;
  let more = 0;
  for (const line of lines) {
    if (more === 0) {
      const size = Buffer.byteLength(line) + 1;
      if (kept.length < maxLines && bytes + size <= maxBytes) {
        kept.push(line);
        sizes.push(size);
        bytes += size;
        continue;
      }
    }
    more++;
  }
  more += earlier;
  if (more === 0) return { text: kept.length ? kept.join('\n') + '\n' : '', truncated: false };
  const tailFits = (): boolean =>
    kept.length + 1 <= maxLines && bytes + Buffer.byteLength(tailLine(more)) + 1 <= maxBytes;
  while (kept.length > 0 && !tailFits()) {
    bytes -= sizes.pop() as number;
    kept.pop();
    more++;
  }
  if (!tailFits()) return { text: '', truncated: true };
  kept.push(tailLine(more));
  return { text: kept.join('\n') + '\n', truncated: true };
}
