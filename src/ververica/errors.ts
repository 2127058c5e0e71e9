// Failures of a Ververica OpenAPI call, as values. The retry loop reads `transient`, `throttled` and
// `retryAfterMs`; the summary shows `code`, `message` and `requestId`.
import type { Err, Ok } from '../runtime/result.js';

export interface ApiError {
  /** HTTP status; 0 when no response arrived (network failure, timeout, request not sent). */
  status: number;
  /** Envelope `errorCode`, gateway `Code`, or one of the client's own codes (`ClientCode`). */
  code: string;
  /** Already scrubbed of secrets. */
  message: string;
  requestId?: string;
  transient: boolean;
  /** From the `x-acs-retry-after` (milliseconds) or `Retry-After` header. */
  retryAfterMs?: number;
  throttled: boolean;
}

/** A call's Result: the value with the request's ID, or the error. */
export type ApiResult<T> = (Ok<T> & { requestId?: string }) | Err<ApiError>;

/** Codes the client assigns itself when the API gave none. */
export const ClientCode = {
  NetworkError: 'NetworkError',
  RequestTimeout: 'RequestTimeout',
  InvalidResponse: 'InvalidResponse',
  ResponseTooLarge: 'ResponseTooLarge',
  /** The request could not be built or sent as asked (bad header value, dot path segment …). */
  InvalidRequest: 'InvalidRequest',
  /** The credentials provider failed. */
  NoCredentials: 'NoCredentials',
} as const;

/** Codes worth another attempt whatever the status: Alibaba Cloud's gateways send these for STS too. */
const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  ClientCode.NetworkError,
  ClientCode.RequestTimeout,
  'ServiceUnavailable',
  'InternalError',
  'UnknownError',
]);

export function isThrottled(code: string, status: number): boolean {
  return status === 429 || code.startsWith('Throttling');
}

/** Worth another attempt: the same request may well succeed a little later. */
export function isTransientCode(code: string, status: number): boolean {
  return status >= 500 || isThrottled(code, status) || TRANSIENT_CODES.has(code);
}

/** Builds an error with `transient` and `throttled` derived from the code and status. */
export function apiError(fields: {
  status: number;
  code: string;
  message: string;
  requestId?: string;
  retryAfterMs?: number;
  /** The server asked for a pause (`x-acs-retry-after`): throttling, whatever the code says. */
  throttled?: boolean;
}): ApiError {
  const throttled = fields.throttled === true || isThrottled(fields.code, fields.status);
  const error: ApiError = {
    status: fields.status,
    code: fields.code,
    message: fields.message,
    transient: throttled || isTransientCode(fields.code, fields.status),
    throttled,
  };
  if (fields.requestId) error.requestId = fields.requestId;
  if (fields.retryAfterMs !== undefined) error.retryAfterMs = fields.retryAfterMs;
  return error;
}

/**
 * The official runtime's throttling hint: `x-acs-retry-after`, a whole number of milliseconds.
 * Anything else is ignored rather than guessed at.
 */
export function parseAcsRetryAfter(value: string | undefined): number | undefined {
  const text = value?.trim();
  return text && /^\d+$/.test(text) ? Number(text) : undefined;
}

/**
 * The server's wait from an answer's headers: `x-acs-retry-after` (which also marks throttling, as
 * the official runtime reads it) before `Retry-After`.
 */
export function retryHint(
  header: (name: string) => string | undefined,
  nowMs: number,
): { retryAfterMs?: number; throttled: boolean } {
  const acs = parseAcsRetryAfter(header('x-acs-retry-after'));
  if (acs !== undefined) return { retryAfterMs: acs, throttled: true };
  return { retryAfterMs: parseRetryAfter(header('retry-after'), nowMs), throttled: false };
}

/**
 * `Retry-After` as a delay in milliseconds: either delta-seconds or an HTTP date relative to `nowMs`.
 * Unparseable values are ignored rather than guessed at.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
