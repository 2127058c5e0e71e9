// `npm run demo`: runs the bundled action end to end against the fake Ververica API, on a sample
// repository with two commits, and prints the job summary and the outputs.
import { runAction } from '../__tests__/support/action-runner.js';
import { removeDir } from '../__tests__/support/git-repo.js';
import { createSample, DRAFTS, NAMESPACE, WORKSPACE } from './sample.js';

const sample = await createSample();
try {
  // Two of the jobs run: the merge deploys every synced draft, and restarts these two from a
  // savepoint (the fake takes a moment per ticket, stop and start, as the service does).
  sample.api.setRolloutTiming({ ticketMs: 300, stopMs: 300, startMs: 600 });
  for (const id of [DRAFTS.orders, DRAFTS.sessions]) sample.api.runJob(WORKSPACE, NAMESPACE, id);
  console.log(`Sample repository: ${sample.repo}`);
  console.log(`Fake Ververica API: ${sample.api.url}`);
  console.log(`Push: ${sample.before.slice(0, 7)}..${sample.after.slice(0, 7)}\n`);
  const run = await runAction({
    workspace: sample.repo,
    eventName: 'push',
    event: sample.event,
    inputs: {
      ...sample.inputs,
      'comment-on-pr': 'false',
      deploy: 'true',
      restart: 'if-running',
    },
  });
  console.log('──── action log ────');
  console.log(run.stdout.trimEnd());
  if (run.stderr.trim()) console.log(run.stderr.trimEnd());
  console.log('\n──── job summary ($GITHUB_STEP_SUMMARY) ────');
  console.log(run.summary.trimEnd());
  console.log('\n──── outputs ($GITHUB_OUTPUT) ────');
  for (const [name, value] of Object.entries(run.outputs)) {
    console.log(
      name === 'results'
        ? `${name}=${JSON.stringify(JSON.parse(value), null, 2)}`
        : `${name}=${value}`,
    );
  }
  const patches = sample.api.calls.filter((c) => c.method === 'PATCH').length;
  console.log(
    `\nExit code ${run.exitCode} (non-zero because a locked draft and a JAR draft failed, as intended).`,
  );
  const starts = sample.api.rollout.starts.map((s) => s.restoreStrategy.kind);
  console.log(
    `The fake API saw ${sample.api.calls.length} signed calls, ${patches} of them PATCH; ` +
      `${starts.length} jobs started, each from a savepoint (${starts.join(', ')}).`,
  );
} finally {
  await sample.api.stop();
  await removeDir(sample.repo);
}
