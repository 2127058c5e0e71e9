import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { unifiedDiff } from '../src/diff/diff.js';
import type { DraftResult, DraftStatus } from '../src/results.js';
import {
  countByStatus,
  escapeHtml,
  renderComment,
  renderSummary,
  statusMark,
  type SummaryInput,
} from '../src/report/summary.js';

const MARKER = '<!-- flink-draft-sync -->';
const STATUSES: DraftStatus[] = [
  'updated',
  'unchanged',
  'skipped',
  'failed',
  'would-update',
  'would-fail',
  'deployed',
  'restarted',
  'rolled-back',
  'would-deploy',
];

function result(over: Partial<DraftResult> = {}): DraftResult {
  return {
    file: 'jobs/orders.sql',
    draftId: 'd-1',
    workspace: 'ws',
    namespace: 'ns',
    status: 'updated',
    ...over,
  };
}

/** The table's data rows, in order, without the "+N more" row. */
function rows(text: string): string[] {
  return (text.match(/<tr><td>.*<\/td><\/tr>/g) ?? []).filter((r) => !r.includes('colspan'));
}

function moreCount(text: string): number {
  const m = /<td colspan="6">\+(\d+) more drafts? not shown/.exec(text);
  return m ? Number(m[1]) : 0;
}

function table(text: string): string {
  return text.slice(text.indexOf('<table>'), text.indexOf('</table>') + '</table>'.length);
}

const hostile = [
  '<script>alert(1)</script>',
  'a | b | c',
  '`rm -rf` ```fence```',
  'line one\nline two\r\n\r\n\nline three',
  'Tom & "Jerry" \'s',
  '订单表 🚀 ✅ naïve',
];

describe('escapeHtml', () => {
  it.each([
    ['<script>', '&lt;script&gt;'],
    ['a & b', 'a &amp; b'],
    ['"x" \'y\'', '&quot;x&quot; &#39;y&#39;'],
    ['&amp;', '&amp;amp;'],
    ['订单 🚀 `x` | y', '订单 🚀 `x` | y'],
  ])('%j', (input, expected) => {
    expect(escapeHtml(input)).toBe(expected);
  });
});

describe('statusMark', () => {
  it('gives every status its own mark', () => {
    const marks = STATUSES.map(statusMark);
    expect(new Set(marks).size).toBe(STATUSES.length);
    expect(statusMark('failed')).toBe('❌');
    expect(statusMark('updated')).toBe('✅');
  });
});

describe('countByStatus', () => {
  it('counts every status, zero included', () => {
    const counts = countByStatus([
      result({ status: 'updated' }),
      result({ status: 'updated' }),
      result({ status: 'would-fail' }),
    ]);
    expect(counts).toEqual({
      created: 0,
      'would-create': 0,
      deployed: 0,
      restarted: 0,
      'rolled-back': 0,
      'would-deploy': 0,
      orphaned: 0,
      deleted: 0,
      'would-delete': 0,
      updated: 2,
      unchanged: 0,
      skipped: 0,
      failed: 0,
      'would-update': 0,
      'would-fail': 1,
    });
  });
});

describe('renderSummary content', () => {
  const apply: SummaryInput = {
    mode: 'apply',
    commit: '0123456789abcdef0123456789abcdef01234567',
    notices: ['Remote comparison skipped: no credentials (fork pull request)'],
    results: [
      result({
        file: 'a.sql',
        draftId: 'd-a',
        draftName: 'orders',
        status: 'updated',
        requestId: 'R-1',
      }),
      result({ file: 'b.sql', draftId: 'd-b', status: 'unchanged' }),
      result({
        file: 'c.sql',
        draftId: 'd-c',
        status: 'failed',
        code: 'DraftLocked',
        message: 'Draft is locked by alice',
        requestId: 'R-3',
      }),
      result({ file: 'd.sql', draftId: 'd-d', status: 'updated', drift: true }),
    ],
  };

  it('starts with the mode, the short commit and the totals', () => {
    const text = renderSummary(apply);
    expect(text).toContain('<h2>Flink draft sync · apply · <code>0123456</code></h2>');
    expect(text).toContain('<p>2 updated · 1 unchanged · 0 skipped · 1 failed</p>');
  });

  it('counts plan statuses in plan words', () => {
    const text = renderSummary({
      mode: 'plan',
      results: [result({ status: 'would-update' }), result({ status: 'would-fail' })],
    });
    expect(text).toContain('<p>1 would update · 0 unchanged · 0 skipped · 1 would fail</p>');
    expect(text).toContain('no draft was changed');
  });

  it('shows notices', () => {
    expect(renderSummary(apply)).toContain(
      '<li>⚠️ Remote comparison skipped: no credentials (fork pull request)</li>',
    );
  });

  it('puts failures first and keeps manifest order otherwise', () => {
    const order = rows(renderSummary(apply)).map(
      (r) => /<code>([^<]*)<\/code><\/td><td><code>/.exec(r)?.[1],
    );
    expect(order).toEqual(['d-c', 'd-a', 'd-b', 'd-d']);
  });

  it('fills every column of a row', () => {
    const failed = rows(renderSummary(apply))[0];
    expect(failed).toBe(
      '<tr><td><code>d-c</code></td><td><code>c.sql</code></td><td>❌ failed</td>' +
        '<td><code>DraftLocked</code></td><td>Draft is locked by alice</td><td><code>R-3</code></td></tr>',
    );
    expect(rows(renderSummary(apply))[1]).toContain('<td>orders<br><code>d-a</code></td>');
    expect(rows(renderSummary(apply))[3]).toContain('✅ updated<br>🔀 edited outside git');
  });

  it('says so when there are no drafts', () => {
    const text = renderSummary({ mode: 'apply', results: [] });
    expect(text).toContain('No drafts were part of this run.');
    expect(text).toContain('<p>0 updated · 0 unchanged · 0 skipped · 0 failed</p>');
  });

  it('shortens long messages', () => {
    const text = renderSummary({ mode: 'apply', results: [result({ message: 'x'.repeat(5000) })] });
    const cell = /<td>(x+…)<\/td>/.exec(text)?.[1] ?? '';
    expect(cell.length).toBe(500);
  });

  it('never splits an emoji when shortening', () => {
    const text = renderSummary({
      mode: 'apply',
      results: [result({ message: 'a' + '🚀'.repeat(400) })],
    });
    expect(text).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    expect(text).toContain('🚀…');
  });
});

describe('renderSummary rollouts', () => {
  it('shows under the status what the merge will do to the job, and the IDs of what the run did', () => {
    const text = renderSummary({
      mode: 'apply',
      results: [
        result({
          status: 'restarted',
          rollout: {
            deploymentId: 'dep-1',
            jobId: 'job-2',
            stoppedJobId: 'job-1',
            savepointId: 'sp-1',
            restore: { kind: 'LATEST_SAVEPOINT', reason: 'the stop just took it' },
          },
        }),
        result({
          file: 'b.sql',
          status: 'would-deploy',
          rollout: { plan: 'deploy <the new> script only' },
        }),
      ],
    });
    const [restarted, planned] = rows(text);
    expect(restarted).toContain('🔄 restarted');
    expect(restarted).toContain('deployment <code>dep-1</code><br>job <code>job-2</code>');
    expect(restarted).toContain('stopped job <code>job-1</code><br>savepoint <code>sp-1</code>');
    expect(restarted).toContain(
      'started from <code>LATEST_SAVEPOINT</code>: the stop just took it',
    );
    expect(planned).toContain('🧭 merge will deploy &lt;the new&gt; script only');
  });

  it('counts rollout statuses in the totals only when a row has one', () => {
    const plain = renderSummary({ mode: 'apply', results: [result()] });
    expect(plain).not.toContain('deployed');
    const rolled = renderSummary({
      mode: 'apply',
      results: [
        result({ status: 'rolled-back', code: 'RolledBack' }),
        result({ status: 'deployed' }),
      ],
    });
    expect(rolled).toContain('1 rolled back');
    expect(rolled).toContain('1 deployed');
    // A rolled-back row is a failure: it comes first.
    expect(rows(rolled)[0]).toContain('rolled-back');
  });
});

describe('renderSummary escaping', () => {
  const untrusted = fc.oneof(fc.constantFrom(...hostile), fc.string({ unit: 'binary' }));

  it('escapes every untrusted value and keeps each row on one line', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            file: untrusted,
            draftId: untrusted,
            draftName: untrusted,
            code: untrusted,
            message: untrusted,
            requestId: untrusted,
            status: fc.constantFrom(...STATUSES),
          }),
          { minLength: 1, maxLength: 8 },
        ),
        fc.array(untrusted, { maxLength: 3 }),
        untrusted,
        (drafts, notices, commit) => {
          const results = drafts.map((d) => result(d));
          const text = renderSummary({ mode: 'apply', results, notices, commit });
          // Only our own tags survive; anything from the values is escaped.
          const tags = new Set(text.match(/<\/?[a-z0-9]+/g));
          for (const tag of tags) {
            expect([
              '<h2',
              '</h2',
              '<p',
              '</p',
              '<ul',
              '</ul',
              '<li',
              '</li',
              '<table',
              '</table',
              '<thead',
              '</thead',
              '<tbody',
              '</tbody',
              '<tr',
              '</tr',
              '<th',
              '</th',
              '<td',
              '</td',
              '<code',
              '</code',
              '<br',
            ]).toContain(tag);
          }
          // A line break inside the table would end the HTML block and let Markdown in.
          const lines = table(text).split('\n');
          expect(lines.every((l) => l.trim() !== '' && !l.includes('\r'))).toBe(true);
          expect(rows(text)).toHaveLength(results.length);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('escapes the hostile examples as expected', () => {
    const text = renderSummary({
      mode: 'apply',
      results: [result({ file: hostile[0], message: hostile.join(' ') })],
    });
    expect(text).toContain('<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>');
    expect(text).toContain(
      'a | b | c `rm -rf` ```fence``` line one line two line three Tom &amp; &quot;Jerry&quot; &#39;s 订单表 🚀 ✅ naïve',
    );
  });
});

describe('renderSummary diffs', () => {
  const withDiff = (diff: string, over: Partial<DraftResult> = {}): SummaryInput => ({
    mode: 'plan',
    results: [result({ status: 'would-update', diff, draftName: 'orders', ...over })],
  });

  it('puts each diff in a collapsible fenced block', () => {
    const diff = unifiedDiff('SELECT 1;\n', 'SELECT 2;\n').text;
    const text = renderSummary(withDiff(diff));
    expect(text).toContain(
      '<details><summary>📝 orders · <code>jobs/orders.sql</code></summary>\n\n```diff\n' +
        diff +
        '```\n\n</details>\n',
    );
  });

  it('uses a fence longer than any backtick run, so the diff cannot close it', () => {
    const diff = unifiedDiff('a\n', '````\n</details>\n```\n').text;
    const text = renderSummary(withDiff(diff));
    expect(text).toContain('`````diff\n' + diff + '`````\n\n</details>');
    // Only our own closing tag is outside the code block.
    const outside = text.replace(/`````diff\n[\s\S]*?\n`````\n/, '');
    expect(outside.match(/<\/details>/g)).toHaveLength(1);
  });

  it('makes a lone carriage return visible', () => {
    const text = renderSummary(withDiff('--- a\n+++ b\n@@ -1 +1 @@\n-x\r\n+y\n'));
    expect(text).toContain('-x␍\n');
    expect(text).not.toContain('\r');
  });

  it('shows no diff for rows that are not would-update', () => {
    const text = renderSummary(withDiff('--- a\n+++ b\n', { status: 'would-fail' }));
    expect(text).not.toContain('<details>');
  });
});

describe('renderSummary size', () => {
  const bigDiff = (i: number): string => {
    const old = Array.from({ length: 120 }, (_, n) => `SELECT ${n}, '订单 ${i}' FROM t_${n};`).join(
      '\n',
    );
    return unifiedDiff(old, old.replace(/SELECT (\d*0),/g, 'SELECT $1 + 1,'), {
      maxLines: Infinity,
      maxBytes: Infinity,
    }).text;
  };
  const manyDrafts = (
    n: number,
    status: (i: number) => DraftStatus,
    message: string,
  ): DraftResult[] =>
    Array.from({ length: n }, (_, i) =>
      result({
        file: `jobs/job_${i}.sql`,
        draftId: `d-${i}`,
        draftName: `job ${i} 🚀`,
        status: status(i),
        code: status(i).endsWith('fail') || status(i) === 'failed' ? 'InternalError' : undefined,
        message,
        requestId: `REQ-${i}`,
        diff: status(i) === 'would-update' ? bigDiff(i) : undefined,
      }),
    );

  it.each([
    {
      name: 'apply',
      mode: 'apply' as const,
      status: (i: number): DraftStatus => (i % 7 === 0 ? 'failed' : 'updated'),
    },
    {
      name: 'plan',
      mode: 'plan' as const,
      status: (i: number): DraftStatus => (i % 7 === 0 ? 'would-fail' : 'would-update'),
    },
  ])(
    '$name: 5,000 drafts fit in 1 MiB and the missing rows are counted exactly',
    ({ mode, status }) => {
      const results = manyDrafts(
        5000,
        status,
        '<b>Service unavailable</b> & retry later. 请稍后重试。'.repeat(30),
      );
      const text = renderSummary({ mode, results });
      const shown = rows(text);
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(1024 * 1024);
      expect(shown.length).toBeGreaterThan(0);
      expect(shown.length + moreCount(text)).toBe(5000);
      expect(text).not.toContain('<details>');
      // Failures come first, and the rows shown are the first ones.
      expect(shown[0]).toContain('<code>d-0</code>');
      expect(shown[1]).toContain('<code>d-7</code>');
    },
  );

  it.each([
    { name: 'small limit', maxBytes: 4096 },
    { name: 'medium limit', maxBytes: 100_000 },
    { name: 'odd limit', maxBytes: 333_333 },
  ])('$name: stays under maxBytes', ({ maxBytes }) => {
    const results = manyDrafts(
      5000,
      (i) => (i % 3 ? 'would-update' : 'would-fail'),
      'm'.repeat(2000),
    );
    const text = renderSummary({ mode: 'plan', results, maxBytes, notices: ['n'.repeat(1000)] });
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(maxBytes);
    expect(rows(text).length + moreCount(text)).toBe(5000);
  });

  it('shortens diffs before anything else', () => {
    const results = manyDrafts(20, () => 'would-update', 'a long message '.repeat(20));
    const full = renderSummary({ mode: 'plan', results, maxBytes: 10_000_000 });
    const limit = Math.floor(Buffer.byteLength(full) * 0.6);
    const text = renderSummary({ mode: 'plan', results, maxBytes: limit });
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(limit);
    expect(text.match(/<details>/g)).toHaveLength(20);
    expect(text).toMatch(/… \d+ more lines/);
    expect(rows(text)).toEqual(rows(full));
  });

  it('leaves diffs out, then shortens messages, before dropping rows', () => {
    const results = manyDrafts(50, () => 'would-update', 'word '.repeat(200));
    const noDiffs = renderSummary({
      mode: 'plan',
      results: results.map((r) => ({ ...r, diff: undefined })),
    });
    const rowsBytes = Buffer.byteLength(noDiffs);
    const limit = rowsBytes - 5_000;
    const text = renderSummary({ mode: 'plan', results, maxBytes: limit });
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(limit);
    expect(text).not.toContain('<details>');
    expect(text).toContain('Diffs of 50 drafts left out');
    expect(rows(text)).toHaveLength(50);
    expect(moreCount(text)).toBe(0);
    expect(rows(text)[0]).toMatch(/<td>(word ){20,}[^<]*…<\/td>/);
  });

  it('shows some diffs and counts the rest when not all fit', () => {
    const results = manyDrafts(200, () => 'would-update', 'ok');
    const text = renderSummary({ mode: 'plan', results, maxBytes: 150_000 });
    const shown = text.match(/<details>/g)?.length ?? 0;
    const left = Number(/Diffs of (\d+) drafts? left out/.exec(text)?.[1]);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(150_000);
    expect(shown).toBeGreaterThan(0);
    expect(shown + left).toBe(200);
    expect(rows(text)).toHaveLength(200);
  });

  it('rejects a limit too small for the heading and totals', () => {
    expect(() => renderSummary({ mode: 'apply', results: [], maxBytes: 100 })).toThrow(RangeError);
  });
});

describe('renderComment', () => {
  const heavy = (i: number): DraftResult =>
    result({
      file: `作业/任务_${i}.sql`,
      draftId: `d-${i}`,
      draftName: '🚀'.repeat(50),
      status: i % 2 ? 'would-update' : 'would-fail',
      message: '失败'.repeat(400),
      diff: `--- a\n+++ b\n@@ -1 +1 @@\n-${'旧'.repeat(3000)}\n+${'新'.repeat(3000)}\n`,
    });

  it('starts with the marker and stays under the comment limit by characters and bytes', () => {
    const results = Array.from({ length: 5000 }, (_, i) => heavy(i));
    const text = renderComment({ mode: 'plan', results, marker: MARKER, commit: 'abc1234' });
    expect(text.startsWith(`${MARKER}\n<h2>`)).toBe(true);
    expect(text.length).toBeLessThan(65_536);
    expect(Buffer.byteLength(text)).toBeLessThan(65_536);
    expect(rows(text).length + moreCount(text)).toBe(5000);
  });

  it('keeps a smaller limit given by the caller', () => {
    const results = Array.from({ length: 100 }, (_, i) => heavy(i));
    const text = renderComment({ mode: 'plan', results, marker: MARKER, maxBytes: 20_000 });
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(20_000);
  });

  it('has the same table as the summary', () => {
    const input: SummaryInput = { mode: 'apply', results: [result({ message: 'hello' })] };
    expect(renderComment({ ...input, marker: MARKER })).toBe(`${MARKER}\n${renderSummary(input)}`);
  });

  it.each(['flink-draft-sync', '<!-- a --> b -->', '<!-- a\n-->', '<!-- a -- >'])(
    'rejects the marker %j',
    (marker) => {
      expect(() => renderComment({ mode: 'apply', results: [], marker })).toThrow(TypeError);
    },
  );
});

describe('renderSummary line separators and control characters', () => {
  it.each([
    ['U+2028', 'a\u2028b'],
    ['U+2029', 'a\u2029b'],
    ['NEL', 'a\u0085b'],
    ['NUL', 'a\u0000b'],
    ['ESC', 'a\u001b[31mb'],
  ])('keeps a message with %s on one plain line', (_name, message) => {
    const text = renderSummary({
      mode: 'apply',
      results: [
        {
          file: 'a.sql',
          draftId: 'd1',
          workspace: 'w',
          namespace: 'n',
          status: 'failed',
          code: 'X',
          message,
        },
        { file: 'b.sql', draftId: 'd2', workspace: 'w', namespace: 'n', status: 'updated' },
      ],
    });
    expect(rows(text)).toHaveLength(2);
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u0085\u2028\u2029]/);
  });
});
