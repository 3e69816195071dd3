import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { ConnectionGraph, ConnectionRecord } from '../core/connections';
import { EnvironmentChart } from '../core/environment-chart';
import { EnvironmentProfile } from '../core/environment-profile';
import { RecoveryEntry, RecoveryRegistry } from '../core/recovery-registry';
import { withFastToJson } from './fast-json';
import { imageDigestProblems, imagePinningNotes, pinImages } from './image-pins';
import { SchemaValidator } from './schema-validator';
import type { RuleEntry } from './schema-cel';
import { distBaselines, DistBaseline } from './baseline';
import { inputOriginOf } from './provenance';
import { DocumentPipeline, inlinePipeline, PipelineDocument, removeTree, workerPipeline } from './document-pipeline';
import { writeOutputRecord } from './output-record';
import { codeIdentity, renderedDigestOf, writeVerdicts } from './verdict-cache';
import { openResultMemo, ResultMemo } from './result-memo';
import { preparePlusWorkloads } from '../plus/plus-workload';
import { runDeferredWork } from '../core/deferred';
import { DocObject } from '../core/documents';

/** One synthesized Kubernetes object with where it goes. */
export interface SynthDocument {
  /** The object (keys are put in canonical order by the YAML writer). */
  readonly object: DocObject;
  /** `<env>/<namespace>/<kind>/<name>`, namespace `_cluster` for cluster-scoped kinds: used in every message. */
  readonly id: string;
  /** File path relative to the output directory. */
  readonly file: string;
  /** Construct path that produced it. */
  readonly source: string;
  readonly namespaced: boolean;
}

/** Everything one environment chart synthesizes. */
export interface EnvironmentOutput {
  /** Environment name (profile.name). */
  readonly name: string;
  /** Folder under the output directory (chart.outputDirectory, usually the environment name). */
  readonly directory: string;
  readonly profile: EnvironmentProfile;
  readonly documents: readonly SynthDocument[];
  /**
   * The environment's connection graph, resolved (recorded at collect time): the flow proof checks that the
   * NetworkPolicies admit each connection. @default - none (documents built without constructs)
   */
  readonly connections?: readonly ConnectionRecord[];
  /**
   * What each datastore's backups achieve against its recovery objective (recorded at collect time): the recovery
   * check and the README table read it. @default - none (documents built without constructs)
   */
  readonly recovery?: readonly RecoveryEntry[];
  /**
   * The chart the documents come from, for what plugins read from the environment's constructs (its add-ons).
   * @default - none (documents built without constructs)
   */
  readonly chart?: EnvironmentChart;
}

/** Result of a check: errors fail synth and nothing is written; warnings are printed. */
export interface CheckResult {
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
}

export interface SynthContext {
  /** The output directory as it was before this synth (the committed `dist/`). */
  readonly outdir: string;
  /**
   * The command that runs synth, for advice in messages: flags and subcommands are appended to it
   * (`<command> --allow-prune`, `<command> images`).
   * @default DEFAULT_SYNTH_COMMAND
   */
  readonly command?: string;
  /**
   * What the guards compare with: the output directory as it is, plus the last committed version when it is
   * inside a git work tree and missing or modified (see {@link distBaselines}). Computed once per synth.
   */
  readonly baselines?: () => readonly DistBaseline[];
  /**
   * The CEL rules of a CRD kind (`apiVersion/kind`) as VALIDATION.md lists them, where synth's worker listed them
   * while it validated (the schemas are loaded there); undefined where it did not.
   */
  readonly ruleInventory?: (key: string) => readonly RuleEntry[] | undefined;
  /**
   * The SHA-256 digest (base64) of the YAML synth writes for a document's object, where the verdict cache knows it
   * (the document is clean); undefined otherwise. With {@link memo}, it keys results computed from whole documents.
   * @default - none (no verdict cache)
   */
  readonly digestOf?: (object: object) => string | undefined;
  /**
   * Results an earlier successful synth computed from the same inputs with the same code (src/synth/result-memo.ts),
   * for plugins that compute over a whole environment: the flow proof uses it. @default - none (no verdict cache)
   */
  readonly memo?: ResultMemo;
}

/** Extends synth with checks (policy gate, prune guard) and extra files (reports). */
export interface SynthPlugin {
  readonly name: string;
  /** Runs after schema validation, before anything is written. */
  check?(env: EnvironmentOutput, ctx: SynthContext): CheckResult;
  /**
   * Run this plugin's checks after every other plugin's, and render its files after theirs (its errors and warnings
   * are still reported in plugin order): for a plugin that reads what synth computes on its worker thread while the
   * other checks run.
   * @default false
   */
  readonly checkLast?: boolean;
  /** Extra files for an environment, keyed by path relative to the output directory. */
  files?(env: EnvironmentOutput, ctx: SynthContext): Record<string, string>;
  /** Files outside environment folders (after all environments), keyed by path relative to the output directory. */
  globalFiles?(envs: readonly EnvironmentOutput[], ctx: SynthContext): Record<string, string>;
}

/**
 * Points where {@link SynthOptions.onStage} is called. The swap itself: `journal` (the swap journal is written,
 * nothing renamed yet), `swap-old` (the output directory was moved aside), `swap-new` (the new one is in place;
 * the journal still exists), `cleanup` (journal removed, the old tree not yet deleted).
 */
export type SynthStage = 'collect' | 'validate' | 'check' | 'render' | 'write' | 'swap' | 'journal' | 'swap-old' | 'swap-new' | 'cleanup';

export interface SynthOptions {
  /** Output directory, replaced atomically. */
  readonly outdir: string;
  readonly plugins?: readonly SynthPlugin[];
  /**
   * How the user runs synth (`npm run synth --`, `npx cdk8s-platform`), for the advice in messages: flags and
   * subcommands are appended to it.
   * @default DEFAULT_SYNTH_COMMAND
   */
  readonly command?: string;
  /** Test hook called at each stage; an exception aborts synth like any other failure. */
  readonly onStage?: (stage: SynthStage) => void;
  /** Where warnings go. @default console.warn */
  readonly warn?: (message: string) => void;
  /**
   * A folder for the verdict cache: documents an earlier synth found clean, byte for byte, with the same checker, are
   * not checked again (src/synth/verdict-cache.ts). `runSynth` uses the project's `node_modules/.cache/cdk8s-platform`.
   * @default - none: every document is checked
   */
  readonly cacheDir?: string;
}

export interface SynthResult {
  readonly environments: readonly EnvironmentOutput[];
  /** Files written, relative to outdir, sorted. */
  readonly files: readonly string[];
  readonly warnings: readonly string[];
  /** Documents whose checks were not run again: an earlier synth found the same document clean (see `cacheDir`). */
  readonly reusedChecks: number;
  /** How many results computed from a whole environment output (flow proofs, policy gates, tenant isolation) were reused from an earlier synth ({@link SynthContext.memo}). */
  readonly reusedResults: number;
}

/**
 * The command messages advise when synth is not run through {@link runSynth} with its own `command`: the package's
 * CLI, which runs the app of the project's `cdk8s.yaml`.
 */
export const DEFAULT_SYNTH_COMMAND = 'npx cdk8s-platform';

/**
 * The command that runs synth, as reports name it (`Generated by ...`): `ctx.command` without the `--` that passes
 * arguments through npm (`npm run synth --` is `npm run synth`).
 */
export function synthCommandName(ctx?: Pick<SynthContext, 'command'>): string {
  return (ctx?.command ?? DEFAULT_SYNTH_COMMAND).replace(/\s+--$/, '');
}

/**
 * How messages name an output directory: relative to the current folder when inside it (`dist/`), else absolute;
 * always with a trailing `/`. Without a directory: "the output folder".
 */
export function outputLabel(outdir: string | undefined): string {
  if (outdir === undefined) return 'the output folder';
  const abs = path.resolve(outdir);
  const rel = path.relative(process.cwd(), abs);
  const shown = rel === '' ? '.' : rel.startsWith('..') || path.isAbsolute(rel) ? abs : rel;
  return `${shown.split(path.sep).join('/')}/`;
}

export interface SynthErrorOptions {
  /** The output directory synth left unchanged (named in the message). @default - "the output folder" */
  readonly outdir?: string;
  /** Lines printed after the problems: what to run next (e.g. the image inventory). @default - none */
  readonly notes?: readonly string[];
}

/** Synth failed: nothing was written. `problems` lists every problem found, one per line. */
export class SynthError extends Error {
  /** The output directory that was left unchanged, when known. */
  public readonly outdir?: string;
  public readonly notes: readonly string[];
  public constructor(
    public readonly problems: readonly string[],
    options: SynthErrorOptions = {},
  ) {
    const notes = options.notes ?? [];
    super(
      `synth failed with ${problems.length} problem(s); ${outputLabel(options.outdir)} was left unchanged:\n  ${problems.join('\n  ')}${notes.map((n) => `\n${n}`).join('')}`,
    );
    this.name = 'SynthError';
    this.outdir = options.outdir;
    this.notes = notes;
  }
}

const CLUSTER_DIR = '_cluster';
/**
 * Folder of cluster-scoped objects of kinds a CRD serves (ClusterIssuer, ClusterSecretStore, GatewayClass): they
 * can only be applied once the add-on installing the CRD runs, so they are delivered after the add-ons, while
 * `_cluster` (Namespaces, ClusterRoles) comes first of all.
 */
export const CLUSTER_CONFIG_DIR = '_cluster-config';

/** The folder of an environment an object is written to: its namespace, `_cluster` or `_cluster-config`. */
export function deliveryFolderOf(info: { readonly namespaced: boolean; readonly structural: boolean } | undefined, namespace: string | undefined): string {
  if (info?.namespaced ?? true) return namespace ?? '<no-namespace>';
  return info?.structural ? CLUSTER_CONFIG_DIR : CLUSTER_DIR;
}

let synthCounter = 0;

function environmentCharts(app: App): EnvironmentChart[] {
  return app.node.children.filter((c): c is EnvironmentChart => c instanceof EnvironmentChart);
}

/** Runs every construct's validations once (cdk8s would run them once per chart). */
function validateConstructs(app: App): string[] {
  const errors: string[] = [];
  for (const c of app.node.findAll()) {
    for (const e of c.node.validate()) errors.push(`${c.node.path}: ${e}`);
  }
  return errors;
}

function apiObjectsOf(chart: Chart): ApiObject[] {
  const out: ApiObject[] = [];
  const visit = (c: IConstruct): void => {
    if (c instanceof ApiObject) out.push(c);
    for (const child of c.node.children) if (!(child instanceof Chart)) visit(child);
  };
  visit(chart);
  return out;
}

/**
 * Turns an app into documents, validates them, runs plugin checks, and only then writes every file into a
 * temporary directory next to `outdir` and swaps it in. Any failure leaves `outdir` byte-for-byte unchanged.
 */
export function synthesizeToJson(app: App, validator = new SchemaValidator()): { envs: EnvironmentOutput[]; problems: string[] } {
  const { envs, problems } = withFastToJson(() => collect(app, validator, inlinePipeline(validator)));
  return { envs, problems: problems() };
}

/** How many documents collect hands to the pipeline at once. */
const PIPELINE_BATCH = 64;

/** A problem of the collected documents, or the place of one document's schema problems (known once validated). */
type ProblemSlot = string | { readonly index: number; readonly obj: ApiObject; readonly id: string };

/**
 * The documents of every environment chart. Each one goes to `pipeline` for schema validation as it is collected;
 * `problems()` lists every problem in document order once the pipeline has validated them all.
 */
function collect(app: App, validator: SchemaValidator, pipeline: DocumentPipeline): { envs: EnvironmentOutput[]; problems: () => string[] } {
  // cdk8s-plus workloads are adopted (ServiceAccount, PDB, monitoring) before validation sees the tree.
  const rewrites = new Map<EnvironmentChart, ReturnType<typeof preparePlusWorkloads>>();
  for (const chart of environmentCharts(app)) rewrites.set(chart, preparePlusWorkloads(chart));
  // Then what reads the whole tree (the GitOps delivery, the add-ons derived from the kinds emitted), adopted
  // cdk8s-plus objects included; it may add charts.
  runDeferredWork(app);
  const problems: ProblemSlot[] = validateConstructs(app);
  let added = 0;
  // Documents go to the pipeline in batches of this many, so a worker starts on the first ones early.
  let pending: PipelineDocument[] = [];
  const flush = () => {
    if (pending.length > 0) pipeline.add(pending);
    pending = [];
  };
  const envs: EnvironmentOutput[] = [];
  const seenEnv = new Set<string>();
  for (const chart of environmentCharts(app)) {
    const env = chart.profile.name;
    const dir = chart.outputDirectory;
    if (seenEnv.has(dir)) problems.push(`${dir}: two environment charts write to the same folder`);
    seenEnv.add(dir);
    const docs: SynthDocument[] = [];
    const byFile = new Map<string, SynthDocument>();
    const pins = chart.profile.imageDigests;
    const pinning = pins !== undefined && Object.keys(pins).length > 0;
    if (pinning) problems.push(...imageDigestProblems(env, pins));
    const rewrite = rewrites.get(chart);
    for (const obj of apiObjectsOf(chart)) {
      const object = obj.toJson() as DocObject;
      rewrite?.(obj, object);
      if (pinning) pinImages(object.spec, pins);
      const info = validator.kindOf(object);
      const namespaced = info?.namespaced ?? true;
      const md = object.metadata ?? {};
      const ns = namespaced ? (md.namespace ?? '<no-namespace>') : CLUSTER_DIR;
      const id = `${env}/${ns}/${object.kind}/${md.name}`;
      const folder = deliveryFolderOf(info, md.namespace);
      problems.push({ index: added++, obj, id });
      const file = `${dir}/${folder}/${String(object.kind).toLowerCase()}-${md.name}.yaml`;
      const doc: SynthDocument = { object, id, file, source: obj.node.path, namespaced };
      const clash = byFile.get(file);
      if (clash) {
        problems.push(
          `${id}: metadata.name: the same ${object.kind} is defined twice (${clash.source} and ${doc.source}); names must be unique per kind and namespace`,
        );
      }
      byFile.set(file, doc);
      docs.push(doc);
      pending.push({ object, file });
      if (pending.length >= PIPELINE_BATCH) flush();
    }
    docs.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
    envs.push({
      name: env,
      directory: dir,
      profile: chart.profile,
      documents: docs,
      connections: ConnectionGraph.of(chart).records(),
      recovery: RecoveryRegistry.of(chart).entries(),
      chart,
    });
  }
  flush();
  envs.sort((a, b) => (a.directory < b.directory ? -1 : 1));
  const expand = (): string[] => {
    const schemaProblems = pipeline.problems();
    return problems.flatMap((slot) => {
      if (typeof slot === 'string') return [slot];
      return (schemaProblems[slot.index] ?? []).map((p) => {
        // A field traced to an input file is reported there, with the generated object as context.
        const origin = inputOriginOf(slot.obj, p.path);
        return origin ? `${origin}: ${p.message} (in ${slot.id} ${p.path})` : `${slot.id}: ${p.path}: ${p.message}`;
      });
    });
  };
  return { envs, problems: expand };
}

/** Writes files below a root, creating each folder once. */
class TreeWriter {
  private readonly made = new Set<string>();
  public constructor(private readonly root: string) {}
  public write(rel: string, content: string): void {
    const full = path.join(this.root, rel);
    const parent = path.dirname(full);
    if (!this.made.has(parent)) {
      fs.mkdirSync(parent, { recursive: true });
      this.made.add(parent);
    }
    fs.writeFileSync(full, content);
  }
}

/** The swap journal: written before the first rename of a swap, removed after the second. */
interface SwapJournal {
  /** Base name of the folder the previous output was moved to. */
  readonly old: string;
  /** Base name of the folder holding the new output. */
  readonly tmp: string;
  /** Whether an output directory existed before the swap. */
  readonly hadOutdir: boolean;
}

function journalPath(outdir: string): string {
  return path.join(path.dirname(outdir), `.${path.basename(outdir)}.swap-journal.json`);
}

/**
 * Finishes or undoes a swap that a killed synth left behind, from its journal only (never by guessing among
 * folders): without the output directory the swap stopped between its renames and is undone (the old tree goes
 * back); with it, the swap had completed. Then removes every leftover temporary or old tree of `outdir`.
 */
export function recoverInterruptedSwap(outdir: string): void {
  const parent = path.dirname(outdir);
  const base = path.basename(outdir);
  if (!fs.existsSync(parent)) return;
  const journal = journalPath(outdir);
  if (fs.existsSync(journal)) {
    const j = JSON.parse(fs.readFileSync(journal, 'utf8')) as SwapJournal;
    const old = path.join(parent, j.old);
    if (!fs.existsSync(outdir) && j.hadOutdir && fs.existsSync(old)) fs.renameSync(old, outdir);
    fs.rmSync(journal, { force: true });
  }
  // Nothing else refers to these: a journal-less swap never renamed anything, and a finished one is in place.
  for (const f of fs.readdirSync(parent)) {
    if (f.startsWith(`.${base}.tmp-`) || f.startsWith(`.${base}.old-`) || f === `.${base}.swap-journal.json.tmp`) {
      fs.rmSync(path.join(parent, f), { recursive: true, force: true });
    }
  }
}

/** Writes `content` to `file` so that a reader sees all of it or nothing (write aside, flush, rename). */
function writeFileAtomic(file: string, content: string): void {
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/** Synthesizes `app` into `options.outdir` atomically. Throws {@link SynthError} (nothing written) on any problem. */
export function synthesize(app: App, options: SynthOptions): SynthResult {
  const outdir = path.resolve(options.outdir);
  const plugins = options.plugins ?? [];
  const stage = options.onStage ?? (() => undefined);
  const warn = options.warn ?? ((m: string) => console.warn(m));
  recoverInterruptedSwap(outdir);
  let baselines: readonly DistBaseline[] | undefined;
  const command = options.command ?? DEFAULT_SYNTH_COMMAND;
  // With a verdict cache, results computed from whole environments are reused too; they are filed under the code of
  // this thread (src/synth/result-memo.ts).
  const identity = options.cacheDir !== undefined ? codeIdentity() : undefined;
  const memo = options.cacheDir !== undefined && identity !== undefined ? openResultMemo(options.cacheDir, identity) : undefined;
  const ctx: SynthContext = {
    outdir,
    command,
    baselines: () => (baselines ??= distBaselines(outdir)),
    ruleInventory: (key) => pipeline.ruleInventory(key),
    ...(memo !== undefined ? { memo, digestOf: renderedDigestOf } : {}),
  };

  const parent = path.dirname(outdir);
  const base = path.basename(outdir);
  // Fresh names every time: some filesystems slow down when a just-deleted path is recreated.
  const unique = `${process.pid}-${++synthCounter}-${Date.now().toString(36)}`;
  const tmp = path.join(parent, `.${base}.tmp-${unique}`);
  const old = path.join(parent, `.${base}.old-${unique}`);
  // Schema validation and YAML rendering run on a second core when that helps; the worker writes into `tmp`, which
  // is only swapped in once everything has passed.
  const validator = new SchemaValidator();
  const pipeline = workerPipeline(tmp, app.node.findAll().length, validator, options.cacheDir, outdir) ?? inlinePipeline(validator);
  const written: string[] = [];
  const warnings: string[] = [];
  try {
    stage('collect');
    const collected = withFastToJson(() => collect(app, validator, pipeline));
    const envs = collected.envs;
    // A failed synth says where the output stayed and, when images are not pinned as a policy requires, what lists them.
    const failure = (list: readonly string[]) => new SynthError(list, { outdir, notes: imagePinningNotes(envs, command) });
    stage('validate');
    // Invalid documents fail synth before any check runs on them; validated on a worker, they are known after the
    // checks, which then only stand for the documents' problems when those are none.
    if (!pipeline.deferred) {
      const invalid = collected.problems();
      if (invalid.length > 0) throw failure(invalid);
    }

    stage('check');
    // Every check of every environment, the `checkLast` ones last (they read what the worker computes); the results
    // are reported in the usual order. An exception with invalid documents reports the documents' problems.
    const results = new Map<string, CheckResult>();
    const pairs = envs.flatMap((env, e) => plugins.map((p, i) => ({ env, p, key: `${e}/${i}` })));
    const orInvalid = <T>(fn: () => T): T => {
      try {
        return fn();
      } catch (e) {
        const invalid = collected.problems();
        throw invalid.length > 0 ? failure(invalid) : e;
      }
    };
    const runChecks = (late: boolean) =>
      orInvalid(() => {
        for (const { env, p, key } of pairs) if (p.check && (p.checkLast ?? false) === late) results.set(key, p.check(env, ctx));
      });
    runChecks(false);

    stage('render');
    // The plugins' files (reports) are rendered before the last checks, which wait for the worker's last documents:
    // this thread renders them while the worker still works; a `checkLast` plugin's files, which read what the worker
    // computed too, after its checks. They are kept only when every check passes and the documents are valid. The
    // documents are rendered as they are written (by the pipeline), so the YAML text of the whole platform is never
    // held in memory at once.
    const extra = new Map<string, string>();
    const renderFiles = (late: boolean) => {
      if (![...results.values()].every((r) => r.errors.length === 0)) return;
      orInvalid(() => {
        const these = plugins.filter((p) => (p.checkLast ?? false) === late);
        for (const env of envs) {
          for (const p of these) {
            if (!p.files) continue;
            for (const [rel, content] of Object.entries(p.files(env, ctx))) extra.set(rel, content);
          }
        }
        for (const p of these) {
          if (!p.globalFiles) continue;
          for (const [rel, content] of Object.entries(p.globalFiles(envs, ctx))) extra.set(rel, content);
        }
      });
    };
    renderFiles(false);
    runChecks(true);
    renderFiles(true);
    const problems: string[] = [];
    for (const { key } of pairs) {
      const r = results.get(key);
      if (!r) continue;
      problems.push(...r.errors);
      warnings.push(...r.warnings);
    }
    const invalid = collected.problems();
    if (invalid.length > 0) throw failure(invalid);
    if (problems.length > 0) throw failure(problems);

    fs.mkdirSync(tmp, { recursive: true });
    stage('write');
    const writer = new TreeWriter(tmp);
    pipeline.writeAll(tmp, (rel, content) => writer.write(rel, content));
    for (const env of envs) for (const d of env.documents) written.push(d.file);
    for (const [rel, content] of extra) {
      writer.write(rel, content);
      written.push(rel);
    }
    const verdicts = pipeline.verdicts();
    stage('swap');
    const hadOutdir = fs.existsSync(outdir);
    const journal: SwapJournal = { old: path.basename(old), tmp: path.basename(tmp), hadOutdir };
    writeFileAtomic(journalPath(outdir), `${JSON.stringify(journal)}\n`);
    stage('journal');
    if (hadOutdir) fs.renameSync(outdir, old);
    stage('swap-old');
    fs.renameSync(tmp, outdir);
    stage('swap-new');
    fs.rmSync(journalPath(outdir), { force: true });
    stage('cleanup');
    if (hadOutdir) {
      // The previous output goes on two threads: the worker takes every other folder (src/synth/document-pipeline.ts).
      const entries = fs.readdirSync(old, { withFileTypes: true });
      const folders = entries.filter((e) => e.isDirectory()).map((e) => path.join(old, e.name));
      const theirs = new Set(folders.filter((_, i) => i % 2 === 1));
      const removed = pipeline.removeTrees([...theirs]);
      for (const e of entries) {
        const full = path.join(old, e.name);
        if (!e.isDirectory()) fs.unlinkSync(full);
        else if (!theirs.has(full)) removeTree(full);
      }
      removed();
      fs.rmdirSync(old);
    }
    pipeline.dispose();
    // Only a synth that succeeded records its clean documents.
    if (verdicts !== undefined && options.cacheDir !== undefined) {
      writeVerdicts(options.cacheDir, verdicts.identity, verdicts.clean);
      writeOutputRecord(options.cacheDir, verdicts.identity, outdir, verdicts.written, verdicts.inventories);
    }
    memo?.save();
    written.sort();
    for (const w of warnings) warn(w);
    return { environments: envs, files: written, warnings, reusedChecks: verdicts?.reused ?? 0, reusedResults: memo?.reused ?? 0 };
  } catch (e) {
    // The worker stops first (it may still be writing into `tmp`); then the same recovery a later run would do:
    // undo a half-done swap, finish a done one, remove leftovers.
    pipeline.dispose();
    recoverInterruptedSwap(outdir);
    throw e;
  }
}
