/**
 * The worker of {@link workerPipeline} (src/synth/document-pipeline.ts): for each document of a batch the main thread
 * has not claimed, validates it against its schema, checks its expressions, renders it to YAML and writes it below the
 * temporary output folder; then answers with what it found in each document, in order. The same validator and YAML
 * writer as on the main thread, so the results and files are the same either way.
 */
import { MessagePort, parentPort, workerData } from 'worker_threads';
import { analyzeDocument, CLAIMED_BY_WORKER, FromWorker, removeTree, ToWorker, UNCLAIMED } from './document-pipeline';
import { loadCelEvaluator, RuleEntry, ruleInventory } from './schema-cel';
import { SchemaRegistry, validationDataFiles } from './schema-registry';
import { SchemaValidator } from './schema-validator';
import { PreviousOutput, readOutputRecord } from './output-record';
import { checkerIdentity, readVerdicts } from './verdict-cache';

// From the `begin` message: the worker may be started before synth knows any of it.
/** The folder to write into. */
let root = '';
/** One Int32 per document: who finishes it (document-pipeline.ts, `finishDocument`). */
let claims: Int32Array<ArrayBufferLike> = new Int32Array(0);
/** Where answers go, and the number of answers (for the main thread's Atomics.wait). */
let port: MessagePort | undefined;
let counter: Int32Array<ArrayBufferLike> = new Int32Array(1);
/** With a verdict cache: the clean verdicts earlier synths recorded for this checker. */
let verdicts: ReadonlySet<string> | undefined;
/** With a verdict cache: what the last synth wrote into the output folder this one replaces. */
let previous: PreviousOutput | undefined;
const validator = new SchemaValidator();
const made = new Set<string>();
/** The CRD kinds whose rules were sent. */
const listed = new Set<string>();
/**
 * The first documents arrive a little later: the schemas (a 1.8 MB file) and the CEL evaluator (about 60 ms of module
 * initialization) are loaded meanwhile, as validation needs them as soon as they do. Unless the runner expects the
 * verdict cache (scripts/run.js without `--no-cache`): then only once the `begin` message shows documents to validate
 * (no cache, or no verdicts yet). Where every document is unchanged nothing is validated, and the load would only
 * delay the first batch; a changed document loads them when it is validated. The checker's identity covers the data
 * files whether they are loaded or not ({@link validationDataFiles}).
 */
function preload(): void {
  SchemaRegistry.default().loadSchemas();
  loadCelEvaluator();
}
const deferPreload = (workerData as { readonly deferPreload?: unknown } | null)?.deferPreload === true;
// The kind index (small): which kinds exist, for the rule inventory.
SchemaRegistry.default();
if (!deferPreload) preload();

function answer(message: FromWorker): void {
  port!.postMessage(message);
  Atomics.add(counter, 0, 1);
  Atomics.notify(counter, 0);
}

parentPort!.on('message', (message: ToWorker) => {
  if (message.kind === 'begin') {
    root = message.root;
    claims = new Int32Array(message.claims);
    port = message.port;
    counter = new Int32Array(message.answered);
    if (message.cacheDir === undefined && deferPreload) preload();
    if (message.cacheDir !== undefined) {
      // Every module and data file this thread has loaded (the validator, the expression checks, the kind index) and
      // the data files validation reads.
      const loaded = Object.keys(require.cache);
      const identity = checkerIdentity([...new Set([...loaded, ...validationDataFiles(loaded)])]);
      verdicts = readVerdicts(message.cacheDir, identity);
      // No verdicts (a first synth, or new code): every document is validated.
      if (deferPreload && verdicts.size === 0) preload();
      if (message.outdir !== undefined) previous = readOutputRecord(message.cacheDir, identity, message.outdir);
      answer({ kind: 'ready', identity, verdicts: [...verdicts] });
    }
    return;
  }
  if (message.kind === 'remove') {
    try {
      for (const d of message.dirs) removeTree(d);
      answer({ kind: 'removed' });
    } catch (e) {
      answer({ kind: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
    return;
  }
  if (message.kind === 'end') {
    port?.close();
    parentPort!.close();
    return;
  }
  try {
    // The CEL rules of each CRD kind, listed with its first document (for VALIDATION.md, on the main thread).
    let rules: Record<string, readonly RuleEntry[]> | undefined;
    for (const d of message.docs) {
      const info = validator.kindOf(d.object);
      if (info === undefined || !info.structural) continue;
      const key = `${info.apiVersion}/${info.kind}`;
      if (listed.has(key)) continue;
      listed.add(key);
      (rules ??= {})[key] = previous?.inventory(key) ?? ruleInventory(info.schema);
    }
    const analyses = message.docs.map((d, j) => {
      const index = message.first + j;
      // The main thread may have taken this document while it waited (it claims from the end).
      const mine = index >= claims.length || Atomics.compareExchange(claims, index, UNCLAIMED, CLAIMED_BY_WORKER) === UNCLAIMED;
      return mine ? analyzeDocument(d, validator, root, made, verdicts, previous) : null;
    });
    answer({ kind: 'batch', analyses, ...(rules !== undefined ? { rules } : {}) });
  } catch (e) {
    answer({ kind: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
});
