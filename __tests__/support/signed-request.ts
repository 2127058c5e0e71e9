// Builds and sends correctly signed Ververica calls, kept as plain data (method, path, headers, body)
// so that a test can change any part after signing and see what the server makes of it.
import { randomUUID } from 'node:crypto';
import { request, type Dispatcher } from 'undici';
import {
  encodePath,
  encodeRfc3986,
  signRequest,
  type Credentials,
} from '../../src/ververica/signer.js';

export const API_VERSION = '2022-07-18';

/** A request exactly as it will go on the wire. */
export interface WireCall {
  method: string;
  /** Encoded path plus query string. */
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface CallSpec {
  method: string;
  /** Unencoded path segments. */
  segments: string[];
  action: string;
  credentials: Credentials;
  date: Date;
  query?: Record<string, string>;
  body?: string;
  /** Omitted: a fresh random nonce. */
  nonce?: string;
  /** Omitted: no workspace header. */
  workspace?: string;
  version?: string;
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export function draftSegments(namespace: string, draftId?: string): string[] {
  const base = ['api', 'v2', 'namespaces', namespace, 'deployment-drafts'];
  return draftId === undefined ? base : [...base, draftId];
}

export function signedCall(baseUrl: string, spec: CallSpec): WireCall {
  const pathname = encodePath(spec.segments);
  const query = spec.query ?? {};
  const queryString = Object.entries(query)
    .map(([key, value]) => `${encodeRfc3986(key)}=${encodeRfc3986(value)}`)
    .join('&');
  const extra: Record<string, string> = { accept: 'application/json' };
  if (spec.workspace !== undefined) extra.workspace = spec.workspace;
  if (spec.body !== undefined) extra['content-type'] = 'application/json; charset=utf-8';
  const headers = signRequest({
    method: spec.method,
    host: new URL(baseUrl).host,
    pathname,
    query,
    headers: extra,
    body: spec.body,
    action: spec.action,
    version: spec.version ?? API_VERSION,
    credentials: spec.credentials,
    date: spec.date,
    nonce: spec.nonce ?? randomUUID(),
  });
  const call: WireCall = {
    method: spec.method,
    path: queryString ? `${pathname}?${queryString}` : pathname,
    headers,
  };
  if (spec.body !== undefined) call.body = spec.body;
  return call;
}

export async function send(
  baseUrl: string,
  call: WireCall,
  options: { dispatcher?: Dispatcher; signal?: AbortSignal } = {},
): Promise<Reply> {
  const response = await request(baseUrl + call.path, {
    method: call.method as Dispatcher.HttpMethod,
    headers: call.headers,
    body: call.body,
    ...options,
  });
  return {
    status: response.statusCode,
    headers: response.headers,
    text: await response.body.text(),
  };
}
