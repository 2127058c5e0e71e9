// Holding a draft's edit lock before a write, a deploy or a delete, by the one rule of lock.ts: a
// lock the run already holds is used as it is, a free draft's lock is asked for, and anyone else's
// is never taken. Sync, rollout and orphan deletion all go through here.
import type { DraftApi } from '../ververica/draft-api.js';
import type { DeploymentDraft, DraftRef } from '../ververica/draft.js';
import type { ApiError } from '../ververica/errors.js';
import { withRetry, type RetryContext } from '../runtime/retry.js';
import { holderOf, type LockHolders } from './lock.js';

export type LockOutcome =
  /** The run holds the lock; `holderId` is the holder the API granted, when it said. */
  | { kind: 'held'; holderId?: string }
  /** Someone else holds it (`requestId` of the answer that said so, for a lock call). */
  | { kind: 'other'; holder: string; requestId?: string }
  /** The lock call failed after its retries. */
  | { kind: 'failed'; error: ApiError; attempts: number };

export async function takeLock(
  holders: LockHolders,
  api: Pick<DraftApi, 'getLock'>,
  ref: DraftRef,
  draft: DeploymentDraft,
  retry: RetryContext,
): Promise<LockOutcome> {
  const state = holders.stateOf(draft);
  if (state.kind === 'ours') return { kind: 'held', holderId: state.holderId };
  if (state.kind === 'other') return { kind: 'other', holder: holderOf(state.lock) };
  const got = await withRetry(() => api.getLock(ref), retry);
  if (!got.ok) return { kind: 'failed', error: got.error, attempts: got.attempts };
  const judged = holders.judgeGrant(got.value);
  if (judged.kind === 'ours') return { kind: 'held', holderId: judged.holderId };
  return { kind: 'other', holder: holderOf(judged.lock), requestId: got.requestId };
}
