/**
 * The flow proof: every connection the platform needs, derived from the synthesized objects, must be admitted by
 * the NetworkPolicies at both ends (egress of the source, ingress of the target). Linear in the documents: pods,
 * Services and policies are indexed once; each flow looks at the policies of its two ends only.
 */
import type { EnvironmentOutput } from '../../synth/synthesizer';
import { PolicyIndex } from '../policy-index';
import { Needs } from './derive/common';
import { configNeeds } from './derive/configs';
import { graphNeeds } from './derive/graph';
import { analysisNeeds, apiServerNeeds, containerNeeds, dnsNeeds, ingressNeeds, peerNeeds, scalerNeeds } from './derive/platform';
import { monitorNeeds, prometheusNeeds } from './derive/prometheus';
import { NeededFlow, FlowNeed, FlowVerdict, endpointName, flowText } from './model';
import { PolicySet } from './network-policy';
import { cnpgFlows } from './cnpg';
import { strimziFlows } from './strimzi';
import { FlowWorld, Unresolved } from './world';

/** Everything the proof found in one environment. */
export interface FlowProof {
  readonly environment: string;
  readonly directory: string;
  /** Blocked flows fail synth (profile.enforcePolicies). */
  readonly enforced: boolean;
  /** Every needed flow with its verdict, sorted by source, target, port and protocol. */
  readonly flows: readonly FlowVerdict[];
  /** `<env>: <from> -> <to>:<port>/<proto>: blocked by <policy> (<why>)`, one per blocked end. */
  readonly violations: readonly string[];
  /** Addresses in the configuration that map to nothing in the environment (not proved). */
  readonly unresolved: readonly Unresolved[];
  readonly world: FlowWorld;
  readonly policies: PolicySet;
}

/** The derivations, in the order their origins are listed. */
const DERIVATIONS: ReadonlyArray<(needs: Needs) => void> = [
  graphNeeds,
  dnsNeeds,
  apiServerNeeds,
  ingressNeeds,
  analysisNeeds,
  scalerNeeds,
  containerNeeds,
  peerNeeds,
  prometheusNeeds,
  monitorNeeds,
  configNeeds,
  (needs) => needs.list.push(...strimziFlows(needs.world)),
  (needs) => needs.list.push(...cnpgFlows(needs.world)),
];

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Merges needs of the same connection (their origins add up) and sorts them. */
export function mergeNeeds(needs: readonly FlowNeed[]): NeededFlow[] {
  const byKey = new Map<string, { flow: FlowNeed; origins: Set<string> }>();
  for (const n of needs) {
    const key = `${n.from.key}>${n.to.key}:${n.port}/${n.protocol}`;
    const have = byKey.get(key);
    if (have) have.origins.add(n.origin);
    else byKey.set(key, { flow: n, origins: new Set([n.origin]) });
  }
  return [...byKey.values()]
    .map(({ flow, origins }) => ({ from: flow.from, to: flow.to, port: flow.port, protocol: flow.protocol, origins: [...origins].sort(compare) }))
    .sort(
      (a, b) =>
        compare(endpointName(a.from), endpointName(b.from)) ||
        compare(endpointName(a.to), endpointName(b.to)) ||
        a.port - b.port ||
        compare(a.protocol, b.protocol) ||
        compare(a.from.key, b.from.key) ||
        compare(a.to.key, b.to.key),
    );
}

/** Verdicts of flows against a policy set; the blocked ends as messages. */
export function judge(environment: string, flows: readonly NeededFlow[], policies: PolicySet): { verdicts: FlowVerdict[]; violations: string[] } {
  const verdicts: FlowVerdict[] = [];
  const violations: string[] = [];
  for (const f of flows) {
    const egress = policies.evaluate('egress', f.from, f.to, f.port, f.protocol);
    const ingress = policies.evaluate('ingress', f.to, f.from, f.port, f.protocol);
    verdicts.push({ ...f, egress, ingress, admitted: egress.admitted && ingress.admitted });
    for (const end of [egress, ingress]) {
      if (!end.admitted) violations.push(`${environment}: ${flowText(f)}: blocked by ${(end.blockedBy ?? []).join(', ')} (${end.why})`);
    }
  }
  return { verdicts, violations };
}

/** Every needed flow of `env` (derived from its documents and recorded connections), without verdicts. */
export function deriveFlows(env: EnvironmentOutput, index = PolicyIndex.of(env)): { flows: NeededFlow[]; world: FlowWorld } {
  const world = new FlowWorld(env, index);
  const needs = new Needs(world);
  for (const d of DERIVATIONS) d(needs);
  return { flows: mergeNeeds(needs.list), world };
}

const cache = new WeakMap<EnvironmentOutput, FlowProof>();

/** Proves the flows of one environment (computed once per output; the plugin and the README share it). */
export function proveFlows(env: EnvironmentOutput): FlowProof {
  let proof = cache.get(env);
  if (proof) return proof;
  const index = PolicyIndex.of(env);
  const { flows, world } = deriveFlows(env, index);
  const policies = PolicySet.forIndex(index, world);
  const { verdicts, violations } = judge(env.name, flows, policies);
  const unresolved = [...world.unresolved].sort((a, b) => compare(a.from, b.from) || compare(a.address, b.address) || compare(a.origin, b.origin));
  const dedup = unresolved.filter((u, i) => i === 0 || JSON.stringify(u) !== JSON.stringify(unresolved[i - 1]));
  proof = {
    environment: env.name,
    directory: env.directory,
    enforced: env.profile.enforcePolicies,
    flows: verdicts,
    violations,
    unresolved: dedup,
    world,
    policies,
  };
  cache.set(env, proof);
  return proof;
}
