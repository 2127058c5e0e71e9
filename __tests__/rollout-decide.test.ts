// What a rollout decides from what the server shows: table-driven over the deployment, its jobs and
// the restart marker an earlier run may have left.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  decideRollout,
  describeDecision,
  formatMarker,
  parseMarker,
  type RolloutFacts,
} from '../src/rollout/decide.js';
import type { Deployment, Job, JobState } from '../src/ververica/deployment.js';

const NEW = 'INSERT INTO s SELECT 2;';
const OLD = 'INSERT INTO s SELECT 1;';
const COMMIT = 'a'.repeat(40);
const OTHER_COMMIT = 'b'.repeat(40);

const artifact = (sqlScript: string) => ({ kind: 'SQLSCRIPT', sqlArtifact: { sqlScript } });
const deployment = (script: string): Deployment => ({
  deploymentId: 'dep',
  artifact: artifact(script),
});
const job = (jobId: string, state: JobState, script: string, createdAt: number): Job => ({
  jobId,
  deploymentId: 'dep',
  state,
  artifact: artifact(script),
  createdAt,
});

function facts(over: Partial<RolloutFacts>): RolloutFacts {
  return { text: NEW, jobs: [], commit: COMMIT, restart: 'if-running', ...over };
}

describe('decideRollout', () => {
  it.each<[string, Partial<RolloutFacts>, boolean, string]>([
    ['never deployed: deploy, nothing runs', {}, true, 'none'],
    ['deployment on the old script, nothing runs', { deployment: deployment(OLD) }, true, 'none'],
    [
      'a job runs the old script: restart',
      { deployment: deployment(OLD), jobs: [job('j1', 'RUNNING', OLD, 1)] },
      true,
      'restart',
    ],
    [
      'deployed already, the job still runs the old script: restart without a deploy',
      { deployment: deployment(NEW), jobs: [job('j1', 'RUNNING', OLD, 1)] },
      false,
      'restart',
    ],
    [
      'the job already runs the new script: nothing, never a second restart',
      {
        deployment: deployment(NEW),
        jobs: [job('j1', 'CANCELLED', OLD, 1), job('j2', 'RUNNING', NEW, 2)],
      },
      false,
      'none',
    ],
    [
      'restart never: the running job keeps its version',
      { deployment: deployment(OLD), jobs: [job('j1', 'RUNNING', OLD, 1)], restart: 'never' },
      true,
      'none',
    ],
    [
      'a job starting by other hands: busy',
      { deployment: deployment(OLD), jobs: [job('j1', 'STARTING', OLD, 1)] },
      true,
      'busy',
    ],
    [
      'killed between stop and start: resume the start',
      {
        deployment: deployment(NEW),
        jobs: [job('j1', 'CANCELLED', OLD, 1)],
        marker: { commit: COMMIT, jobId: 'j1' },
      },
      false,
      'resume-start',
    ],
    [
      'a marker of another commit is not this run’s: nothing is started',
      {
        deployment: deployment(NEW),
        jobs: [job('j1', 'CANCELLED', OLD, 1)],
        marker: { commit: OTHER_COMMIT, jobId: 'j1' },
      },
      false,
      'none',
    ],
    [
      'killed while the new job started: wait for it',
      {
        deployment: deployment(NEW),
        jobs: [job('j1', 'CANCELLED', OLD, 1), job('j2', 'STARTING', NEW, 2)],
        marker: { commit: COMMIT, jobId: 'j1' },
      },
      false,
      'resume-wait',
    ],
    [
      'killed after the new job failed: finish the failure (roll back or leave)',
      {
        deployment: deployment(NEW),
        jobs: [job('j1', 'CANCELLED', OLD, 1), job('j2', 'FAILED', NEW, 2)],
        marker: { commit: COMMIT, jobId: 'j1' },
      },
      false,
      'resume-failed',
    ],
    [
      'the rolled-back job was stopped by a person later: left alone',
      {
        deployment: deployment(OLD),
        jobs: [
          job('j1', 'CANCELLED', OLD, 1),
          job('j2', 'FAILED', NEW, 2),
          job('j3', 'CANCELLED', OLD, 3),
        ],
        marker: { commit: COMMIT, jobId: 'j1' },
      },
      true,
      'none',
    ],
  ])('%s', (_name, over, deploy, kind) => {
    const decision = decideRollout(facts(over));
    expect([decision.deploy, decision.job.kind]).toEqual([deploy, kind]);
    expect(describeDecision(decision)).not.toBe('');
  });

  it('orders jobs by creation time, not by the order the server listed them', () => {
    const decision = decideRollout(
      facts({
        deployment: deployment(NEW),
        jobs: [job('j2', 'RUNNING', NEW, 2), job('j1', 'CANCELLED', OLD, 1)],
      }),
    );
    expect(decision.job.kind).toBe('none');
  });

  it('never decides to start a job for a restart marker it cannot read', () => {
    fc.assert(
      fc.property(fc.string(), (label) => {
        const marker = parseMarker(label);
        const decision = decideRollout(
          facts({ deployment: deployment(NEW), jobs: [job('j1', 'CANCELLED', OLD, 1)], marker }),
        );
        const resumes = decision.job.kind === 'resume-start';
        return !resumes || label === formatMarker({ commit: COMMIT, jobId: 'j1' });
      }),
    );
  });

  it('reads back the marker it writes', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[0-9a-f]{40}$/),
        fc.stringMatching(/^[\w-]{1,40}$/),
        (commit, jobId) => {
          expect(parseMarker(formatMarker({ commit, jobId }))).toEqual({ commit, jobId });
        },
      ),
    );
  });
});
