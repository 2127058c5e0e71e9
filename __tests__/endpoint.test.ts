import { describe, expect, it } from '@jest/globals';
import { checkServiceUrl, resolveEndpoint } from '../src/ververica/endpoint.js';

type Case = [
  name: string,
  input: { region?: string; endpoint?: string },
  expected: string | RegExp,
];

// A string expectation is the resolved URL; a RegExp is matched against the error message.
const cases: Case[] = [
  ['region', { region: 'cn-hangzhou' }, 'https://ververica.cn-hangzhou.aliyuncs.com/'],
  [
    'region with a digit',
    { region: 'ap-southeast-1' },
    'https://ververica.ap-southeast-1.aliyuncs.com/',
  ],
  [
    'region padded with spaces',
    { region: ' cn-shanghai ' },
    'https://ververica.cn-shanghai.aliyuncs.com/',
  ],
  [
    'explicit https',
    { endpoint: 'https://ververica.example.com' },
    'https://ververica.example.com/',
  ],
  [
    'explicit https with port',
    { endpoint: 'https://api.example.com:8443/' },
    'https://api.example.com:8443/',
  ],
  [
    'endpoint wins over region',
    { region: 'cn-hangzhou', endpoint: 'https://x.example.com' },
    'https://x.example.com/',
  ],
  ['http 127.0.0.1', { endpoint: 'http://127.0.0.1:8080' }, 'http://127.0.0.1:8080/'],
  ['http elsewhere in 127/8', { endpoint: 'http://127.10.20.30:1' }, 'http://127.10.20.30:1/'],
  ['http localhost', { endpoint: 'http://localhost:3000/' }, 'http://localhost:3000/'],
  ['http LOCALHOST', { endpoint: 'http://LOCALHOST:3000' }, 'http://localhost:3000/'],
  ['http [::1]', { endpoint: 'http://[::1]:9000' }, 'http://[::1]:9000/'],
  [
    'http non-loopback host',
    { endpoint: 'http://ververica.cn-hangzhou.aliyuncs.com' },
    /endpoint must use https/,
  ],
  ['http private address', { endpoint: 'http://10.0.0.1' }, /endpoint must use https/],
  [
    'http host that starts with 127',
    { endpoint: 'http://127.0.0.1.example.com' },
    /must use https/,
  ],
  ['http localhost subdomain', { endpoint: 'http://localhost.example.com' }, /must use https/],
  ['http ::ffff mapped', { endpoint: 'http://[::ffff:7f00:1]' }, /must use https/],
  ['ftp scheme', { endpoint: 'ftp://127.0.0.1' }, /endpoint must use https, not ftp/],
  ['file scheme', { endpoint: 'file:///etc/passwd' }, /must use https, not file/],
  [
    'no scheme',
    { endpoint: 'ververica.cn-hangzhou.aliyuncs.com' },
    /endpoint is not an absolute URL/,
  ],
  [
    'userinfo',
    { endpoint: 'https://user:hunter2@example.com' },
    /must not contain a user name or password/,
  ],
  ['user only', { endpoint: 'https://user@example.com' }, /must not contain a user name/],
  ['query', { endpoint: 'https://example.com/?a=1' }, /must not have a query/],
  ['empty query', { endpoint: 'https://example.com/?' }, /must not have a query/],
  ['fragment', { endpoint: 'https://example.com/#x' }, /must not have a query or fragment/],
  ['path', { endpoint: 'https://example.com/api' }, /must not have a path/],
  ['bad region: upper case', { region: 'CN-HANGZHOU' }, /region "CN-HANGZHOU" is not a region ID/],
  ['bad region: no dash', { region: 'hangzhou' }, /is not a region ID/],
  ['bad region: host injection', { region: 'cn-hangzhou.evil.com' }, /is not a region ID/],
  ['bad region: slash', { region: 'cn-hangzhou/x' }, /is not a region ID/],
  ['bad region: one letter prefix', { region: 'c-hangzhou' }, /is not a region ID/],
  ['neither', {}, /either the region input or the endpoint input/],
  ['both blank', { region: ' ', endpoint: '' }, /either the region input or the endpoint input/],
];

describe('resolveEndpoint', () => {
  it.each(cases)('%s', (_name, input, expected) => {
    const result = resolveEndpoint(input);
    if (typeof expected === 'string') {
      expect(result).toEqual({ ok: true, value: new URL(expected) });
      if (result.ok) expect(result.value.href).toBe(expected);
    } else {
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error).toMatch(expected);
    }
  });

  it('never repeats a password from the URL', () => {
    for (const endpoint of ['https://u:s3cr3t-pw@example.com', 'u:s3cr3t-pw@example.com']) {
      const result = resolveEndpoint({ endpoint });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error).not.toContain('s3cr3t-pw');
    }
  });
});

describe('checkServiceUrl', () => {
  it('names the input it checked', () => {
    const result = checkServiceUrl('http://sts.aliyuncs.com', 'sts-endpoint');
    expect(result).toEqual({
      ok: false,
      error: expect.stringMatching(/^sts-endpoint must use https/),
    });
  });

  it('accepts an https STS endpoint', () => {
    const result = checkServiceUrl('https://sts.cn-hangzhou.aliyuncs.com', 'sts-endpoint');
    expect(result.ok && result.value.href).toBe('https://sts.cn-hangzhou.aliyuncs.com/');
  });
});
