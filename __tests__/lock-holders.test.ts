// Whose lock a draft has: learnt from the lock label, or from a draft the action created whose
// creator still holds the lock and no one else has modified.
import { describe, expect, it } from '@jest/globals';
import { LockHolders } from '../src/sync/lock.js';
import type { DeploymentDraft } from '../src/ververica/draft.js';

const lock = (holderId: string) => ({ id: 'l', holderId, holderName: `user-${holderId}` });
const draft = (fields: Partial<DeploymentDraft>): DeploymentDraft => ({
  deploymentDraftId: 'd',
  ...fields,
});
const CREATED = { 'flink-draft-sync/created': 'c'.repeat(40) };

describe('LockHolders', () => {
  it.each<[string, DeploymentDraft, string]>([
    [
      'the lock label names the holder',
      draft({ lock: lock('me'), labels: { 'flink-draft-sync/lock-holder': 'me' } }),
      'ours',
    ],
    [
      'created by the action, its creator holds the lock',
      draft({ lock: lock('me'), creator: 'me', modifier: 'me', labels: CREATED }),
      'ours',
    ],
    [
      'created by the action, modified since by a person',
      draft({ lock: lock('me'), creator: 'me', modifier: 'li', labels: CREATED }),
      'other',
    ],
    [
      'created by the action, locked by a person',
      draft({ lock: lock('li'), creator: 'me', modifier: 'me', labels: CREATED }),
      'other',
    ],
    ['created in the console', draft({ lock: lock('me'), creator: 'me', modifier: 'me' }), 'other'],
    [
      'the label names someone else',
      draft({ lock: lock('li'), labels: { 'flink-draft-sync/lock-holder': 'me' } }),
      'other',
    ],
    ['nobody holds it', draft({ labels: CREATED }), 'free'],
  ])('%s', (_why, d, kind) => {
    expect(new LockHolders().stateOf(d).kind).toBe(kind);
  });
});
