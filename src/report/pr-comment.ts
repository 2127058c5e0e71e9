// The only place that talks to the GitHub API: keeps one sync report comment per pull request.
// A comment is a courtesy, so nothing here throws or fails the run; every outcome is a value.
import type { getOctokit } from '@actions/github';
import { redact } from '../runtime/redact.js';

export interface CommentTarget {
  owner: string;
  repo: string;
  /** pull_request events: the pull request from the event. */
  pullNumbers?: number[];
  /** push events: the pushed commit, whose pull request(s) get the comment. */
  commitSha?: string;
}

export type CommentOutcome =
  | { status: 'created' | 'updated'; pullNumber: number; commentId: number; url?: string }
  | { status: 'skipped' | 'failed'; reason: string };

export interface UpsertOptions {
  token: string;
  /** GitHub API root; GITHUB_API_URL when left out. */
  baseUrl?: string;
  target: CommentTarget;
  body: string;
  /** Hidden HTML comment that identifies this action's comment; see `commentMarker`. */
  marker: string;
  enabled: boolean;
  /** Link to the run's job summary, named in the note on a truncated comment. */
  summaryUrl?: string;
  /** Budget for all requests of one call, so a stalled API cannot hold the job. */
  timeoutMs?: number;
}

/** GitHub rejects longer comment bodies. It counts characters; a UTF-16 length is never smaller. */
export const COMMENT_BODY_LIMIT = 65536;
const DEFAULT_TIMEOUT_MS = 60_000;
const MAX_REASON_LENGTH = 400;
// Any GitHub token, and any credential after an auth scheme: a server may echo other tokens than ours.
const TOKEN_PATTERN = /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,})/g;
const AUTHORIZATION_PATTERN = /\b(token|Bearer|Basic)\s+[\w.~+/=-]{16,}/gi;

/**
 * Whether `marker` can mark a comment: one line of HTML comment that nothing inside ends early.
 * The summary that leads with it and the upsert that finds it both hold it to this.
 */
export function isCommentMarker(marker: string): boolean {
  return /^<!--(?:(?!-->)[^\r\n])*-->$/.test(marker);
}

/**
 * The marker for this action's comment. Workflows that sync different manifests into the same
 * pull request pass different keys, so each keeps its own comment.
 */
export function commentMarker(key?: string): string {
  // Only characters that cannot end an HTML comment early, and no `--`, which HTML forbids inside one.
  const safe = (key ?? '')
    .replace(/[^A-Za-z0-9._/-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-|-$/g, '');
  return safe ? `<!-- flink-draft-sync:${safe} -->` : '<!-- flink-draft-sync -->';
}

export function truncationNote(summaryUrl?: string): string {
  const where = summaryUrl ? `[job summary](${summaryUrl})` : 'job summary';
  return (
    `\n\n> [!NOTE]\n> This report was cut short to fit GitHub's comment size limit. ` +
    `The full report is in the workflow run's ${where}.\n`
  );
}

/**
 * Shortens `body` to at most `limit` UTF-16 units: cuts at a line end, closes an open code fence
 * and open `<details>` blocks so the rest of the page still renders, then appends `note`.
 */
export function fitCommentBody(body: string, limit: number, note: string): string {
  if (body.length <= limit) return body;
  if (note.length >= limit) return safeSlice(body, limit);
  let cut = limit - note.length;
  for (;;) {
    const head = cutAtLineEnd(body, cut);
    const text = head + closers(head) + note;
    if (text.length <= limit) return text;
    cut -= text.length - limit;
  }
}

/** Posts the comment, or updates this action's earlier one, on every target pull request. */
export async function upsertPrComments(opts: UpsertOptions): Promise<CommentOutcome[]> {
  if (!opts.enabled) return [{ status: 'skipped', reason: 'comment-on-pr is false' }];
  if (!isCommentMarker(opts.marker)) {
    return [{ status: 'failed', reason: 'the comment marker must be an HTML comment' }];
  }
  if (!opts.token) return [{ status: 'failed', reason: 'no GitHub token was given' }];
  let github: GitHubClient;
  try {
    github = await client(opts);
  } catch (error) {
    return [outcomeOf(error, 'set up the GitHub client', opts.token)];
  }
  const { owner, repo } = opts.target;
  const body = fitCommentBody(
    `${opts.marker}\n${opts.body.split(opts.marker).join('')}`,
    COMMENT_BODY_LIMIT,
    truncationNote(opts.summaryUrl),
  );

  let pullNumbers = opts.target.pullNumbers?.length ? opts.target.pullNumbers : undefined;
  if (!pullNumbers) {
    const sha = opts.target.commitSha;
    if (!sha) return [{ status: 'skipped', reason: 'no pull request or commit to comment on' }];
    try {
      pullNumbers = await pullsForCommit(github, owner, repo, sha);
    } catch (error) {
      return [
        outcomeOf(error, `look up the pull request of commit ${sha.slice(0, 12)}`, opts.token),
      ];
    }
    if (pullNumbers.length === 0) {
      return [
        { status: 'skipped', reason: `commit ${sha.slice(0, 12)} belongs to no pull request` },
      ];
    }
  }

  const outcomes: CommentOutcome[] = [];
  for (const pullNumber of new Set(pullNumbers)) {
    outcomes.push(
      await upsertOne(github, { owner, repo, pullNumber, body, marker: opts.marker }, opts.token),
    );
  }
  return outcomes;
}

type GitHubClient = ReturnType<typeof getOctokit>;

async function client(opts: UpsertOptions): Promise<GitHubClient> {
  // Loaded when a comment is due, not at start: evaluating Octokit costs every run about 13 ms.
  // "eager" keeps it inside the one bundle file (and its licence in dist/licenses.txt); it is only
  // evaluated here.
  const { getOctokit } = await import(/* webpackMode: "eager" */ '@actions/github');
  // Leaving baseUrl out (not undefined) keeps the toolkit's GITHUB_API_URL default.
  const github = getOctokit(opts.token, opts.baseUrl ? { baseUrl: opts.baseUrl } : {});
  const signal = AbortSignal.timeout(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  // A hook, because the paginator drops per-call request options after the first page.
  github.hook.before('request', (options) => {
    options.request = { ...options.request, signal };
  });
  return github;
}

/** Prefers merged pull requests: after a merge, those are the ones the commit came from. */
async function pullsForCommit(
  github: GitHubClient,
  owner: string,
  repo: string,
  sha: string,
): Promise<number[]> {
  const { data } = await github.rest.repos.listPullRequestsAssociatedWithCommit({
    owner,
    repo,
    commit_sha: sha,
    per_page: 100,
  });
  const merged = data.filter((pr) => pr.merged_at);
  return (merged.length > 0 ? merged : data).map((pr) => pr.number);
}

async function upsertOne(
  github: GitHubClient,
  c: { owner: string; repo: string; pullNumber: number; body: string; marker: string },
  token: string,
): Promise<CommentOutcome> {
  const { owner, repo, pullNumber, body } = c;
  let step = `list the comments of #${pullNumber}`;
  try {
    const existing = await findComment(github, c);
    if (existing !== undefined) {
      step = `update comment ${existing} on #${pullNumber}`;
      const { data } = await github.rest.issues.updateComment({
        owner,
        repo,
        comment_id: existing,
        body,
      });
      return { status: 'updated', pullNumber, commentId: data.id, url: data.html_url };
    }
    step = `comment on #${pullNumber}`;
    const { data } = await github.rest.issues.createComment({
      owner,
      repo,
      issue_number: pullNumber,
      body,
    });
    return { status: 'created', pullNumber, commentId: data.id, url: data.html_url };
  } catch (error) {
    return outcomeOf(error, step, token);
  }
}

/** The oldest comment carrying the marker; stops paging once it is found. */
async function findComment(
  github: GitHubClient,
  c: { owner: string; repo: string; pullNumber: number; marker: string },
): Promise<number | undefined> {
  const pages = github.paginate.iterator(github.rest.issues.listComments, {
    owner: c.owner,
    repo: c.repo,
    issue_number: c.pullNumber,
    per_page: 100,
  });
  for await (const { data } of pages) {
    const found = data.find((comment) => comment.body?.includes(c.marker));
    if (found) return found.id;
  }
  return undefined;
}

/** 403 and 404 mean "not allowed or not there": the comment is skipped, not failed. */
function outcomeOf(error: unknown, step: string, token: string): CommentOutcome {
  const e = error as { status?: unknown; message?: unknown; response?: { data?: unknown } };
  const apiMessage = (e.response?.data as { message?: unknown } | undefined)?.message;
  const message = String(typeof apiMessage === 'string' ? apiMessage : (e.message ?? error));
  const clean = (text: string): string =>
    redact(text, [token])
      .replace(TOKEN_PATTERN, '***')
      .replace(AUTHORIZATION_PATTERN, '$1 ***')
      .replace(/\s+/g, ' ')
      .slice(0, MAX_REASON_LENGTH);
  if (!e.response) return { status: 'failed', reason: clean(`could not ${step}: ${message}`) };
  const answer = `GitHub answered ${String(e.status)} when trying to ${step}: ${message}`;
  if (e.status === 403) {
    return {
      status: 'skipped',
      reason: clean(`${answer} (the workflow needs "permissions: pull-requests: write")`),
    };
  }
  if (e.status === 404) return { status: 'skipped', reason: clean(answer) };
  return { status: 'failed', reason: clean(answer) };
}

/** Cuts before `at`, at the last line end when one is reasonably close, never inside a surrogate pair. */
function cutAtLineEnd(text: string, at: number): string {
  const head = safeSlice(text, at);
  const lineEnd = head.lastIndexOf('\n');
  return lineEnd > head.length / 2 ? head.slice(0, lineEnd) : head;
}

function safeSlice(text: string, at: number): string {
  if (at <= 0) return '';
  const code = text.charCodeAt(at - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? at - 1 : at);
}

/** Markdown that closes whatever block `head` leaves open. */
function closers(head: string): string {
  let fence: { char: string; length: number } | undefined;
  let openDetails = 0;
  for (const line of head.split('\n')) {
    const marks = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
    if (fence) {
      const mark = marks?.[1];
      if (mark && mark[0] === fence.char && mark.length >= fence.length && !marks?.[2]?.trim())
        fence = undefined;
    } else if (marks?.[1]) {
      fence = { char: marks[1][0] ?? '`', length: marks[1].length };
    } else {
      // A stray closing tag closes nothing, as in the browser.
      for (const [tag] of line.matchAll(/<\/?details[\s>]/gi)) {
        openDetails = tag.startsWith('</') ? Math.max(0, openDetails - 1) : openDetails + 1;
      }
    }
  }
  const closeFence = fence ? `\n${fence.char.repeat(fence.length)}` : '';
  return closeFence + '\n</details>'.repeat(openDetails);
}
