// A run killed with SIGKILL at each step of a restart, then run again on the same commit: the
// rerun finishes the work, from the savepoint the first run's stop took, and never restarts a job
// twice or starts one without its state.
import { afterEach, describe, expect, it } from '@jest/globals';
import { runAction } from './support/action-runner.js';
import { pushEvent } from './support/events.js';
import { FakeVervericaApi } from './support/fake-ververica.js';
import { commitFiles, initRepo, removeDir } from './support/git-repo.js';
import { keyInputs, manifestYaml, resultRows, sqlDraft } from './support/scenario.js';

const WS = 'a14bd5d90a0000';
const NS = 'default-namespace';
const KEY = { accessKeyId: 'LTAI5tKillKeyId000001', accessKeySecret: 'kill-secret-7f3a1c' };
const DRAFT = 'a1b2c3d4-0000-4000-8000-000000000071';
const OLD = 'INSERT INTO sink SELECT * FROM source;\n';
const NEW = 'INSERT INTO sink SELECT id, amount FROM source;\n';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

async function scenario() {
  const repo = await initRepo();
  const manifest = manifestYaml([{ file: 'sql/orders.sql', draftId: DRAFT }], {
    workspace: WS,
    namespace: NS,
  });
  const base = await commitFiles(
    repo,
    { 'flink-drafts.yaml': manifest, 'sql/orders.sql': OLD },
    'initial',
  );
  const head = await commitFiles(repo, { 'sql/orders.sql': NEW }, 'new SQL');
  const api = await FakeVervericaApi.start({ credentials: [KEY] });
  cleanup.push(async () => {
    await api.stop();
    await removeDir(repo);
  });
  // Slow enough that a kill lands inside the step it is aimed at.
  api.setRolloutTiming({ ticketMs: 200, startMs: 1500, stopMs: 1500 });
  api.seedDraft(
    sqlDraft({ id: DRAFT, name: 'orders', workspace: WS, namespace: NS, sqlScript: OLD }),
  );
  const seeded = api.runJob(WS, NS, DRAFT);
  const run = (killWhen?: (stdout: string) => boolean) =>
    runAction({
      workspace: repo,
      eventName: 'push',
      event: pushEvent({ before: base, after: head }),
      inputs: {
        ...keyInputs(api, KEY),
        deploy: 'true',
        restart: 'if-running',
        'wait-minutes': '0.5',
      },
      env: { GITHUB_SHA: head },
      killWhen,
    });
  return { api, ...seeded, run };
}

const script = (holder: { artifact?: { sqlArtifact?: { sqlScript?: string } } } | undefined) =>
  holder?.artifact?.sqlArtifact?.sqlScript;

describe('a restart killed with SIGKILL, then run again', () => {
  it.each([
    ['while the ticket is running', 'deploying (ticket'],
    ['just after the stop was asked for', 'stopping job'],
    ['after the stop, before the start', 'stopped with savepoint'],
    ['while the new job starts', 'started job'],
  ])(
    '%s: the rerun finishes it from the same savepoint',
    async (_name, step) => {
      const s = await scenario();
      const killed = await s.run((stdout) => stdout.includes(step));
      expect(killed.signal).toBe('SIGKILL');

      const rerun = await s.run();
      expect(rerun.exitCode).toBe(0);
      const [row] = resultRows(rerun);
      expect(row?.status).toMatch(/^(restarted|deployed)$/);

      const jobs = s.api.rollout.jobsOf(s.deploymentId);
      const running = jobs.filter((j) => j.state === 'RUNNING');
      expect(running).toHaveLength(1);
      expect(script(running[0])).toBe(NEW);
      // The first job was stopped once, with a savepoint, and the new one starts from it.
      const savepoints = s.api.rollout.savepointsOf(s.deploymentId);
      expect(savepoints.map((sp) => [sp.jobId, sp.state])).toEqual([[s.jobId, 'COMPLETED']]);
      expect(running[0]?.restoredFrom).toBe(savepoints[0]?.savepointId);
      expect(s.api.rollout.starts).toHaveLength(1);
      expect(s.api.rollout.starts[0]?.restoreStrategy.kind).toBe('LATEST_SAVEPOINT');

      // A third run has nothing left to do.
      const third = await s.run();
      expect(resultRows(third).map((r) => r.status)).toEqual(['unchanged']);
      expect(s.api.rollout.starts).toHaveLength(1);
    },
    60_000,
  );
});
