// The only place that talks to Alibaba Cloud STS. AssumeRoleWithOIDC is an anonymous RPC call: the
// OIDC token itself is the proof of identity, so the request carries no AccessKeyId and no signature.
import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { errorMessage } from '../runtime/error-message.js';
import type { Result } from '../runtime/result.js';
import { withRetry, type Attempt, type Retryable, type RetryContext } from '../runtime/retry.js';
import { userAgent } from '../runtime/version.js';
import { apiError, retryHint } from '../ververica/errors.js';
import { acsDate } from '../ververica/signer.js';

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

export interface StsFailure extends Retryable {
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
  /** Attempts made in all, counted once the retries are over. */
  attempts: number;
}

export type StsResult = Result<{ requestId: string; credentials: StsCredentials }, StsFailure>;

export interface StsClient {
  assumeRoleWithOidc(endpoint: URL, params: AssumeRoleWithOidcParams): Promise<StsResult>;
}

export interface StsClientOptions {
  /**
   * The run's retries, clock and deadline: STS is retried like any API call, with full jitter,
   * Retry-After honoured and no attempt started past the deadline.
   */
  retry: RetryContext;
  nonce?: () => string;
  requestTimeoutMs?: number;
}

type Attempted = Attempt<{ requestId: string; credentials: StsCredentials }, StsFailure>;

export function createStsClient(options: StsClientOptions): StsClient {
  const nonce = options.nonce ?? randomUUID;
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const { clock } = options.retry;
  // STS throttles its own callers: its pauses are not the draft API's.
  const retry: RetryContext = { ...options.retry, gate: undefined };
  const notStarted = (): StsFailure => ({
    kind: 'network',
    message: 'The time budget ran out before STS could be asked',
    transient: false,
    throttled: false,
    attempts: 0,
  });

  return {
    async assumeRoleWithOidc(endpoint, params) {
      const result = await withRetry<
        { requestId: string; credentials: StsCredentials },
        StsFailure
      >(
        () => {
          const query = commonParameters(new Date(clock.now()), nonce());
          return post(endpoint, query, roleParameters(params), timeoutMs, clock.now());
        },
        retry,
        notStarted,
      );
      if (result.ok) return { ok: true, value: result.value };
      return { ok: false, error: { ...result.error, attempts: result.attempts } };
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
  nowMs: number,
): Promise<Attempted> {
  let status: number;
  let text: string;
  let header: (name: string) => string | undefined;
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
    const headers = response.headers;
    header = (name) => {
      const value = headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    text = await response.body.text();
  } catch (error) {
    return failed({ kind: 'network', message: errorMessage(error), transient: true });
  }
  return interpret(status, text, retryHint(header, nowMs));
}

function interpret(
  status: number,
  text: string,
  hint: { retryAfterMs?: number; throttled: boolean },
): Attempted {
  const body = parseObject(text);
  const requestId = stringField(body, 'RequestId');
  if (status >= 200 && status < 300) {
    const credentials = readCredentials(body?.Credentials);
    if (credentials) return { ok: true, value: { requestId: requestId ?? '', credentials } };
    const message = 'STS answered 2xx without complete Credentials';
    return failed({ kind: 'malformed', status, message, requestId, transient: false });
  }
  const code = stringField(body, 'Code');
  // One reading of codes and statuses for every Alibaba Cloud call: the API's (errors.ts).
  const judged = apiError({ status, code: code ?? '', message: '', ...hint });
  const retry = {
    transient: judged.transient,
    throttled: judged.throttled,
    retryAfterMs: hint.retryAfterMs,
  };
  if (!code) {
    return failed({ kind: 'malformed', status, message: `HTTP ${status}`, requestId, ...retry });
  }
  return failed({
    kind: 'api',
    status,
    code,
    message: stringField(body, 'Message') ?? '',
    requestId,
    recommend: stringField(body, 'Recommend'),
    ...retry,
  });
}

function failed(
  failure: Omit<StsFailure, 'attempts' | 'throttled'> & { throttled?: boolean },
): Attempted {
  return { ok: false, error: { ...failure, throttled: failure.throttled ?? false, attempts: 1 } };
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
