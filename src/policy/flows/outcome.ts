/**
 * What synth reads of an environment's flow proof: its verdict (the blocked flows), FLOWS.md and the README's
 * diagram. Computed once per environment output, or reused from an earlier successful synth whose inputs were the
 * same (src/synth/result-memo.ts): the proof reads the environment's documents, its connection records and the
 * cluster facts of its profile, nothing else, so those (the documents by their YAML digests) and the synth command
 * that FLOWS.md names are the key.
 */
import { apiServerOf, clusterServicesOf, nodeCidrsOf } from '../../core/cluster-services';
import { documentsDigest, isStringList, memoKey, recall } from '../../synth/result-memo';
import { EnvironmentOutput, SynthContext, synthCommandName } from '../../synth/synthesizer';
import { environmentGraph, FlowGraph } from './graph';
import { proveFlows } from './proof';
import { renderFlowsReport } from './report';

export interface FlowOutcome {
  /** Blocked flows fail synth (profile.enforcePolicies); warnings otherwise. */
  readonly enforced: boolean;
  /** One message per blocked end of a needed flow. */
  readonly violations: readonly string[];
  /** FLOWS.md, for environment folders (the GitOps charts get none). */
  readonly report?: string;
  readonly graph: FlowGraph;
}

const OUTCOMES = new WeakMap<EnvironmentOutput, Map<string, FlowOutcome>>();

/**
 * The key of everything the flow proof of `env` reads, with the synth command: undefined without a memo, or when the
 * digest of a document is not known (the verdict cache did not find it clean); the proof is then computed.
 */
export function flowInputsKey(env: EnvironmentOutput, ctx: SynthContext, command = synthCommandName(ctx)): string | undefined {
  const documents = documentsDigest(env.documents, ctx);
  if (documents === undefined) return undefined;
  const p = env.profile;
  const cluster = { podCidrs: p.cluster.podCidrs ?? null, services: clusterServicesOf(p), apiServer: apiServerOf(p), nodeCidrs: nodeCidrsOf(p) };
  return memoKey('flow proof', command, env.name, env.directory, p.enforcePolicies, cluster, env.connections ?? [], documents);
}

function isOutcome(v: unknown): v is FlowOutcome {
  const o = v as Partial<Record<keyof FlowOutcome, unknown>> | null;
  const graph = o?.graph as Partial<Record<keyof FlowGraph, unknown>> | undefined;
  return (
    o !== null &&
    typeof o === 'object' &&
    typeof o.enforced === 'boolean' &&
    isStringList(o.violations) &&
    (o.report === undefined || typeof o.report === 'string') &&
    Array.isArray(graph?.nodes) &&
    Array.isArray(graph?.edges)
  );
}

/** The flow proof's outcome for `env` (see the module comment). */
export function flowOutcome(env: EnvironmentOutput, ctx: SynthContext): FlowOutcome {
  const command = synthCommandName(ctx);
  let byCommand = OUTCOMES.get(env);
  if (!byCommand) OUTCOMES.set(env, (byCommand = new Map()));
  const known = byCommand.get(command);
  if (known) return known;
  const outcome = recall(ctx?.memo, flowInputsKey(env, ctx, command), isOutcome, (): FlowOutcome => {
    const proof = proveFlows(env);
    return {
      enforced: proof.enforced,
      violations: proof.violations,
      ...(env.directory === env.name ? { report: renderFlowsReport(proof, command) } : {}),
      graph: environmentGraph(env, proof),
    };
  });
  byCommand.set(command, outcome);
  return outcome;
}
