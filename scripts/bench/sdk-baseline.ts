// The baseline the throughput benchmark compares against: how a user syncs drafts today with
// Alibaba Cloud's official Node SDK core (@alicloud/openapi-client), calling the API the way the
// generated Ververica SDK (@alicloud/ververica20220718) does: `callApi` with ROA params, the
// workspace in a header, default runtime options. One draft after another: GET, the edit lock,
// then PATCH with the draft's editable fields, as the API requires.
//
// Standalone on purpose: Node 24 runs this file as it is (type stripping), in its own process,
// exactly like the action, so both sides pay for starting a process and loading their code.
// Usage: node sdk-baseline.ts <job.json>; the job file is written by baseline-run.ts.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import OpenApi from '@alicloud/openapi-client';
import OpenApiUtil from '@alicloud/openapi-util';

interface BaselineJob {
  /** host:port of the API; the SDK puts it in the Host header and the URL. */
  endpoint: string;
  protocol: 'http' | 'https';
  accessKeyId: string;
  accessKeySecret: string;
  workspace: string;
  namespace: string;
  /** Checkout the files are read from. */
  root: string;
  drafts: { file: string; draftId: string }[];
}

function params(action: string, method: string, pathname: string): OpenApi.Params {
  return new OpenApi.Params({
    action,
    version: '2022-07-18',
    protocol: 'HTTPS',
    pathname,
    method,
    authType: 'AK',
    style: 'ROA',
    reqBodyType: 'json',
    bodyType: 'json',
  });
}

interface Envelope {
  success?: boolean;
  errorCode?: string;
  errorMessage?: string;
  data?: { artifact?: { sqlArtifact?: { sqlScript?: string } } };
}

function envelope(response: { body?: unknown }, what: string): Envelope {
  const body = response.body as Envelope | undefined;
  if (!body?.success) {
    throw new Error(`${what}: ${body?.errorCode ?? 'no envelope'} ${body?.errorMessage ?? ''}`);
  }
  return body;
}

/** Set by the server, never sent back. */
const OUTPUT_ONLY = [
  'creator',
  'creatorName',
  'modifier',
  'modifierName',
  'createdAt',
  'modifiedAt',
  'lock',
];

const jobFile = process.argv[2];
if (!jobFile) throw new Error('usage: sdk-baseline.ts <job.json>');
const job = JSON.parse(await readFile(jobFile, 'utf8')) as BaselineJob;

// Unset signatureVersion and signatureAlgorithm: callApi then takes its default path, doRequest,
// which signs with ACS3-HMAC-SHA256 (the V3 signature), as every current generated SDK does.
const client = new OpenApi.default(
  new OpenApi.Config({
    accessKeyId: job.accessKeyId,
    accessKeySecret: job.accessKeySecret,
    endpoint: job.endpoint,
    protocol: job.protocol,
  }),
);
const runtime = {} as Parameters<typeof client.callApi>[2];

for (const { file, draftId } of job.drafts) {
  const sqlScript = await readFile(path.join(job.root, file), 'utf8');
  const pathname =
    `/api/v2/namespaces/${OpenApiUtil.default.getEncodeParam(job.namespace)}` +
    `/deployment-drafts/${OpenApiUtil.default.getEncodeParam(draftId)}`;
  const headers = { workspace: job.workspace };
  const lockPath = `/api/v2/namespaces/${OpenApiUtil.default.getEncodeParam(job.namespace)}/deployment-drafts/getLock`;
  const got = envelope(
    await client.callApi(
      params('GetDeploymentDraft', 'GET', pathname),
      new OpenApi.OpenApiRequest({ headers }),
      runtime,
    ),
    `GetDeploymentDraft ${draftId}`,
  );
  envelope(
    await client.callApi(
      params('GetDeploymentDraftLock', 'POST', lockPath),
      new OpenApi.OpenApiRequest({ headers, query: { deploymentDraftId: draftId } }),
      runtime,
    ),
    `GetDeploymentDraftLock ${draftId}`,
  );
  const draft: Record<string, unknown> & NonNullable<Envelope['data']> = { ...got.data };
  for (const field of OUTPUT_ONLY) delete draft[field];
  draft.artifact = {
    ...draft.artifact,
    sqlArtifact: { ...draft.artifact?.sqlArtifact, sqlScript },
  };
  envelope(
    await client.callApi(
      params('UpdateDeploymentDraft', 'PATCH', pathname),
      new OpenApi.OpenApiRequest({ headers, body: draft }),
      runtime,
    ),
    `UpdateDeploymentDraft ${draftId}`,
  );
}
