import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MessageChannel, MessagePort, receiveMessageOnPort, Worker } from 'worker_threads';
import { DocObject } from '../core/documents';
import { ExpressionFinding, expressionFindings, precomputeExpressionFindings } from '../policy/expression-checks';
import { Problem, SchemaValidator } from './schema-validator';
import { documentSecrets, precomputeDocumentSecrets, SecretMatch } from '../policy/secret-scan';
import { RuleEntry } from './schema-cel';
import { objectDigest, PreviousOutput, readOutputRecord, WrittenDocument } from './output-record';
import { documentDigest, precomputeRenderedDigest } from './verdict-cache';
import { toYaml } from './yaml';

/** One document handed to the pipeline: the object and its file, relative to the output folder. */
export interface PipelineDocument {
  readonly object: DocObject;
  readonly file: string;
}

/**
 * Schema validation and YAML rendering of the synthesized documents: both read only the document, so they can run
 * on a second core while synth runs its checks on the first.
 *
 * `add` hands documents over as they are collected; `problems` waits for the validation of every document added and
 * returns its problems, one list per document in the order added; `writeAll` writes every document below a
 * folder. A failed synth calls `dispose`, and nothing it wrote is kept (the folder is a temporary one).
 */
export interface DocumentPipeline {
  /** Whether validation runs elsewhere while synth goes on (problems are known only when `problems` returns). */
  readonly deferred: boolean;
  add(docs: readonly PipelineDocument[]): void;
  problems(): readonly (readonly Problem[])[];
  /**
   * After `problems`: the checker's identity and the digests of the documents found clean (to record when synth
   * succeeds), and how many documents were not checked again because an earlier synth had found them clean; undefined
   * without a verdict cache (see src/synth/verdict-cache.ts).
   */
  verdicts(): PipelineVerdicts | undefined;
  /** The CEL rules of a CRD kind the worker listed (see `SynthContext.ruleInventory`); undefined without a worker. */
  ruleInventory(key: string): readonly RuleEntry[] | undefined;
  writeAll(root: string, write: (rel: string, content: string) => void): void;
  /**
   * Removes these folders (and everything below them) on the worker while the caller removes others; the function
   * returned waits until they are gone. Without a worker they are removed before it returns.
   */
  removeTrees(dirs: readonly string[]): () => void;
  dispose(): void;
}

/**
 * Removes a folder and everything below it, as `fs.rmSync(dir, { recursive: true })` does, with the file types the
 * folder listing already gives (no `lstat` of every file): the previous output's 1,600 files go in half the time.
 * Symbolic links are removed, never followed.
 */
export function removeTree(dir: string): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) removeTree(full);
    else fs.unlinkSync(full);
  }
  fs.rmdirSync(dir);
}

/** What a pipeline with a verdict cache found: see {@link DocumentPipeline.verdicts}. */
export interface PipelineVerdicts {
  readonly identity: string;
  readonly clean: readonly string[];
  readonly reused: number;
  /** The clean documents written, for the output record (src/synth/output-record.ts). */
  readonly written: readonly WrittenDocument[];
  /** The CEL rules of each CRD kind the worker listed, for the output record. */
  readonly inventories: Readonly<Record<string, readonly RuleEntry[]>>;
}

/** Validates as documents come, renders when asked: everything on the calling thread. */
export function inlinePipeline(validator: SchemaValidator): DocumentPipeline {
  const docs: PipelineDocument[] = [];
  const found: Problem[][] = [];
  return {
    deferred: false,
    add(batch) {
      for (const d of batch) {
        docs.push(d);
        found.push(validator.validate(d.object));
      }
    },
    problems: () => found,
    verdicts: () => undefined,
    ruleInventory: () => undefined,
    writeAll(_root, write) {
      for (const d of docs) write(d.file, toYaml(d.object));
    },
    removeTrees(dirs) {
      for (const d of dirs) removeTree(d);
      return () => undefined;
    },
    dispose: () => undefined,
  };
}

/** Messages of the worker protocol (src/synth/synth-worker.ts). */
export type ToWorker =
  | {
      readonly kind: 'begin';
      readonly root: string;
      readonly claims: SharedArrayBuffer;
      /** Where the worker answers; read synchronously with receiveMessageOnPort. */
      readonly port: MessagePort;
      /** One Int32: the number of batches answered, for Atomics.wait. */
      readonly answered: SharedArrayBuffer;
      /** The verdict cache's folder, when synth uses one. */
      readonly cacheDir?: string;
      /** With a cache: the output folder this synth replaces, whose unchanged files are kept (src/synth/output-record.ts). */
      readonly outdir?: string;
    }
  | { readonly kind: 'batch'; readonly first: number; readonly docs: readonly PipelineDocument[] }
  /** After a successful synth: folders of the previous output to remove (answered with `removed`). */
  | { readonly kind: 'remove'; readonly dirs: readonly string[] }
  | { readonly kind: 'end' };
/** What was found in one document: its schema problems and its expression problems (the expressions check). */
export interface DocumentAnalysis {
  readonly problems: readonly Problem[];
  readonly expressions: readonly ExpressionFinding[];
  /** What looks like a literal secret in the document's values (src/policy/secret-scan.ts); absent when nothing. */
  readonly secrets?: Readonly<Record<string, readonly SecretMatch[]>>;
  /** With a verdict cache: the document's digest when it is clean (no problem of any kind, nothing like a secret). */
  readonly digest?: string;
  /** With a verdict cache: the checks were not run, an earlier synth found the same document clean. */
  readonly reused?: boolean;
  /** With a verdict cache, when the document is clean: the digest of its object (src/synth/output-record.ts). */
  readonly object?: string;
}
/**
 * The worker's answers: with a verdict cache, first its checker's identity and the verdicts recorded for it (the
 * main thread checks the documents it takes over with the same verdicts); then, for each batch, one analysis per
 * document, null for a document the main thread claimed.
 */
export type FromWorker =
  | { readonly kind: 'ready'; readonly identity: string; readonly verdicts: readonly string[] }
  | {
      readonly kind: 'batch';
      readonly analyses: readonly (DocumentAnalysis | null)[];
      /** The CEL rules of each CRD kind first seen in this batch, as VALIDATION.md lists them. */
      readonly rules?: Readonly<Record<string, readonly RuleEntry[]>>;
    }
  | { readonly kind: 'removed' }
  | { readonly kind: 'error'; readonly message: string };

/** Claim states of a document's work (one Int32 per document, in the order added). */
export const UNCLAIMED = 0;
export const CLAIMED_BY_WORKER = 1;
export const CLAIMED_BY_MAIN = 2;

/** A relative file path with a `..` segment. */
const ESCAPES = /(^|\/)\.\.(\/|$)/;

/**
 * A document's whole work, done by whichever thread claims it: the worker as it goes, or the main thread for the
 * documents at the end of the queue when it would otherwise wait. Validates it against its schema, checks its
 * expressions, renders it and writes it below `root`; `made` remembers the folders this thread created. With a
 * verdict cache (`verdicts`, the clean digests of earlier synths), a document whose digest is among them is not
 * checked again, and a clean one reports its digest.
 */
export function analyzeDocument(
  d: PipelineDocument,
  validator: SchemaValidator,
  root: string,
  made: Set<string>,
  verdicts?: ReadonlySet<string>,
  previous?: PreviousOutput,
): DocumentAnalysis {
  // With a cache: the object's digest, and the file of the previous output when it holds what this object renders to.
  // A name that would leave the output folder (`..`) is never read or written: validation rejects it (names have no `/`).
  const inside = !ESCAPES.test(d.file);
  const object = verdicts === undefined ? undefined : objectDigest(d.object);
  const kept = object === undefined || previous === undefined || !inside ? undefined : keptFile(previous, d.file, object);
  const text = kept === undefined ? toYaml(d.object) : undefined;
  const digest = kept !== undefined ? kept.yaml : text !== undefined && verdicts !== undefined ? documentDigest(text) : undefined;
  const reused = digest !== undefined && verdicts!.has(digest);
  const problems = reused ? [] : validator.validate(d.object);
  const expressions = reused ? [] : expressionFindings(d.object);
  const secrets = reused ? {} : documentSecrets(d.object);
  const anySecret = Object.keys(secrets).length > 0;
  if (inside) {
    const full = `${root}/${d.file}`;
    const dir = full.slice(0, full.lastIndexOf('/'));
    if (!made.has(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    if (kept === undefined) fs.writeFileSync(full, text!);
    else previous!.keep(d.file, full, kept.text);
  }
  const found = anySecret ? { problems, expressions, secrets } : { problems, expressions };
  if (digest === undefined) return found;
  const clean = problems.length === 0 && expressions.length === 0 && !anySecret;
  return { ...found, ...(clean ? { digest, object } : {}), ...(reused ? { reused } : {}) };
}

/**
 * The previous output's record of `file` when the object is the one recorded and the file is still a regular file
 * holding the YAML recorded (read and compared by digest: a file edited, replaced or turned into a link since is
 * rendered again); undefined otherwise.
 */
function keptFile(previous: PreviousOutput, file: string, object: string): { readonly yaml: string; readonly text: string } | undefined {
  const recorded = previous.recorded(file);
  if (recorded === undefined || recorded.object !== object) return undefined;
  const full = `${previous.root}/${file}`;
  let text: string;
  try {
    // A hard link to a symbolic link would put the link itself into the new output.
    if (!fs.lstatSync(full).isFile()) return undefined;
    text = fs.readFileSync(full, 'utf8');
  } catch {
    return undefined;
  }
  return documentDigest(text) === recorded.yaml ? { yaml: recorded.yaml, text } : undefined;
}
/** The worker's script: built next to this module (lib/ for the bundle, build/src/synth/ for the package). */
const WORKER_FILE = path.join(__dirname, 'synth-worker.js');
/** Below this many objects the worker's start-up costs more than it saves. */
const MIN_OBJECTS = 300;
/** How long synth waits for an answer before it reports the worker as stuck. */
const ANSWER_TIMEOUT_MS = 120_000;

function canUseWorker(): boolean {
  return os.availableParallelism() >= 2 && fs.existsSync(WORKER_FILE);
}

/** Starts the worker script; it loads its code and the schemas, then waits for a `begin` message. */
function startWorker(): Worker {
  const worker = new Worker(WORKER_FILE);
  // Never keeps the process alive; a failed synth or the end of this one stops it.
  worker.unref();
  return worker;
}

/**
 * Where a runner that starts the worker script before it even loads the library leaves it (scripts/run.js does, for
 * the bundle's `lib/synth-worker.js`, while this thread reads and compiles `lib/main.js`): the worker and its file.
 * A global symbol, so that the runner needs nothing of the library and a second copy of the library finds it too.
 */
export const EARLY_SYNTH_WORKER = Symbol.for('cdk8s-platform.early-synth-worker');

/** A worker started ahead of the app's construction by {@link prestartSynthWorker}, for the next synth. */
let spare: Worker | undefined;

/**
 * Starts the synth worker now, where a worker would be used, so that it has loaded its code and the schemas by the
 * time synth hands it the first documents: `runSynth` calls it before it builds the app. A worker a runner started
 * even earlier for this very script ({@link EARLY_SYNTH_WORKER}) is taken instead. The next {@link workerPipeline}
 * takes it (and stops it when the app turns out too small).
 * @internal
 */
export function prestartSynthWorker(): void {
  if (spare !== undefined) return;
  const holder = globalThis as { [EARLY_SYNTH_WORKER]?: { readonly file: string; readonly worker: Worker } };
  const early = holder[EARLY_SYNTH_WORKER];
  delete holder[EARLY_SYNTH_WORKER];
  if (early !== undefined && path.resolve(early.file) === WORKER_FILE) spare = early.worker;
  else {
    if (early !== undefined) void early.worker.terminate();
    if (canUseWorker()) spare = startWorker();
  }
}

/**
 * A pipeline on a worker thread that validates each batch, renders each document and writes it below `root` (a
 * temporary folder, swapped in only when synth succeeds); or undefined where a worker would not help: one core,
 * a small app, or no built worker script (under ts-node or vitest, which run the TypeScript sources). The caller then
 * uses {@link inlinePipeline}, which produces the same files. `validator` validates the documents this thread takes
 * over at the end. With `cacheDir`, the worker reuses the clean verdicts of earlier synths (src/synth/verdict-cache.ts),
 * and the files of `outdir` (the output this synth replaces) that the last synth wrote for unchanged documents
 * (src/synth/output-record.ts).
 */
export function workerPipeline(
  root: string,
  objectCount: number,
  validator: SchemaValidator,
  cacheDir?: string,
  outdir?: string,
): DocumentPipeline | undefined {
  // A document is an ApiObject, so the app's construct count bounds the number of claims needed.
  const started = spare;
  spare = undefined;
  if (objectCount < MIN_OBJECTS || !(started !== undefined || canUseWorker())) {
    if (started !== undefined) void started.terminate();
    return undefined;
  }
  const worker = started ?? startWorker();
  const { port1, port2 } = new MessageChannel();
  const answered = new SharedArrayBuffer(4);
  const counter = new Int32Array(answered);
  const claimBuffer = new SharedArrayBuffer(4 * objectCount);
  const claims = new Int32Array(claimBuffer);
  worker.postMessage({ kind: 'begin', root, claims: claimBuffer, port: port2, answered, cacheDir, outdir } satisfies ToWorker, [port2]);
  /** With a cache: the worker's checker and its verdicts (from its `ready` answer), for the documents taken over. */
  let identity: string | undefined;
  let verdicts: ReadonlySet<string> | undefined;
  /** With a cache: the record of `outdir`, read when this thread first takes documents over. */
  let previous: PreviousOutput | undefined;
  let previousRead = false;
  const previousOutput = (): PreviousOutput | undefined => {
    if (!previousRead && identity !== undefined && cacheDir !== undefined && outdir !== undefined) previous = readOutputRecord(cacheDir, identity, outdir);
    previousRead = true;
    return previous;
  };
  /** The CEL rules of the CRD kinds the worker has seen. */
  const rules = new Map<string, readonly RuleEntry[]>();
  let sent = 0;
  let received = 0;
  const docs: PipelineDocument[] = [];
  /** The worker's analyses in document order; null for the documents this thread analyzed (in `analyzedHere`). */
  const results: (DocumentAnalysis | null)[] = [];
  const analyzedHere = new Map<number, DocumentAnalysis>();
  const analysisOf = (index: number): DocumentAnalysis => results[index] ?? analyzedHere.get(index)!;
  const made = new Set<string>();
  /** Index below which every document is claimed (the worker claims upwards, this thread downwards). */
  let lowestUnclaimed = 0;
  /** Set by `dispose`: a failed synth only waits for the worker, it does not help it. */
  let disposing = false;
  /**
   * Before waiting, this thread takes the documents at the end of the queue that the worker has not reached yet: it
   * validates, checks, renders and writes them itself while the worker works on the others.
   */
  const help = (): void => {
    for (let i = Math.min(docs.length, claims.length) - 1; i >= lowestUnclaimed; i--) {
      if (Atomics.compareExchange(claims, i, UNCLAIMED, CLAIMED_BY_MAIN) !== UNCLAIMED) {
        if (claims[i] === CLAIMED_BY_WORKER) break;
        continue;
      }
      analyzedHere.set(i, analyzeDocument(docs[i]!, validator, root, made, verdicts, previousOutput()));
    }
    lowestUnclaimed = Math.min(docs.length, claims.length);
  };
  const stop = () => {
    port1.close();
    void worker.terminate();
  };
  let failed: Error | undefined;
  const next = (): FromWorker => {
    for (;;) {
      const seen = Atomics.load(counter, 0);
      const message = receiveMessageOnPort(port1);
      if (message) return message.message as FromWorker;
      if (Atomics.wait(counter, 0, seen, ANSWER_TIMEOUT_MS) === 'timed-out') {
        stop();
        failed = new Error(`the synth worker (${WORKER_FILE}) did not answer within ${ANSWER_TIMEOUT_MS / 1000} s`);
        throw failed;
      }
    }
  };
  /** Waits for answers until document `index` is analyzed (or every batch is, for Infinity). */
  const waitFor = (index: number): void => {
    if (failed) throw failed;
    while (received < sent && results.length <= index) {
      // With a cache, documents are taken over only once the worker's verdicts are here (an unchanged document is
      // cheap for the worker and dear to check).
      if (!disposing && lowestUnclaimed < docs.length && (cacheDir === undefined || verdicts !== undefined)) {
        const message = receiveMessageOnPort(port1);
        if (message === undefined) help();
        else {
          accept(message.message as FromWorker);
          continue;
        }
      }
      accept(next());
    }
  };
  const accept = (m: FromWorker): void => {
    if (m.kind === 'error') {
      stop();
      failed = new Error(`the synth worker failed: ${m.message}`);
      throw failed;
    }
    if (m.kind === 'removed') return;
    if (m.kind === 'ready') {
      identity = m.identity;
      verdicts = new Set(m.verdicts);
      return;
    }
    results.push(...m.analyses);
    if (m.rules !== undefined) for (const [k, r] of Object.entries(m.rules)) rules.set(k, r);
    received++;
  };
  return {
    deferred: true,
    add(batch) {
      if (batch.length === 0) return;
      worker.postMessage({ kind: 'batch', first: docs.length, docs: batch } satisfies ToWorker);
      sent++;
      // The checks read what was found in a document (by the worker, or here when this thread took it over), waiting
      // only for the batch of the document they read: its expressions, the secret scan of its values and, with a
      // cache, the digest of the YAML written (the stateful guard compares committed files with it).
      for (const d of batch) {
        const index = docs.length;
        docs.push(d);
        const analysis = (): DocumentAnalysis => {
          if (!analyzedHere.has(index)) waitFor(index);
          return analysisOf(index);
        };
        precomputeExpressionFindings(d.object, () => analysis().expressions);
        precomputeDocumentSecrets(d.object, () => analysis().secrets ?? {});
        if (cacheDir !== undefined) precomputeRenderedDigest(d.object, () => analysis().digest);
      }
    },
    problems() {
      waitFor(Infinity);
      return docs.map((_, i) => analysisOf(i).problems);
    },
    ruleInventory(key) {
      // Every batch that may hold the kind is answered first (the worker lists each kind with its first document).
      if (!rules.has(key)) waitFor(Infinity);
      return rules.get(key);
    },
    verdicts() {
      if (identity === undefined) return undefined;
      const analyses = docs.map((_, i) => analysisOf(i));
      return {
        identity,
        clean: analyses.flatMap((a) => (a.digest === undefined ? [] : [a.digest])),
        reused: analyses.filter((a) => a.reused === true).length,
        written: analyses.flatMap((a, i) =>
          a.digest === undefined || a.object === undefined ? [] : [{ file: docs[i]!.file, object: a.object, yaml: a.digest }],
        ),
        inventories: Object.fromEntries(rules),
      };
    },
    writeAll() {
      // Written by the worker as it rendered them; problems() has waited for the last batch.
      this.problems();
    },
    removeTrees(dirs) {
      if (dirs.length === 0) return () => undefined;
      this.problems();
      worker.postMessage({ kind: 'remove', dirs } satisfies ToWorker);
      return () => {
        for (;;) {
          const m = next();
          if (m.kind === 'removed') return;
          accept(m);
        }
      };
    },
    dispose() {
      // Let the worker finish what it was given first: a file it wrote after the temporary folder was removed would
      // leave the folder behind.
      if (disposing) return;
      disposing = true;
      try {
        this.problems();
      } catch {
        // stopped already
      }
      worker.postMessage({ kind: 'end' } satisfies ToWorker);
      stop();
    },
  };
}
