// `npm run docs` (--write) renders action.yml's inputs and outputs into README.md between the
// `<!-- action-docs:inputs -->` / `<!-- action-docs:outputs -->` markers; `npm run docs:check`
// (--check) exits 1 when README.md disagrees with action.yml.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { checkReadme, generateReadme } from './action-docs/readme.js';
import { checkCliDocs, generateCliDocs } from './action-docs/cli-docs.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const mode = process.argv[2];

if (mode === '--check') {
  const problem = (await checkReadme(root)) ?? (await checkCliDocs(root));
  if (problem) {
    console.error(problem);
    process.exit(1);
  }
  console.log('README.md and the CLI help match action.yml.');
} else if (mode === '--write') {
  const state = await generateReadme(root);
  if (!state.ok) {
    console.error(state.problems.join('\n'));
    process.exit(1);
  }
  const { readmePath, current, expected } = state.value;
  if (current === expected) {
    console.log('README.md already matches action.yml.');
  } else {
    await writeFile(readmePath, expected);
    console.log('README.md updated from action.yml.');
  }
  const cli = await generateCliDocs(root);
  if (!cli.ok) {
    console.error(cli.problems.join('\n'));
    process.exit(1);
  }
  if (cli.value.current !== cli.value.expected) {
    await writeFile(cli.value.docsPath, cli.value.expected);
    console.log('src/cli/input-docs.ts updated from action.yml.');
  }
} else {
  console.error('usage: tsx scripts/action-docs.ts --write | --check');
  process.exit(2);
}
