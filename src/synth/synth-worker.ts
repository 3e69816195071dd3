/**
 * The worker of {@link workerPipeline} (src/synth/document-pipeline.ts): validates each batch of documents against
 * the schemas and checks their expressions, renders each document to YAML and writes it below the temporary output
 * folder, then answers with what it found in each document, in order. The same validator and YAML writer as on the main thread, so the files are
 * the same either way.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parentPort, workerData } from 'worker_threads';
import { analyze, FromWorker, ToWorker, WorkerSetup } from './document-pipeline';
import { loadCelEvaluator } from './schema-cel';
import { SchemaValidator } from './schema-validator';
import { toYaml } from './yaml';

const { port, answered } = workerData as WorkerSetup;
/** The folder to write into, from the `begin` message (the worker may be started before synth knows it). */
let root = '';
const counter = new Int32Array(answered);
const validator = new SchemaValidator();
const made = new Set<string>();
// The first documents arrive a little later: load the CEL evaluator meanwhile (rules need it as soon as they do).
loadCelEvaluator();

function answer(message: FromWorker): void {
  port.postMessage(message);
  Atomics.add(counter, 0, 1);
  Atomics.notify(counter, 0);
}

parentPort!.on('message', (message: ToWorker) => {
  if (message.kind === 'begin') {
    root = message.root;
    return;
  }
  if (message.kind === 'end') {
    port.close();
    parentPort!.close();
    return;
  }
  try {
    const analyses = message.docs.map((d) => {
      const found = analyze(validator, d.object);
      const full = path.join(root, d.file);
      const dir = path.dirname(full);
      if (!made.has(dir)) {
        fs.mkdirSync(dir, { recursive: true });
        made.add(dir);
      }
      fs.writeFileSync(full, toYaml(d.object));
      return found;
    });
    answer({ kind: 'batch', analyses });
  } catch (e) {
    answer({ kind: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
});
