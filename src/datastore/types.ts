import { IConstruct } from 'constructs';
import { endpointUrl, literalEnv } from '../core/encoders';
import type { EndpointAuth, EndpointProps, EndpointProtocol, EndpointTls } from '../core/endpoint';
import { IWorkload, WorkloadPort } from '../core/connections';
import { ResourceDefaults } from '../core/environment-profile';
import { AlertRule } from '../core/monitoring-registry';
import type { RecoveryPlan } from '../core/recovery-registry';
import { DocObject } from '../core/documents';

/** Cluster DNS suffix used in pod FQDNs (replication peers, seed hosts). */
export const CLUSTER_DOMAIN = 'cluster.local';

/** Resources of exporter and helper sidecars: small and fixed, they do not scale with the datastore. */
export const SIDECAR_RESOURCES: ResourceDefaults = {
  requests: { cpu: '10m', memory: '32Mi' },
  limits: { memory: '128Mi' },
};

/** Where a datastore writes its backups: parsed from `s3://bucket/prefix` and made unique per datastore. */
export interface BackupTarget {
  readonly bucket: string;
  /** Object prefix of this datastore's backups (`<destination prefix>/<namespace>/<name>`), no leading or trailing slash. */
  readonly prefix: string;
  /** S3 endpoint host (no scheme). */
  readonly endpoint: string;
  readonly retentionDays: number;
  /** Secret holding AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY for the object store. */
  readonly credentialsSecret: string;
  /** Cron schedule (five fields, UTC) of the engine's dump or base backup. */
  readonly schedule: string;
  /** Cron schedule of the Velero volume snapshots. */
  readonly veleroSchedule: string;
}

/** Where a datastore restores from: another environment's backups of this datastore (`<from>/<namespace>/<name>/`). */
export interface RestoreSource {
  readonly bucket: string;
  /** Object prefix of this datastore's backups in the source, no leading or trailing slash (the backup layout). */
  readonly prefix: string;
  /** S3 endpoint host (no scheme); `storage.googleapis.com` for `gs://` sources (S3 interoperability, HMAC keys). */
  readonly endpoint: string;
  /** Secret holding the (read-only) AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY of the source bucket. */
  readonly credentialsSecret: string;
}

/**
 * How an engine restores its newest backup. The datastore adds a first step (MinIO client) that finds the newest
 * backup object matching `objectPattern`: in `init` mode it downloads it into `/restore` (only when `skipWhen` is
 * false), in `job` mode it writes the object's name (without a trailing `/`) to `/restore/latest`.
 */
export interface RestorePlan {
  /**
   * `init`: containers run before the engine on the main role's pods, so a fresh volume is filled before the
   * server starts. `job`: a one-off Job `<name>-restore` that restores through the running server.
   */
  readonly mode: 'init' | 'job';
  /**
   * The engine's backup objects in the source prefix (names sort by timestamp): a literal start, e.g. the datastore's
   * name and a dash, given to the script as data, and a shell `case` pattern for the rest (code of the engine, e.g.
   * `*Z/`). The script matches `"$OBJECT_PREFIX"<objectPattern>`.
   */
  readonly objectPrefix: string;
  readonly objectPattern: string;
  /** init mode: shell condition that is true when this pod must not restore (its volume holds data, or it is not the seed pod). */
  readonly skipWhen?: string;
  /** Extra env of the fetch step, for `skipWhen` (e.g. the pod name of a plan that restores on one ordinal). @default [] */
  readonly fetchEnv?: DocObject[];
  /** init mode: where the `data` volume is mounted, so the fetch step can evaluate `skipWhen`. */
  readonly dataMountPath?: string;
  /** Containers run after the fetch step (`/restore` is mounted in each; `/tmp` too). */
  readonly steps: DocObject[];
  /**
   * Whether the datastore's fetch step (MinIO client) runs first. False when the engine reads the source itself
   * (Elasticsearch registers it as a read-only snapshot repository).
   * @default true
   */
  readonly fetch?: boolean;
}

/** Everything an engine needs to know about the datastore it renders. Resolved once by StatefulDatastore. */
export interface EngineContext {
  /** Construct path of the datastore (or the path given in tests): errors of engine hooks name it. */
  readonly path: string;
  readonly name: string;
  readonly namespace: string;
  /** Pods of the main (data) role. */
  readonly replicas: number;
  /** True when the profile asks for high availability: replication, quorum, spread, PDB. */
  readonly highAvailability: boolean;
  /** Headless Service every StatefulSet of the datastore uses as `serviceName`. */
  readonly headlessService: string;
  /** Secret (written by the credentials ExternalSecret) holding the engine's credential keys. */
  readonly credentialsSecret: string;
  /** Remote key (secret store) of the credential keys: `credentialsRemoteKey` prop or `<namespace>/<name>`. */
  readonly credentialsRemoteKey: string;
  /** ConfigMap holding the engine's configuration files. */
  readonly configMap: string;
  readonly resources: ResourceDefaults;
  /** Volume size of the main role (a quantity). */
  readonly storageSize: string;
  /** StorageClass of every claim. */
  readonly storageClass: string;
  /** Set when backups are enabled. */
  readonly backup?: BackupTarget;
  /** Set when the datastore restores from (or, for engines that can, follows) another environment's backups. */
  readonly restore?: RestoreSource;
  /**
   * DR failover declared (`backups.promote` or `restore.promote`): a datastore that follows `restore` continuously
   * stops following it and becomes a primary.
   */
  readonly promote: boolean;
  /** FQDN of pod `ordinal` of the StatefulSet `<name><suffix>`. */
  podFqdn(suffix: string, ordinal: number): string;
  /** FQDN of a Service of the datastore (`<name>`, `<name>-read`, ...). */
  serviceFqdn(service: string): string;
}

/** One StatefulSet of a datastore (a "role": primary, read replicas, sentinels, keepers, ...). */
export interface RoleSpec {
  /** Appended to the datastore name for the StatefulSet name ('' for the main role). */
  readonly suffix: string;
  /** `app.kubernetes.io/component` of the role's pods; part of the StatefulSet selector, so never change it. */
  readonly component: string;
  readonly replicas: number;
  /** The role votes (Sentinel, Keeper, ES masters, MinIO erasure sets): its PDB keeps a majority. */
  readonly quorum: boolean;
  readonly podManagementPolicy: 'OrderedReady' | 'Parallel';
  /** Non-root uid the image supports; also the gid and fsGroup. */
  readonly uid: number;
  /** Volume size of the role's `data` claim; undefined = no persistent volume (e.g. Sentinel). */
  readonly storageSize?: string;
  readonly containers: DocObject[];
  readonly initContainers?: DocObject[];
  readonly volumes?: DocObject[];
  /** Ports of the role's pods, published by the headless Service. */
  readonly ports: readonly WorkloadPort[];
  /** Pods expose the engine's metrics port. */
  readonly metrics: boolean;
  /** @default 60 */
  readonly terminationGracePeriodSeconds?: number;
}

/** The backup of one engine: steps that dump (or trigger a server-side backup), then an optional upload. */
export interface BackupPlan {
  /** Containers run in order; files they write to `/backup` are uploaded when `upload` is true. */
  readonly steps: DocObject[];
  /**
   * Whether the uploader copies `/backup` to the object store and deletes objects older than the retention.
   * False when the engine manages retention itself (Elasticsearch snapshots).
   */
  readonly upload: boolean;
}

/** One endpoint an engine offers (see {@link EngineDefinition.endpoints}); the host is the FQDN of `service`. */
export interface EngineEndpoint {
  readonly name: string;
  /** Service clients connect to (`<name>`, `<name>-read`, ...). */
  readonly service: string;
  readonly port: WorkloadPort;
  readonly protocol: EndpointProtocol;
  readonly tls: EndpointTls;
  readonly auth: EndpointAuth;
  /** Per-client credentials (see {@link EndpointProps.clientCredential}); required when `auth` has no shared credential. */
  readonly clientCredential?: EndpointProps['clientCredential'];
  /** Every port a client of this endpoint connects to. @default - [port] */
  readonly clientPorts?: readonly WorkloadPort[];
  /** Facts a client needs beside host and port (e.g. `masterSet`). @default {} */
  readonly attributes?: Readonly<Record<string, string>>;
}

/** A client Service of an engine: a ClusterIP Service selecting the datastore's pods of one component. */
export interface EngineService {
  /** Service name: `<name>` (construct id `Service`), `<name>-read` (`ReadService`) or `<name>-<x>` (`Service-<x>`). */
  readonly name: string;
  /** Selects only pods of this component. @default - every member pod of the datastore */
  readonly component?: string;
  readonly ports: readonly WorkloadPort[];
}

/** The engine's metrics endpoint (an exporter sidecar or a native endpoint). */
export interface MetricsEndpoint {
  readonly port: WorkloadPort;
  readonly path: string;
}

/** Reports an input error of the engine's options on the datastore construct. */
export type EngineFail = (field: string, value: unknown, allowed: string) => never;

/**
 * What one engine contributes. Engines are data plus small functions of the context: StatefulDatastore owns
 * everything generic (names, labels, security, services, policies, guards) and never branches on the engine.
 */
export interface EngineDefinition {
  /** Short engine id used in labels, names of alerts and messages (e.g. `postgresql`). */
  readonly id: string;
  /**
   * Cluster add-ons (names of the add-on catalog, `AddOn.name`) that must run for an in-cluster datastore of the
   * engine, e.g. `['cloudnative-pg']` or `['strimzi']`: an environment without `profile.addOns` derives them. Add-ons
   * needed only by some objects (the Barman Cloud plugin for an `ObjectStore`) follow from the kinds emitted.
   * @default [] - plain Kubernetes objects only
   */
  readonly requires?: readonly string[];
  /** Human-readable name for messages and docs. */
  readonly displayName: string;
  readonly version: string;
  /** Smallest volume the engine runs on. */
  readonly minStorage: string;
  /** Fewest data pods that make the engine highly available. */
  readonly minHaReplicas: number;
  /** Data pods when the profile asks for HA and the datastore sets no replicas. */
  readonly defaultHaReplicas: number;
  /** Smallest memory limit the engine starts with (JVM heaps); the profile's limit is raised to it. */
  readonly minMemory?: string;
  /** Keys of the credentials secret; empty when the engine has no credentials. */
  readonly credentialKeys: readonly string[];
  /** Ports clients may reach. */
  clientPorts(ctx: EngineContext): WorkloadPort[];
  /** Ports the datastore's own pods use between themselves (replication, gossip, quorum). */
  peerPorts(ctx: EngineContext): WorkloadPort[];
  /**
   * What clients may connect to (the contract of issue 11): one entry per client-facing endpoint. `credentialRemoteKey`
   * is the datastore's credentials key in the secret store (`credentialsRemoteKey` prop or `<namespace>/<name>`).
   * @default - one plain-text endpoint per client port, named after the port, with password auth on the first
   * credential key when the engine has credentials
   */
  endpoints?(ctx: EngineContext, credentialRemoteKey: string): EngineEndpoint[];
  /** The client Service selects only pods of this component (e.g. the PostgreSQL primary). @default all pods */
  readonly clientComponent?: string;
  /**
   * The client Services, when the engine needs other than `<name>` (all client ports, `clientComponent`) and
   * `<name>-read` (`readComponent`); e.g. Redis routes `<name>` to a master-only proxy and offers `<name>-sentinel`.
   * @default - `<name>` and, when pods of `readComponent` exist, `<name>-read`
   */
  services?(ctx: EngineContext): EngineService[];
  /** A read Service `<name>-read` selecting this component, when there are pods of it. */
  readonly readComponent?: string;
  readonly metrics?: MetricsEndpoint;
  /** Checks engine options against the resolved context. */
  validate(ctx: EngineContext, fail: EngineFail): void;
  /** ConfigMap data (files and scripts). */
  config(ctx: EngineContext): Record<string, string>;
  roles(ctx: EngineContext): RoleSpec[];
  /** Undefined when no dump tool exists (volume snapshots by Velero only). */
  backup?(ctx: EngineContext, backup: BackupTarget): BackupPlan;
  /** What `backup` writes, for the recovery report and messages (`RDB snapshot`, `Elasticsearch snapshot`). @default 'dump' */
  readonly backupMethod?: string;
  /**
   * What the engine's own mechanisms achieve (PostgreSQL: continuous WAL archiving; a DR replica following its
   * source), counted with the dump schedule and the Velero snapshots when the recovery objectives are checked.
   * @default - none: the dump CronJob and the Velero snapshots are the plans
   */
  recoveryPlans?(ctx: EngineContext): RecoveryPlan[];
  /**
   * The engine writes to `ctx.backup` itself (CloudNativePG's Barman Cloud plugin): the backup credentials are
   * emitted without a dump CronJob.
   */
  readonly objectStoreBackups?: boolean;
  /**
   * The engine restores from `ctx.restore` itself (CloudNativePG: a replica cluster of the source's WAL archive,
   * or `bootstrap.recovery`): no {@link restore} plan, no fetch step.
   */
  readonly nativeRestore?: boolean;
  /** One line saying how this datastore is restored (environment README). @default - from the restore plan's mode */
  restorePath?(ctx: EngineContext): string;
  /** Restores the newest backup written by `backup` into a fresh datastore. Undefined when the engine cannot (Velero only). */
  restore?(ctx: EngineContext, source: RestoreSource): RestorePlan;
  rules(ctx: EngineContext, selector: string): AlertRule[];
  /** Extra objects (cert-manager certificates, operator resources); gets the datastore construct as scope. */
  extraObjects?(scope: IConstruct, ctx: EngineContext, common: ExtraObjectContext): void;
  /** The engine is run by an operator (Strimzi): no StatefulSet, Services or NetworkPolicy of ours. */
  readonly operatorManaged?: boolean;
  /** Pod labels that select the datastore's pods when an operator names them. @default selectorLabels(name) */
  podSelector?(ctx: EngineContext): Record<string, string>;
  /** Operator mode: labels of the pods the PodMonitor scrapes (the metrics port's pods). @default podSelector */
  metricsPodSelector?(ctx: EngineContext): Record<string, string>;
  /** Regular expression of the names of the datastore's claims (volume alert). @default `data-<name>(-[a-z]+)?-[0-9]+` */
  claimPattern?(ctx: EngineContext): string;
}

/** Helpers the datastore hands to `extraObjects` so engines label and protect their objects the same way. */
export interface ExtraObjectContext {
  readonly labels: Record<string, string>;
  /** Annotations of objects Argo CD must never prune or delete (empty unless the profile protects state). */
  readonly protectAnnotations: Record<string, string>;
  /** Ports of the clients allowed in, computed at synth from the connection graph. */
  clientPeers(): DocObject[];
  /** The clients of the datastore in the connection graph (known at synth). */
  clients(): IWorkload[];
  readonly pullPolicy: string;
  /** The datastore's key in the secret store (`credentialsRemoteKey` or `<namespace>/<name>`). */
  readonly credentialRemoteKey: string;
}

/** Container resources as Kubernetes JSON. */
export function resourcesJson(r: ResourceDefaults): DocObject {
  const limits: Record<string, string> = { memory: r.limits.memory };
  if (r.limits.cpu !== undefined) limits.cpu = r.limits.cpu;
  return { requests: { cpu: r.requests.cpu, memory: r.requests.memory }, limits };
}

/** An env var read from a key of a Secret. */
export function secretEnv(name: string, secret: string, key: string = name): DocObject {
  return { name, valueFrom: { secretKeyRef: { name: secret, key } } };
}

/** A plain env var: the container sees exactly `value` (Kubernetes' `$(...)` expansion cannot touch it). */
export function env(name: string, value: string): DocObject {
  return literalEnv(name, value);
}

/**
 * Where a backup writes, as environment variables of its scripts (never part of their text): the endpoint's URL, the
 * bucket and the prefix (`<destination prefix>/<namespace>/<name>`).
 */
export function backupTargetEnv(b: BackupTarget): DocObject[] {
  return [env('BACKUP_ENDPOINT_URL', endpointUrl(b.endpoint)), env('BACKUP_BUCKET', b.bucket), env('BACKUP_PREFIX', b.prefix)];
}

/**
 * Where a restore reads from, as environment variables of its scripts (never part of their text): the endpoint's
 * URL, the bucket and the prefix.
 */
export function restoreSourceEnv(source: RestoreSource): DocObject[] {
  return [env('SOURCE_ENDPOINT_URL', endpointUrl(source.endpoint)), env('SOURCE_BUCKET', source.bucket), env('SOURCE_PREFIX', source.prefix)];
}

/** A container port entry. */
export function containerPort(p: WorkloadPort): DocObject {
  return { name: p.name, containerPort: p.port, protocol: p.protocol ?? 'TCP' };
}

/** Probe timings: readiness reacts fast, liveness is patient (a busy database is not a dead one). */
export function probes(handler: DocObject, startupSeconds = 600): DocObject {
  return {
    startupProbe: { ...handler, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: Math.ceil(startupSeconds / 10) },
    readinessProbe: { ...handler, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
    livenessProbe: { ...handler, periodSeconds: 20, timeoutSeconds: 10, failureThreshold: 6 },
  };
}

/**
 * Probes of an exporter sidecar on its metrics port. Readiness asks the exporter's HTTP endpoint (`path`); liveness
 * only checks that the port accepts connections, so a database outage (which makes some exporters' endpoints fail)
 * never restarts the exporter, and the two probes differ.
 */
export function exporterProbes(path: string, port: string): DocObject {
  return {
    readinessProbe: { httpGet: { path, port }, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 },
    livenessProbe: { tcpSocket: { port }, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 4 },
  };
}

/** An exec probe handler running a shell snippet (engines' CLIs need the password from the environment). */
export function execShell(script: string): DocObject {
  return { exec: { command: ['sh', '-c', script] } };
}

/** An emptyDir volume and where it is mounted: writable scratch space under a read-only root filesystem. */
export function scratch(name: string, mountPath: string, sizeLimit = '256Mi'): { volume: DocObject; mount: DocObject } {
  return { volume: { name, emptyDir: { sizeLimit } }, mount: { name, mountPath } };
}

/** A volume of some keys of the datastore's ConfigMap. */
export function configVolume(volumeName: string, configMap: string, keys: ReadonlyArray<string | [string, string]>, mode = 0o444): DocObject {
  return {
    name: volumeName,
    configMap: {
      name: configMap,
      defaultMode: mode,
      items: keys.map((k) => (typeof k === 'string' ? { key: k, path: k } : { key: k[0], path: k[1] })),
    },
  };
}

/** Majority of `n` voters. */
export function majority(n: number): number {
  return Math.floor(n / 2) + 1;
}

/** The usual runbook location of an alert. */
export function runbook(alert: string): string {
  return `https://runbooks.platform.example.com/datastores/${alert.toLowerCase()}`;
}

/**
 * The "datastore is down" rule every engine has: critical after 1 minute of `metric == 0` on its pods.
 * `metric` is the exporter's own up-metric (pg_up, redis_up, ...) or Prometheus's `up` for native endpoints.
 */
export function downRule(
  alert: string,
  engineName: string,
  ctx: { readonly namespace: string; readonly name: string },
  metric: string,
  sel: string,
  description: string,
): AlertRule {
  return {
    alert,
    expr: `${metric}{${sel}} == 0`,
    for: '1m',
    severity: 'critical',
    summary: `${engineName} ${ctx.namespace}/${ctx.name} is down`,
    description,
    runbookUrl: runbook(alert),
  };
}
