// The only place that talks to Alibaba Cloud STS. AssumeRoleWithOIDC is an anonymous RPC call: the
// OIDC token itself is the proof of identity, so the request carries no AccessKeyId and no signature.
import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { systemClock } from '../runtime/clock.js';
import { errorMessage } from '../runtime/error-message.js';
import { acsDate } from '../ververica/signer.js';
import { userAgent } from '../runtime/version.js';

export const STS_VERSION = '2015-04-01';

export interface AssumeRoleWithOidcParams {
  roleArn: string;
  oidcProviderArn: string;
  oidcToken: string;
  roleSessionName: string;
  durationSeconds: number;
}

export interface StsCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
  /** ISO 8601 UTC, as STS sends it (e.g. `2024-05-01T10:00:00Z`). */
  expiration: string;
}

export interface StsFailure {
  /** `api`: STS answered with an error body; `network`: no answer; `malformed`: unreadable answer. */
  kind: 'api' | 'network' | 'malformed';
  status?: number;
  /** STS error code, e.g. `EntityNotExist.Role`. */
  code?: string;
  /** STS's own message, or the network error. May echo request values: scrub before showing. */
  message: string;
  requestId?: string;
  /** STS's diagnosis link. */
  recommend?: string;
  attempts: number;
}

export type StsResult =
  { ok: true; requestId: string; credentials: StsCredentials } | { ok: false; failure: StsFailure };

export interface StsClient {
  assumeRoleWithOidc(endpoint: URL, params: AssumeRoleWithOidcParams): Promise<StsResult>;
}

export interface StsClientOptions {
  /** Epoch milliseconds; stamps each attempt's `Timestamp`. */
  now: () => number;
  sleep?: (ms: number) => Promise<void>;
  nonce?: () => string;
  /** Attempts in all, including the first. */
  maxAttempts?: number;
  /** Delay before the first retry; doubles after each. */
  backoffMs?: number;
  requestTimeoutMs?: number;
}

type Attempt = { result: StsResult; transient: boolean };

export function createStsClient(options: StsClientOptions): StsClient {
  const sleep = options.sleep ?? ((ms: number) => systemClock.sleep(ms));
  const nonce = options.nonce ?? randomUUID;
  const maxAttempts = Math.max(1, options.maxAttempts ?? 3);
  const backoffMs = options.backoffMs ?? 500;
  const timeoutMs = options.requestTimeoutMs ?? 30_000;

  return {
    async assumeRoleWithOidc(endpoint, params) {
      for (let attempt = 1; ; attempt++) {
        const query = commonParameters(new Date(options.now()), nonce());
        const { result, transient } = await post(
          endpoint,
          query,
          roleParameters(params),
          timeoutMs,
        );
        if (result.ok) return result;
        if (!transient || attempt >= maxAttempts) {
          return { ok: false, failure: { ...result.failure, attempts: attempt } };
        }
        await sleep(backoffMs * 2 ** (attempt - 1));
      }
    },
  };
}

/**
 * The RPC call's common parameters, in the query string as every official client sends them. Fresh
 * `Timestamp` and `SignatureNonce` each attempt, like any RPC call.
 */
function commonParameters(date: Date, nonce: string): Record<string, string> {
  return {
    Action: 'AssumeRoleWithOIDC',
    Version: STS_VERSION,
    Format: 'JSON',
    Timestamp: acsDate(date),
    SignatureNonce: nonce,
  };
}

/** The role and the token, in the form body as credentials-nodejs sends them. */
function roleParameters(params: AssumeRoleWithOidcParams): Record<string, string> {
  return {
    RoleArn: params.roleArn,
    OIDCProviderArn: params.oidcProviderArn,
    OIDCToken: params.oidcToken,
    RoleSessionName: params.roleSessionName,
    DurationSeconds: String(params.durationSeconds),
  };
}

// The token travels in the body, never in the URL, so that no proxy or access log records it.
async function post(
  endpoint: URL,
  query: Record<string, string>,
  form: Record<string, string>,
  timeoutMs: number,
): Promise<Attempt> {
  let status: number;
  let text: string;
  const url = new URL(endpoint);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  try {
    const response = await request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        'user-agent': userAgent(),
      },
      body: new URLSearchParams(form).toString(),
      signal: AbortSignal.timeout(timeoutMs),
    });
    status = response.statusCode;
    text = await response.body.text();
  } catch (error) {
    return failed({ kind: 'network', message: errorMessage(error) }, true);
  }
  return interpret(status, text);
}

function interpret(status: number, text: string): Attempt {
  const body = parseObject(text);
  const requestId = stringField(body, 'RequestId');
  const serverError = status >= 500;
  if (status >= 200 && status < 300) {
    const credentials = readCredentials(body?.Credentials);
    if (credentials)
      return { result: { ok: true, requestId: requestId ?? '', credentials }, transient: false };
    const message = 'STS answered 2xx without complete Credentials';
    return failed({ kind: 'malformed', status, message, requestId }, false);
  }
  const code = stringField(body, 'Code');
  if (!code) {
    return failed({ kind: 'malformed', status, message: `HTTP ${status}`, requestId }, serverError);
  }
  const failure: Omit<StsFailure, 'attempts'> = {
    kind: 'api',
    status,
    code,
    message: stringField(body, 'Message') ?? '',
    requestId,
    recommend: stringField(body, 'Recommend'),
  };
  return failed(failure, serverError || isTransientCode(code));
}

export function isTransientCode(code: string): boolean {
  return (
    code.startsWith('Throttling') ||
    code === 'ServiceUnavailable' ||
    code === 'InternalError' ||
    code === 'UnknownError'
  );
}

function failed(failure: Omit<StsFailure, 'attempts'>, transient: boolean): Attempt {
  return { result: { ok: false, failure: { ...failure, attempts: 1 } }, transient };
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function stringField(body: Record<string, unknown> | undefined, name: string): string | undefined {
  const value = body?.[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function readCredentials(value: unknown): StsCredentials | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const accessKeyId = stringField(record, 'AccessKeyId');
  const accessKeySecret = stringField(record, 'AccessKeySecret');
  const securityToken = stringField(record, 'SecurityToken');
  const expiration = stringField(record, 'Expiration');
  if (!accessKeyId || !accessKeySecret || !securityToken || !expiration) return undefined;
  return { accessKeyId, accessKeySecret, securityToken, expiration };
}
