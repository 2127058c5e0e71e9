// CI smoke run: the bundled action under the Node binary in $NODE24 (the runtime action.yml
// declares), against the fake Ververica API. Exits non-zero when anything is off.
import assert from 'node:assert/strict';
import { runAction } from '../__tests__/support/action-runner.js';
import { removeDir } from '../__tests__/support/git-repo.js';
import { createSample, CREDENTIAL, DRAFTS, NAMESPACE, WORKSPACE } from './sample.js';

const node = process.env.NODE24;
assert.ok(node, 'set NODE24 to the Node 24 binary');
const sample = await createSample();
try {
  const run = await runAction({
    node,
    workspace: sample.repo,
    eventName: 'push',
    event: sample.event,
    inputs: { ...sample.inputs, 'comment-on-pr': 'false' },
  });
  assert.equal(
    run.exitCode,
    1,
    `expected the intended failures to fail the step:\n${run.stdout}\n${run.stderr}`,
  );
  assert.equal(run.outputs.updated, '2', run.stdout);
  assert.equal(run.outputs.unchanged, '1');
  assert.equal(run.outputs.failed, '2');
  assert.equal(run.outputs.created, '1');
  const orders = sample.api.draft(WORKSPACE, NAMESPACE, DRAFTS.orders);
  assert.match(orders?.artifact?.sqlArtifact?.sqlScript ?? '', /订单宽表 🚀/);
  // `::add-mask::` lines are commands the runner swallows; nothing else may carry the secret.
  const printed = run.stdout.replace(/^::add-mask::.*$/gm, '') + run.stderr + run.summary;
  assert.ok(!printed.includes(CREDENTIAL.accessKeySecret), 'the secret was printed');
  console.log(
    `Node 24 smoke run passed: ${run.outputs.updated} updated, ${run.outputs.failed} failed as intended`,
  );
} finally {
  await sample.api.stop();
  await removeDir(sample.repo);
}
