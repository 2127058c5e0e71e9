import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { redact } from '../src/redact.js';

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

  it('is the identity when no secret occurs', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const secret = '\u0000never-in-text\u0000';
        expect(redact(text.replaceAll('\u0000', ''), [secret])).toBe(text.replaceAll('\u0000', ''));
      }),
    );
  });
});
