/**
 * Delivery tiers derived from what each namespace holds, so that no hand-written list is needed for correctness:
 * a namespace that holds data (a datastore, a claim, a StatefulSet with volume claim templates, a CRD-backed
 * cluster) is delivered in the data tier (never pruned where the sync policy protects state, no cascade delete),
 * whatever it is called and whoever created it.
 */
import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { EnvironmentChart } from '../core/environment-chart';
import { fail } from '../core/errors';
import { jsonValueAt } from '../synth/fast-json';
import { LABEL_TIER, NamespaceTier, TieredNamespace } from './delivery-group';

/** Kinds whose objects hold data themselves (`apiVersion group` + kind; core group ""). */
const DATA_KINDS: ReadonlySet<string> = new Set([
  '/PersistentVolumeClaim',
  'kafka.strimzi.io/Kafka',
  'kafka.strimzi.io/KafkaNodePool',
  'postgresql.cnpg.io/Cluster',
]);

function groupKind(o: ApiObject): string {
  const i = o.apiVersion.indexOf('/');
  return `${i < 0 ? '' : o.apiVersion.slice(0, i)}/${o.kind}`;
}

interface Declared {
  readonly tier: NamespaceTier;
  /** Who chose it, for messages (`<construct path>: tier`). */
  readonly scope: string;
  readonly field: string;
}

interface Suggested {
  readonly tier: NamespaceTier;
  readonly group?: string;
}

/**
 * What the constructs of one environment say about their namespaces' tiers: a user's explicit choice
 * (`PlatformNamespace` `tier`), the library's default for namespaces it creates (the observability stack's, the
 * tenants'), and which namespaces hold data. Held by the environment chart; read by `addGitOpsDelivery`.
 */
export class NamespaceTiers {
  /** The tiers of the environment that contains `scope`. */
  public static of(scope: IConstruct): NamespaceTiers {
    return EnvironmentChart.of(scope)._service('cdk8s-platform.NamespaceTiers', () => new NamespaceTiers());
  }

  private readonly declared = new Map<string, Declared>();
  private readonly suggested = new Map<string, Suggested>();
  private readonly data = new Map<string, IConstruct[]>();

  /** `scope` (a construct the user configured) puts `namespace` in `tier`; `field` names the prop in messages. */
  public declare(scope: IConstruct, namespace: string, tier: NamespaceTier, field = 'tier'): void {
    const existing = this.declared.get(namespace);
    if (existing && (existing.tier.name !== tier.name || existing.tier.wave !== tier.wave || existing.tier.stateful !== tier.stateful)) {
      fail(scope, field, tier.name, `${existing.scope} already put namespace "${namespace}" in tier "${existing.tier.name}"; a namespace has one tier`);
    }
    this.declared.set(namespace, { tier, scope: scope.node.path, field });
  }

  /**
   * The library's default tier for a namespace it creates (and the delivery group that applies it). A suggestion
   * that is not stateful gives way to the data tier when the namespace holds data.
   */
  public suggest(namespace: string, tier: NamespaceTier, group?: string): void {
    this.suggested.set(namespace, { tier, group });
  }

  /** `namespace` holds data kept by `holder` (a datastore construct), named in messages by its class and path. */
  public holdsData(namespace: string, holder: IConstruct): void {
    this.data.set(namespace, [...(this.data.get(namespace) ?? []), holder]);
  }

  /** @internal */
  public _declared(namespace: string): Declared | undefined {
    return this.declared.get(namespace);
  }

  /** @internal */
  public _suggested(namespace: string): Suggested | undefined {
    return this.suggested.get(namespace);
  }

  /** @internal */
  public _data(namespace: string): readonly IConstruct[] {
    return this.data.get(namespace) ?? [];
  }
}

/** True when a StatefulSet's JSON claims volumes; unknown (its values do not resolve yet) counts as true. */
function claimsVolumes(o: ApiObject): boolean {
  try {
    const claims = jsonValueAt(o, ['spec', 'volumeClaimTemplates']);
    return Array.isArray(claims) && claims.length > 0;
  } catch {
    return true;
  }
}

/**
 * The namespaces of an environment chart with their tiers, each decided in this order:
 *
 * 1. an entry of `overrides` (the `namespaces` prop of `addGitOpsDelivery`), then a tier declared by a construct
 *    (`PlatformNamespace` `tier`), then the `platform.io/tier` label of its Namespace object: the user's choice,
 *    an error when the namespace holds data and the tier is not stateful;
 * 2. the library's suggestion (observability stack: observability; tenants: tenant, in the `tenants` group), unless
 *    it is not stateful and the namespace holds data;
 * 3. data when the namespace holds data (a StatefulDatastore, a PersistentVolumeClaim, a StatefulSet with volume
 *    claim templates, a Kafka or CloudNativePG cluster);
 * 4. app for the other namespaces the chart creates, system for those it only uses (e.g. Velero's).
 *
 * Namespaces listed in `overrides` that the chart neither creates nor uses are delivered too, as listed.
 */
export function deriveNamespaceTiers(chart: Chart, overrides: readonly TieredNamespace[] = [], where: IConstruct | string = chart): TieredNamespace[] {
  const tiers = EnvironmentChart.isEnvironmentChart(chart) ? NamespaceTiers.of(chart) : new NamespaceTiers();
  const created = new Map<string, ApiObject>();
  const used = new Set<string>();
  const evidence = new Map<string, { readonly what: string; readonly path: string }[]>();
  const addEvidence = (ns: string, o: ApiObject) => evidence.set(ns, [...(evidence.get(ns) ?? []), { what: `${o.kind} ${o.node.path}`, path: o.node.path }]);
  for (const c of chart.node.findAll()) {
    if (!(c instanceof ApiObject)) continue;
    const ns = c.metadata.namespace;
    if (ns !== undefined) {
      used.add(ns);
      const gk = groupKind(c);
      // Objects below a registered data holder are named by the holder (see holds()): no need to resolve them.
      const underHolder = () => tiers._data(ns).some((h) => c.node.path.startsWith(`${h.node.path}/`));
      if (DATA_KINDS.has(gk) || (gk === 'apps/StatefulSet' && !underHolder() && claimsVolumes(c))) addEvidence(ns, c);
    }
    if (c.kind === 'Namespace' && c.apiVersion === 'v1' && c.metadata.name !== undefined) created.set(c.metadata.name, c);
  }
  // A registered holder is named once, not with every claim-bearing object below it.
  const holds = (ns: string): readonly string[] => {
    const holders = tiers._data(ns);
    const own = (evidence.get(ns) ?? []).filter((e) => !holders.some((h) => e.path.startsWith(`${h.node.path}/`)));
    return [...holders.map((h) => `${h.constructor.name} ${h.node.path}`), ...own.map((e) => e.what)];
  };

  const byName = new Map<string, TieredNamespace>();
  overrides.forEach((o, i) => {
    const data = holds(o.namespace);
    if (data.length > 0 && !o.tier.stateful) {
      fail(where, `namespaces[${i}].tier`, o.tier.name, prunedMessage(o.namespace, o.tier, data));
    }
    // Duplicates are reported by planDeliveryGroups with their index.
    if (!byName.has(o.namespace)) byName.set(o.namespace, o);
  });
  const derived: TieredNamespace[] = [];
  for (const ns of [...new Set([...created.keys(), ...used])].sort()) {
    if (byName.has(ns)) continue;
    const data = holds(ns);
    const declared = tiers._declared(ns);
    const label = created.get(ns)?.metadata.getLabel(LABEL_TIER);
    if (declared) {
      if (data.length > 0 && !declared.tier.stateful) fail(declared.scope, declared.field, declared.tier.name, prunedMessage(ns, declared.tier, data));
      derived.push({ namespace: ns, tier: declared.tier });
      continue;
    }
    if (label !== undefined) {
      const tier = NamespaceTier.fromName(label);
      const object = created.get(ns)!;
      if (!tier) fail(object, `metadata.labels["${LABEL_TIER}"]`, label, 'must be one of system, tenant, observability, data, app');
      if (data.length > 0 && !tier.stateful) fail(object, `metadata.labels["${LABEL_TIER}"]`, label, prunedMessage(ns, tier, data));
      derived.push({ namespace: ns, tier });
      continue;
    }
    const suggested = tiers._suggested(ns);
    if (suggested && (suggested.tier.stateful || data.length === 0)) {
      derived.push({ namespace: ns, tier: suggested.tier, ...(suggested.group !== undefined ? { group: suggested.group } : {}) });
      continue;
    }
    derived.push({ namespace: ns, tier: data.length > 0 ? NamespaceTier.data() : created.has(ns) ? NamespaceTier.app() : NamespaceTier.system() });
  }
  return [...overrides, ...derived].sort((a, b) => (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0));
}

function prunedMessage(ns: string, tier: NamespaceTier, data: readonly string[]): string {
  return `namespace "${ns}" holds data (${data.join(', ')}), and tier "${tier.name}" is not stateful: Argo CD and Flux would prune it and cascade-delete its data; use NamespaceTier.data() (or another stateful tier), or leave the tier out to have it derived`;
}
