// `--help`: the commands, and every flag with the description and default that action.yml gives
// the input of the same name (src/cli/input-docs.ts is generated from it). Pure.
import { BOOLEAN_FLAGS, INPUT_FLAGS, SECRET_FLAGS, type Command } from './args.js';
import { INPUT_DOCS } from './input-docs.js';

const COMMAND_TEXT: Record<Command, string> = {
  plan: 'Compare each draft with its file and show the diff; writes nothing.',
  apply: 'Write each changed file into its draft (and deploy, with --deploy).',
  check: 'Check the manifest and the files it maps, locally; needs no credentials.',
  import:
    'Write every SQL draft of --workspace/--namespace to <out>/<folder>/<name>.sql and add it to the manifest.',
};

const WIDTH = 100;

function wrap(text: string, indent: number): string {
  const words = text.split(/\s+/);
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line && indent + line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.map((l) => ' '.repeat(indent) + l).join('\n');
}

/** Markdown code spans read better without their backticks on a terminal. */
function plain(text: string): string {
  return text.replace(/`([^`]*)`/g, '$1');
}

export function renderHelp(command?: Command): string {
  const out: string[] = [];
  if (!command) {
    out.push('usage: flink-draft-sync <command> [flags] [paths…]', '', 'Commands:');
    for (const [name, text] of Object.entries(COMMAND_TEXT)) out.push(`  ${name.padEnd(8)}${text}`);
    out.push('', 'Run `flink-draft-sync <command> --help` for its flags.');
  } else if (command === 'import') {
    out.push(
      'usage: flink-draft-sync import --workspace <w> --namespace <n> [--folder <path>] [--out <dir>] [--force]',
      '',
      wrap(COMMAND_TEXT.import, 0),
      '',
      '  --folder <path>   only drafts in this folder (e.g. orders/enrichment) and below it',
      '  --out <dir>       where the .sql files go, inside the repository (default: .)',
      '  --manifest <path> the manifest to write or extend (default: flink-drafts.yaml)',
      '  --force           overwrite a local file that differs from its draft (default: leave it)',
      '  --region <id>, --endpoint <url>, --concurrency <n>: as for plan and apply',
      '',
      wrap(
        'Running it twice changes nothing. A draft that is not SQL, or whose name or folder cannot be a ' +
          'safe file name, is listed as skipped. Nothing is written outside --out except the manifest.',
        0,
      ),
    );
  } else {
    out.push(`usage: flink-draft-sync ${command} [--since <rev> | --all | paths…] [flags]`, '');
    out.push(wrap(COMMAND_TEXT[command], 0), '');
  }
  if (command !== 'import') {
    out.push(
      '',
      'Which files count:',
      '  --since <rev>     what changed from <rev> to HEAD (renames, deletions and manifest changes',
      '                    count as on a push)',
      '  --all             every manifest entry (the default when nothing else is given)',
      '  paths…            only these .sql files, relative to the repository root',
    );
  }
  out.push(
    '',
    'Output and credentials:',
    "  --format <f>      table (default), json (the action's results output), markdown (the job summary)",
    '  --profile <name>  a profile of ~/.aliyun/config.json (modes AK and StsToken)',
    '',
    wrap(
      'Credentials come from ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET / ' +
        'ALIBABA_CLOUD_SECURITY_TOKEN, else OIDC from ALIBABA_CLOUD_ROLE_ARN, ' +
        'ALIBABA_CLOUD_OIDC_PROVIDER_ARN and ALIBABA_CLOUD_OIDC_TOKEN_FILE, else the Alibaba Cloud ' +
        `CLI's profile. Secrets are never flags: ${Object.keys(SECRET_FLAGS)
          .map((f) => `--${f}`)
          .join(' and ')} are refused.`,
      0,
    ),
    '',
    'Exit codes: 0 all well; 1 a draft failed; 2 bad usage, bad settings or an invalid manifest.',
  );
  if (command && command !== 'import') {
    out.push('', 'Flags (the inputs of the GitHub Action, by the same names):');
    for (const name of INPUT_FLAGS) {
      const doc = INPUT_DOCS[name];
      if (!doc) continue;
      const boolean = BOOLEAN_FLAGS.includes(name);
      const flag = boolean ? `--${name}, --no-${name}` : `--${name} <value>`;
      const fallback = doc.default === '' ? '' : ` (default: ${doc.default})`;
      out.push(`  ${flag}`, wrap(plain(doc.description) + fallback, 6));
    }
  }
  return `${out.join('\n')}\n`;
}
