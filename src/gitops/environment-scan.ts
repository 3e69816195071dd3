/**
 * Facts about the environment chart a delivery applies, read at synth time (so constructs added after the
 * delivery still count): which kinds it emits (least-privilege AppProject whitelists) and which workloads an
 * HPA scales (Argo CD must ignore their `/spec/replicas`).
 */
import { ApiObject, Chart } from 'cdk8s';
import { SchemaRegistry } from '../synth/schema-registry';
import { isArgoCdKind } from './argo-cd-projects';
import { compareText } from '../core/order';

/** An API group and kind, as Argo CD's AppProject whitelists spell them (core group is ""). */
export interface GroupKind {
  readonly group: string;
  readonly kind: string;
}

/** A workload whose replicas an HPA owns. */
export interface ScaledWorkload {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
}

/** A Gateway API route whose backend weights a Rollout's traffic-router plugin sets during a canary. */
export interface WeightedRoute {
  readonly kind: 'HTTPRoute' | 'GRPCRoute';
  readonly name: string;
  readonly namespace: string;
}

/** Name of Argo Rollouts' Gateway API traffic-router plugin in a Rollout's `trafficRouting.plugins`. */
const GATEWAY_API_PLUGIN = 'argoproj-labs/gatewayAPI';

export interface EnvironmentFacts {
  readonly clusterKinds: readonly GroupKind[];
  readonly namespacedKinds: readonly GroupKind[];
  readonly scaledWorkloads: readonly ScaledWorkload[];
  readonly weightedRoutes: readonly WeightedRoute[];
}

function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

function sortKinds(set: Map<string, GroupKind>): GroupKind[] {
  return [...set.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => v);
}

const cache = new WeakMap<Chart, EnvironmentFacts>();

/** Scans `chart` once per synth (one pass over its API objects; HPAs and Rollouts are the only objects serialized). */
export function environmentFacts(chart: Chart, registry = SchemaRegistry.default()): EnvironmentFacts {
  const cached = cache.get(chart);
  if (cached) return cached;
  const cluster = new Map<string, GroupKind>();
  const namespaced = new Map<string, GroupKind>();
  const scaled: ScaledWorkload[] = [];
  const weighted: WeightedRoute[] = [];
  for (const c of chart.node.findAll()) {
    if (!(c instanceof ApiObject)) continue;
    // Never whitelisted: a project that may create projects or applications may deploy anything anywhere.
    if (isArgoCdKind(c.apiVersion, c.kind)) continue;
    const gk = { group: groupOf(c.apiVersion), kind: c.kind };
    const isNamespaced = registry.lookup(c.apiVersion, c.kind)?.namespaced ?? true;
    (isNamespaced ? namespaced : cluster).set(`${gk.group}/${gk.kind}`, gk);
    // An HPA, or a KEDA ScaledObject (which owns an HPA), owns the replicas of its target.
    if (c.kind === 'HorizontalPodAutoscaler' || (c.kind === 'ScaledObject' && c.apiVersion.startsWith('keda.sh/'))) {
      const json = c.toJson();
      const ref = json.spec?.scaleTargetRef;
      if (ref?.kind && ref?.name) {
        scaled.push({ group: groupOf(ref.apiVersion ?? ''), kind: ref.kind, name: ref.name, namespace: json.metadata?.namespace ?? '' });
      }
    }
    // A canary on Gateway API: the plugin sets the weights of the routes it names while a rollout runs.
    if (c.kind === 'Rollout' && c.apiVersion.startsWith('argoproj.io/')) {
      const json = c.toJson();
      const plugin = json.spec?.strategy?.canary?.trafficRouting?.plugins?.[GATEWAY_API_PLUGIN];
      const ns = String(plugin?.namespace ?? json.metadata?.namespace ?? '');
      for (const [key, kind] of [
        ['httpRoutes', 'HTTPRoute'],
        ['grpcRoutes', 'GRPCRoute'],
      ] as const) {
        for (const r of Array.isArray(plugin?.[key]) ? plugin[key] : []) if (r?.name) weighted.push({ kind, name: String(r.name), namespace: ns });
      }
    }
  }
  weighted.sort((a, b) => compareText(`${a.namespace}/${a.kind}/${a.name}`, `${b.namespace}/${b.kind}/${b.name}`));
  scaled.sort((a, b) => compareText(`${a.namespace}/${a.kind}/${a.name}`, `${b.namespace}/${b.kind}/${b.name}`));
  const facts = { clusterKinds: sortKinds(cluster), namespacedKinds: sortKinds(namespaced), scaledWorkloads: scaled, weightedRoutes: weighted };
  // Called from Lazy values, i.e. at synth when every construct exists; one scan serves every Application.
  cache.set(chart, facts);
  return facts;
}
