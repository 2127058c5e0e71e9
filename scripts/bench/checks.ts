// What makes a measured run wrong. A run that did less than the work asked of it fails its row,
// however fast it was.
import type { ActionRun } from '../../__tests__/support/action-runner.js';
import type { FakeVervericaApi } from '../../__tests__/support/fake-ververica.js';
import { wrongDrafts, type DraftFile } from './drafts.js';

/** The runs that went wrong, numbered from 1, each with why: a row's verification failures. */
export function runFailures(runs: readonly { failure?: string }[]): string[] {
  return runs.flatMap((r, i) => (r.failure ? [`run ${i + 1}: ${r.failure}`] : []));
}

/** The first error a run printed, so a failing row says why without the whole log. */
export function firstError(text: string): string {
  const lines = text.split('\n');
  const line =
    lines.find((l) => l.startsWith('::error') || /Error\b/.test(l)) ??
    lines.find((l) => l.trim()) ??
    '';
  return line.length > 240 ? `${line.slice(0, 239)}…` : line;
}

/** Undefined when the step succeeded and the exit code says so. */
export function stepFailure(run: ActionRun): string | undefined {
  return run.exitCode === 0
    ? undefined
    : `exit code ${run.exitCode}: ${firstError(run.stdout + run.stderr)}`;
}

/**
 * Undefined when the step succeeded, reported every draft updated, and every draft holds its
 * file's new bytes.
 */
export function syncFailure(
  run: ActionRun,
  api: FakeVervericaApi,
  drafts: readonly DraftFile[],
): string | undefined {
  const failed = stepFailure(run);
  if (failed) return failed;
  const updated = Number(run.outputs.updated ?? 0);
  if (updated !== drafts.length) return `reported ${updated} of ${drafts.length} drafts updated`;
  return wrongDrafts(api, drafts);
}
