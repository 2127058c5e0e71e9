// The command line: `flink-draft-sync <plan|apply|check> [flags] [paths…]`, parsed with Node's own
// util.parseArgs. Flags are the action's inputs by name; a secret given as a flag is refused before
// anything runs, since a command line lands in shell history and the process list. Pure.
import { parseArgs } from 'node:util';
import { INPUT_DEFAULTS, type InputName } from '../settings.js';

export const COMMANDS = ['plan', 'apply', 'check', 'import'] as const;
export type Command = (typeof COMMANDS)[number];

export const FORMATS = ['table', 'json', 'markdown'] as const;
export type Format = (typeof FORMATS)[number];

/** Inputs that hold secrets: never flags. Each names the variable to use instead. */
export const SECRET_FLAGS: Readonly<Record<string, string>> = {
  'access-key-secret': 'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  'security-token': 'ALIBABA_CLOUD_SECURITY_TOKEN',
};

/** Inputs that mean nothing outside GitHub Actions. */
const ACTION_ONLY: ReadonlySet<string> = new Set(['comment-on-pr', 'comment-key', 'sync-all']);

/** The action's inputs a flag of the same name sets. */
export const INPUT_FLAGS: readonly InputName[] = (
  Object.keys(INPUT_DEFAULTS) as InputName[]
).filter((name) => !(name in SECRET_FLAGS) && !ACTION_ONLY.has(name));

/** Inputs whose values are true or false: a bare `--deploy` sets them, `--no-deploy` clears them. */
export const BOOLEAN_FLAGS: readonly InputName[] = INPUT_FLAGS.filter(
  (name) => INPUT_DEFAULTS[name] === 'true' || INPUT_DEFAULTS[name] === 'false',
);

export interface CliArgs {
  command: Command;
  /** Input values given as flags, by input name. */
  inputs: Partial<Record<InputName, string>>;
  /** `--since <rev>`: what changed from that commit to HEAD. */
  since?: string;
  all: boolean;
  /** Explicit .sql paths, relative to the repository root. */
  paths: string[];
  format: Format;
  /** `--profile`: a profile of the Alibaba Cloud CLI's config file. */
  profile?: string;
  /** `import` only: where the files go, which folder to take, and whether to overwrite. */
  import?: { out: string; folder: string; force: boolean };
}

/** Flags of `import` alone. */
const IMPORT_ONLY = ['out', 'folder', 'force'] as const;

export type Parsed =
  | { kind: 'run'; args: CliArgs }
  | { kind: 'help'; command?: Command }
  | { kind: 'version' }
  | { kind: 'usage'; message: string; command?: Command };

function isCommand(value: string | undefined): value is Command {
  return (COMMANDS as readonly string[]).includes(value ?? '');
}

export function parseCommandLine(argv: readonly string[]): Parsed {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    return { kind: 'help', command: isCommand(rest[0]) ? rest[0] : undefined };
  }
  if (first === '--version') return { kind: 'version' };
  if (!isCommand(first)) {
    return {
      kind: 'usage',
      message: `unknown command ${JSON.stringify(first)}; use one of ${COMMANDS.join(', ')}`,
    };
  }
  const command = first;
  const secret = rest.find((arg) =>
    Object.keys(SECRET_FLAGS).some((name) => arg === `--${name}` || arg.startsWith(`--${name}=`)),
  );
  if (secret) {
    const name = secret.replace(/^--/, '').replace(/=.*$/s, '');
    return {
      kind: 'usage',
      command,
      message:
        `--${name} is refused: a secret on the command line is kept in shell history and shown in the ` +
        `process list. Set ${SECRET_FLAGS[name]} in the environment instead (or use --profile)`,
    };
  }
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    since: { type: 'string' },
    all: { type: 'boolean' },
    format: { type: 'string' },
    profile: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
    out: { type: 'string' },
    folder: { type: 'string' },
    force: { type: 'boolean' },
  };
  for (const name of INPUT_FLAGS) {
    const boolean = BOOLEAN_FLAGS.includes(name);
    options[name] = { type: boolean ? 'boolean' : 'string' };
    if (boolean) options[`no-${name}`] = { type: 'boolean' };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...rest], options, allowPositionals: true, strict: true });
  } catch (error) {
    return { kind: 'usage', command, message: (error as Error).message };
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) return { kind: 'help', command };
  const inputs: Partial<Record<InputName, string>> = {};
  for (const name of INPUT_FLAGS) {
    const value = values[name];
    const negated = values[`no-${name}`];
    if (value !== undefined && negated) {
      return {
        kind: 'usage',
        command,
        message: `--${name} and --no-${name} contradict each other`,
      };
    }
    if (negated) inputs[name] = 'false';
    else if (value !== undefined) inputs[name] = typeof value === 'boolean' ? String(value) : value;
  }
  const format = (values.format as string | undefined) ?? 'table';
  if (!(FORMATS as readonly string[]).includes(format)) {
    return {
      kind: 'usage',
      command,
      message: `--format must be one of ${FORMATS.join(', ')}, not ${JSON.stringify(format)}`,
    };
  }
  const mode = inputs.mode;
  if (mode !== undefined && mode !== 'auto' && mode !== command) {
    return {
      kind: 'usage',
      command,
      message: `--mode ${mode} contradicts the ${command} command; the command is the mode`,
    };
  }
  delete inputs.mode;
  const since = values.since as string | undefined;
  const all = values.all === true;
  const paths = parsed.positionals;
  const profile = values.profile as string | undefined;
  if (command === 'import') {
    return importArgs(values, { inputs, since, all, paths, format: format as Format, profile });
  }
  const misplaced = IMPORT_ONLY.find((name) => values[name] !== undefined);
  if (misplaced) {
    return { kind: 'usage', command, message: `--${misplaced} is a flag of import only` };
  }
  if ([since !== undefined, all, paths.length > 0].filter(Boolean).length > 1) {
    return {
      kind: 'usage',
      command,
      message: 'give one of --since <rev>, --all or paths, not more',
    };
  }
  if (since !== undefined && (since === '' || since.startsWith('-'))) {
    return {
      kind: 'usage',
      command,
      message: `--since needs a revision (a SHA, a branch, a tag), not ${JSON.stringify(since)}`,
    };
  }
  return {
    kind: 'run',
    args: {
      command,
      inputs,
      since,
      all,
      paths,
      format: format as Format,
      profile,
    },
  };
}

function importArgs(
  values: Record<string, string | boolean | undefined>,
  given: Pick<CliArgs, 'inputs' | 'since' | 'all' | 'paths' | 'format' | 'profile'>,
): Parsed {
  const command = 'import';
  const usage = (message: string): Parsed => ({ kind: 'usage', command, message });
  if (given.since !== undefined || given.all || given.paths.length > 0) {
    return usage('import takes no --since, --all or paths: it imports the whole namespace');
  }
  if (given.format === 'markdown') return usage('import prints a table or json, not markdown');
  for (const name of ['workspace', 'namespace'] as const) {
    if (!given.inputs[name]) return usage(`import needs --${name}`);
  }
  const folder = ((values.folder as string | undefined) ?? '').replace(/^\/+|\/+$/g, '');
  const out = (values.out as string | undefined) ?? '.';
  if (out === '') return usage('--out needs a folder');
  return {
    kind: 'run',
    args: { command, ...given, import: { out, folder, force: values.force === true } },
  };
}
