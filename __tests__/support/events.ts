// Real webhook payloads from @octokit/webhooks-examples, with the SHAs and refs of a test repository
// put in. Everything else (repository, pusher, sender, commits) stays as GitHub sent it.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
type Example = { name: string; examples: Array<Record<string, unknown>> };
const examples = require('@octokit/webhooks-examples/api.github.com/index.json') as Example[];

function example(
  name: string,
  pick: (e: Record<string, unknown>) => boolean,
): Record<string, unknown> {
  const found = examples.find((e) => e.name === name)?.examples.find(pick);
  if (!found) throw new Error(`no ${name} example in @octokit/webhooks-examples`);
  return structuredClone(found);
}

export const ZERO_SHA = '0'.repeat(40);

export function pushEvent(options: {
  before: string;
  after: string;
  ref?: string;
  forced?: boolean;
  defaultBranch?: string;
}): Record<string, unknown> {
  const event = example('push', (e) => String(e.ref).startsWith('refs/heads/'));
  const repository = event.repository as Record<string, unknown>;
  return {
    ...event,
    ref: options.ref ?? 'refs/heads/main',
    before: options.before,
    after: options.after,
    created: options.before === ZERO_SHA,
    forced: options.forced ?? false,
    repository: { ...repository, default_branch: options.defaultBranch ?? 'main' },
  };
}

export function pullRequestEvent(options: {
  base: string;
  head: string;
  number?: number;
  fork?: boolean;
}): Record<string, unknown> {
  const event = example('pull_request', (e) => e.action === 'synchronize');
  const pr = event.pull_request as Record<string, Record<string, unknown>>;
  const number = options.number ?? 7;
  return {
    ...event,
    number,
    pull_request: {
      ...pr,
      number,
      base: { ...pr.base, sha: options.base, ref: 'main' },
      head: {
        ...pr.head,
        sha: options.head,
        repo: options.fork ? { ...(pr.head?.repo as object), fork: true } : pr.head?.repo,
      },
    },
  };
}

export function workflowDispatchEvent(): Record<string, unknown> {
  const event = example('workflow_dispatch', () => true);
  return event;
}
