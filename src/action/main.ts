import * as core from '@actions/core';
import { errorMessage } from '../runtime/error-message.js';
import { runPipeline } from '../pipeline.js';
import { getSettings } from '../settings.js';

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
    const { failed, total } = await runPipeline(settings);
    if (failed > 0) {
      const verb = settings.mode === 'plan' ? 'would fail' : 'failed';
      const text = `${failed} of ${total} draft(s) ${verb}; see the job summary`;
      if (settings.failOnError) fail(text);
      else core.warning(`${text} (fail-on-error is false)`);
    }
  } catch (error) {
    fail(`flink-draft-sync failed: ${errorMessage(error)}`);
  }
}
