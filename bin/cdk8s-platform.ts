#!/usr/bin/env node
/**
 * `cdk8s-platform`: the package's command line. It runs the project's platform app (the `app` command of its
 * `cdk8s.yaml`, or `--app`) with the subcommand and options appended; the app's `runSynth` does the work:
 *
 *   npx cdk8s-platform [synth] [--outdir=DIR] [--allow-prune] [--no-cache]
 *   npx cdk8s-platform images [--env=NAME ...] [--json]
 *
 * The options are checked here first (the same definitions as runSynth's), so a typo fails before the app builds.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { CLI_OPTIONS, CliUsageError, cliUsage, parseCli } from '../src/synth/run-synth';

const NAME = 'cdk8s-platform';
const COMMAND = `npx ${NAME}`;
const APP_OPTION = ' [--app=COMMAND]';

/** POSIX shell quoting: the arguments reach the app exactly as given. */
function quote(arg: string): string {
  return /^[A-Za-z0-9_./=:@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The `app` command of ./cdk8s.yaml, or a message saying what is missing. */
function appFromConfig(file: string): string | Error {
  if (!fs.existsSync(file))
    return new Error(
      `no --app given and no ${path.basename(file)} in ${path.dirname(file)}: run it in the folder of your cdk8s.yaml, or pass --app="<command that runs your app>"`,
    );
  let config: unknown;
  try {
    config = parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    return new Error(`${file}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const app = (config as { app?: unknown } | null)?.app;
  if (typeof app !== 'string' || app.trim() === '')
    return new Error(`${file}: app: got ${JSON.stringify(app)}; must be the command that runs your app (e.g. "npx tsc && node main.js")`);
  return app;
}

function main(argv: readonly string[]): number {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseCli(argv, { ...CLI_OPTIONS, app: { type: 'string' } }));
  } catch (e) {
    if (!(e instanceof CliUsageError)) throw e;
    console.error(`${NAME}: error: ${e.message}; \`${COMMAND} --help\` lists the commands and options`);
    return 2;
  }
  if (values.help === true) {
    console.log(`${cliUsage(COMMAND, APP_OPTION)}\n\nRuns the app of ./cdk8s.yaml (or --app) with these arguments; the app calls runSynth().`);
    return 0;
  }
  const app = typeof values.app === 'string' ? values.app : appFromConfig(path.resolve('cdk8s.yaml'));
  if (app instanceof Error) {
    console.error(`${NAME}: ${app.message}`);
    return 2;
  }
  const rest = argv.filter((a, i) => !(a === '--app' || a.startsWith('--app=') || (i > 0 && argv[i - 1] === '--app')));
  const result = spawnSync(`${app} ${rest.map(quote).join(' ')}`, { shell: true, stdio: 'inherit' });
  if (result.error) {
    console.error(`${NAME}: could not run ${JSON.stringify(app)}: ${result.error.message}`);
    return 1;
  }
  return result.status ?? 1;
}

process.exitCode = main(process.argv.slice(2));
