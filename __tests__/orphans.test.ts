// Which drafts are orphans, and what a repository's label says: the pure parts of orphan detection.
import { describe, expect, it } from '@jest/globals';
import { repositoryIdOf } from '../src/checkout/remote.js';
import { orphansOf } from '../src/sync/orphans.js';
import type { DeploymentDraft } from '../src/ververica/draft.js';

describe('repositoryIdOf', () => {
  it.each([
    ['https://github.com/octo-org/flink-jobs', 'github.com/octo-org/flink-jobs'],
    ['https://github.com/octo-org/flink-jobs.git', 'github.com/octo-org/flink-jobs'],
    [
      'https://user:token@GitLab.example.com/group/sub/flink.git/',
      'gitlab.example.com/group/sub/flink',
    ],
    ['git@github.com:octo-org/flink-jobs.git', 'github.com/octo-org/flink-jobs'],
    ['ssh://git@gitlab.com:2222/group/flink.git', 'gitlab.com:2222/group/flink'],
    ['/srv/git/flink.git', undefined],
    ['', undefined],
  ])('%s → %s', (remote, id) => {
    expect(repositoryIdOf(remote)).toBe(id);
  });

  it('never keeps credentials of an https remote', () => {
    expect(repositoryIdOf('https://x-access-token:ghs_secret@github.com/o/r.git')).toBe(
      'github.com/o/r',
    );
  });
});

describe('orphansOf', () => {
  const scope = { workspace: 'w', namespace: 'n' };
  const draft = (id: string, repository?: string): DeploymentDraft => ({
    deploymentDraftId: id,
    labels: repository ? { 'flink-draft-sync/repository': repository } : {},
  });
  const key = (id: string) => JSON.stringify(['w', 'n', id]);

  it('finds the labelled drafts the manifest does not map, and no others', () => {
    const drafts = [draft('a', 'me'), draft('b', 'me'), draft('c', 'someone-else'), draft('d')];
    expect(
      orphansOf(drafts, scope, 'me', new Set([key('a')])).map((d) => d.deploymentDraftId),
    ).toEqual(['b']);
    expect(orphansOf(drafts, scope, 'me', new Set([key('a'), key('b')]))).toEqual([]);
  });

  it('tells the same draft ID in another namespace apart', () => {
    const mapped = new Set([JSON.stringify(['w', 'other', 'a'])]);
    expect(orphansOf([draft('a', 'me')], scope, 'me', mapped)).toHaveLength(1);
  });
});
