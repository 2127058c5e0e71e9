// The Action: reads the inputs and the event, runs the engine, and reports through @actions/core.
// The composition root of the Action; everything it wires is built from the settings.
import * as core from '@actions/core';
import { runEngine, type Edges } from '../engine.js';
import { renderSummary, type SummaryInput } from '../report/summary.js';
import { failedCount } from '../results.js';
import { errorMessage } from '../runtime/error-message.js';
import type { Log } from '../runtime/log.js';
import { comment } from './comment.js';
import { getSettings } from './inputs.js';
import { annotateFailures, writeOutputs, writeSummary } from './report.js';

/** The engine's log as workflow commands: notices and errors become annotations. */
const actionLog: Log = {
  info: (message) => core.info(message),
  notice: (message) => core.notice(message),
  warning: (message) => core.warning(message),
  error: (message, place) =>
    core.error(
      message,
      place && {
        title: place.title,
        file: place.file,
        startLine: place.line,
        startColumn: place.column,
      },
    ),
};

const edges: Edges = {
  log: actionLog,
  auth: {
    idToken: (audience) => core.getIDToken(audience),
    setSecret: (value) => core.setSecret(value),
    env: process.env,
  },
};

/**
 * On a runner `core.setFailed` also sets the exit code; a stand-in for `@actions/core`, such as
 * local-action's, may only record the failure, and a failed sync must still exit non-zero.
 */
function fail(message: string): void {
  core.setFailed(message);
  process.exitCode = 1;
}

export async function run(): Promise<void> {
  try {
    const settings = getSettings();
    const report = await runEngine(settings, edges);
    const { results } = report;
    const summary: SummaryInput = {
      mode: report.mode,
      results,
      notices: report.notices,
      commit: report.commit,
    };
    if (!report.branchDeleted) {
      writeOutputs(results);
      annotateFailures(results);
      await writeSummary(renderSummary(summary));
      await comment(settings, summary);
    }
    const failed = failedCount(results);
    if (failed > 0) {
      const verb = settings.mode === 'plan' ? 'would fail' : 'failed';
      const text = `${failed} of ${results.length} draft(s) ${verb}; see the job summary`;
      if (settings.failOnError) fail(text);
      else core.warning(`${text} (fail-on-error is false)`);
    }
  } catch (error) {
    fail(`flink-draft-sync failed: ${errorMessage(error)}`);
  }
}
