/**
 * The environment model. Everything that differs between development, staging, production and dr is data in
 * an {@link EnvironmentProfile}; constructs read resolved values from it and never test an environment's name.
 */
import type { AddOn } from '../addons/add-on';
import type { ApiServerAddress, ClusterServicesOverrides } from './cluster-services';
import type { DeliveryDefaults } from '../gitops/sync-policy';
import type { TrafficLayer } from './traffic-layer';

/** Which image references an environment accepts. */
export class ImagePolicy {
  /** Any tag, including `latest` (development only). Pull policy Always, so moving tags are refreshed. */
  public static anyTag(): ImagePolicy {
    return new ImagePolicy(false, false, 'Always');
  }
  /** A pinned tag or a digest; `latest` and untagged images are rejected. */
  public static pinnedTag(): ImagePolicy {
    return new ImagePolicy(true, false, 'IfNotPresent');
  }
  /** Only `repository@sha256:...` references (production-grade supply chain). */
  public static digestOnly(): ImagePolicy {
    return new ImagePolicy(true, true, 'IfNotPresent');
  }
  private constructor(
    /** Reject `latest` and untagged references. */
    public readonly forbidLatest: boolean,
    /** Accept only digest references. */
    public readonly requireDigest: boolean,
    /** imagePullPolicy written on every container. */
    public readonly pullPolicy: 'Always' | 'IfNotPresent',
  ) {}
}

/** How workloads are registered with Prometheus. */
export class MonitoringMode {
  /** The cluster runs prometheus-operator (kube-prometheus-stack): emit ServiceMonitor/PodMonitor/PrometheusRule. */
  public static operator(): MonitoringMode {
    return new MonitoringMode('operator');
  }
  /** The platform runs its own Prometheus: scrape annotations and rule files in ConfigMaps. */
  public static standalone(): MonitoringMode {
    return new MonitoringMode('standalone');
  }
  private constructor(public readonly kind: 'operator' | 'standalone') {}
  public get usesOperator(): boolean {
    return this.kind === 'operator';
  }
}

/** Default container resources of an environment. */
export interface ResourceDefaults {
  readonly requests: { readonly cpu: string; readonly memory: string };
  /** CPU limit is optional (throttling hurts latency); memory limit is always set. */
  readonly limits: { readonly cpu?: string; readonly memory: string };
}

/** Where the environment's manifests are applied. */
export interface ClusterTarget {
  /** Cluster name as registered in Argo CD. */
  readonly name: string;
  /** API server URL (Argo CD destination.server). */
  readonly server: string;
  readonly region: string;
  /**
   * CIDRs pods get their IPs from. Lets the isolation checks prove that an ipBlock egress rule (to a managed
   * database's subnet) cannot reach another tenant's pods.
   * @default - unknown: any ipBlock in a tenant policy is treated as possibly reaching pods
   */
  readonly podCidrs?: readonly string[];
  /**
   * Where pods reach the Kubernetes API server: NetworkPolicies of pods that call the API open egress to it, and
   * the flow proof checks every such pod against it.
   * @default - cidrs ['0.0.0.0/0'], ports 443 and 6443 (see DEFAULT_API_SERVER_CIDRS, DEFAULT_API_SERVER_PORTS)
   */
  readonly apiServer?: ApiServerAddress;
  /** CIDRs of the nodes (Prometheus scrapes the kubelets on 10250). @default ['0.0.0.0/0'] (DEFAULT_NODE_CIDRS) */
  readonly nodeCidrs?: readonly string[];
  /**
   * The Kubernetes version the cluster runs, `1.<minor>` or `1.<minor>.<patch>`, 1.27 or later (the manifests use the
   * Kubernetes 1.27 API, which later clusters still serve). Synth checks it against the `kubeVersion` of every
   * add-on's chart (Helm refuses a chart whose constraint excludes the cluster) and against the API versions
   * removed up to it (API_REMOVALS).
   * @default DEFAULT_KUBERNETES_VERSION ('1.27', the API the manifests use) - declare the version the cluster runs:
   * charts such as CloudNativePG need a newer one
   */
  readonly kubernetesVersion?: string;
}

/** Autoscaling defaults for services that enable an HPA. */
export interface AutoscalingDefaults {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly cpuUtilization: number;
  readonly memoryUtilization: number;
}

export interface StorageDefaults {
  /** StorageClass for every PersistentVolumeClaim unless a construct overrides it. */
  readonly storageClass: string;
  /** Volume size when a datastore does not set one. */
  readonly defaultSize: string;
}

/** Cron schedule of database dumps when `backups.schedule` is not set. */
export const DEFAULT_BACKUP_SCHEDULE = '0 3 * * *';
/** Days a database backup is kept when `backups.retentionDays` is not set. */
export const DEFAULT_BACKUP_RETENTION_DAYS = 7;
/** Cron schedule of Velero volume snapshots when `backups.veleroSchedule` is not set. */
export const DEFAULT_VELERO_SCHEDULE = '0 2 * * *';

/** Backups of an environment. With `enabled: false` nothing else is needed. */
export interface BackupDefaults {
  /** Backups (dump CronJobs and Velero schedules) are emitted only when true. */
  readonly enabled: boolean;
  /** Cron schedule of database dumps. @default DEFAULT_BACKUP_SCHEDULE */
  readonly schedule?: string;
  /** Days a database backup is kept. @default DEFAULT_BACKUP_RETENTION_DAYS */
  readonly retentionDays?: number;
  /**
   * Object-storage URL backups are written to (`s3://bucket/prefix`). Required while backups are enabled: a
   * datastore to back up without it is an error naming the datastore.
   * @default - none
   */
  readonly destination?: string;
  /** Velero volume snapshot schedule. @default DEFAULT_VELERO_SCHEDULE */
  readonly veleroSchedule?: string;
  /**
   * Not read by the library: Velero keeps a datastore's snapshots `retentionDays` (a datastore sets its own with
   * `backup.veleroTtl`). Accepted so that profiles written before stay valid.
   * @default - unused
   */
  readonly veleroTtl?: string;
  /**
   * Object-storage URL of another environment's backups (`s3://bucket[/prefix]` or `gs://bucket[/prefix]`, the
   * other environment's `destination`): in-cluster datastores whose volume is still empty restore the newest
   * backup found below `<restoreFrom>/<namespace>/<name>/` (disaster recovery). Datastores override it with `restore`.
   * @default - no restore: new volumes start empty
   */
  readonly restoreFrom?: string;
  /**
   * Disaster-recovery failover: datastores that follow `restoreFrom` continuously (PostgreSQL replica clusters of
   * the source's WAL archive) stop following it and become primaries. The one declared change of a failover.
   * @default false - DR copies keep following their source
   */
  readonly promote?: boolean;
}

/**
 * What an environment promises about a disaster (the seeds: RPO 15 minutes, RTO 1 hour for production). Every
 * datastore's backup plan is checked against the RPO at synth; the RTO is stated beside what each engine's restore
 * path takes (docs/stateful-datastore.md), since no synth can measure a restore.
 */
export interface RecoveryObjectives {
  /** Recovery point objective: the most recent writes a disaster may lose, a duration such as `15m` or `1h`. */
  readonly rpo: string;
  /** Recovery time objective: how long restoring service may take, a duration such as `1h`. */
  readonly rto: string;
}

export interface MonitoringDefaults {
  readonly mode: MonitoringMode;
  /** Namespace of the monitoring stack (allowed to scrape every metrics port). */
  readonly namespace: string;
  /** Prometheus TSDB retention time (Prometheus duration) and size. */
  readonly retention: string;
  readonly retentionSize: string;
  readonly scrapeInterval: string;
}

/**
 * The Ingress settings profiles had before `traffic`.
 * @deprecated use `traffic: TrafficLayer.ingress({ className, controllerNamespace })`
 */
export interface IngressDefaults {
  readonly className: string;
  /** Namespace of the ingress controller, allowed into exposed services. */
  readonly controllerNamespace: string;
}

export interface SecretStoreRef {
  readonly kind: 'ClusterSecretStore' | 'SecretStore';
  readonly name: string;
  /** How often External Secrets re-reads remote values. */
  readonly refreshInterval: string;
}

/**
 * What the cluster provides outside dist/ (installed with the cluster, by the cloud, or by hand): references from
 * the environment's objects to these resolve, and dist/<env>/README.md lists them as prerequisites.
 */
export interface ClusterProvides {
  /** StorageClasses claims and volume claim templates may name besides `storage.storageClass` (always provided). @default none */
  readonly storageClasses?: readonly string[];
  /** PriorityClasses pods may name (besides the built-in system-cluster-critical and system-node-critical). @default none */
  readonly priorityClasses?: readonly string[];
  /** IngressClasses not created by an add-on. @default none */
  readonly ingressClasses?: readonly string[];
  /** GatewayClasses not created by an add-on. @default none */
  readonly gatewayClasses?: readonly string[];
  /** ClusterIssuers not created by the cert-manager add-on. @default none */
  readonly clusterIssuers?: readonly string[];
  /** ClusterSecretStores not created by the External Secrets add-on. @default none */
  readonly clusterSecretStores?: readonly string[];
  /**
   * Kinds the cluster serves without an add-on of this environment, as `<group>/<Kind>` (e.g. GKE's
   * `autoscaling.k8s.io/VerticalPodAutoscaler`). @default none
   */
  readonly kinds?: readonly string[];
  /** Other objects created outside dist/, as `<Kind>/<namespace>/<name>` (`<Kind>/<name>` when cluster-scoped). @default none */
  readonly objects?: readonly string[];
  /** Anything else the environment needs from the cluster, one line each, for the README. @default none */
  readonly notes?: readonly string[];
}

/** The data that makes one environment differ from another. */
export interface EnvironmentProfile {
  /** Environment name: the `dist/<name>` folder and the `platform.io/environment` label. A DNS-1123 label. */
  readonly name: string;
  readonly cluster: ClusterTarget;
  /** Base DNS domain; services are exposed as `<host>.<domain>`. */
  readonly domain: string;
  /** Replicas of a service that sets none and has no autoscaler. */
  readonly replicas: number;
  /** Spread over zones and nodes, PDBs, HA datastores. */
  readonly highAvailability: boolean;
  readonly resources: ResourceDefaults;
  readonly autoscaling: AutoscalingDefaults;
  readonly storage: StorageDefaults;
  /**
   * cert-manager ClusterIssuer of the certificates of exposed hosts (Gateway listeners, Ingress TLS). Where it is set
   * the environment requires TLS: every exposed host is served over HTTPS and plain HTTP only redirects (the policy
   * gate checks it). Undefined means no TLS.
   */
  readonly tlsIssuer?: string;
  readonly imagePolicy: ImagePolicy;
  readonly secretStore: SecretStoreRef;
  readonly backups: BackupDefaults;
  /**
   * Recovery objectives of the environment's datastores. A datastore whose backup plan cannot meet the RPO fails
   * synth where `enforcePolicies` is true (a warning elsewhere); a datastore may declare its own objective with a
   * reason (`StatefulDatastoreProps.recovery`).
   * @default - none declared: nothing is checked, the README still lists what each plan achieves
   */
  readonly recoveryObjectives?: RecoveryObjectives;
  readonly monitoring: MonitoringDefaults;
  /**
   * How traffic from outside reaches exposed services: Gateway API or Ingress (see `trafficOf`).
   * @default - TrafficLayer.gatewayApi() (Ingress from `ingress` when a profile still sets it)
   */
  readonly traffic?: TrafficLayer;
  /**
   * Ingress class and controller namespace.
   * @deprecated use `traffic: TrafficLayer.ingress({ className, controllerNamespace })`; kept so that profiles
   * written before `traffic` keep their Ingresses. Not together with `traffic`.
   * @default - none: the traffic layer is `traffic`
   */
  readonly ingress?: IngressDefaults;
  /** Argo CD must never prune or delete stateful resources (PVC-bearing kinds, namespaces). */
  readonly protectStatefulResources: boolean;
  /** Policy violations fail synth (true) or are reported as warnings (false). */
  readonly enforcePolicies: boolean;
  /**
   * Digest pins, `repository:tag` → `sha256:<64 hex>`: synth rewrites every container image `repository:tag`
   * found here to `repository:tag@sha256:...` (the kbld / kustomize `images:` pattern), so third-party images that
   * constructs reference by tag satisfy a digest-only image policy. CI updates the table when it promotes images.
   * @default - no pins: images are written as given
   */
  readonly imageDigests?: Readonly<Record<string, string>>;
  /**
   * GitOps delivery: sync policy, clusters, prune guard (see src/gitops/sync-policy.ts).
   * @default - automated sync with prune and self-heal, on `cluster` only, no prune guard
   */
  readonly delivery?: DeliveryDefaults;
  /**
   * Cluster add-ons installed before the environment's objects, in dependency order (`AddOn.certManager(...)`,
   * ...), used exactly as listed. Every kind the environment emits must be served by one of them (or by
   * `clusterProvides.kinds`).
   * @default - derived from what the environment uses: defaultAddOns(profile) (cert-manager, External Secrets and
   * ingress-nginx without issuers or stores, Velero where backups are on), plus every catalog add-on serving a kind
   * the environment emits or that a construct requires, plus what those need, with default options (see
   * `environmentAddOns`)
   */
  readonly addOns?: readonly AddOn[];
  /**
   * What the cluster provides outside dist/ (storage classes, priority classes, ...).
   * @default - nothing: every reference must resolve inside the environment
   */
  readonly clusterProvides?: ClusterProvides;
  /**
   * Namespaces and pod labels of the platform components outside `dist/` (cluster DNS, Argo Rollouts controller,
   * Strimzi cluster operator, ingress controller, operator-mode Prometheus), per service.
   * @default - defaultClusterServices(profile) (src/cluster-services.ts)
   */
  readonly clusterServices?: ClusterServicesOverrides;
}
