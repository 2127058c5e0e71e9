// Builds the typed Settings once, from the action's inputs, the runner's env and the event.
// No other module calls core.getInput. Defaults live in action.yml only.
import * as core from '@actions/core';
import { readFileSync } from 'node:fs';
import type { OnDrift } from './sync/sync.js';
import { isZeroSha } from './checkout/commit-sha.js';

export type Mode = 'plan' | 'apply';

export interface EventInfo {
  name: string;
  /** Push: the commit before the push; all zeros on the first push of a branch. */
  before?: string;
  /** The commit to sync (push: `after`; pull_request: the PR head). */
  head: string;
  /** pull_request: the base commit. */
  base?: string;
  forced: boolean;
  pullNumber?: number;
  defaultBranch?: string;
  ref?: string;
}

export interface Settings {
  /** The checkout (GITHUB_WORKSPACE). */
  workspaceDir: string;
  manifestPath: string;
  mode: Mode;
  event: EventInfo;
  syncAll: boolean;
  region: string;
  endpoint: string;
  defaults: { workspace?: string; namespace?: string };
  credentials: {
    accessKeyId: string;
    accessKeySecret: string;
    securityToken: string;
    roleArn: string;
    oidcProviderArn: string;
    roleSessionName: string;
    roleDurationSeconds: number;
    audience: string;
    stsEndpoint: string;
  };
  onDrift: OnDrift;
  concurrency: number;
  /** Read drafts in pages (ListDeploymentDrafts) when that takes fewer calls than one GET each. */
  listDrafts: boolean;
  maxRetries: number;
  /** Full-jitter backoff: retry n waits up to min(retryMaxDelayMs, retryBaseDelayMs × 2^n). */
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  timeoutMs: number;
  requestTimeoutMs: number;
  failOnError: boolean;
  commentOnPr: boolean;
  /** Tells this workflow's PR comment apart from another's on the same PR. */
  commentKey: string;
  /** Link to this run, where the full job summary is. */
  runUrl?: string;
  githubToken: string;
  repository?: { owner: string; repo: string };
  apiUrl: string;
  runId: string;
}

export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

/** core's check of a required input throws; an empty one is collected with the other problems. */
function required(name: string, problems: string[]): string | undefined {
  try {
    return core.getInput(name, { required: true });
  } catch {
    problems.push(`input ${name}: required, but it is empty`);
    return undefined;
  }
}

function integer(name: string, min: number, max: number, problems: string[]): number {
  const raw = required(name, problems);
  if (raw === undefined) return min;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    problems.push(`input ${name}: expected a whole number from ${min} to ${max}, got "${raw}"`);
    return min;
  }
  return value;
}

/** A number above 0, fractions allowed: a budget of half a minute is a real choice. */
function positive(name: string, max: number, problems: string[]): number {
  const raw = required(name, problems);
  if (raw === undefined) return max;
  const value = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || value <= 0 || value > max) {
    problems.push(`input ${name}: expected a number above 0 and at most ${max}, got "${raw}"`);
    return max;
  }
  return value;
}

function choice<T extends string>(name: string, allowed: readonly T[], problems: string[]): T {
  const raw = required(name, problems) as T | undefined;
  if (raw === undefined) return allowed[0] as T;
  if (!allowed.includes(raw)) {
    problems.push(`input ${name}: expected one of ${allowed.join(', ')}, got "${raw}"`);
    return allowed[0] as T;
  }
  return raw;
}

function boolean(name: string, problems: string[]): boolean {
  try {
    return core.getBooleanInput(name, { required: true });
  } catch {
    problems.push(`input ${name}: expected true or false, got "${core.getInput(name)}"`);
    return false;
  }
}

type Payload = Record<string, unknown>;

function readPayload(problems: string[]): Payload {
  const file = process.env.GITHUB_EVENT_PATH;
  if (!file) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Payload;
  } catch (error) {
    problems.push(`event file ${file} cannot be read as JSON (${(error as Error).message})`);
    return {};
  }
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function field(object: unknown, ...keys: string[]): unknown {
  let current = object;
  for (const key of keys) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

export function eventInfo(name: string, payload: Payload, envSha: string | undefined): EventInfo {
  const defaultBranch = str(field(payload, 'repository', 'default_branch'));
  if (name === 'pull_request' || name === 'pull_request_target') {
    const number = field(payload, 'pull_request', 'number') ?? field(payload, 'number');
    return {
      name,
      head: str(field(payload, 'pull_request', 'head', 'sha')) ?? envSha ?? '',
      base: str(field(payload, 'pull_request', 'base', 'sha')),
      forced: false,
      pullNumber: typeof number === 'number' ? number : undefined,
      defaultBranch,
    };
  }
  const before = str(field(payload, 'before'));
  return {
    name,
    before: before && !isZeroSha(before) ? before : undefined,
    head: str(field(payload, 'after')) ?? envSha ?? '',
    forced: field(payload, 'forced') === true,
    defaultBranch,
    ref: str(field(payload, 'ref')) ?? process.env.GITHUB_REF,
  };
}

export function getSettings(): Settings {
  const problems: string[] = [];
  const eventName = process.env.GITHUB_EVENT_NAME ?? '';
  const event = eventInfo(eventName, readPayload(problems), process.env.GITHUB_SHA || undefined);
  const modeInput = choice('mode', ['auto', 'plan', 'apply'] as const, problems);
  const isPr = eventName === 'pull_request' || eventName === 'pull_request_target';
  const mode: Mode = modeInput === 'auto' ? (isPr ? 'plan' : 'apply') : modeInput;
  if (!event.head) problems.push('cannot tell which commit to sync: GITHUB_SHA is not set');

  const workspaceDir = process.env.GITHUB_WORKSPACE ?? process.cwd();
  const [owner, repo] = (process.env.GITHUB_REPOSITORY ?? '').split('/');
  const settings: Settings = {
    workspaceDir,
    manifestPath: required('manifest', problems) ?? '',
    mode,
    event,
    syncAll: boolean('sync-all', problems) || eventName === 'workflow_dispatch',
    region: core.getInput('region'),
    endpoint: core.getInput('endpoint'),
    defaults: {
      workspace: core.getInput('workspace') || undefined,
      namespace: core.getInput('namespace') || undefined,
    },
    credentials: {
      accessKeyId: core.getInput('access-key-id'),
      accessKeySecret: core.getInput('access-key-secret'),
      securityToken: core.getInput('security-token'),
      roleArn: core.getInput('role-arn'),
      oidcProviderArn: core.getInput('oidc-provider-arn'),
      roleSessionName:
        core.getInput('role-session-name') ||
        `flink-draft-sync-${process.env.GITHUB_RUN_ID ?? 'local'}`,
      roleDurationSeconds: integer('role-duration-seconds', 900, 43200, problems),
      audience: required('audience', problems) ?? '',
      stsEndpoint: core.getInput('sts-endpoint'),
    },
    onDrift: choice('on-drift', ['fail', 'warn', 'overwrite'] as const, problems),
    concurrency: integer('concurrency', 1, 64, problems),
    listDrafts: boolean('list-drafts', problems),
    maxRetries: integer('max-retries', 0, 20, problems),
    retryBaseDelayMs: Math.round(positive('retry-delay-seconds', 60, problems) * 1000),
    retryMaxDelayMs: Math.round(positive('retry-max-delay-seconds', 600, problems) * 1000),
    timeoutMs: Math.round(positive('timeout-minutes', 360, problems) * 60_000),
    requestTimeoutMs: integer('request-timeout-seconds', 1, 600, problems) * 1000,
    failOnError: boolean('fail-on-error', problems),
    commentOnPr: boolean('comment-on-pr', problems),
    commentKey: core.getInput('comment-key'),
    runUrl:
      owner && repo && process.env.GITHUB_RUN_ID
        ? `${process.env.GITHUB_SERVER_URL ?? 'https://github.com'}/${owner}/${repo}/actions/runs/${process.env.GITHUB_RUN_ID}`
        : undefined,
    githubToken: core.getInput('github-token'),
    repository: owner && repo ? { owner, repo } : undefined,
    apiUrl: process.env.GITHUB_API_URL ?? 'https://api.github.com',
    runId: process.env.GITHUB_RUN_ID ?? 'local',
  };
  if (problems.length > 0) throw new SettingsError(problems);
  return settings;
}
