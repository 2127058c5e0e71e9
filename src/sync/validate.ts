// The server's verdict on a draft's new script (ValidateSqlStatement), as a result row shows it:
// the verdict, the engine it was checked against, and where in the .sql file the error is, in the
// characters a reviewer sees.
import type { ApiError } from '../ververica/errors.js';
import type { DeploymentDraft, DraftRef } from '../ververica/draft.js';
import type { DraftApi } from '../ververica/draft-api.js';
import { statementFor, type ServerSpan, type SqlVerdict } from '../ververica/sql-validation.js';
import type { SqlCheck, TextSpan } from '../results.js';
import type { Result } from '../runtime/result.js';
import type { Mode, Validate } from '../settings.js';
import { withRetry, type RetryContext } from '../runtime/retry.js';

/**
 * The unit of the server's columns. *Unconfirmed*: the validator is Java, whose string offsets count
 * UTF-16 code units, so that is assumed; if it counts code points instead, this is the one line to
 * change ('codepoint'), and the CJK and emoji cases in the tests say which is right.
 */
export const SERVER_COLUMN_UNIT: 'utf16' | 'codepoint' = 'utf16';

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

function countGraphemes(text: string): number {
  return Array.from(graphemes.segment(text)).length;
}

/** The first `units` of a line in the server's unit, as text. */
function prefix(line: string, units: number): string {
  if (SERVER_COLUMN_UNIT === 'utf16') return line.slice(0, units);
  return Array.from(line).slice(0, units).join('');
}

/** A 1-based server column on `line` as a 1-based column in graphemes, inside the line (+1 for its end). */
function column(line: string, serverColumn: number): number {
  const length = countGraphemes(line);
  return Math.min(countGraphemes(prefix(line, serverColumn - 1)) + 1, length + 1);
}

/**
 * Where a server span lies in the file as a reviewer reads it: lines split at LF (a CR before it
 * is not a character), columns in graphemes (a CJK character or an emoji is one). A span that
 * starts past the last line is not in the file: undefined, and the row names the file instead.
 */
export function placeSpan(text: string, span: ServerSpan): TextSpan | undefined {
  const lines = text.split('\n').map((line) => line.replace(/\r$/, ''));
  if (span.line > lines.length) return undefined;
  const placed: TextSpan = { line: span.line };
  const startLine = lines[span.line - 1] ?? '';
  if (span.column !== undefined) placed.column = column(startLine, span.column);
  const endLine = Math.min(span.endLine ?? span.line, lines.length);
  if (endLine !== span.line) placed.endLine = endLine;
  if (
    span.endColumn !== undefined &&
    (span.endLine === undefined || span.endLine <= lines.length)
  ) {
    placed.endColumn = column(lines[endLine - 1] ?? '', span.endColumn);
  }
  return placed;
}

/** The row's account of a verdict. */
export function checkOf(verdict: SqlVerdict, draft: DeploymentDraft, text: string): SqlCheck {
  const check: SqlCheck = { verdict: verdict.kind, result: verdict.result };
  if (draft.engineVersion) check.engineVersion = draft.engineVersion;
  if (verdict.kind === 'invalid' && verdict.span) {
    const span = placeSpan(text, verdict.span);
    if (span) check.span = span;
  }
  return check;
}

/** Whether a run asks the server about each script it would write (input `validate`). */
export function checksSqlIn(validate: Validate | undefined, mode: Mode): boolean {
  const chosen = validate ?? 'never';
  return chosen === 'always' || (chosen === 'plan' && mode === 'plan');
}

/** A row's message for a script the server found invalid. */
export function sqlInvalidMessage(message: string): string {
  return `The SQL check found an error: ${message.trim() || 'the server gave no message'}`;
}

/** The verdict, or the call's last error and how many attempts it took. */
export type Checked = Result<
  { verdict: SqlVerdict; check: SqlCheck; requestId?: string },
  { error: ApiError; attempts: number }
>;

/** Asks the server about `text` in the draft's own context, with the run's retries and budget. */
export async function validateScript(
  api: DraftApi,
  ref: DraftRef,
  draft: DeploymentDraft,
  text: string,
  retry: RetryContext,
): Promise<Checked> {
  const got = await withRetry(() => api.validateSql(ref, statementFor(draft, text)), retry);
  if (!got.ok) return { ok: false, error: { error: got.error, attempts: got.attempts } };
  return {
    ok: true,
    value: {
      verdict: got.value,
      check: checkOf(got.value, draft, text),
      requestId: got.requestId,
    },
  };
}
