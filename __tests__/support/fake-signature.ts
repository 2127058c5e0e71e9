// The fake gateway's own reading of signature V3 (ACS3-HMAC-SHA256), written from the published
// algorithm and deliberately sharing no code with the action's signer: if both were built from one
// implementation, a mistake in it would sign and verify consistently and no test would notice.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

const ALGORITHM = 'ACS3-HMAC-SHA256';

/** A request as it arrived on the wire; header names lower-case, repeated headers kept apart. */
export interface WireRequest {
  method: string;
  rawPath: string;
  rawQuery: string;
  headers: ReadonlyMap<string, readonly string[]>;
  body: Uint8Array;
}

export interface ParsedAuthorization {
  accessKeyId: string;
  signedHeaders: string[];
  signature: string;
}

export function hexSha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

const UNRESERVED = /[A-Za-z0-9\-_.~]/;

/** RFC 3986 percent-encoding, byte by byte over UTF-8, upper-case hex. */
export function percentEncode(value: string): string {
  let out = '';
  for (const char of value) {
    if (UNRESERVED.test(char)) {
      out += char;
      continue;
    }
    for (const byte of Buffer.from(char, 'utf8')) {
      out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
    }
  }
  return out;
}

// UTF-16 code unit order, as the official SDK's plain `.sort()` gives.
function byCodeUnit(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

function decodeQueryPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** Query parameters as the server sees them: decoded, last value wins. */
export function parseQuery(rawQuery: string): Record<string, string> {
  // fromEntries defines own properties, so a key like `__proto__` stays an ordinary key.
  const entries = rawQuery
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair): [string, string] => {
      const eq = pair.indexOf('=');
      if (eq < 0) return [decodeQueryPart(pair), ''];
      return [decodeQueryPart(pair.slice(0, eq)), decodeQueryPart(pair.slice(eq + 1))];
    });
  return Object.fromEntries(entries);
}

export function canonicalQuery(rawQuery: string): string {
  const query = parseQuery(rawQuery);
  return Object.keys(query)
    .sort(byCodeUnit)
    .map((key) => `${percentEncode(key)}=${percentEncode(query[key] ?? '')}`)
    .join('&');
}

/**
 * `ACS3-HMAC-SHA256 Credential=<id>,SignedHeaders=<a;b>,Signature=<hex>`; undefined when the
 * header is not in that shape.
 */
export function parseAuthorization(value: string | undefined): ParsedAuthorization | undefined {
  if (value === undefined) return undefined;
  const match = /^ACS3-HMAC-SHA256 +(.*)$/.exec(value.trim());
  if (!match?.[1]) return undefined;
  const fields = new Map<string, string>();
  for (const part of match[1].split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const accessKeyId = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!accessKeyId || !signedHeaders || !signature || !/^[0-9a-f]{64}$/.test(signature)) {
    return undefined;
  }
  return { accessKeyId, signedHeaders: signedHeaders.split(';'), signature };
}

/** The canonical request the server computes for the headers the client says it signed. */
export function serverCanonicalRequest(request: WireRequest, signedHeaders: string[]): string {
  // Sorting here (rather than trusting the client's order) makes an unsorted list a mismatch.
  const names = [...new Set(signedHeaders.map((n) => n.toLowerCase()))].sort(byCodeUnit);
  const headerLines = names
    .map((name) => {
      const values = request.headers.get(name) ?? [];
      return `${name}:${values.map((v) => v.trim()).join(',')}\n`;
    })
    .join('');
  return [
    request.method.toUpperCase(),
    request.rawPath,
    canonicalQuery(request.rawQuery),
    headerLines,
    names.join(';'),
    request.headers.get('x-acs-content-sha256')?.[0] ?? '',
  ].join('\n');
}

export function serverStringToSign(canonical: string): string {
  return `${ALGORITHM}\n${hexSha256(canonical)}`;
}

export function signatureMatches(secret: string, stringToSign: string, signature: string): boolean {
  const expected = createHmac('sha256', secret).update(stringToSign).digest();
  const given = Buffer.from(signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Milliseconds since the epoch for a strict `YYYY-MM-DDTHH:mm:ssZ`, undefined otherwise. */
export function parseAcsDate(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(value))
    return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
