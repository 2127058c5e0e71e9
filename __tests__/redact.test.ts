import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { redact } from '../src/runtime/redact.js';

describe('redact', () => {
  it.each([
    ['plain secret', 'key=abcd1234 rest', ['abcd1234'], 'key=*** rest'],
    ['every occurrence', 'xsecretx secret', ['secret'], 'x***x ***'],
    ['several secrets', 'a=secret-a b=secret-b', ['secret-a', 'secret-b'], 'a=*** b=***'],
    ['longer secret first', 'token=abcdabcdXYZ', ['abcd', 'abcdabcdXYZ'], 'token=***'],
    ['short secrets ignored', 'abc is abc', ['abc', ''], 'abc is abc'],
    ['JSON-escaped form', '{"m":"tok\\"en/\\\\x"}', ['tok"en/\\x'], '{"m":"***"}'],
    ['percent-encoded form', 'url?t=a%2Bb%2Fc%3D', ['a+b/c='], 'url?t=***'],
    [
      'any V3 signature, even unknown',
      'Authorization: ACS3-HMAC-SHA256 Credential=LTAI,SignedHeaders=host,Signature=0123456789abcdef0123',
      [],
      'Authorization: ACS3-HMAC-SHA256 Credential=LTAI,SignedHeaders=host,Signature=***',
    ],
    ['regex characters are literal', 'a.*b and axxb', ['a.*b'], '*** and axxb'],
    ['nothing to hide', 'all fine', ['secret'], 'all fine'],
    ['secret with a lone surrogate', 'a\uD800bcd', ['\uD800bcd'], 'a***'],
  ])('%s', (_name, text, secrets, expected) => {
    expect(redact(text, secrets)).toBe(expected);
  });

  it('leaves no secret of 4+ characters in the text, wherever it was embedded', () => {
    // The mask itself is made of '*'; a secret built from it could reappear around a mask.
    const secret = fc.string({ minLength: 4, maxLength: 40 }).filter((s) => !s.includes('*'));
    fc.assert(
      fc.property(fc.string(), secret, fc.string(), (before, s, after) => {
        expect(redact(`${before}${s}${after}`, [s])).not.toContain(s);
      }),
    );
  });

  const TOKEN = 'CAIS8gF1q6Ft5B2yfSjIr5bkKvT3jrhL0ZeNXlvT0TJiZHFhhYbYqD3zXHZI';

  it.each([
    ['cut short at its end', `token ${TOKEN.slice(0, 20)}`, 'token ***'],
    ['cut short at its start', `…${TOKEN.slice(-15)} expired`, '…*** expired'],
    ['cut to the first 12 characters', `x=${TOKEN.slice(0, 12)};`, 'x=***;'],
    ['whole, twice, touching', `${TOKEN}${TOKEN}`, '***'],
  ])('masks a long secret %s', (_name, text, expected) => {
    expect(redact(text, [TOKEN])).toBe(expected);
  });

  it('leaves a run shorter than 12 characters of a long secret alone', () => {
    expect(redact(`id ${TOKEN.slice(0, 11)} ok`, [TOKEN])).toBe(`id ${TOKEN.slice(0, 11)} ok`);
  });

  it('masks a long secret cut short to any length of 12 or more, from either end', () => {
    fc.assert(
      fc.property(fc.integer({ min: 12, max: TOKEN.length }), fc.boolean(), (n, head) => {
        const piece = head ? TOKEN.slice(0, n) : TOKEN.slice(-n);
        expect(redact(`<${piece}>`, [TOKEN])).toBe('<***>');
      }),
    );
  });

  it('masks a secret base64-encoded inside a larger value, at any alignment, std or url', () => {
    const secret = fc
      .string({ minLength: 12, maxLength: 60 })
      .filter((s) => !s.includes('*') && s.trim() === s);
    fc.assert(
      fc.property(
        fc.string({ maxLength: 8 }),
        secret,
        fc.string({ maxLength: 8 }),
        fc.boolean(),
        (a, s, b, url) => {
          const encoded = Buffer.from(`${a}${s}${b}`).toString(url ? 'base64url' : 'base64');
          const scrubbed = redact(`payload=${encoded}`, [s]);
          expect(scrubbed).toContain('***');
          // What is left decodes to nothing that holds the secret.
          const rest = scrubbed.slice('payload='.length).split('***');
          for (const part of rest) expect(Buffer.from(part, 'base64').toString()).not.toContain(s);
        },
      ),
    );
  });

  it('is the identity when no secret occurs', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const secret = '\u0000never-in-text\u0000';
        expect(redact(text.replaceAll('\u0000', ''), [secret])).toBe(text.replaceAll('\u0000', ''));
      }),
    );
  });
});
