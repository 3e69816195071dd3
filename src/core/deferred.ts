/**
 * Work that needs an environment's whole construct tree, deferred to the start of synth. `addGitOpsDelivery` (and
 * with it the cluster add-ons, derived from the kinds the environment emits) is built there, so constructs
 * declared after the call are delivered and served like the others. The queue lives on the App object under a
 * global symbol, so two copies of this package in one process share it.
 */
import { IConstruct } from 'constructs';

const QUEUE = Symbol.for('cdk8s-platform.deferredToSynth');

type Holder = { [QUEUE]?: (() => void)[] };

function queueOf(app: IConstruct): (() => void)[] {
  const holder = app as unknown as Holder;
  if (!holder[QUEUE]) Object.defineProperty(holder, QUEUE, { value: [], enumerable: false });
  return holder[QUEUE]!;
}

/**
 * Runs `work` when synth starts (before construct validation), once, after the work deferred before it. `work`
 * must be idempotent: a caller may run it earlier itself (reading a result that needs it).
 */
export function deferToSynth(app: IConstruct, work: () => void): void {
  queueOf(app).push(work);
}

/** Runs the deferred work of `app` in order, including work that deferred work defers. */
export function runDeferredWork(app: IConstruct): void {
  const queue = queueOf(app);
  while (queue.length > 0) queue.shift()!();
}
