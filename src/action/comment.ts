// Which pull request the Action comments on, and the comment itself: the PR of a pull_request
// event, or the PRs merged as the commit pushed to the default branch.
import * as core from '@actions/core';
import { commentMarker, upsertPrComments } from '../report/pr-comment.js';
import { renderComment, type SummaryInput } from '../report/summary.js';
import type { ActionSettings } from './inputs.js';

export async function comment(settings: ActionSettings, summary: SummaryInput): Promise<void> {
  const { repository, event } = settings;
  const marker = commentMarker(settings.commentKey);
  if (!repository) return;
  const isPr = event.pullNumber !== undefined;
  const onDefaultBranch = event.defaultBranch && event.ref === `refs/heads/${event.defaultBranch}`;
  if (!isPr && !onDefaultBranch) return;
  const outcomes = await upsertPrComments({
    token: settings.githubToken,
    baseUrl: settings.apiUrl,
    target: {
      ...repository,
      pullNumbers: isPr ? [event.pullNumber as number] : undefined,
      commitSha: isPr ? undefined : event.head,
    },
    body: renderComment({ ...summary, marker }),
    marker,
    summaryUrl: settings.runUrl,
    enabled: settings.commentOnPr,
  });
  for (const outcome of outcomes) {
    switch (outcome.status) {
      case 'failed':
        core.warning(`PR comment not written: ${outcome.reason}`);
        break;
      case 'skipped':
        core.info(`PR comment skipped: ${outcome.reason}`);
        break;
      default:
        core.info(`PR comment ${outcome.status} on #${outcome.pullNumber}`);
    }
  }
}
