import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { shortenDiff, unifiedDiff } from '../src/diff/diff.js';
import * as jsdiff from 'diff';

const NO_LIMITS = { maxLines: Infinity, maxBytes: Infinity };

/**
 * Applies a unified diff to `oldText`, checking every context and removed line against it and
 * every hunk header against its body. Notes before the `---` header are skipped.
 */
function applyPatch(oldText: string, patch: string): string {
  interface Line {
    text: string;
    newline: boolean;
  }
  const split = (t: string): Line[] => {
    if (t === '') return [];
    const parts = t.split('\n');
    const final = parts[parts.length - 1] === '';
    if (final) parts.pop();
    return parts.map((text, i) => ({ text, newline: final || i < parts.length - 1 }));
  };
  const old = split(oldText);
  const out: Line[] = [];
  const lines = patch.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let at = lines.findIndex((l) => l.startsWith('--- '));
  if (at < 0 || !lines[at + 1]?.startsWith('+++ ')) throw new Error('no file header');
  at += 2;
  let cursor = 0;
  while (at < lines.length) {
    const header = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$/.exec(lines[at] ?? '');
    if (!header) throw new Error(`bad hunk header: ${lines[at]}`);
    at++;
    const oldLen = header[2] === undefined ? 1 : Number(header[2]);
    const newLen = header[4] === undefined ? 1 : Number(header[4]);
    const oldStart = oldLen === 0 ? Number(header[1]) : Number(header[1]) - 1;
    const newStart = newLen === 0 ? Number(header[3]) : Number(header[3]) - 1;
    if (oldStart < cursor) throw new Error('hunks overlap or go backwards');
    out.push(...old.slice(cursor, oldStart));
    cursor = oldStart;
    if (out.length !== newStart) throw new Error(`new start ${newStart}, but at ${out.length}`);
    let seenOld = 0;
    let seenNew = 0;
    let last: { old?: Line; new?: Line } = {};
    while (at < lines.length && !lines[at]?.startsWith('@@ ')) {
      const line = lines[at] as string;
      const body = line.slice(1);
      if (line.startsWith('\\')) {
        if (last.old) last.old.newline = false;
        if (last.new) last.new.newline = false;
      } else if (line.startsWith('+')) {
        last = { new: { text: body, newline: true } };
        out.push(last.new as Line);
        seenNew++;
      } else {
        const original = old[cursor];
        if (original?.text !== body)
          throw new Error(`expected ${original?.text}, patch has ${body}`);
        last = { old: { ...original } };
        cursor++;
        seenOld++;
        if (line.startsWith(' ')) {
          last.new = { ...original };
          out.push(last.new);
          seenNew++;
        } else if (!line.startsWith('-')) {
          throw new Error(`bad line: ${line}`);
        }
      }
      // The old side's "no newline" must agree with the old text.
      if (last.old && line.startsWith('\\') && old[cursor - 1]?.newline !== false) {
        throw new Error('no-newline marker on a line that has one');
      }
      at++;
    }
    if (seenOld !== oldLen || seenNew !== newLen) throw new Error('hunk header counts are wrong');
  }
  out.push(...old.slice(cursor));
  return out.map((l) => l.text + (l.newline ? '\n' : '')).join('');
}

const normalize = (t: string): string => t.replace(/\r\n/g, '\n');

const textArb = (alphabet: string[], maxLength: number): fc.Arbitrary<string> =>
  fc
    .record({
      lines: fc.array(
        fc.record({ text: fc.constantFrom(...alphabet), eol: fc.constantFrom('\n', '\r\n') }),
        { maxLength },
      ),
      final: fc.boolean(),
    })
    .map(({ lines, final }) =>
      lines.map((l, i) => l.text + (final || i < lines.length - 1 ? l.eol : '')).join(''),
    );

const count = (text: string, sign: string): number =>
  text.split('\n').filter((l) => l.startsWith(sign) && !l.startsWith(`${sign.repeat(3)} `)).length;

function lcsLength(a: string[], b: string[]): number {
  let prev = new Array<number>(b.length + 1).fill(0);
  for (const x of a) {
    const row = [0];
    b.forEach((y, j) =>
      row.push(
        x === y ? (prev[j] as number) + 1 : Math.max(prev[j + 1] as number, row[j] as number),
      ),
    );
    prev = row;
  }
  return prev[b.length] as number;
}

describe('unifiedDiff known outputs', () => {
  const cases: { name: string; old: string; new: string; opts?: object; text: string }[] = [
    { name: 'identical texts', old: 'a\nb\n', new: 'a\nb\n', text: '' },
    { name: 'both empty', old: '', new: '', text: '' },
    {
      name: 'empty old text',
      old: '',
      new: 'a\nb\n',
      text: '--- old\n+++ new\n@@ -0,0 +1,2 @@\n+a\n+b\n',
    },
    {
      name: 'empty new text',
      old: 'a\n',
      new: '',
      text: '--- old\n+++ new\n@@ -1 +0,0 @@\n-a\n',
    },
    {
      name: 'one changed line with context',
      old: '1\n2\n3\n4\n5\n6\n7\n8\n9\n',
      new: '1\n2\n3\n4\nfive\n6\n7\n8\n9\n',
      text: '--- old\n+++ new\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n',
    },
    {
      name: 'distant changes make two hunks',
      old: 'a\nb\nc\nd\ne\nf\ng\nh\n',
      new: 'A\nb\nc\nd\ne\nf\ng\nH\n',
      opts: { context: 1 },
      text: '--- old\n+++ new\n@@ -1,2 +1,2 @@\n-a\n+A\n b\n@@ -7,2 +7,2 @@\n g\n-h\n+H\n',
    },
    {
      name: 'changes within twice the context share a hunk',
      old: 'a\nb\nc\nd\n',
      new: 'A\nb\nc\nD\n',
      opts: { context: 1 },
      text: '--- old\n+++ new\n@@ -1,4 +1,4 @@\n-a\n+A\n b\n c\n-d\n+D\n',
    },
    {
      name: 'no context',
      old: 'a\nb\nc\n',
      new: 'a\nc\n',
      opts: { context: 0 },
      text: '--- old\n+++ new\n@@ -2 +1,0 @@\n-b\n',
    },
    {
      name: 'final newline removed',
      old: 'a\nb\n',
      new: 'a\nb',
      text: '--- old\n+++ new\n@@ -1,2 +1,2 @@\n a\n-b\n+b\n\\ No newline at end of file\n',
    },
    {
      name: 'final newline added',
      old: 'a',
      new: 'a\n',
      text: '--- old\n+++ new\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+a\n',
    },
    {
      name: 'unterminated last line kept as context',
      old: 'a\nb\nc',
      new: 'x\nb\nc',
      text: '--- old\n+++ new\n@@ -1,3 +1,3 @@\n-a\n+x\n b\n c\n\\ No newline at end of file\n',
    },
    {
      name: 'labels on one line',
      old: 'a\n',
      new: 'b\n',
      opts: { oldLabel: 'draft my\njob', newLabel: 'jobs/a.sql' },
      text: '--- draft my job\n+++ jobs/a.sql\n@@ -1 +1 @@\n-a\n+b\n',
    },
    {
      name: 'only line endings differ',
      old: 'a\r\nb\r\n',
      new: 'a\nb\n',
      opts: { oldLabel: 'draft', newLabel: 'a.sql' },
      text: 'Only line endings differ: draft uses CRLF, a.sql uses LF\n',
    },
    {
      name: 'line endings and content differ',
      old: 'a\nb\n',
      new: 'a\r\nc\r\n',
      text:
        'Line endings differ (old uses LF, new uses CRLF); lines are compared without them.\n' +
        '--- old\n+++ new\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n',
    },
    {
      name: 'same CRLF endings on both sides',
      old: 'a\r\nb\r\n',
      new: 'a\r\nc\r\n',
      text: '--- old\n+++ new\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n',
    },
  ];
  it.each(cases)('$name', ({ old, new: next, opts, text }) => {
    expect(unifiedDiff(old, next, opts).text).toBe(text);
  });

  it('counts added and removed lines', () => {
    const r = unifiedDiff('a\nb\nc\n', 'a\nB\nC\nD\n');
    expect({ added: r.added, removed: r.removed, truncated: r.truncated }).toEqual({
      added: 3,
      removed: 2,
      truncated: false,
    });
  });
});

describe('unifiedDiff truncation', () => {
  const old = Array.from({ length: 400 }, (_, i) => `line ${i}`).join('\n') + '\n';
  const next = old.replace(/line (\d*[05])\n/g, 'changed $1\n');
  const full = unifiedDiff(old, next, NO_LIMITS).text.split('\n').slice(0, -1);

  it.each([
    { name: 'by lines', limits: { maxLines: 10, maxBytes: Infinity } },
    { name: 'by bytes', limits: { maxLines: Infinity, maxBytes: 300 } },
    { name: 'by both', limits: { maxLines: 40, maxBytes: 400 } },
  ])('$name: keeps a prefix and counts the rest exactly', ({ limits }) => {
    const r = unifiedDiff(old, next, limits);
    const lines = r.text.split('\n').slice(0, -1);
    const tail = /^… (\d+) more lines$/.exec(lines[lines.length - 1] ?? '');
    expect(r.truncated).toBe(true);
    expect(tail).not.toBeNull();
    expect(lines.slice(0, -1)).toEqual(full.slice(0, lines.length - 1));
    expect(lines.length - 1 + Number(tail?.[1])).toBe(full.length);
    expect(lines.length).toBeLessThanOrEqual(limits.maxLines);
    expect(Buffer.byteLength(r.text)).toBeLessThanOrEqual(limits.maxBytes);
    expect({ added: r.added, removed: r.removed }).toEqual({ added: 80, removed: 80 });
  });

  it('stays within any limits', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 0, max: 3000 }),
        (maxLines, maxBytes) => {
          const r = unifiedDiff(old, next, { maxLines, maxBytes });
          const lines = r.text === '' ? [] : r.text.split('\n').slice(0, -1);
          expect(lines.length).toBeLessThanOrEqual(maxLines);
          expect(Buffer.byteLength(r.text)).toBeLessThanOrEqual(maxBytes);
          expect(r.truncated).toBe(true);
        },
      ),
    );
  });
});

describe('shortenDiff', () => {
  const diff = unifiedDiff('a\nb\nc\nd\ne\n', 'A\nB\nC\nD\nE\n', NO_LIMITS).text;

  it.each([
    { name: 'fits as it is', limits: { maxLines: 100 }, text: diff, truncated: false },
    {
      name: 'cut by lines',
      limits: { maxLines: 4 },
      text: '--- old\n+++ new\n@@ -1,5 +1,5 @@\n… 10 more lines\n',
      truncated: true,
    },
  ])('$name', ({ limits, text, truncated }) => {
    expect(shortenDiff(diff, limits)).toEqual({ text, truncated });
  });

  it('counts the lines an earlier cut left out', () => {
    const once = unifiedDiff('a\nb\nc\nd\ne\n', 'A\nB\nC\nD\nE\n', { maxLines: 8 }).text;
    expect(once.endsWith('… 6 more lines\n')).toBe(true);
    expect(shortenDiff(once, { maxLines: 4 }).text).toBe(
      '--- old\n+++ new\n@@ -1,5 +1,5 @@\n… 10 more lines\n',
    );
    expect(shortenDiff(once, { maxLines: 100 })).toEqual({ text: once, truncated: true });
  });
});

describe('unifiedDiff properties', () => {
  const alphabet = ['a', 'b', 'c', '', 'SELECT 1;', '  x', '```', 'x\r'];

  it('its hunks turn the old text into the new one', () => {
    fc.assert(
      fc.property(textArb(alphabet, 40), textArb(alphabet, 40), fc.nat(4), (old, next, context) => {
        const r = unifiedDiff(old, next, { ...NO_LIMITS, context });
        if (old === next) {
          expect(r.text).toBe('');
        } else if (normalize(old) === normalize(next)) {
          expect(r.text).toMatch(/^Only line endings differ: /);
        } else {
          expect(applyPatch(normalize(old), r.text)).toBe(normalize(next));
          expect(count(r.text, '+')).toBe(r.added);
          expect(count(r.text, '-')).toBe(r.removed);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('changes as few lines as possible', () => {
    const lines = fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 60 });
    fc.assert(
      fc.property(lines, lines, (a, b) => {
        const r = unifiedDiff(
          a.map((l) => `${l}\n`).join(''),
          b.map((l) => `${l}\n`).join(''),
          NO_LIMITS,
        );
        expect(r.added + r.removed).toBe(a.length + b.length - 2 * lcsLength(a, b));
      }),
      { numRuns: 300 },
    );
  });

  it('stays correct when the search gives up on a minimal diff', () => {
    // Thousands of lines from four values force edit scripts longer than the exact search allows.
    const big = fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: 2000, maxLength: 4000 });
    fc.assert(
      fc.property(big, big, (a, b) => {
        const old = a.join('\n') + '\n';
        const next = b.join('\n') + '\n';
        expect(applyPatch(old, unifiedDiff(old, next, NO_LIMITS).text)).toBe(next);
      }),
      { numRuns: 5 },
    );
  });
});

describe('unifiedDiff on a large script', () => {
  it('diffs 1 MiB and 20,000 lines', () => {
    const statement = (i: number): string =>
      `INSERT INTO sink_${i % 97} SELECT id, name, amount * ${i} FROM source WHERE id > ${i};`;
    const old = Array.from({ length: 20_000 }, (_, i) => statement(i));
    const next = old.map((l, i) => (i % 250 === 0 ? `${l} -- reviewed` : l));
    next.splice(10_000, 0, 'SET parallelism = 4;');
    const oldText = old.join('\n') + '\n';
    const nextText = next.join('\n') + '\n';
    expect(Buffer.byteLength(oldText)).toBeGreaterThan(1024 * 1024);

    const r = unifiedDiff(oldText, nextText, NO_LIMITS);
    expect({ added: r.added, removed: r.removed }).toEqual({ added: 81, removed: 80 });
    expect(applyPatch(oldText, r.text)).toBe(nextText);
  });

  it('diffs a fully rewritten 20,000-line script', () => {
    const old = Array.from({ length: 20_000 }, (_, i) => `old ${i % 500}`).join('\n');
    const next = Array.from({ length: 20_000 }, (_, i) => `new ${i % 700}`).join('\n');
    const r = unifiedDiff(old, next, NO_LIMITS);
    expect({ added: r.added, removed: r.removed }).toEqual({ added: 20_000, removed: 20_000 });
    expect(applyPatch(old, r.text)).toBe(next);
  });
});

// jsdiff (the `diff` package, a devDependency only) is a second, independent implementation of
// the unified format: a patch it can apply, and an edit as short as its own, cannot come from a
// mistake that this file's own applyPatch shares with diff.ts.
describe('against jsdiff', () => {
  const lfText = fc
    .record({
      lines: fc.array(fc.constantFrom('a', 'b', 'c', 'SELECT 1;', '', '  -- x'), {
        maxLength: 40,
      }),
      final: fc.boolean(),
    })
    .map(({ lines, final }) => lines.join('\n') + (final && lines.length > 0 ? '\n' : ''));

  it('writes patches that jsdiff applies to the old text, giving the new one', () => {
    fc.assert(
      fc.property(lfText, lfText, fc.nat({ max: 5 }), (before, after, context) => {
        const { text } = unifiedDiff(before, after, { ...NO_LIMITS, context });
        expect(text === '' ? before : jsdiff.applyPatch(before, text)).toBe(after);
      }),
      { numRuns: 500 },
    );
  });

  it('changes as few lines as jsdiff does: both are shortest edits', () => {
    fc.assert(
      fc.property(lfText, lfText, (before, after) => {
        const ours = unifiedDiff(before, after, NO_LIMITS);
        const theirs = jsdiff
          .structuredPatch('old', 'new', before, after, '', '', { context: 0 })
          .hunks.flatMap((hunk) => hunk.lines);
        const changed = theirs.filter((line) => /^[-+]/.test(line)).length;
        expect(ours.added + ours.removed).toBe(changed);
      }),
      { numRuns: 500 },
    );
  });
});
