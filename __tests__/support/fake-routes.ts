// The operations the fake API serves, as a table of (action, method, path pattern) → handler.
import { principalOf, type FakeCredential } from './fake-gateway.js';
import { businessError, success, type Answer } from './fake-answers.js';
import {
  draftNotFound,
  lockProblem,
  type DraftOutcome,
  type DraftStore,
  type LockConflict,
} from './fake-drafts.js';
import type { RolloutStore } from './fake-rollout.js';
import type { CatalogStore } from './fake-catalog.js';
import { validateSql } from './fake-sql-validator.js';

export interface RouteContext {
  store: DraftStore;
  rollout: RolloutStore;
  catalog: CatalogStore;
  /** Whether a new draft's creator is handed its edit lock. */
  lockCreator: boolean;
  /** The path exactly as received: how a colon in it was sent. */
  rawPath: string;
  requestId: string;
  workspace: string;
  params: Record<string, string>;
  query: Record<string, string>;
  body: string;
  credential: FakeCredential;
  lockConflict: LockConflict;
}

export interface Route {
  action: string;
  method: string;
  /** Path segments; `:name` captures a (decoded) segment into params. */
  pattern: string[];
  handle: (ctx: RouteContext) => Answer;
}

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

const DRAFTS = ['api', 'v2', 'namespaces', ':namespace', 'deployment-drafts'];
const DRAFT = [...DRAFTS, ':draftId'];
const LOCK = [...DRAFTS, 'getLock'];
const VALIDATE = ['api', 'v2', 'namespaces', ':namespace', 'sql-statement', 'validate'];
const NS = ['api', 'v2', 'namespaces', ':namespace'];

const ROUTES: Route[] = [
  { action: 'CreateDeploymentDraft', method: 'POST', pattern: DRAFTS, handle: createDraft },
  {
    action: 'GetFolder',
    method: 'GET',
    pattern: [...NS, 'folder'],
    handle: (ctx) =>
      reply(ctx, ctx.catalog.get(ctx.workspace, where(ctx).namespace, ctx.query.folderId ?? '')),
  },
  {
    action: 'CreateFolder',
    method: 'POST',
    pattern: [...NS, 'folder'],
    handle: (ctx) => reply(ctx, ctx.catalog.create(ctx.workspace, where(ctx).namespace, ctx.body)),
  },
  {
    action: 'ListEngineVersionMetadata',
    method: 'GET',
    pattern: ['api', 'v2', 'engine-version-meta.json'],
    handle: (ctx) => success(ctx.requestId, ctx.catalog.engineVersions()),
  },
  { action: 'ListDeploymentDrafts', method: 'GET', pattern: DRAFTS, handle: listDrafts },
  { action: 'GetDeploymentDraftLock', method: 'POST', pattern: LOCK, handle: getLock },
  { action: 'GetDeploymentDraft', method: 'GET', pattern: DRAFT, handle: getDraft },
  { action: 'UpdateDeploymentDraft', method: 'PATCH', pattern: DRAFT, handle: updateDraft },
  { action: 'DeleteDeploymentDraft', method: 'DELETE', pattern: DRAFT, handle: deleteDraft },
  { action: 'ValidateSqlStatement', method: 'POST', pattern: VALIDATE, handle: validateStatement },
  {
    action: 'DeployDeploymentDraftAsync',
    method: 'POST',
    pattern: [...DRAFTS, 'async-deploy'],
    handle: (ctx) =>
      reply(
        ctx,
        ctx.rollout.deploy(where(ctx), ctx.body, (d) =>
          lockProblem(d, principalOf(ctx.credential)),
        ),
      ),
  },
  {
    action: 'GetDeployDeploymentDraftResult',
    method: 'GET',
    pattern: [...DRAFTS, 'tickets', ':ticketId', 'async-deploy'],
    handle: (ctx) => reply(ctx, ctx.rollout.ticket(where(ctx), ctx.params.ticketId ?? '')),
  },
  {
    action: 'GetDeployment',
    method: 'GET',
    pattern: [...NS, 'deployments', ':deploymentId'],
    handle: (ctx) =>
      reply(ctx, ctx.rollout.getDeployment(where(ctx), ctx.params.deploymentId ?? '')),
  },
  {
    action: 'ListJobs',
    method: 'GET',
    pattern: [...NS, 'jobs'],
    handle: (ctx) => replyPage(ctx, ctx.rollout.listJobs(where(ctx), ctx.query)),
  },
  {
    action: 'GetJob',
    method: 'GET',
    pattern: [...NS, 'jobs', ':jobId'],
    handle: (ctx) => reply(ctx, ctx.rollout.getJob(where(ctx), ctx.params.jobId ?? '')),
  },
  { action: 'StopJob', method: 'POST', pattern: [...NS, 'jobs', ':jobAction'], handle: stopJob },
  {
    action: 'StartJobWithParams',
    method: 'POST',
    pattern: [...NS, ':jobsAction'],
    handle: startJob,
  },
  {
    action: 'ListSavepoints',
    method: 'GET',
    pattern: [...NS, 'savepoints'],
    handle: (ctx) => replyPage(ctx, ctx.rollout.listSavepoints(where(ctx), ctx.query)),
  },
];

function where(ctx: RouteContext) {
  return { workspace: ctx.workspace, namespace: ctx.params.namespace ?? '' };
}

function reply(ctx: RouteContext, outcome: DraftOutcome<unknown>): Answer {
  return outcome.ok
    ? success(ctx.requestId, outcome.value)
    : businessError(ctx.requestId, outcome.error);
}

function replyPage(
  ctx: RouteContext,
  outcome: DraftOutcome<{ data: unknown[]; extra: Record<string, unknown> }>,
): Answer {
  return outcome.ok
    ? success(ctx.requestId, outcome.value.data, outcome.value.extra)
    : businessError(ctx.requestId, outcome.error);
}

/** `jobs/{jobId}%3Astop`: the colon arrives encoded, as the official SDK writes it. */
function stopJob(ctx: RouteContext): Answer {
  const segment = ctx.params.jobAction ?? '';
  if (!segment.endsWith(':stop') || !ctx.rawPath.endsWith('%3Astop')) {
    return invalid(ctx, `No operation ${segment}; StopJob is POST …/jobs/{jobId}%3Astop.`);
  }
  return reply(ctx, ctx.rollout.stop(where(ctx), segment.slice(0, -':stop'.length), ctx.body));
}

/** `jobs%3Astart`. */
function startJob(ctx: RouteContext): Answer {
  if (ctx.params.jobsAction !== 'jobs:start' || !ctx.rawPath.endsWith('/jobs%3Astart')) {
    return invalid(ctx, 'StartJobWithParams is POST …/jobs%3Astart.');
  }
  return reply(ctx, ctx.rollout.start(where(ctx), ctx.body));
}

function refOf(ctx: RouteContext) {
  return {
    workspace: ctx.workspace,
    namespace: ctx.params.namespace ?? '',
    draftId: ctx.params.draftId ?? '',
  };
}

function getDraft(ctx: RouteContext): Answer {
  const draft = ctx.store.get(refOf(ctx));
  return draft
    ? success(ctx.requestId, draft)
    : businessError(ctx.requestId, draftNotFound(refOf(ctx)));
}

function invalid(ctx: RouteContext, errorMessage: string): Answer {
  return businessError(ctx.requestId, { status: 400, errorCode: 'InvalidParameter', errorMessage });
}

/** The draft travels in the query (`deploymentDraftId`), and the call has no body. */
function getLock(ctx: RouteContext): Answer {
  const draftId = ctx.query.deploymentDraftId;
  if (!draftId) return invalid(ctx, 'The query parameter deploymentDraftId is required.');
  if (ctx.body !== '') return invalid(ctx, 'GetDeploymentDraftLock takes no body.');
  const ref = { ...refOf(ctx), draftId };
  const outcome = ctx.store.acquireLock(ref, principalOf(ctx.credential), ctx.lockConflict);
  return outcome.ok
    ? success(ctx.requestId, outcome.value)
    : businessError(ctx.requestId, outcome.error);
}

function createDraft(ctx: RouteContext): Answer {
  const { workspace, namespace } = where(ctx);
  const outcome = ctx.store.create(where(ctx), ctx.body, principalOf(ctx.credential), {
    rootId: ctx.catalog.rootOf(workspace, namespace),
    folderExists: (id) => ctx.catalog.has(workspace, namespace, id),
    engineProblem: (version) => ctx.catalog.engineProblem(version),
    lockCreator: ctx.lockCreator,
  });
  return reply(ctx, outcome);
}

function deleteDraft(ctx: RouteContext): Answer {
  const outcome = ctx.store.remove(refOf(ctx), principalOf(ctx.credential));
  return reply(ctx, outcome);
}

function updateDraft(ctx: RouteContext): Answer {
  const outcome = ctx.store.update(refOf(ctx), ctx.body, principalOf(ctx.credential));
  return outcome.ok
    ? success(ctx.requestId, outcome.value)
    : businessError(ctx.requestId, outcome.error);
}

/** The fields of SqlStatementWithContext, as the official SDK names them. */
const STATEMENT_FIELDS = new Set([
  'statement',
  'batchMode',
  'versionName',
  'flinkConfiguration',
  'additionalDependencies',
  'catalog',
  'database',
]);

/** Strict about the body's shape, as the API is about its required fields. */
function validateStatement(ctx: RouteContext): Answer {
  let body: unknown;
  try {
    body = JSON.parse(ctx.body);
  } catch {
    return invalid(ctx, 'The body must be a JSON SqlStatementWithContext.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return invalid(ctx, 'The body must be a JSON object.');
  }
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((name) => !STATEMENT_FIELDS.has(name));
  if (unknown.length > 0) return invalid(ctx, `Unknown fields: ${unknown.join(', ')}.`);
  if (typeof fields.statement !== 'string' || fields.statement === '') {
    return invalid(ctx, 'statement is required.');
  }
  if (typeof fields.batchMode !== 'boolean') return invalid(ctx, 'batchMode is required.');
  if (fields.versionName !== undefined && typeof fields.versionName !== 'string') {
    return invalid(ctx, 'versionName must be a string.');
  }
  const deps = fields.additionalDependencies;
  if (deps !== undefined && !(Array.isArray(deps) && deps.every((d) => typeof d === 'string'))) {
    return invalid(ctx, 'additionalDependencies must be a list of strings.');
  }
  return success(ctx.requestId, validateSql(fields.statement, fields.batchMode));
}

function pageNumber(raw: string | undefined, fallback: number, max: number): number | undefined {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 && n <= max ? n : undefined;
}

function listDrafts(ctx: RouteContext): Answer {
  const pageIndex = pageNumber(ctx.query.pageIndex, 1, Number.MAX_SAFE_INTEGER);
  const pageSize = pageNumber(ctx.query.pageSize, 10, 100);
  if (pageIndex === undefined || pageSize === undefined) {
    return businessError(ctx.requestId, {
      status: 400,
      errorCode: 'InvalidParameter',
      errorMessage: 'pageIndex must be >= 1 and pageSize between 1 and 100.',
    });
  }
  const { drafts, totalSize } = ctx.store.page(
    ctx.workspace,
    ctx.params.namespace ?? '',
    (pageIndex - 1) * pageSize,
    pageSize,
  );
  return success(ctx.requestId, drafts, { pageIndex, pageSize, totalSize });
}

function matchPattern(pattern: string[], segments: string[]): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of pattern.entries()) {
    const segment = segments[i] ?? '';
    if (!part.startsWith(':')) {
      if (part !== segment) return undefined;
    } else if (segment === '') {
      return undefined;
    } else {
      params[part.slice(1)] = segment;
    }
  }
  return params;
}

/** The route serving this action at this method and (decoded) path, if any. */
export function matchRoute(
  method: string,
  action: string | undefined,
  segments: string[],
): RouteMatch | undefined {
  for (const route of ROUTES) {
    if (route.method !== method || route.action !== action) continue;
    const params = matchPattern(route.pattern, segments);
    if (params) return { route, params };
  }
  return undefined;
}
