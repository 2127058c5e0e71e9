// Alibaba Cloud request signature V3 (ACS3-HMAC-SHA256). Pure: no clock, no randomness, no I/O.
// The caller supplies the date and nonce so that every retry can be re-signed with fresh ones.
import { createHash, createHmac } from 'node:crypto';

export const SIGNATURE_ALGORITHM = 'ACS3-HMAC-SHA256';

export interface Credentials {
  accessKeyId: string;
  accessKeySecret: string;
  /** Present for STS credentials; sent signed as `x-acs-security-token`, with `x-acs-accesskey-id`. */
  securityToken?: string;
}

export interface CanonicalInput {
  method: string;
  /** The path exactly as it goes on the wire, already percent-encoded. */
  pathname: string;
  query: Readonly<Record<string, string>>;
  headers: Readonly<Record<string, string>>;
  /** Lower-case hex SHA-256 of the body bytes. */
  hashedPayload: string;
}

/** RFC 3986 percent-encoding: encodeURIComponent plus `!'()*`. */
export function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase(),
  );
}

/** Encodes each path segment on its own, keeping the `/` separators. */
export function encodePath(segments: readonly string[]): string {
  return '/' + segments.map(encodeRfc3986).join('/');
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function canonicalQueryString(query: Readonly<Record<string, string>>): string {
  return Object.keys(query)
    .sort(compareCodePoints)
    .map((key) => `${encodeRfc3986(key)}=${encodeRfc3986(query[key] ?? '')}`)
    .join('&');
}

function isSignedHeader(lowerName: string): boolean {
  return lowerName === 'host' || lowerName === 'content-type' || lowerName.startsWith('x-acs-');
}

/** Headers that take part in the signature, grouped by lower-case name (values trimmed). */
function signedHeaderValues(headers: Readonly<Record<string, string>>): Map<string, string[]> {
  const grouped = new Map<string, string[]>();
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (!isSignedHeader(lower)) continue;
    const values = grouped.get(lower) ?? [];
    values.push((value ?? '').trim());
    grouped.set(lower, values);
  }
  return grouped;
}

export function canonicalRequest(input: CanonicalInput): {
  canonical: string;
  signedHeaders: string;
} {
  const grouped = signedHeaderValues(input.headers);
  const names = [...grouped.keys()].sort(compareCodePoints);
  const canonicalHeaders = names
    .map((name) => `${name}:${(grouped.get(name) ?? []).sort(compareCodePoints).join(',')}\n`)
    .join('');
  const signedHeaders = names.join(';');
  const canonical = [
    input.method.toUpperCase(),
    input.pathname,
    canonicalQueryString(input.query),
    canonicalHeaders,
    signedHeaders,
    input.hashedPayload,
  ].join('\n');
  return { canonical, signedHeaders };
}

export function stringToSign(canonical: string): string {
  return `${SIGNATURE_ALGORITHM}\n${sha256Hex(canonical)}`;
}

/** The value of the `Authorization` header for a request whose headers are already final. */
export function authorization(input: CanonicalInput, credentials: Credentials): string {
  const { canonical, signedHeaders } = canonicalRequest(input);
  const signature = createHmac('sha256', credentials.accessKeySecret)
    .update(stringToSign(canonical))
    .digest('hex');
  return `${SIGNATURE_ALGORITHM} Credential=${credentials.accessKeyId},SignedHeaders=${signedHeaders},Signature=${signature}`;
}

/** `YYYY-MM-DDTHH:mm:ssZ`, as `x-acs-date` requires. */
export function acsDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface SignRequestInput {
  method: string;
  host: string;
  pathname: string;
  query?: Readonly<Record<string, string>>;
  /** Extra headers (content-type, accept, workspace …). */
  headers?: Readonly<Record<string, string>>;
  body?: string | Uint8Array;
  action: string;
  version: string;
  credentials: Credentials;
  date: Date;
  nonce: string;
}

/** Returns the complete header set for the request, `authorization` included. */
export function signRequest(input: SignRequestInput): Record<string, string> {
  const headers: Record<string, string> = {
    ...input.headers,
    host: input.host,
    'x-acs-action': input.action,
    'x-acs-version': input.version,
    'x-acs-date': acsDate(input.date),
    'x-acs-signature-nonce': input.nonce,
    'x-acs-content-sha256': sha256Hex(input.body ?? ''),
  };
  if (input.credentials.securityToken) {
    // As the official runtime does: the STS key's ID travels signed beside its token.
    headers['x-acs-accesskey-id'] = input.credentials.accessKeyId;
    headers['x-acs-security-token'] = input.credentials.securityToken;
  }
  headers.authorization = authorization(
    {
      method: input.method,
      pathname: input.pathname,
      query: input.query ?? {},
      headers,
      hashedPayload: headers['x-acs-content-sha256'] ?? '',
    },
    input.credentials,
  );
  return headers;
}
