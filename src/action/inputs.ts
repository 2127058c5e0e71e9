// The Action's side of the settings: its inputs (the runner's INPUT_* variables), the event file
// and the runner's environment. The only module that reads them; settings.ts parses the values.
import { readFileSync } from 'node:fs';
import { isZeroSha } from '../checkout/commit-sha.js';
import { repositoryIdOf } from '../checkout/remote.js';
import {
  isPullRequest,
  parseSettings,
  SettingsError,
  type EventInfo,
  type InputName,
  type Settings,
} from '../settings.js';

/** What only the Action has: the GitHub API, the repository and this run's page. */
export interface ActionSettings extends Settings {
  githubToken: string;
  repository?: { owner: string; repo: string };
  apiUrl: string;
  /** Link to this run, where the full job summary is. */
  runUrl?: string;
}

type Env = Record<string, string | undefined>;
type Payload = Record<string, unknown>;

/** The runner passes input `name` as INPUT_<NAME>, as the Actions toolkit reads it. */
function inputReader(env: Env): (name: InputName | 'github-token') => string | undefined {
  return (name) => env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`];
}

function readPayload(env: Env, problems: string[]): Payload {
  const file = env.GITHUB_EVENT_PATH;
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

export function eventInfo(
  name: string,
  payload: Payload,
  envSha: string | undefined,
  envRef: string | undefined = process.env.GITHUB_REF,
): EventInfo {
  const defaultBranch = str(field(payload, 'repository', 'default_branch'));
  if (isPullRequest({ name })) {
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
    ref: str(field(payload, 'ref')) ?? envRef,
  };
}

export function getSettings(env: Env = process.env): ActionSettings {
  const problems: string[] = [];
  const eventName = env.GITHUB_EVENT_NAME ?? '';
  const payload = readPayload(env, problems);
  const event = eventInfo(eventName, payload, env.GITHUB_SHA || undefined, env.GITHUB_REF);
  const read = inputReader(env);
  const runId = env.GITHUB_RUN_ID ?? 'local';
  let settings: Settings | undefined;
  try {
    settings = parseSettings(read, {
      event,
      workspaceDir: env.GITHUB_WORKSPACE ?? process.cwd(),
      runId,
      syncAllEvent: eventName === 'workflow_dispatch',
    });
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    problems.push(...error.problems);
  }
  if (!settings || problems.length > 0) throw new SettingsError(problems);
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/');
  const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
  return {
    ...settings,
    repositoryId: owner && repo ? repositoryIdOf(`${server}/${owner}/${repo}`) : undefined,
    githubToken: read('github-token')?.trim() ?? '',
    repository: owner && repo ? { owner, repo } : undefined,
    apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
    runUrl:
      owner && repo && env.GITHUB_RUN_ID
        ? `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${owner}/${repo}/actions/runs/${env.GITHUB_RUN_ID}`
        : undefined,
  };
}
