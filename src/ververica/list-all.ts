// Every draft of a namespace (ListDeploymentDrafts, all pages), for the callers that need the
// whole namespace: the name lookup, the orphan search. The first page, then, when it gives the
// total, the rest side by side (the API's call bound still holds), then one page at a time while
// pages come back full. A draft that a shift between pages shows twice is kept once.
import { err, ok, type Result } from '../runtime/result.js';
import { withRetry, type RetryContext } from '../runtime/retry.js';
import type { DeploymentDraft } from './draft.js';
import type { ApiError } from './errors.js';
import type { DraftLister } from './listing.js';

const PAGE_SIZE = 100;
const MAX_PAGES = 1000;

export async function listAllDrafts(
  api: DraftLister,
  scope: { workspace: string; namespace: string },
  retry: RetryContext,
): Promise<Result<DeploymentDraft[], ApiError>> {
  const page = (pageIndex: number) =>
    withRetry(
      () => api.listDrafts(scope.workspace, scope.namespace, { pageIndex, pageSize: PAGE_SIZE }),
      retry,
    );
  const seen = new Map<string, DeploymentDraft>();
  const first = await page(1);
  if (!first.ok) return err(first.error);
  for (const draft of first.value.drafts) seen.set(draft.deploymentDraftId, draft);
  let last = first.value;
  let pageIndex = 1;
  const total = first.value.totalSize;
  if (total !== undefined && last.drafts.length === PAGE_SIZE) {
    const count = Math.min(Math.ceil(total / PAGE_SIZE), MAX_PAGES);
    const rest = await Promise.all(
      Array.from({ length: Math.max(0, count - 1) }, (_, i) => page(i + 2)),
    );
    for (const got of rest) {
      if (!got.ok) return err(got.error);
      for (const draft of got.value.drafts) seen.set(draft.deploymentDraftId, draft);
      last = got.value;
    }
    pageIndex = count;
  }
  // Pages still coming back full: the namespace grew while it was read, or gave no total.
  while (last.drafts.length === PAGE_SIZE && pageIndex < MAX_PAGES) {
    const knownTotal = last.totalSize;
    if (knownTotal !== undefined && seen.size >= knownTotal) break;
    pageIndex += 1;
    const got = await page(pageIndex);
    if (!got.ok) return err(got.error);
    for (const draft of got.value.drafts) seen.set(draft.deploymentDraftId, draft);
    last = got.value;
  }
  return ok([...seen.values()]);
}
