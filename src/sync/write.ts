// One write of a draft (UpdateDeploymentDraft) with the run's retries, made safe to retry: an
// answer lost on the way back may hide a write that landed, so every attempt after the first looks
// at the draft before writing again, and never overwrites an edit someone made in between.
import { Code } from '../codes.js';
import type { DraftApi } from '../ververica/draft-api.js';
import type { DeploymentDraft, DraftRef } from '../ververica/draft.js';
import type { ApiResult } from '../ververica/errors.js';
import { withRetry, type RetryContext } from '../runtime/retry.js';

/**
 * Writes `desired` over the draft read as `before`. `landed` tells, from a later read, that an
 * earlier attempt's write is already there.
 */
export function writeDraft(
  api: Pick<DraftApi, 'getDraft' | 'updateDraft'>,
  ref: DraftRef,
  before: DeploymentDraft,
  desired: DeploymentDraft,
  landed: (now: DeploymentDraft) => boolean,
  retry: RetryContext,
): Promise<ApiResult<DeploymentDraft> & { attempts: number }> {
  return withRetry(async (attempt): Promise<ApiResult<DeploymentDraft>> => {
    if (attempt > 0) {
      const now = await api.getDraft(ref);
      if (!now.ok) return now;
      if (landed(now.value)) return now;
      if (now.value.modifiedAt !== before.modifiedAt) {
        return {
          ok: false,
          error: {
            status: 0,
            code: Code.DraftChangedRemotely,
            message: `Draft changed remotely (modifiedAt ${before.modifiedAt} → ${now.value.modifiedAt}) while it was being updated; left as it is`,
            requestId: now.requestId,
            transient: false,
            throttled: false,
          },
        };
      }
    }
    return api.updateDraft(ref, desired);
  }, retry);
}
