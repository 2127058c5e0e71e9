// Whose edit lock a draft has, as far as the action can tell. The API requires the lock before an
// edit (GetDeploymentDraftLock) and has no call that releases it, so a draft the action wrote stays
// locked by the action's identity. The action never takes a lock from anyone else: a draft locked
// by another holder is reported `DraftLocked` and left alone. Pure: no I/O.
import { CREATED_LABEL } from '../codes.js';
import type { DeploymentDraft, DraftLock } from '../ververica/draft.js';

/**
 * Label recording the holder ID of the lock the action wrote the draft under. A later run that
 * finds the draft locked by that same holder knows the lock is its own (or an earlier run's with
 * the same identity), and writes without asking for it again.
 */
export const LOCK_HOLDER_LABEL = 'flink-draft-sync/lock-holder';

/**
 * Error codes that mean "another holder has this draft's lock", on the lock call or on a write.
 * The real code is not published: the fake API's is here, and a real one is one line to add. Any
 * other code is still a failed row, reported with the API's own code and message.
 */
export const LOCK_CONFLICT_CODES: ReadonlySet<string> = new Set(['DeploymentDraftLocked']);

export function isLockConflict(code: string): boolean {
  return LOCK_CONFLICT_CODES.has(code);
}

export type LockState =
  /** Nobody holds the lock: the action must ask for it before writing. */
  | { kind: 'free' }
  /** The action's identity holds it already. */
  | { kind: 'ours'; holderId: string }
  /** Someone else holds it: never write, never take it. */
  | { kind: 'other'; lock: DraftLock };

/** A lock's holder as a person reads it: the name, else the ID. */
export function holderOf(lock: DraftLock | undefined): string {
  return lock?.holderName || lock?.holderId || 'another user';
}

/**
 * The holder IDs this run knows to be its own identity: recorded by earlier syncs on drafts that
 * are still locked by that holder, or granted by the API to this run on a draft that was free.
 */
export class LockHolders {
  readonly #ours = new Set<string>();

  /**
   * Learns from a draft as read: its lock is ours when the label recorded that same holder, or
   * when the action created the draft, its creator holds the lock, and no one else has modified
   * it since (a run killed between the create and the label that records the lock).
   */
  learn(draft: DeploymentDraft): void {
    const recorded = draft.labels?.[LOCK_HOLDER_LABEL];
    const holderId = draft.lock?.holderId;
    if (typeof recorded === 'string' && recorded !== '' && holderId === recorded) {
      this.#ours.add(recorded);
    }
    const created = !!draft.labels?.[CREATED_LABEL];
    const untouched = draft.modifier === undefined || draft.modifier === draft.creator;
    if (created && holderId && holderId === draft.creator && untouched) this.#ours.add(holderId);
  }

  /** The API granted this run the lock of a draft that was free. */
  granted(holderId: string): void {
    this.#ours.add(holderId);
  }

  isOurs(holderId: string | undefined): boolean {
    return holderId !== undefined && this.#ours.has(holderId);
  }

  /** Whether anything is known yet of the action's own identity. */
  get known(): boolean {
    return this.#ours.size > 0;
  }

  stateOf(draft: DeploymentDraft): LockState {
    this.learn(draft);
    const lock = draft.lock;
    // A lock object with no holder locks nobody out.
    if (!lock || (!lock.holderId && !lock.holderName)) return { kind: 'free' };
    if (lock.holderId && this.isOurs(lock.holderId))
      return { kind: 'ours', holderId: lock.holderId };
    return { kind: 'other', lock };
  }

  /**
   * What the answer to our own lock call on a draft that was free means. A lock with a holder
   * this run knows to be someone else's (another holder's, since ours are known) was taken by a
   * person between the read and the call: it is not ours.
   */
  judgeGrant(lock: DraftLock): Exclude<LockState, { kind: 'free' }> {
    const holderId = lock.holderId;
    if (!holderId) return { kind: 'other', lock };
    if (this.isOurs(holderId) || !this.known) {
      this.granted(holderId);
      return { kind: 'ours', holderId };
    }
    return { kind: 'other', lock };
  }
}
