import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MessageChannel, MessagePort, receiveMessageOnPort, Worker } from 'worker_threads';
import { DocObject } from '../core/documents';
import { ExpressionFinding, expressionFindings, precomputeExpressionFindings } from '../policy/expression-checks';
import { Problem, SchemaValidator } from './schema-validator';
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
  writeAll(root: string, write: (rel: string, content: string) => void): void;
  dispose(): void;
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
    writeAll(_root, write) {
      for (const d of docs) write(d.file, toYaml(d.object));
    },
    dispose: () => undefined,
  };
}

/** Messages of the worker protocol (src/synth/synth-worker.ts). */
export type ToWorker =
  { readonly kind: 'begin'; readonly root: string } | { readonly kind: 'batch'; readonly docs: readonly PipelineDocument[] } | { readonly kind: 'end' };
/** What the worker found in one document: its schema problems and its expression problems (the expressions check). */
export interface DocumentAnalysis {
  readonly problems: readonly Problem[];
  readonly expressions: readonly ExpressionFinding[];
}
export type FromWorker = { readonly kind: 'batch'; readonly analyses: readonly DocumentAnalysis[] } | { readonly kind: 'error'; readonly message: string };

/** The worker's work on one document (src/synth/synth-worker.ts): validate, check its expressions, render. */
export function analyze(validator: SchemaValidator, object: DocObject): DocumentAnalysis {
  return { problems: validator.validate(object), expressions: expressionFindings(object) };
}
export interface WorkerSetup {
  /** Where the worker answers; read synchronously with receiveMessageOnPort. */
  readonly port: MessagePort;
  /** One Int32: the number of batches answered, for Atomics.wait. */
  readonly answered: SharedArrayBuffer;
}

/** The worker's script: built next to this module (lib/ for the bundle, build/src/synth/ for the package). */
const WORKER_FILE = path.join(__dirname, 'synth-worker.js');
/** Below this many objects the worker's start-up costs more than it saves. */
const MIN_OBJECTS = 300;
/** How long synth waits for an answer before it reports the worker as stuck. */
const ANSWER_TIMEOUT_MS = 120_000;

/** A started worker and the channel it answers on. */
interface StartedWorker {
  readonly worker: Worker;
  readonly port: MessagePort;
  readonly counter: Int32Array;
}

function canUseWorker(): boolean {
  return os.availableParallelism() >= 2 && fs.existsSync(WORKER_FILE);
}

function startWorker(): StartedWorker {
  const { port1, port2 } = new MessageChannel();
  const answered = new SharedArrayBuffer(4);
  const setup: WorkerSetup = { port: port2, answered };
  const worker = new Worker(WORKER_FILE, { workerData: setup, transferList: [port2] });
  // Never keeps the process alive; a failed synth or the end of this one stops it.
  worker.unref();
  return { worker, port: port1, counter: new Int32Array(answered) };
}

/** A worker started ahead of the app's construction by {@link prestartSynthWorker}, for the next synth. */
let spare: StartedWorker | undefined;

/**
 * Starts the synth worker now, where a worker would be used, so that it has loaded its code and the schemas by the
 * time synth hands it the first documents: `runSynth` calls it before it builds the app. The next
 * {@link workerPipeline} takes it (and stops it when the app turns out too small).
 * @internal
 */
export function prestartSynthWorker(): void {
  if (spare === undefined && canUseWorker()) spare = startWorker();
}

/**
 * A pipeline on a worker thread that validates each batch, renders each document and writes it below `root` (a
 * temporary folder, swapped in only when synth succeeds); or undefined where a worker would not help: one core,
 * a small app, or no built worker script (under ts-node or vitest, which run the TypeScript sources). The caller then
 * uses {@link inlinePipeline}, which produces the same files.
 */
export function workerPipeline(root: string, objectCount: number): DocumentPipeline | undefined {
  const started = spare;
  spare = undefined;
  if (objectCount < MIN_OBJECTS || !(started !== undefined || canUseWorker())) {
    if (started !== undefined) {
      started.port.close();
      void started.worker.terminate();
    }
    return undefined;
  }
  const { worker, port: port1, counter } = started ?? startWorker();
  worker.postMessage({ kind: 'begin', root } satisfies ToWorker);
  let sent = 0;
  let received = 0;
  let added = 0;
  const results: DocumentAnalysis[] = [];
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
      const m = next();
      if (m.kind === 'error') {
        stop();
        failed = new Error(`the synth worker failed: ${m.message}`);
        throw failed;
      }
      results.push(...m.analyses);
      received++;
    }
  };
  return {
    deferred: true,
    add(docs) {
      if (docs.length === 0) return;
      worker.postMessage({ kind: 'batch', docs } satisfies ToWorker);
      sent++;
      // The expressions check reads what the worker found, waiting only for the batch of the document it reads.
      for (const d of docs) {
        const index = added++;
        precomputeExpressionFindings(d.object, () => {
          waitFor(index);
          return results[index]!.expressions;
        });
      }
    },
    problems() {
      waitFor(Infinity);
      return results.map((r) => r.problems);
    },
    writeAll() {
      // Written by the worker as it rendered them; problems() has waited for the last batch.
      this.problems();
    },
    dispose() {
      // Let the worker finish what it was given first: a file it wrote after the temporary folder was removed would
      // leave the folder behind.
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
