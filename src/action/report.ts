// The only module that writes the Action's outputs, job summary and annotations.
import * as core from '@actions/core';
import { failedCount, isFailed, type DraftResult, type TextSpan } from '../results.js';
import { countByStatus } from '../report/summary.js';
import { resultRecords } from '../report/results-json.js';

/** `updated` also counts `would-update`, and `failed` counts `would-fail`, so plan and apply share outputs. */
export function writeOutputs(results: DraftResult[]): void {
  const count = countByStatus(results);
  core.setOutput('results', JSON.stringify(resultRecords(results)));
  // A draft's sync counts by what the sync did to it, whatever its deploy did next.
  const synced = (r: DraftResult): string => r.rollout?.draft ?? r.status;
  const updated = results.filter((r) => ['updated', 'would-update'].includes(synced(r))).length;
  core.setOutput('updated', updated);
  core.setOutput(
    'created',
    results.filter((r) => ['created', 'would-create'].includes(synced(r))).length,
  );
  core.setOutput('unchanged', results.filter((r) => synced(r) === 'unchanged').length);
  core.setOutput('deployed', count.deployed + count.restarted + count['would-deploy']);
  core.setOutput('restarted', count.restarted);
  core.setOutput('rolled-back', count['rolled-back']);
  core.setOutput('orphaned', count.orphaned + count['would-delete']);
  core.setOutput('deleted', count.deleted);
  core.setOutput('skipped', count.skipped);
  core.setOutput('failed', failedCount(results));
}

/**
 * One error annotation per failed draft, on the .sql file, so it shows on the PR's files view; an
 * SQL error sits on the lines (and, within one line, the columns) the server named.
 */
export function annotateFailures(results: readonly DraftResult[]): void {
  for (const r of results) {
    if (!isFailed(r)) continue;
    const request = r.requestId ? ` (request ${r.requestId})` : '';
    core.error(`${r.code ?? 'Error'}: ${r.message ?? ''}${request}`, {
      title: `Draft ${r.draftName ?? r.draftId} ${r.status}`,
      file: r.file,
      ...placeOf(r.sqlCheck?.span),
    });
  }
}

/** GitHub draws columns only within one line, so a span over lines keeps its lines alone. */
function placeOf(span: TextSpan | undefined): core.AnnotationProperties {
  if (!span) return {};
  const endLine = span.endLine ?? span.line;
  if (endLine !== span.line) return { startLine: span.line, endLine };
  const place: core.AnnotationProperties = { startLine: span.line, endLine };
  if (span.column !== undefined) place.startColumn = span.column;
  if (span.column !== undefined && span.endColumn !== undefined && span.endColumn >= span.column) {
    place.endColumn = span.endColumn;
  }
  return place;
}

export async function writeSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) {
    core.info(markdown);
    return;
  }
  await core.summary.addRaw(markdown, true).write({ overwrite: false });
}
