// ValidateSqlStatement's model: what the request carries (the official SDK's
// SqlStatementWithContext) and how its answer (SqlStatementValidationResult) is read. Pure.
import type { DeploymentDraft } from './draft.js';

/** The request body. `statement` and `batchMode` are required by the API. */
export interface SqlStatement {
  statement: string;
  batchMode: boolean;
  /** The engine version the draft runs on, e.g. `vvr-8.0.9-flink-1.17`. */
  versionName?: string;
  additionalDependencies?: string[];
}

/** A span of the script as the server reports it: 1-based lines and columns, as it counts them. */
export interface ServerSpan {
  line: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
}

export type SqlVerdict =
  /** `validationResult` says INVALID: the script is not written in apply mode. */
  | { kind: 'invalid'; result: string; message: string; span?: ServerSpan }
  /** One of the VALID_… results. */
  | { kind: 'valid'; result: string }
  /** A value this action does not know: shown as a warning, never a silent pass or a failure. */
  | { kind: 'unknown'; result: string; message: string };

/** The draft's own context for the check: its mode, its engine, its dependencies. */
export function statementFor(draft: DeploymentDraft, script: string): SqlStatement {
  const body: SqlStatement = { statement: script, batchMode: draft.executionMode === 'BATCH' };
  if (draft.engineVersion) body.versionName = draft.engineVersion;
  const dependencies = draft.artifact?.sqlArtifact?.additionalDependencies;
  if (Array.isArray(dependencies) && dependencies.length > 0) {
    body.additionalDependencies = dependencies;
  }
  return body;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** The API sends positions as strings ("3"); a number is taken too. Anything else is no position. */
function position(value: unknown): number | undefined {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : '';
  if (!/^\s*\d+\s*$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 ? n : undefined;
}

function spanOf(details: Record<string, unknown> | undefined): ServerSpan | undefined {
  const line = position(details?.lineNumber);
  if (line === undefined) return undefined;
  const span: ServerSpan = { line };
  const column = position(details?.columnNumber);
  const endLine = position(details?.endLineNumber);
  const endColumn = position(details?.endColumnNumber);
  if (column !== undefined) span.column = column;
  if (endLine !== undefined && endLine >= line) span.endLine = endLine;
  if (endColumn !== undefined) span.endColumn = endColumn;
  return span;
}

/**
 * Reads the answer's `data`. `validationResult` decides: a value with the word INVALID is invalid,
 * one with the word VALID is valid (VALID_INSERT_QUERY, VALID_DDL_STATEMENT …), anything else unknown.
 * Undefined when `data` is not a validation result at all.
 */
export function readVerdict(data: unknown): SqlVerdict | undefined {
  const body = record(data);
  if (!body) return undefined;
  const result = typeof body.validationResult === 'string' ? body.validationResult : '';
  const details = record(body.errorDetails);
  const detailMessage = typeof details?.message === 'string' ? details.message : '';
  const message = detailMessage || (typeof body.message === 'string' ? body.message : '');
  // Judged by its words: VALIDATION_RESULT_INVALID, VALIDATION_RESULT_VALID_INSERT_QUERY …; the
  // prefix's VALIDATION is no verdict.
  const words = result.toUpperCase().split(/[^A-Z]+/);
  if (words.includes('INVALID')) {
    const verdict: SqlVerdict = { kind: 'invalid', result, message };
    const span = spanOf(details);
    if (span) verdict.span = span;
    return verdict;
  }
  if (words.includes('VALID')) return { kind: 'valid', result };
  return { kind: 'unknown', result, message };
}
