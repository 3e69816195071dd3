/**
 * The delivery model: an environment's dist/ folder split into groups, each applied by one Argo CD Application
 * (or Flux Kustomization) in a sync wave. The same model drives Argo CD, Flux and the delivery check.
 */
import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { fail } from '../core/errors';
import { isDns1123Label } from '../synth/schema-validator';
import { CLUSTER_CONFIG_DIR } from '../synth/synthesizer';

/** Folder of cluster-scoped objects inside an environment folder (same as the synthesizer's). */
export const CLUSTER_DIRECTORY = '_cluster';
/** Name and wave of the group that applies the cluster-scoped objects (Namespaces first of all). */
export const CLUSTER_GROUP = 'cluster';
export const CLUSTER_WAVE = 0;
/** Folder and group of cluster-scoped objects of CRD kinds (ClusterIssuers, ClusterSecretStores), applied after the add-ons. */
export const CLUSTER_CONFIG_DIRECTORY = CLUSTER_CONFIG_DIR;
export const CLUSTER_CONFIG_GROUP = 'cluster-config';
/** Group names of the cluster add-ons and their configuration, which no namespace group may take. */
const RESERVED_GROUPS: readonly string[] = ['add-ons', 'cluster-config'];
/** Label on a Namespace object that names its tier for {@link discoverNamespaces}. */
export const LABEL_TIER = 'platform.io/tier';

/**
 * What a namespace holds, which decides its sync wave: cluster-scoped objects (wave 0) create every namespace
 * first, then system and tenant namespaces, then observability, then datastores, then services.
 */
export class NamespaceTier {
  /** Platform plumbing (secret stores, ingress config): wave 1. */
  public static system(): NamespaceTier {
    return new NamespaceTier('system', 1, false);
  }
  /**
   * Namespaces of cluster add-ons (Velero's locations, the add-ons' own configuration): right after the add-ons,
   * with the cluster configuration. Relative wave 0 (see {@link planDeliveryGroups}).
   */
  public static addOns(): NamespaceTier {
    return new NamespaceTier('add-on', 0, false);
  }
  /** Tenant namespaces (quotas, limit ranges, role bindings): wave 1. */
  public static tenant(): NamespaceTier {
    return new NamespaceTier('tenant', 1, false);
  }
  /** The observability stack: wave 2, before the workloads it scrapes. Holds state (TSDB volumes). */
  public static observability(): NamespaceTier {
    return new NamespaceTier('observability', 2, true);
  }
  /** Datastores: wave 3, before the services that use them. Stateful. */
  public static data(): NamespaceTier {
    return new NamespaceTier('data', 3, true);
  }
  /** Services: wave 4, last. */
  public static app(): NamespaceTier {
    return new NamespaceTier('app', 4, false);
  }
  /** Any other tier. `wave` must be at least 1 (wave 0 creates the namespaces). */
  public static custom(name: string, wave: number, stateful: boolean): NamespaceTier {
    return new NamespaceTier(name, wave, stateful);
  }
  /** The tier named by a `platform.io/tier` label value, or undefined for an unknown name. */
  public static fromName(name: string): NamespaceTier | undefined {
    const known: Record<string, () => NamespaceTier> = {
      'add-on': NamespaceTier.addOns,
      system: NamespaceTier.system,
      tenant: NamespaceTier.tenant,
      observability: NamespaceTier.observability,
      data: NamespaceTier.data,
      app: NamespaceTier.app,
    };
    return known[name]?.();
  }
  private constructor(
    public readonly name: string,
    /** Sync wave (Argo CD annotation) / dependsOn order (Flux). */
    public readonly wave: number,
    /** Holds data: never pruned automatically where the sync policy protects state. */
    public readonly stateful: boolean,
  ) {}
}

/** One namespace of an environment and its tier. */
export interface TieredNamespace {
  readonly namespace: string;
  readonly tier: NamespaceTier;
  /**
   * Group (Application) that applies it; namespaces sharing a group are applied together and must share a tier.
   * @default - the namespace name (one Application per namespace)
   */
  readonly group?: string;
}

/** One unit of delivery: the folders one Application / Kustomization applies. */
export interface DeliveryGroup {
  /** DNS label; the Application is `<env>-<name>`. */
  readonly name: string;
  /** Folders relative to the environment folder (`_cluster` or namespace names). */
  readonly directories: readonly string[];
  /** Namespaces its namespaced objects live in (empty for the cluster group). */
  readonly namespaces: readonly string[];
  readonly wave: number;
  readonly stateful: boolean;
  /**
   * The only tool that can apply the group: its objects are all of that tool's own kinds (Argo CD AppProjects,
   * Flux Kustomizations). The other tool leaves such a group out, so its ordering never waits on objects it
   * cannot apply (a Flux-only cluster has no AppProject kind).
   * @default - any tool
   */
  readonly tool?: 'argocd' | 'flux';
}

/** Where the cluster add-ons go in the plan. */
export interface DeliveryPlanOptions {
  /**
   * Install layers of the environment's add-ons (Argo CD waves 1..n). Every namespace tier then moves n + 1
   * waves later, after the add-ons and the cluster configuration (wave n + 1).
   * @default 0 - no add-ons: the tiers keep their waves
   */
  readonly addOnLayers?: number;
  /** The environment has objects in `_cluster-config` (a group applies them in wave n + 1). @default false */
  readonly clusterConfig?: boolean;
}

/**
 * Turns a list of namespaces and tiers into delivery groups, sorted by wave then name. The cluster group
 * (`_cluster`, wave 0, stateful because it holds the Namespaces) always comes first; with add-ons, their layers
 * take waves 1..n, the cluster configuration and add-on namespaces wave n + 1, and every tier moves n + 1 later.
 * Throws a {@link PlatformConfigError} naming `scope` for a bad namespace, group or tier.
 */
export function planDeliveryGroups(scope: IConstruct | string, namespaces: readonly TieredNamespace[], options: DeliveryPlanOptions = {}): DeliveryGroup[] {
  const layers = options.addOnLayers ?? 0;
  const shift = layers > 0 ? layers + 1 : 0;
  const byGroup = new Map<string, { tier: NamespaceTier; namespaces: string[] }>();
  const seen = new Set<string>();
  namespaces.forEach((n, i) => {
    const field = `namespaces[${i}]`;
    if (!isDns1123Label(n.namespace)) {
      fail(scope, `${field}.namespace`, n.namespace, 'must be a DNS-1123 label (lowercase letters, digits and "-", at most 63 characters)');
    }
    if (seen.has(n.namespace)) fail(scope, `${field}.namespace`, n.namespace, 'each namespace may be listed once');
    seen.add(n.namespace);
    const addOnTier = n.tier.name === 'add-on' && n.tier.wave === 0;
    if (addOnTier && layers === 0) fail(scope, `${field}.tier`, n.tier.name, 'is for namespaces of cluster add-ons, and the environment has none');
    if (!addOnTier && (!Number.isInteger(n.tier.wave) || n.tier.wave < 1)) {
      fail(
        scope,
        `${field}.tier.wave`,
        n.tier.wave,
        `must be an integer of at least 1 (wave ${CLUSTER_WAVE} applies the cluster-scoped objects and creates the namespaces)`,
      );
    }
    const group = n.group ?? n.namespace;
    if (!isDns1123Label(group) || group === CLUSTER_GROUP) {
      fail(scope, `${field}.group`, group, `must be a DNS-1123 label other than "${CLUSTER_GROUP}" (reserved for the cluster-scoped objects)`);
    }
    if (RESERVED_GROUPS.includes(group) || group.startsWith('addon-')) {
      fail(
        scope,
        `${field}.group`,
        group,
        `must not be "${RESERVED_GROUPS.join('" or "')}" or start with "addon-": those names are the cluster add-ons' (Application <env>-addon-<name>, Kustomization <env>-add-ons); give the group another name`,
      );
    }
    const g = byGroup.get(group);
    if (!g) {
      byGroup.set(group, { tier: n.tier, namespaces: [n.namespace] });
      return;
    }
    if (g.tier.wave !== n.tier.wave || g.tier.stateful !== n.tier.stateful) {
      fail(scope, `${field}.tier`, n.tier.name, `namespaces of group "${group}" must share one tier; "${g.namespaces[0]}" is "${g.tier.name}"`);
    }
    g.namespaces.push(n.namespace);
  });
  const groups: DeliveryGroup[] = [{ name: CLUSTER_GROUP, directories: [CLUSTER_DIRECTORY], namespaces: [], wave: CLUSTER_WAVE, stateful: true }];
  if (options.clusterConfig) {
    groups.push({ name: CLUSTER_CONFIG_GROUP, directories: [CLUSTER_CONFIG_DIRECTORY], namespaces: [], wave: Math.max(shift, 1), stateful: false });
  }
  for (const [name, g] of byGroup) {
    const sorted = [...g.namespaces].sort();
    groups.push({ name, directories: sorted, namespaces: sorted, wave: g.tier.wave + shift, stateful: g.tier.stateful });
  }
  return groups.sort((a, b) => a.wave - b.wave || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The namespaces of an environment chart: those it creates (Namespace objects), each with the tier named by its
 * `platform.io/tier` label, else `defaultTier`; then those its objects live in without creating them (e.g.
 * tenant AppProjects in `argocd`), with `usedTier`. Call it after the environment's constructs were added.
 */
export function discoverNamespaces(
  chart: Chart,
  defaultTier: NamespaceTier = NamespaceTier.app(),
  usedTier: NamespaceTier = NamespaceTier.system(),
): TieredNamespace[] {
  const created = new Map<string, NamespaceTier>();
  const used = new Set<string>();
  for (const c of chart.node.findAll()) {
    if (!(c instanceof ApiObject)) continue;
    if (c.metadata.namespace !== undefined) used.add(c.metadata.namespace);
    if (c.kind !== 'Namespace' || c.apiVersion !== 'v1' || c.metadata.name === undefined) continue;
    const label = c.metadata.getLabel(LABEL_TIER);
    const tier = label === undefined ? defaultTier : NamespaceTier.fromName(label);
    if (!tier) {
      fail(c, `metadata.labels["${LABEL_TIER}"]`, label, 'must be one of add-on, system, tenant, observability, data, app');
    }
    created.set(c.metadata.name, tier);
  }
  const out: TieredNamespace[] = [...created].map(([namespace, tier]) => ({ namespace, tier }));
  for (const namespace of used) if (!created.has(namespace)) out.push({ namespace, tier: usedTier });
  return out.sort((a, b) => (a.namespace < b.namespace ? -1 : 1));
}
