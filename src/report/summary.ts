// Renders the run's results as the job summary and the pull request comment.
//
// Everything is raw HTML inside Markdown, so file names, draft names and API messages (all
// untrusted) are HTML-escaped and kept on one line: a line break, or a blank line, inside an HTML
// block would hand the rest of the text back to the Markdown parser. Diffs sit in fenced code
// blocks after the table, each fence longer than any backtick run in its diff.
//
// Rows: failures first, so they are seen without scrolling, then manifest order.
//
// Size: GitHub drops a step summary over 1 MiB and rejects a comment over 65,536 characters. When
// the full text is too long, diffs are shortened (and then left out) first, then messages, and
// only then are rows dropped, with a last row saying exactly how many are missing.
import { Buffer } from 'node:buffer';
import { shortenDiff } from '../diff/diff.js';
import { COMMENT_BODY_LIMIT, isCommentMarker } from './pr-comment.js';
import { isFailed, type DraftResult, type DraftStatus } from '../results.js';
import { shortSha } from '../checkout/commit-sha.js';

export interface SummaryInput {
  mode: 'apply' | 'plan';
  results: DraftResult[];
  /** Run-wide remarks shown above the table, such as a skipped remote comparison. */
  notices?: string[];
  /** Commit the run synced from; shortened for the heading. */
  commit?: string;
  /** Upper bound on the UTF-8 bytes of the text. */
  maxBytes?: number;
}

const STEP_SUMMARY_LIMIT = 1024 * 1024;
// Room for what the runner or other writers add around our text.
const DEFAULT_MAX_BYTES = STEP_SUMMARY_LIMIT - 48 * 1024;
const COMMENT_MAX_BYTES = COMMENT_BODY_LIMIT - 1024;
/** Below this not even the heading, totals and a "+N more" row are sure to fit. */
const MIN_MAX_BYTES = 2048;

const FIELD_CHARS = 200;
const FILE_CHARS = 300;
const NOTICE_CHARS = 300;
const MAX_NOTICES = 10;
/** Message lengths tried in turn once diffs are gone; 0 leaves the message cell empty. */
const MESSAGE_CHARS = [500, 160, 60, 0];
const DIFF_MAX_BYTES = 32 * 1024;
/** A diff cut shorter than this says too little to be worth its place. */
const DIFF_MIN_BYTES = 1024;

const APPLY_ORDER: DraftStatus[] = ['updated', 'unchanged', 'skipped', 'failed'];
const PLAN_ORDER: DraftStatus[] = ['would-update', 'unchanged', 'skipped', 'would-fail'];
/** Shown in the totals only when a row has them, as the rollout statuses are. */
const CREATE_STATUSES: DraftStatus[] = ['created', 'would-create'];
/** Shown in the totals only when a row has them: a run without `deploy` reads as it always did. */
const ROLLOUT_STATUSES: DraftStatus[] = [
  'deployed',
  'restarted',
  'rolled-back',
  'would-deploy',
  'orphaned',
  'deleted',
  'would-delete',
];
const ALL_STATUSES: DraftStatus[] = [
  ...CREATE_STATUSES,
  ...APPLY_ORDER,
  'would-update',
  'would-fail',
  ...ROLLOUT_STATUSES,
];

const MARKS: Record<DraftStatus, string> = {
  created: '🆕',
  'would-create': '🆕',
  updated: '✅',
  deployed: '🚀',
  restarted: '🔄',
  unchanged: '➖',
  skipped: '⏭️',
  'rolled-back': '⏪',
  failed: '❌',
  'would-update': '📝',
  'would-deploy': '📦',
  'would-fail': '⚠️',
  orphaned: '👻',
  deleted: '🗑️',
  'would-delete': '🗑️',
};

export function statusMark(s: DraftStatus): string {
  return MARKS[s];
}

export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export function countByStatus(results: DraftResult[]): Record<DraftStatus, number> {
  const counts = Object.fromEntries(ALL_STATUSES.map((s) => [s, 0])) as Record<DraftStatus, number>;
  for (const r of results) counts[r.status]++;
  return counts;
}

export function renderSummary(input: SummaryInput): string {
  const maxBytes = input.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!(maxBytes >= MIN_MAX_BYTES)) {
    throw new RangeError(`maxBytes must be at least ${MIN_MAX_BYTES}, got ${maxBytes}`);
  }
  const results = failuresFirst(input.results);
  const heading = renderHeading(input);
  const notices = renderNotices(input.notices ?? []);
  if (results.length === 0) {
    return fitOrBare(
      [heading, notices, '<p>No drafts were part of this run.</p>\n'],
      heading,
      maxBytes,
    );
  }

  const fixed = bytes(heading) + bytes(notices) + bytes(TABLE_OPEN) + bytes(TABLE_CLOSE);
  const rows = results.map((r) => renderRow(r, MESSAGE_CHARS[0] as number));
  const rowBytes = sum(rows.map(bytes));
  const diffBudget = maxBytes - fixed - rowBytes;
  const diffs = renderDiffs(results, diffBudget);
  if (diffs !== undefined) {
    return [heading, notices, TABLE_OPEN, ...rows, TABLE_CLOSE, diffs].join('');
  }

  // Diffs are out; the note saying so is kept if it fits.
  const note = diffsLeftOutNote(results);
  for (const chars of MESSAGE_CHARS) {
    const shorter = chars === MESSAGE_CHARS[0] ? rows : results.map((r) => renderRow(r, chars));
    if (fixed + sum(shorter.map(bytes)) + bytes(note) <= maxBytes) {
      return [heading, notices, TABLE_OPEN, ...shorter, TABLE_CLOSE, note].join('');
    }
  }

  const shortest = results.map((r) => renderRow(r, 0));
  const reserve = bytes(moreRow(results.length));
  let used = fixed + reserve;
  let shown = 0;
  while (shown < shortest.length && used + bytes(shortest[shown] as string) <= maxBytes) {
    used += bytes(shortest[shown] as string);
    shown++;
  }
  const parts = [heading, notices, TABLE_OPEN, ...shortest.slice(0, shown)];
  parts.push(moreRow(results.length - shown), TABLE_CLOSE);
  return fitOrBare(parts, heading, maxBytes);
}

/** The summary for a pull request comment, led by the hidden marker that finds it again. */
export function renderComment(input: SummaryInput & { marker: string }): string {
  const { marker, ...summary } = input;
  if (!isCommentMarker(marker)) {
    throw new TypeError('marker must be a single-line HTML comment');
  }
  // UTF-8 never takes fewer bytes than UTF-16 code units, so a byte bound is also a length bound.
  const limit = Math.min(summary.maxBytes ?? COMMENT_MAX_BYTES, COMMENT_MAX_BYTES);
  return `${marker}\n${renderSummary({ ...summary, maxBytes: limit - bytes(marker) - 1 })}`;
}

function failuresFirst(results: DraftResult[]): DraftResult[] {
  const failed = (r: DraftResult): boolean => isFailed(r);
  return [...results.filter(failed), ...results.filter((r) => !failed(r))];
}

function renderHeading(input: SummaryInput): string {
  const counts = countByStatus(input.results);
  const order = input.mode === 'plan' ? PLAN_ORDER : APPLY_ORDER;
  // A status from the other mode should never appear, but if it does it must still be counted.
  const shown = [...order, ...ALL_STATUSES.filter((s) => !order.includes(s) && counts[s] > 0)];
  const totals = shown.map((s) => `${counts[s]} ${s.replace('-', ' ')}`).join(' · ');
  const commit = input.commit
    ? ` · <code>${escapeHtml(oneLine(shortSha(input.commit), FIELD_CHARS))}</code>`
    : '';
  const planNote = input.mode === 'plan' ? '<p>Plan only: no draft was changed.</p>\n' : '';
  return `<h2>Flink draft sync · ${input.mode}${commit}</h2>\n${planNote}<p>${totals}</p>\n\n`;
}

function renderNotices(notices: string[]): string {
  if (notices.length === 0) return '';
  const items = notices.slice(0, MAX_NOTICES).map((n) => `<li>⚠️ ${cell(n, NOTICE_CHARS)}</li>\n`);
  if (notices.length > MAX_NOTICES) {
    items.push(`<li>+${notices.length - MAX_NOTICES} more notices in the run log</li>\n`);
  }
  return `<ul>\n${items.join('')}</ul>\n\n`;
}

const TABLE_OPEN =
  '<table>\n<thead><tr><th>Draft</th><th>File</th><th>Status</th><th>Code</th>' +
  '<th>Message</th><th>Request ID</th></tr></thead>\n<tbody>\n';
const TABLE_CLOSE = '</tbody>\n</table>\n';

function renderRow(r: DraftResult, messageChars: number): string {
  const name = r.draftName ? `${cell(r.draftName, FIELD_CHARS)}<br>` : '';
  const drift = r.drift ? '<br>🔀 edited outside git' : '';
  const cells = [
    `${name}<code>${cell(r.draftId, FIELD_CHARS)}</code>`,
    `<code>${cell(r.file, FILE_CHARS)}</code>`,
    `${statusMark(r.status)} ${r.status}${drift}${sqlCheckNote(r)}${rolloutNote(r)}`,
    r.code ? `<code>${cell(r.code, FIELD_CHARS)}</code>` : '',
    r.message && messageChars > 0 ? cell(r.message, messageChars) : '',
    r.requestId ? `<code>${cell(r.requestId, FIELD_CHARS)}</code>` : '',
  ];
  return `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>\n`;
}

/** The server's verdict on the SQL, under the status: valid (and on which engine), or where not. */
export function sqlCheckNote(r: DraftResult): string {
  const check = r.sqlCheck;
  if (!check) return '';
  const engine = check.engineVersion
    ? ` on <code>${cell(check.engineVersion, FIELD_CHARS)}</code>`
    : ' (the draft names no engine version)';
  switch (check.verdict) {
    case 'valid':
      return `<br>🔎 SQL checked${engine}: valid`;
    case 'invalid': {
      const span = check.span;
      const where = span
        ? ` at line ${span.line}${span.column === undefined ? '' : `, column ${span.column}`}`
        : '';
      return `<br>🔎 SQL checked${engine}: invalid${where}`;
    }
    case 'unknown':
      return `<br>🔎 SQL checked${engine}: the server said <code>${cell(check.result ?? '', FIELD_CHARS)}</code>, not judged`;
    case 'not-run':
      return `<br>🔎 SQL not checked: ${cell(check.reason ?? 'no reason given', FIELD_CHARS)}`;
  }
}

/** The deployment and job under the status: what the merge will do, or what the run did. */
export function rolloutNote(r: DraftResult): string {
  const rollout = r.rollout;
  if (!rollout) return '';
  const parts: string[] = [];
  if (rollout.plan) parts.push(`🧭 merge will ${cell(rollout.plan, 2 * FIELD_CHARS)}`);
  const ids: Array<[string, string | undefined]> = [
    ['deployment', rollout.deploymentId],
    ['job', rollout.jobId],
    ['stopped job', rollout.stoppedJobId],
    ['savepoint', rollout.savepointId],
  ];
  for (const [label, id] of ids) {
    if (id) parts.push(`${label} <code>${cell(id, FIELD_CHARS)}</code>`);
  }
  if (rollout.restore) {
    parts.push(
      `started from <code>${cell(rollout.restore.kind, FIELD_CHARS)}</code>: ${cell(rollout.restore.reason, FIELD_CHARS)}`,
    );
  }
  return parts.map((part) => `<br>${part}`).join('');
}

function moreRow(count: number): string {
  const drafts = count === 1 ? 'draft' : 'drafts';
  return (
    `<tr><td colspan="6">+${count} more ${drafts} not shown, to stay under GitHub's size limit; ` +
    'the <code>results</code> output lists every draft.</td></tr>\n'
  );
}

interface DiffBlock {
  result: DraftResult;
  /** Diff text with carriage returns made visible. */
  text: string;
  size: number;
  /** Everything around the diff text, with the fence it would need at full length. */
  frame: number;
}

/** The diffs section within `budget` bytes, or undefined when no diff fits at a useful length. */
function renderDiffs(results: DraftResult[], budget: number): string | undefined {
  const blocks: DiffBlock[] = results.filter(showsDiff).map((result) => {
    const text = visibleDiff(result.diff as string);
    return {
      result,
      text,
      size: bytes(text),
      frame: bytes(diffBlock(result, '', fenceFor(text))),
    };
  });
  if (blocks.length === 0) return budget >= 0 ? '' : undefined;
  const room = budget - bytes(DIFFS_HEADING);
  const cost = (cap: number, list: DiffBlock[]): number =>
    sum(list.map((b) => b.frame + Math.min(b.size, cap)));

  if (cost(DIFF_MIN_BYTES, blocks) <= room) {
    // The largest cap that fits, found by bisection: every diff gets the same share at most.
    let lo = DIFF_MIN_BYTES;
    let hi = DIFF_MAX_BYTES;
    if (cost(hi, blocks) <= room) lo = hi;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (cost(mid, blocks) <= room) lo = mid;
      else hi = mid;
    }
    return DIFFS_HEADING + blocks.map((b) => renderBlock(b, lo)).join('');
  }

  // Not every diff fits even cut short: show the first ones and say how many are missing.
  const note = diffsLeftOutNote(results, blocks.length);
  let used = bytes(DIFFS_HEADING) + bytes(note);
  let shown = 0;
  for (const b of blocks) {
    const next = b.frame + Math.min(b.size, DIFF_MIN_BYTES);
    if (used + next > budget) break;
    used += next;
    shown++;
  }
  if (shown === 0) return undefined;
  const rendered = blocks.slice(0, shown).map((b) => renderBlock(b, DIFF_MIN_BYTES));
  return DIFFS_HEADING + rendered.join('') + diffsLeftOutNote(results, blocks.length - shown);
}

/** Rows whose diff the plan shows: drafts the merge would update, or create. */
function showsDiff(r: DraftResult): boolean {
  return (r.status === 'would-update' || r.status === 'would-create') && !!r.diff;
}

const DIFFS_HEADING = '\n<h3>Diffs</h3>\n\n';

function diffsLeftOutNote(results: DraftResult[], count?: number): string {
  const n = count ?? results.filter(showsDiff).length;
  if (n === 0) return '';
  return `\n<p>Diffs of ${n} ${n === 1 ? 'draft' : 'drafts'} left out, to stay under GitHub's size limit.</p>\n`;
}

function renderBlock(b: DiffBlock, cap: number): string {
  const text = b.size <= cap ? b.text : shortenDiff(b.text, { maxBytes: cap }).text;
  return diffBlock(b.result, text, fenceFor(text));
}

function diffBlock(r: DraftResult, text: string, fence: string): string {
  const name = r.draftName ? `${cell(r.draftName, FIELD_CHARS)} · ` : '';
  return (
    `<details><summary>${statusMark(r.status)} ${name}<code>${cell(r.file, FILE_CHARS)}</code>` +
    `</summary>\n\n${fence}diff\n${text}${fence}\n\n</details>\n`
  );
}

/** Markdown reads a lone carriage return as a line break; show it instead. */
function visibleDiff(diff: string): string {
  const text = diff.replace(/\r/g, '␍');
  return text.endsWith('\n') ? text : `${text}\n`;
}

/** A fence closes only on a backtick run at least as long, so one longer than any run is safe. */
function fenceFor(text: string): string {
  let longest = 0;
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  return '`'.repeat(Math.max(3, longest + 1));
}

/** One-line, length-bounded, escaped text for a table cell. */
function cell(text: string, maxChars: number): string {
  return escapeHtml(oneLine(text, maxChars));
}

function oneLine(text: string, maxChars: number): string {
  // Every line separator a renderer might honour (U+2028/2029, NEL as well as CR/LF) becomes a
  // space, and other control characters (NUL included) are dropped, so a row stays one line.
  const flat = text
    .replace(/\s*[\r\n\u0085\u2028\u2029]+\s*/g, ' ')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')
    .trim();
  if (flat.length <= maxChars) return flat;
  let cut = flat.slice(0, Math.max(0, maxChars - 1));
  // Never leave half of a surrogate pair behind.
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** Joins the parts if they fit; else only the heading, which is bounded and always fits. */
function fitOrBare(parts: string[], heading: string, maxBytes: number): string {
  const text = parts.join('');
  return bytes(text) <= maxBytes ? text : heading;
}

function bytes(s: string): number {
  return Buffer.byteLength(s);
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
