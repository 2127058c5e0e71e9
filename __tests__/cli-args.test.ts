// The CLI's pure parts: the command line, and the credential chain it hands to the shared one.
import { describe, expect, it } from '@jest/globals';
import { INPUT_FLAGS, parseCommandLine } from '../src/cli/args.js';
import { chooseCliCredentials, readProfile, tokenFromFile } from '../src/cli/credentials.js';
import { renderHelp } from '../src/cli/help.js';
import { progressLine } from '../src/cli/main.js';
import { INPUT_DOCS } from '../src/cli/input-docs.js';

describe('parseCommandLine', () => {
  it.each<[string[], unknown]>([
    [['plan'], { command: 'plan', all: false, paths: [], format: 'table', inputs: {} }],
    [['apply', '--since', 'main~1'], { command: 'apply', since: 'main~1' }],
    [['plan', '--all', '--format', 'json'], { all: true, format: 'json' }],
    [['plan', 'sql/a.sql', 'sql/b.sql'], { paths: ['sql/a.sql', 'sql/b.sql'] }],
    [
      ['apply', '--deploy', '--restart', 'if-running'],
      { inputs: { deploy: 'true', restart: 'if-running' } },
    ],
    [['apply', '--no-list-drafts'], { inputs: { 'list-drafts': 'false' } }],
    [
      ['plan', '--concurrency=8', '--region', 'cn-hangzhou'],
      { inputs: { concurrency: '8', region: 'cn-hangzhou' } },
    ],
    [['plan', '--mode', 'plan'], { inputs: {} }],
    [['plan', '--profile', 'prod'], { profile: 'prod' }],
  ])('%j', (argv, expected) => {
    const parsed = parseCommandLine(argv);
    expect(parsed.kind).toBe('run');
    if (parsed.kind === 'run') expect(parsed.args).toMatchObject(expected as object);
  });

  it.each<[string[], string]>([
    [['plan', '--security-token', 'x'], 'ALIBABA_CLOUD_SECURITY_TOKEN'],
    [['plan', '--access-key-secret=x'], 'ALIBABA_CLOUD_ACCESS_KEY_SECRET'],
    [['plan', '--deploy', '--no-deploy'], 'contradict'],
    [['plan', '--format', 'yaml'], '--format must be one of table, json, markdown'],
    [['plan', '--since='], '--since needs a revision'],
    [['plan', '--since', '--all'], "Option '--since' argument is ambiguous"],
    [['plan', '--comment-on-pr', 'true'], "Unknown option '--comment-on-pr'"],
    [['import'], 'import needs --workspace'],
    [['import', '--workspace', 'w'], 'import needs --namespace'],
    [['import', '--workspace', 'w', '--namespace', 'n', '--all'], 'import takes no --since'],
    [['import', '--workspace', 'w', '--namespace', 'n', 'a.sql'], 'import takes no --since'],
    [['import', '--workspace', 'w', '--namespace', 'n', '--format', 'markdown'], 'not markdown'],
    [['import', '--workspace', 'w', '--namespace', 'n', '--out='], '--out needs a folder'],
    [['apply', '--force'], '--force is a flag of import only'],
  ])('refuses %j', (argv, says) => {
    const parsed = parseCommandLine(argv);
    expect(parsed.kind).toBe('usage');
    if (parsed.kind === 'usage') expect(parsed.message).toContain(says);
  });

  it('asks for help with no command, -h or help', () => {
    expect(parseCommandLine([]).kind).toBe('help');
    expect(parseCommandLine(['plan', '-h'])).toEqual({ kind: 'help', command: 'plan' });
    expect(parseCommandLine(['help', 'apply'])).toEqual({ kind: 'help', command: 'apply' });
  });

  it('documents every flag with its input’s description from action.yml', () => {
    const help = renderHelp('apply');
    for (const name of INPUT_FLAGS) {
      expect(INPUT_DOCS[name]).toBeDefined();
      expect(help).toContain(`--${name}`);
    }
  });
});

describe('the CLI credential chain', () => {
  const profile = { name: 'p', accessKeyId: 'LTAIp', accessKeySecret: 'sp', region: 'cn-beijing' };

  it('takes the key variables first, then OIDC, then the profile', () => {
    expect(
      chooseCliCredentials(
        { ALIBABA_CLOUD_ACCESS_KEY_ID: 'k', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 's' },
        {},
        profile,
      ).chosen,
    ).toEqual({ kind: 'env-keys' });
    const oidc = chooseCliCredentials(
      {
        ALIBABA_CLOUD_ROLE_ARN: 'acs:ram::1:role/r',
        ALIBABA_CLOUD_OIDC_PROVIDER_ARN: 'acs:ram::1:oidc-provider/g',
        ALIBABA_CLOUD_OIDC_TOKEN_FILE: '/t',
      },
      {},
      profile,
    );
    expect(oidc).toEqual({
      chosen: { kind: 'oidc', tokenFile: '/t' },
      inputs: {
        'role-arn': 'acs:ram::1:role/r',
        'oidc-provider-arn': 'acs:ram::1:oidc-provider/g',
      },
    });
    expect(chooseCliCredentials({}, {}, profile)).toEqual({
      chosen: { kind: 'profile' },
      inputs: { 'access-key-id': 'LTAIp', 'access-key-secret': 'sp', region: 'cn-beijing' },
    });
    expect(
      chooseCliCredentials({}, { region: 'cn-shanghai' }, profile).inputs.region,
    ).toBeUndefined();
    expect(chooseCliCredentials({}, {}, undefined).chosen).toEqual({ kind: 'none' });
  });

  it.each([
    [{ ALIBABA_CLOUD_STS_REGION: 'cn-hangzhou' }, 'https://sts.cn-hangzhou.aliyuncs.com'],
    [
      { ALIBABA_CLOUD_STS_REGION: 'cn-hangzhou', ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED: 'true' },
      'https://sts-vpc.cn-hangzhou.aliyuncs.com',
    ],
    [{}, undefined],
  ])('picks the STS host from %j', (env, endpoint) => {
    expect(chooseCliCredentials(env, {}, undefined).inputs['sts-endpoint']).toBe(endpoint);
  });

  it('reads AK and StsToken profiles, and refuses the modes it cannot act out', () => {
    const config = JSON.stringify({
      current: 'a',
      profiles: [
        {
          name: 'a',
          mode: 'AK',
          access_key_id: 'id',
          access_key_secret: 'secret',
          region_id: 'cn-hangzhou',
        },
        {
          name: 'sts',
          mode: 'StsToken',
          access_key_id: 'STS.id',
          access_key_secret: 's',
          sts_token: 'tok',
        },
        { name: 'ecs', mode: 'EcsRamRole' },
      ],
    });
    expect(readProfile(config, undefined, 'c.json')).toEqual({
      ok: true,
      value: { name: 'a', accessKeyId: 'id', accessKeySecret: 'secret', region: 'cn-hangzhou' },
    });
    expect(readProfile(config, 'sts', 'c.json')).toMatchObject({
      ok: true,
      value: { securityToken: 'tok' },
    });
    const ecs = readProfile(config, 'ecs', 'c.json');
    expect(ecs.ok ? '' : ecs.error).toContain('mode EcsRamRole');
    const missing = readProfile(config, 'nope', 'c.json');
    expect(missing.ok ? '' : missing.error).toContain(
      'has no profile "nope" (it has: a, sts, ecs)',
    );
    expect(readProfile('{', undefined, 'c.json').ok).toBe(false);
  });

  it('drops the trailing newline a CI job writes after the token', () => {
    expect(tokenFromFile('abc.def.ghi\n')).toBe('abc.def.ghi');
    expect(tokenFromFile('abc\r\n')).toBe('abc');
  });
});

describe('the progress line', () => {
  it('is drawn and cleared in place on a terminal, and never elsewhere', () => {
    const written: string[] = [];
    const terminal = {
      stdout: () => undefined,
      stderr: (t: string) => written.push(t),
      stderrIsTty: true,
    };
    const line = progressLine(terminal);
    line.draw({ phase: 'sync', done: 3, total: 50, failed: 0 });
    line.draw({ phase: 'deploy', done: 4, total: 10, failed: 1 });
    line.clear();
    expect(written).toEqual([
      '\r\x1b[2Ksynced 3/50',
      '\r\x1b[2Kdeployed 4/10, 1 failed',
      '\r\x1b[2K',
    ]);
    const piped: string[] = [];
    const quiet = progressLine({
      ...terminal,
      stderr: (t: string) => piped.push(t),
      stderrIsTty: false,
    });
    quiet.draw({ phase: 'sync', done: 1, total: 2, failed: 0 });
    quiet.clear();
    expect(piped).toEqual([]);
  });
});
