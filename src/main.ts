import * as core from '@actions/core';
import { errorMessage } from './error-message.js';
import { runPipeline } from './pipeline.js';
import { getSettings } from './settings.js';

export async function run(): Promise<void> {
  try {
    const settings = getSettings();
    const { failed, total } = await runPipeline(settings);
    if (failed > 0) {
      const verb = settings.mode === 'plan' ? 'would fail' : 'failed';
      const text = `${failed} of ${total} draft(s) ${verb}; see the job summary`;
      if (settings.failOnError) core.setFailed(text);
      else core.warning(`${text} (fail-on-error is false)`);
    }
  } catch (error) {
    core.setFailed(`flink-draft-sync failed: ${errorMessage(error)}`);
  }
}
