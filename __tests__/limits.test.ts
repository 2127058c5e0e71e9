// The file limit and the response cap held together: any file the action accepts, written into a
// draft, must come back in a response the client will read, however the server escapes it.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  DRAFT_FIELDS_BYTES,
  JSON_ESCAPE_WORST,
  MAX_RESPONSE_BYTES,
  MAX_SQL_BYTES,
} from '../src/codes.js';

/** The most a JSON encoder may escape: every control character, `<>&`, and all non-ASCII. */
function worstJson(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (code < 0x20 || ch === '<' || ch === '>' || ch === '&' || code > 0x7e) {
      for (const unit of ch.length === 2 ? [ch.charCodeAt(0), ch.charCodeAt(1)] : [code]) {
        out += `\\u${unit.toString(16).padStart(4, '0')}`;
      }
    } else if (ch === '"' || ch === '\\') {
      out += `\\${ch}`;
    } else {
      out += ch;
    }
  }
  return `${out}"`;
}

/** A draft as the server might answer it, around `script`, with a full allowance of other fields. */
function answerBytes(script: string, escape: (text: string) => string): number {
  const fields = { name: 'n'.repeat(DRAFT_FIELDS_BYTES - 4096), labels: { team: 'data' } };
  const head = JSON.stringify({ requestId: 'r', success: true, data: fields }).slice(0, -2);
  return Buffer.byteLength(
    `${head},"artifact":{"kind":"SQLSCRIPT","sqlArtifact":{"sqlScript":${escape(script)}}}}}`,
  );
}

/** The largest file of the given repeated character that the file limit accepts. */
function largest(ch: string): string {
  return ch.repeat(Math.floor(MAX_SQL_BYTES / Buffer.byteLength(ch)));
}

describe('the response cap follows from the file limit', () => {
  it.each([
    ['U+0001 control characters', '\u0001'],
    ['tabs', '\t'],
    ['emoji', '🚀'],
  ])('a largest file of %s fits, escaped the worst way', (_name, ch) => {
    const script = largest(ch);
    expect(Buffer.byteLength(script)).toBeLessThanOrEqual(MAX_SQL_BYTES);
    expect(answerBytes(script, worstJson)).toBeLessThanOrEqual(MAX_RESPONSE_BYTES);
    expect(answerBytes(script, JSON.stringify)).toBeLessThanOrEqual(MAX_RESPONSE_BYTES);
  });

  it('no text escapes to more than JSON_ESCAPE_WORST bytes a byte', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }), (text) => {
        const bytes = Buffer.byteLength(text);
        expect(Buffer.byteLength(worstJson(text)) - 2).toBeLessThanOrEqual(
          JSON_ESCAPE_WORST * bytes,
        );
        expect(Buffer.byteLength(JSON.stringify(text)) - 2).toBeLessThanOrEqual(
          JSON_ESCAPE_WORST * bytes,
        );
      }),
    );
  });
});
