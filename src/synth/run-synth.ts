/**
 * The entry point of a platform app: `runSynth` parses the app's command line and synthesizes with every guard of
 * {@link defaultPlugins} on, or prints the image inventory. A user's `main.ts` is
 *
 *   process.exitCode = runSynth((app) => { ... constructs ... }, { argv: process.argv.slice(2) });
 *
 * and the package's CLI (`cdk8s-platform`) runs that app with the same arguments. Only the caller reads the
 * process's command line; this module gets it as data.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'node:util';
import { App } from 'cdk8s';
import { isUserMistake, synthFailureMessage } from './failure';
import { formatImageInventory, imageInventory } from './image-inventory';
import { defaultPlugins } from './plugins';
import { ALLOW_PRUNE_FLAG } from './plugins/prune-guard';
import { prestartSynthWorker } from './document-pipeline';
import { DEFAULT_SYNTH_COMMAND, outputLabel, SynthPlugin, synthesize } from './synthesizer';

/** Output folder of {@link runSynth} when neither `--outdir` nor `RunSynthOptions.outdir` is given. */
export const DEFAULT_OUTDIR = 'dist';

/**
 * The verdict cache of `synth` (src/synth/verdict-cache.ts), relative to `cwd`: used when the project has a
 * `node_modules` folder there.
 */
export const CACHE_FOLDER = 'node_modules/.cache/cdk8s-platform';

/** cdk8s's own default `App.outdir` (when neither the app nor `cdk8s synth` sets one). */
const CDK8S_DEFAULT_OUTDIR = 'dist';

/** The app to synthesize: an App, or a function that adds the environments to the App it is given. */
export type PlatformAppSource = App | ((app: App) => void);

export interface RunSynthOptions {
  /** The command-line arguments after the program (`process.argv.slice(2)`). */
  readonly argv: readonly string[];
  /**
   * How users run this entry point, for usage and advice in messages (`<command> --allow-prune`,
   * `<command> images`), e.g. `npm run synth --`.
   * @default DEFAULT_SYNTH_COMMAND (the package's CLI, which runs the app of the project's cdk8s.yaml)
   */
  readonly command?: string;
  /**
   * Output folder when `--outdir` is not given (relative to `cwd`).
   * @default DEFAULT_OUTDIR
   */
  readonly outdir?: string;
  /**
   * Folder a relative output folder is resolved against.
   * @default - the current working directory
   */
  readonly cwd?: string;
  /**
   * Plugins run after the default ones (which cannot be turned off here: use `synthesize` for that).
   * @default - none
   */
  readonly plugins?: readonly SynthPlugin[];
  /** Where normal output goes. @default console.log */
  readonly stdout?: (text: string) => void;
  /** Where errors and warnings go. @default console.error */
  readonly stderr?: (text: string) => void;
}

/** The options `runSynth` and the `cdk8s-platform` CLI accept (one definition for both). @internal */
export const CLI_OPTIONS = {
  outdir: { type: 'string' },
  'allow-prune': { type: 'boolean' },
  'no-cache': { type: 'boolean' },
  json: { type: 'boolean' },
  env: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Subcommands and the options each takes. @internal */
export const CLI_COMMANDS: Readonly<Record<string, readonly (keyof typeof CLI_OPTIONS)[]>> = {
  synth: ['outdir', 'allow-prune', 'no-cache', 'help'],
  images: ['json', 'env', 'help'],
};

/** The usage text of an entry point run as `command`. @internal */
export function cliUsage(command: string, extra = '', outdir = DEFAULT_OUTDIR): string {
  return [
    `Usage: ${command} [synth] [--outdir=DIR] [${ALLOW_PRUNE_FLAG}] [--no-cache]${extra}`,
    `       ${command} images [--env=NAME ...] [--json]${extra}`,
    '',
    `synth    synthesize every environment into DIR (default ${outdir}), atomically, with every check and guard on`,
    `  --outdir=DIR    the output folder (replaced as a whole; left unchanged when synth fails)`,
    `  ${ALLOW_PRUNE_FLAG}   let environments with a prune guard lose a Namespace, StatefulSet or other stateful resource`,
    `  --no-cache      check every document again, also those an earlier synth found clean (${CACHE_FOLDER})`,
    'images   list the images of each environment, whether each is pinned as the image policy requires, and the',
    '         profile.imageDigests entries to add',
    '  --env=NAME      only these environments (repeatable)',
    '  --json          as JSON',
  ].join('\n');
}

/** A command line that could not be parsed: the message, for the user. @internal */
export class CliUsageError extends Error {}

/** The parsed command line. @internal */
export interface ParsedCli {
  readonly command: 'synth' | 'images' | 'help';
  readonly outdir?: string;
  readonly allowPrune: boolean;
  /** `--no-cache`: no verdict cache (every document is checked). */
  readonly noCache: boolean;
  readonly json: boolean;
  readonly envs: readonly string[];
}

/** Parses a command line with `node:util` `parseArgs` (unknown options are errors). @internal */
export function parseCli(
  argv: readonly string[],
  options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = CLI_OPTIONS,
): ParsedCli & { readonly values: Record<string, unknown> } {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (e) {
    // parseArgs's own text explains `--` positionals at length; the option is what the user needs to see.
    const m = /^Unknown option '([^']*)'/.exec((e as Error).message);
    throw new CliUsageError(m ? `unknown option '${m[1]}'` : (e as Error).message.replace(/\.$/, ''));
  }
  const values = parsed.values as Record<string, unknown>;
  if (parsed.positionals.length > 1) throw new CliUsageError(`unexpected argument '${parsed.positionals[1]}': give one command (synth or images)`);
  const name = parsed.positionals[0] ?? 'synth';
  const allowed = CLI_COMMANDS[name];
  if (!allowed) throw new CliUsageError(`unknown command '${name}': the commands are ${Object.keys(CLI_COMMANDS).join(' and ')}`);
  for (const key of Object.keys(values)) {
    if (key in CLI_OPTIONS && !allowed.includes(key as keyof typeof CLI_OPTIONS)) {
      throw new CliUsageError(`option '--${key}' does not apply to '${name}'`);
    }
  }
  if (values.outdir === '') throw new CliUsageError("option '--outdir' needs a folder");
  return {
    command: values.help === true ? 'help' : (name as 'synth' | 'images'),
    outdir: values.outdir as string | undefined,
    allowPrune: values['allow-prune'] === true,
    noCache: values['no-cache'] === true,
    json: values.json === true,
    envs: (values.env as string[] | undefined) ?? [],
    values,
  };
}

/**
 * The verdict cache folder `synth` uses: {@link CACHE_FOLDER} below `cwd` when the project has a `node_modules` folder
 * there (never created elsewhere) and `--no-cache` is not given. @internal
 */
export function verdictCacheOf(cwd: string, cli: Pick<ParsedCli, 'noCache'>): string | undefined {
  return cli.noCache || !fs.existsSync(path.join(cwd, 'node_modules')) ? undefined : path.join(cwd, CACHE_FOLDER);
}

function appOf(source: PlatformAppSource): App {
  // Not `instanceof`: the caller's cdk8s may be another copy than the one this package resolves.
  if (typeof source !== 'function') return source;
  const app = new App();
  source(app);
  return app;
}

/**
 * Runs the platform app's command line: `synth` (the default) writes every environment into the output folder
 * atomically with {@link defaultPlugins} (schema validation, policy gate, tenancy, prune and stateful guards,
 * reports), `images` prints the image inventory. User mistakes print their message alone (no stack trace); every
 * message names the real output folder and `options.command`. Returns the exit code: 0 on success, 1 when synth
 * fails, 2 for a bad command line.
 */
export function runSynth(source: PlatformAppSource, options: RunSynthOptions): number {
  const command = options.command ?? DEFAULT_SYNTH_COMMAND;
  const stdout = options.stdout ?? ((t: string) => console.log(t));
  const stderr = options.stderr ?? ((t: string) => console.error(t));
  let cli: ParsedCli;
  try {
    cli = parseCli(options.argv);
  } catch (e) {
    if (!(e instanceof CliUsageError)) throw e;
    stderr(`error: ${e.message}; \`${command} --help\` lists the commands and options`);
    return 2;
  }
  if (cli.command === 'help') {
    stdout(cliUsage(command, '', options.outdir ?? DEFAULT_OUTDIR));
    return 0;
  }
  const cwd = options.cwd ?? process.cwd();
  const outdir = path.resolve(cwd, cli.outdir ?? options.outdir ?? DEFAULT_OUTDIR);
  const started = process.hrtime.bigint();
  try {
    // The worker loads its code and the schemas on the second core while the app is built.
    if (cli.command === 'synth') prestartSynthWorker();
    const app = appOf(source);
    if (cli.command === 'images') return printImages(app, cli, command, stdout, stderr);
    // `cdk8s synth` runs the app with its own output folder (App.outdir, from CDK8S_OUTDIR) and fails when the
    // folder is missing afterwards; ours is written atomically, so that one is only created (empty).
    const cdk8sOutdir = path.resolve(app.outdir);
    if (app.outdir !== CDK8S_DEFAULT_OUTDIR && cdk8sOutdir !== outdir) fs.mkdirSync(cdk8sOutdir, { recursive: true });
    const result = synthesize(app, {
      outdir,
      command,
      plugins: [...defaultPlugins({ allowPrune: cli.allowPrune }), ...(options.plugins ?? [])],
      warn: stderr,
      cacheDir: verdictCacheOf(cwd, cli),
    });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const perEnv = new Map<string, number>();
    for (const e of result.environments) perEnv.set(e.name, (perEnv.get(e.name) ?? 0) + e.documents.length);
    const docs = [...perEnv.values()].reduce((a, b) => a + b, 0);
    const envs = [...perEnv].map(([name, n]) => `${name} ${n}`).join(', ');
    const reusedParts = [
      ...(result.reusedChecks > 0 ? [`checks of ${result.reusedChecks} unchanged documents`] : []),
      ...(result.reusedResults > 0
        ? [`${result.reusedResults} folder-wide results (flow proof, policy gate, tenant isolation) of unchanged output folders`]
        : []),
    ];
    const reused = reusedParts.length > 0 ? ` (${reusedParts.join(' and ')} reused)` : '';
    stdout(`synthesized ${docs} documents (${envs}) into ${outputLabel(outdir).slice(0, -1)} in ${ms.toFixed(0)} ms${reused}`);
    return 0;
  } catch (e) {
    // A user's mistake prints its message alone; only an internal error prints a stack.
    if (cli.command === 'images' && isUserMistake(e)) {
      stderr(`image inventory failed:\n  ${(e as Error).message}`);
      return 1;
    }
    stderr(synthFailureMessage(e, { outdir }));
    return 1;
  }
}

function printImages(app: App, cli: ParsedCli, command: string, stdout: (t: string) => void, stderr: (t: string) => void): number {
  const all = imageInventory(app);
  const unknown = cli.envs.filter((e) => !all.some((i) => i.environment === e));
  if (unknown.length > 0) {
    stderr(
      `${command} images: --env: no environment named ${unknown.map((u) => JSON.stringify(u)).join(', ')}; the environments are ${all.map((i) => i.environment).join(', ')}`,
    );
    return 2;
  }
  const inventory = cli.envs.length > 0 ? all.filter((i) => cli.envs.includes(i.environment)) : all;
  stdout(cli.json ? JSON.stringify({ environments: inventory }, null, 2) : formatImageInventory(inventory, { command }).trimEnd());
  return 0;
}
