/**
 * `npm run diff -- <git-ref> [--exit-code] [--output FILE]`: synthesizes every environment into a temporary
 * folder (dist/ is not touched) and prints, per environment, the resources added, removed and changed since
 * `<git-ref>`'s committed dist/, with field-level changes, as Markdown for a pull-request comment.
 * `--exit-code` exits 1 when something differs (for CI); `--output` also writes the report to FILE.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildApp, SYNTH_COMMAND } from '../charts';
import { defaultPlugins, readTreeFromDir, reviewDiff, SynthError, synthesize } from '../src';

function usage(): never {
  console.error('usage: npm run diff -- <git-ref> [--exit-code] [--output FILE]');
  process.exit(2);
}

function main(): number {
  const args = process.argv.slice(2);
  const outputAt = args.indexOf('--output');
  const output = outputAt >= 0 ? args[outputAt + 1] : undefined;
  if (outputAt >= 0 && !output) usage();
  const positional = args.filter((a, i) => !a.startsWith('--') && (outputAt < 0 || i !== outputAt + 1));
  const [ref, ...extra] = positional;
  if (ref === undefined || extra.length > 0) usage();

  const projectRoot = path.resolve(__dirname, '..');
  const gitTop = execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: projectRoot }).toString().trim();
  const distPath = path.relative(gitTop, path.join(projectRoot, 'dist')).split(path.sep).join('/');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'platform-diff-'));
  try {
    // The prune guard would stop synth on the very removals the review must show; they are flagged in the report.
    synthesize(buildApp(), { outdir: path.join(tmp, 'dist'), plugins: defaultPlugins({ allowPrune: true }), warn: () => undefined, command: SYNTH_COMMAND });
    const { diffs, markdown } = reviewDiff({ repoDir: gitTop, ref, distPath, after: readTreeFromDir(path.join(tmp, 'dist')) });
    console.log(markdown);
    if (output) fs.writeFileSync(output, markdown);
    return args.includes('--exit-code') && diffs.length > 0 ? 1 : 0;
  } catch (e) {
    console.error(e instanceof SynthError ? e.message : e instanceof Error ? e.message : String(e));
    return 2;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

process.exitCode = main();
