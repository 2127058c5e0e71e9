import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createServer } from 'node:net';
import {
  COMMENT_BODY_LIMIT,
  commentMarker,
  fitCommentBody,
  isCommentMarker,
  truncationNote,
  upsertPrComments,
  type CommentOutcome,
  type UpsertOptions,
} from '../src/report/pr-comment.js';
import {
  FAKE_COMMENT_BODY_LIMIT,
  FakeGitHub,
  type FakeFault,
  type FakeRoute,
} from './support/fake-github.js';

const TOKEN = 'ghs_pr0comment0test0token0abcdefghijklmn';
const MARKER = commentMarker();

let fake: FakeGitHub;

beforeEach(async () => {
  fake = await FakeGitHub.start({ token: TOKEN });
  fake.addPullRequest({ number: 7, state: 'open', mergedAt: null, headSha: 'head7' });
});

afterEach(async () => {
  await fake.stop();
});

function upsert(overrides: Partial<UpsertOptions> = {}): Promise<CommentOutcome[]> {
  return upsertPrComments({
    token: TOKEN,
    baseUrl: fake.url,
    target: { owner: fake.owner, repo: fake.repo, pullNumbers: [7] },
    body: '## Flink draft sync\n\n| draft | status |\n|---|---|\n| orders | updated |\n',
    marker: MARKER,
    enabled: true,
    ...overrides,
  });
}

function reasonOf(outcome: CommentOutcome | undefined): string {
  if (!outcome || !('reason' in outcome))
    throw new Error(`expected a reason, got ${JSON.stringify(outcome)}`);
  return outcome.reason;
}

function routesCalled(): (FakeRoute | undefined)[] {
  return fake.calls.map((c) => c.route);
}

describe('upsertPrComments on a pull request', () => {
  it('creates the comment the first time, with the marker on top', async () => {
    const [outcome] = await upsert();

    const stored = fake.comments(7);
    expect(stored).toHaveLength(1);
    expect(outcome).toEqual({
      status: 'created',
      pullNumber: 7,
      commentId: stored[0]?.id,
      url: expect.stringContaining(`#issuecomment-${stored[0]?.id}`),
    });
    expect(stored[0]?.body.startsWith(`${MARKER}\n## Flink draft sync`)).toBe(true);
    expect(fake.calls.every((c) => c.authScheme === 'token')).toBe(true);
  });

  it('updates the same comment in place on the second run', async () => {
    const [first] = await upsert({ body: 'first run' });
    const [second] = await upsert({ body: 'second run' });

    const stored = fake.comments(7);
    expect(stored).toHaveLength(1);
    expect(stored[0]?.body).toBe(`${MARKER}\nsecond run`);
    expect(first).toMatchObject({ status: 'created' });
    expect(second).toEqual({ ...first, status: 'updated' });
  });

  it('keeps the marker exactly once when the rendered body already carries it', async () => {
    await upsert({ body: `${MARKER}\nreport\n${MARKER}` });

    const body = fake.comments(7)[0]?.body ?? '';
    expect(body.split(MARKER)).toHaveLength(2);
    expect(body.startsWith(MARKER)).toBe(true);
  });

  it('leaves other people’s comments and other keys’ comments alone', async () => {
    fake.seedComment(7, 'Looks good to me');
    fake.seedComment(7, `${commentMarker('analytics')}\nother manifest`);

    await upsert({ marker: commentMarker('orders'), body: 'orders report' });
    await upsert({ marker: commentMarker('orders'), body: 'orders report, again' });

    expect(fake.comments(7).map((c) => c.body)).toEqual([
      'Looks good to me',
      `${commentMarker('analytics')}\nother manifest`,
      `${commentMarker('orders')}\norders report, again`,
    ]);
  });

  it('comments once per distinct pull request', async () => {
    fake.addPullRequest({ number: 8, state: 'open', mergedAt: null, headSha: 'head8' });

    const outcomes = await upsert({
      target: { owner: fake.owner, repo: fake.repo, pullNumbers: [7, 8, 7] },
    });

    expect(outcomes.map((o) => ('pullNumber' in o ? o.pullNumber : o.status))).toEqual([7, 8]);
    expect(fake.comments(7)).toHaveLength(1);
    expect(fake.comments(8)).toHaveLength(1);
  });
});

describe('upsertPrComments on a push', () => {
  const target = (commitSha: string) => ({ owner: fake.owner, repo: fake.repo, commitSha });

  it.each([
    {
      name: 'prefers the merged pull request',
      sha: 'merge1',
      expected: [3],
    },
    {
      name: 'falls back to open pull requests when none is merged',
      sha: 'open-only',
      expected: [4, 5],
    },
  ])('$name', async ({ sha, expected }) => {
    fake.addPullRequest({
      number: 3,
      state: 'closed',
      mergedAt: '2024-05-01T10:00:00Z',
      headSha: 'h3',
      mergeCommitSha: 'merge1',
    });
    fake.addPullRequest({
      number: 4,
      state: 'open',
      mergedAt: null,
      headSha: 'h4',
      commits: ['merge1', 'open-only'],
    });
    fake.addPullRequest({ number: 5, state: 'open', mergedAt: null, headSha: 'open-only' });

    const outcomes = await upsert({ target: target(sha) });

    expect(outcomes.map((o) => o.status)).toEqual(expected.map(() => 'created'));
    expect(outcomes.map((o) => ('pullNumber' in o ? o.pullNumber : 0))).toEqual(expected);
    for (const n of [3, 4, 5]) expect(fake.comments(n)).toHaveLength(expected.includes(n) ? 1 : 0);
    expect(fake.calls[0]).toMatchObject({
      method: 'GET',
      path: `/repos/acme/flink-jobs/commits/${sha}/pulls`,
    });
  });

  it('skips a commit that belongs to no pull request', async () => {
    const outcomes = await upsert({ target: target('direct-push') });

    expect(outcomes).toEqual([
      { status: 'skipped', reason: expect.stringContaining('direct-push') },
    ]);
    expect(routesCalled()).toEqual(['commit-pulls']);
  });

  it('skips when neither a pull request nor a commit is known', async () => {
    const outcomes = await upsert({ target: { owner: fake.owner, repo: fake.repo } });

    expect(outcomes).toEqual([{ status: 'skipped', reason: expect.any(String) }]);
    expect(fake.calls).toHaveLength(0);
  });
});

describe('finding the earlier comment among many', () => {
  it.each([
    { name: 'marker on page 2 of 3', total: 250, markerAt: 130, pagesRead: ['1', '2'] },
    { name: 'marker on page 1 stops paging', total: 250, markerAt: 5, pagesRead: ['1'] },
    {
      name: 'no marker reads every page, then creates',
      total: 201,
      markerAt: -1,
      pagesRead: ['1', '2', '3'],
    },
  ])('$name', async ({ total, markerAt, pagesRead }) => {
    for (let i = 0; i < total; i++) {
      fake.seedComment(
        7,
        i === markerAt ? `${MARKER}\nold report` : `review comment ${i}`,
        i === markerAt ? 'github-actions[bot]' : 'octocat',
      );
    }

    const [outcome] = await upsert({ body: 'new report' });

    const lists = fake.calls.filter((c) => c.route === 'list-comments');
    expect(lists.map((c) => c.query['page'] ?? '1')).toEqual(pagesRead);
    expect(lists.every((c) => c.query['per_page'] === '100')).toBe(true);
    const ours = fake.comments(7).filter((c) => c.body.includes(MARKER));
    expect(ours).toHaveLength(1);
    expect(ours[0]?.body).toBe(`${MARKER}\nnew report`);
    expect(outcome?.status).toBe(markerAt >= 0 ? 'updated' : 'created');
    expect(fake.comments(7)).toHaveLength(markerAt >= 0 ? total : total + 1);
  });
});

describe('when GitHub refuses', () => {
  it.each<{
    name: string;
    route: FakeRoute;
    fault: FakeFault;
    status: 'skipped' | 'failed';
    says: string[];
  }>([
    {
      name: '403 on create (no pull-requests: write)',
      route: 'create-comment',
      fault: { status: 403 },
      status: 'skipped',
      says: ['403', 'Resource not accessible by integration', 'pull-requests: write'],
    },
    {
      name: '403 on listing',
      route: 'list-comments',
      fault: { status: 403 },
      status: 'skipped',
      says: ['403'],
    },
    {
      name: '404 on listing',
      route: 'list-comments',
      fault: { status: 404 },
      status: 'skipped',
      says: ['404', 'Not Found'],
    },
    {
      name: '500 on create',
      route: 'create-comment',
      fault: { status: 500 },
      status: 'failed',
      says: ['500', 'comment on #7'],
    },
    {
      name: '422 on create',
      route: 'create-comment',
      fault: { status: 422, message: 'Validation Failed' },
      status: 'failed',
      says: ['422', 'Validation Failed'],
    },
  ])('$name → $status', async ({ route, fault, status, says }) => {
    fake.fail(route, fault);

    const outcomes = await upsert();

    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]?.status).toBe(status);
    for (const text of says) expect(reasonOf(outcomes[0])).toContain(text);
    expect(fake.comments(7)).toHaveLength(0);
  });

  it('skips on a 403 when looking up the commit’s pull request', async () => {
    fake.fail('commit-pulls', { status: 403 });

    const outcomes = await upsert({
      target: { owner: fake.owner, repo: fake.repo, commitSha: 'abc' },
    });

    expect(outcomes).toEqual([
      { status: 'skipped', reason: expect.stringContaining('pull-requests: write') },
    ]);
  });

  it('skips with zero calls when disabled', async () => {
    const outcomes = await upsert({ enabled: false });

    expect(outcomes).toEqual([{ status: 'skipped', reason: 'comment-on-pr is false' }]);
    expect(fake.calls).toHaveLength(0);
  });

  it('fails on a stalled API instead of waiting for it', async () => {
    fake.fail('list-comments', { status: 200, hang: true });

    const outcomes = await upsert({ timeoutMs: 200 });

    expect(outcomes).toEqual([
      { status: 'failed', reason: expect.stringContaining('list the comments of #7') },
    ]);
  });

  it('fails when GitHub cannot be reached', async () => {
    const outcomes = await upsert({ baseUrl: await closedPortUrl() });

    expect(outcomes).toEqual([{ status: 'failed', reason: expect.stringContaining('could not') }]);
  });

  it.each(['', 'flink-draft-sync', '<!-- two\nlines -->', '<!-- ends --> early -->'])(
    'fails without a request when the marker %j is not a one-line HTML comment',
    async (marker) => {
      const outcomes = await upsert({ marker });

      expect(outcomes[0]?.status).toBe('failed');
      expect(fake.calls).toHaveLength(0);
    },
  );

  it('holds markers to the same rule as the summary that leads with them', () => {
    for (const key of [undefined, 'orders', 'a --> b', 'x\ny']) {
      expect(isCommentMarker(commentMarker(key))).toBe(true);
    }
  });
});

describe('the token never shows in a reason', () => {
  const tokens = [TOKEN, 'plain-secret-value-1234567890'];
  const faults: [FakeRoute, number][] = [
    ['create-comment', 403],
    ['list-comments', 404],
    ['create-comment', 500],
    ['commit-pulls', 502],
  ];

  it.each(tokens.flatMap((token) => faults.map(([route, status]) => ({ token, route, status }))))(
    '$route $status echoing the Authorization header',
    async ({ token, route, status }) => {
      await fake.stop();
      fake = await FakeGitHub.start({ token });
      fake.addPullRequest({ number: 7, state: 'open', mergedAt: null, headSha: 'head7' });
      fake.fail(route, { status, echoAuthorization: true });

      const target =
        route === 'commit-pulls'
          ? { owner: fake.owner, repo: fake.repo, commitSha: 'head7' }
          : undefined;
      const outcomes = await upsert({ token, ...(target ? { target } : {}) });

      const reason = reasonOf(outcomes[0]);
      expect(reason).toContain(String(status));
      expect(reason).not.toContain(token);
      expect(reason).toContain('***');
    },
  );

  it('reports bad credentials as a failure without the token', async () => {
    const wrong = 'ghs_wrong0token0for0this0test0abcdefghij';

    const outcomes = await upsert({ token: wrong });

    expect(outcomes[0]?.status).toBe('failed');
    expect(reasonOf(outcomes[0])).toContain('Bad credentials');
    expect(reasonOf(outcomes[0])).not.toContain(wrong);
  });
});

describe('oversized bodies', () => {
  it('are cut under GitHub’s limit and point to the job summary', async () => {
    const rows = Array.from(
      { length: 4000 },
      (_, i) => `| draft-${i} | updated | ${'x'.repeat(20)} |`,
    );
    const body = [
      '## Flink draft sync',
      '<details><summary>diff</summary>',
      '',
      '```diff',
      ...rows,
    ].join('\n');
    expect(body.length).toBeGreaterThan(COMMENT_BODY_LIMIT);

    const [outcome] = await upsert({
      body,
      summaryUrl: 'https://github.com/acme/flink-jobs/actions/runs/1',
    });

    expect(outcome?.status).toBe('created');
    const stored = fake.comments(7)[0]?.body ?? '';
    expect(stored.length).toBeLessThanOrEqual(FAKE_COMMENT_BODY_LIMIT);
    expect(stored.length).toBeGreaterThan(FAKE_COMMENT_BODY_LIMIT - 200);
    expect(stored.startsWith(`${MARKER}\n## Flink draft sync`)).toBe(true);
    expect(stored).toContain('[job summary](https://github.com/acme/flink-jobs/actions/runs/1)');
    expect(stored.match(/^```/gm)).toHaveLength(2);
    expect(stored).toContain('\n```\n</details>\n');
  });
});

describe('fitCommentBody', () => {
  const note = '\n\n(cut)';
  const line = fc.oneof(
    fc.constantFrom('```sql', '```', '~~~~', '<details><summary>d</summary>', '</details>', ''),
    fc.string({ unit: 'grapheme', maxLength: 30 }),
  );

  it('never exceeds the limit, keeps a prefix, and leaves no block or surrogate pair open', () => {
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 60 }),
        fc.integer({ min: 20, max: 400 }),
        (lines, limit) => {
          const body = lines.join('\n');
          const fitted = fitCommentBody(body, limit, note);

          if (body.length <= limit) return expect(fitted).toBe(body);
          expect(fitted.length).toBeLessThanOrEqual(limit);
          expect(fitted.endsWith(note)).toBe(true);
          expect(fitted).not.toMatch(
            /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/,
          );
          // A cut inside a fence line leaves a shorter fence, closed by a fence of that length.
          const kept = fitted
            .slice(0, -note.length)
            .replace(/(\n(?:`{3,}|~{3,})|\n<\/details>)+$/, '');
          expect(body.startsWith(kept)).toBe(true);
          expect(openBlocks(fitted)).toEqual({ fence: false, details: 0 });
        },
      ),
    );
  });

  it('closes a fence line cut short with a fence of the length that was kept', () => {
    // Found by the property above: the cut falls inside "~~~~", after three of its four tildes.
    const body = ['𐀀𐀀', '~~~~', '<details><summary>d</summary>'].join('\n');

    expect(fitCommentBody(body, 20, note)).toBe('𐀀𐀀\n~~~\n~~~\n\n(cut)');
  });

  it('cuts a single long line without breaking a surrogate pair', () => {
    const body = '😀'.repeat(100);

    expect(fitCommentBody(body, 51, '')).toBe('😀'.repeat(25));
  });
});

describe('commentMarker', () => {
  it.each([
    { key: undefined, marker: '<!-- flink-draft-sync -->' },
    { key: '', marker: '<!-- flink-draft-sync -->' },
    { key: 'orders', marker: '<!-- flink-draft-sync:orders -->' },
    { key: 'flink/prod.yaml', marker: '<!-- flink-draft-sync:flink/prod.yaml -->' },
    { key: 'a --> b', marker: '<!-- flink-draft-sync:a-b -->' },
  ])('$key → $marker', ({ key, marker }) => {
    expect(commentMarker(key)).toBe(marker);
  });

  it('never closes the HTML comment early', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (key) => {
        expect(commentMarker(key).indexOf('-->')).toBe(commentMarker(key).length - 3);
      }),
    );
  });
});

describe('truncationNote', () => {
  it('links the job summary when its address is known', () => {
    expect(truncationNote('https://example.test/run')).toContain(
      '[job summary](https://example.test/run)',
    );
    expect(truncationNote()).toContain('job summary');
  });
});

/** A reference reading of which fences and details blocks a text leaves open. */
function openBlocks(text: string): { fence: boolean; details: number } {
  let closer: RegExp | undefined;
  let details = 0;
  for (const l of text.split('\n')) {
    if (closer) {
      if (closer.test(l)) closer = undefined;
    } else if (l.startsWith('```')) {
      closer = /^`{3,}\s*$/;
    } else if (l.startsWith('~~~~')) {
      closer = /^~{4,}\s*$/;
    } else {
      if (l.includes('</details>')) details = Math.max(0, details - 1);
      else if (l.includes('<details>')) details++;
    }
  }
  return { fence: closer !== undefined, details };
}

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
