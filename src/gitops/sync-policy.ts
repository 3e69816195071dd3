/**
 * How an environment is delivered by Argo CD or Flux: the sync policy and the clusters. This is profile data
 * (`EnvironmentProfile.delivery`), so environments differ only by data.
 */
import type { ClusterTarget, EnvironmentProfile } from '../core/environment-profile';

/** How the root application and the group applications of an environment are synced. */
export class SyncPolicy {
  /**
   * Everything automated with prune and self-heal: a file deleted from Git is deleted from the cluster.
   * For development and staging.
   */
  public static automated(): SyncPolicy {
    return new SyncPolicy('automated', true, true, false);
  }

  /**
   * Automated with self-heal, but groups that hold state (namespaces, datastores) are never pruned automatically:
   * removing a datastore from Git leaves it running and OutOfSync until someone prunes it by hand after review.
   * Stateless groups are pruned. For production.
   */
  public static automatedProtectingState(): SyncPolicy {
    return new SyncPolicy('automated-protecting-state', true, false, false);
  }

  /**
   * Nothing is applied until one deliberate sync of the root application (Argo CD) or one resume of the root
   * Kustomization (Flux); from then on the groups behave as {@link automatedProtectingState}. For dr: failover is
   * that one sync.
   */
  public static manualFailover(): SyncPolicy {
    return new SyncPolicy('manual-failover', true, false, true);
  }

  /** Every group is synced by hand (Argo CD) or suspended (Flux); the root keeps the group objects up to date. */
  public static manual(): SyncPolicy {
    return new SyncPolicy('manual', false, false, false);
  }

  private constructor(
    /** Name used in docs and messages. */
    public readonly kind: 'automated' | 'automated-protecting-state' | 'manual-failover' | 'manual',
    /** Group applications sync automatically (with self-heal). */
    public readonly groupsAutomated: boolean,
    /** Groups flagged stateful are pruned automatically too. */
    public readonly pruneStatefulGroups: boolean,
    /** The root application is manual (Argo CD) / suspended (Flux). */
    public readonly rootManual: boolean,
  ) {}

  /** Whether the group's removed resources are deleted automatically. */
  public prunes(stateful: boolean): boolean {
    return this.groupsAutomated && (!stateful || this.pruneStatefulGroups);
  }
}

/** Per-environment delivery data (optional field `delivery` of the environment profile). */
export interface DeliveryDefaults {
  /**
   * Sync policy of the root and group applications.
   * @default SyncPolicy.automated()
   */
  readonly syncPolicy?: SyncPolicy;
  /**
   * Clusters the environment is applied to. With more than one, every group becomes an Argo CD ApplicationSet
   * with a list generator over these clusters (Flux: apply the same `flux/<env>` folder on each cluster).
   * @default - [profile.cluster]
   */
  readonly clusters?: readonly ClusterTarget[];
  /**
   * Synth fails when a Namespace, StatefulSet, PVC-bearing resource or CRD-backed datastore would disappear from
   * this environment's dist/ folder, unless synth runs with `--allow-prune`.
   * @default false
   */
  readonly pruneGuard?: boolean;
}

/** Default sync policy of an environment that sets no `delivery`. */
export const DEFAULT_SYNC_POLICY = SyncPolicy.automated();
/** Default of `delivery.pruneGuard`. */
export const DEFAULT_PRUNE_GUARD = false;

/** Delivery settings of a profile with every default resolved. */
export interface ResolvedDelivery {
  readonly syncPolicy: SyncPolicy;
  readonly clusters: readonly ClusterTarget[];
  readonly pruneGuard: boolean;
}

/** Resolves `profile.delivery` against the defaults. */
export function resolveDelivery(profile: EnvironmentProfile): ResolvedDelivery {
  const d = profile.delivery ?? {};
  return {
    syncPolicy: d.syncPolicy ?? DEFAULT_SYNC_POLICY,
    clusters: d.clusters ?? [profile.cluster],
    pruneGuard: d.pruneGuard ?? DEFAULT_PRUNE_GUARD,
  };
}
