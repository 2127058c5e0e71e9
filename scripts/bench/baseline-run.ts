// Runs the official-SDK baseline (sdk-baseline.ts) in its own Node process against a fake API,
// measured exactly like the action.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FakeVervericaApi } from '../../__tests__/support/fake-ververica.js';
import { makeTempDir, removeDir } from '../../__tests__/support/git-repo.js';
import { measuredScript, type Measured } from './action-run.js';
import { firstError } from './checks.js';
import { CREDENTIAL, type DraftRepo } from './drafts.js';
import { NAMESPACE, WORKSPACE } from './fixtures.js';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'sdk-baseline.ts');

export async function measuredBaseline(
  node: string,
  repo: DraftRepo,
  api: FakeVervericaApi,
): Promise<{ measured: Measured; failure?: string }> {
  const scratch = await makeTempDir('fds-baseline-');
  try {
    const job = path.join(scratch, 'job.json');
    const url = new URL(api.url);
    await writeFile(
      job,
      JSON.stringify({
        endpoint: url.host,
        protocol: url.protocol.replace(/:$/, ''),
        ...CREDENTIAL,
        workspace: WORKSPACE,
        namespace: NAMESPACE,
        root: repo.dir,
        drafts: repo.drafts.map((d) => ({ file: d.file, draftId: d.draftId })),
      }),
    );
    // Node 24 strips the script's types itself; the warning it prints about that goes to stderr.
    const run = await measuredScript(
      node,
      ['--disable-warning=ExperimentalWarning', SCRIPT, job],
      repo.dir,
    );
    const failure =
      run.exitCode === 0 ? undefined : `exit code ${run.exitCode}: ${firstError(run.output)}`;
    return { measured: run.measured, failure };
  } finally {
    await removeDir(scratch);
  }
}
