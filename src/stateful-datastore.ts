import { createHash } from 'crypto';
import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { ConnectionGraph, DNS_EGRESS_RULE, ExternalEndpoint, IWorkload, PEER_PORTS_ANNOTATION, WorkloadPort, WorkloadRef, peerOf, peersOf } from './connections';
import { Engine } from './datastore/engine';
import { MC_IMAGE } from './datastore/minio';
import { GCS_ENDPOINT, RESTORE_DIR, RESTORE_URL, restoreFetchContainer } from './datastore/restore';
import {
  BackupTarget, CLUSTER_DOMAIN, EngineContext, EngineDefinition, ExtraObjectContext, RestorePlan, RestoreSource, RoleSpec, env, majority, resourcesJson,
  runbook, secretEnv,
} from './datastore/types';
import { EnvironmentChart } from './environment-chart';
import { EnvironmentProfile, ResourceDefaults } from './environment-profile';
import { fail } from './errors';
import { LABEL_COMPONENT, selectorLabels, workloadLabels } from './labels';
import { AlertRule, MonitoringRegistry } from './monitoring-registry';
import { compareQuantities, isQuantity } from './quantity';
import { isCronExpression } from './cron';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from './security';
import { isDns1123Label, labelValueProblem } from './synth/schema-validator';

/** Argo CD sync options that keep a sync from pruning or deleting an object (data-loss guard). */
export const PROTECT_ANNOTATIONS: Readonly<Record<string, string>> = { 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' };
/** Label on every pod of the datastore's StatefulSets (not on backup job pods), selected by its Services. */
export const DATASTORE_MEMBER_LABEL = 'platform.io/datastore-member';
/** Default S3 endpoint of backup destinations. */
export const DEFAULT_BACKUP_ENDPOINT = 's3.amazonaws.com';
/** Namespace Velero runs in (Schedules must live there). */
export const VELERO_NAMESPACE = 'velero';
/** Datastore names stay short enough for every derived name (`<name>-sentinel-headless`, CronJob `<name>-backup`). */
const MAX_NAME_LENGTH = 40;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const S3_URL = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(\/[^\s]*)?$/;
/** Resources of the restore fetch step (a MinIO client streaming one object). */
const RESTORE_FETCH_RESOURCES: ResourceDefaults = { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } };
/** Fraction of free volume space below which the disk alert fires. */
const DISK_FREE_THRESHOLD = 0.1;
const BACKUP_JOB = {
  startingDeadlineSeconds: 600,
  successfulJobsHistoryLimit: 3,
  failedJobsHistoryLimit: 3,
  backoffLimit: 2,
  activeDeadlineSeconds: 4 * 3600,
  ttlSecondsAfterFinished: 7 * 24 * 3600,
};
/** The one-off restore Job: patient (a big restore takes hours), and gone a day after it finished. */
const RESTORE_JOB = {
  backoffLimit: 3,
  activeDeadlineSeconds: 12 * 3600,
  ttlSecondsAfterFinished: 24 * 3600,
};
/** Scratch space of a restore Job (it only holds the newest backup's name and the client config). */
const RESTORE_JOB_SCRATCH = '64Mi';

/** Volume of a datastore. */
export interface DatastoreStorage {
  /** Size of each data volume (a Kubernetes quantity, at least the engine's minimum). @default profile.storage.defaultSize */
  readonly size?: string;
  /** StorageClass name (a DNS-1123 subdomain). @default profile.storage.storageClass */
  readonly storageClass?: string;
}

/** Backups of a datastore: an engine dump CronJob to object storage plus a Velero schedule of its volumes. */
export interface DatastoreBackup {
  /** @default profile.backups.enabled */
  readonly enabled?: boolean;
  /** Cron schedule of the dump job. @default profile.backups.schedule */
  readonly schedule?: string;
  /** Days dumps and volume snapshots are kept (at least 1). @default profile.backups.retentionDays */
  readonly retentionDays?: number;
  /** `s3://bucket/prefix`; the datastore writes below `<prefix>/<namespace>/<name>`. @default profile.backups.destination */
  readonly destination?: string;
  /** S3 endpoint host. @default DEFAULT_BACKUP_ENDPOINT */
  readonly endpoint?: string;
  /** Remote key (secret store) of AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. @default `<namespace>/<name>-backup` */
  readonly credentialsRemoteKey?: string;
  /** Image of the uploader (MinIO client). @default MC_IMAGE */
  readonly uploaderImage?: string;
  /** Cron schedule of the Velero volume backup. @default profile.backups.veleroSchedule */
  readonly veleroSchedule?: string;
  /** Retention of the Velero volume backup (Go duration). @default - retentionDays as hours, e.g. `720h0m0s` for 30 days */
  readonly veleroTtl?: string;
}

/**
 * Restore of a fresh datastore from another environment's backups (disaster recovery). Only an empty volume is
 * restored: a datastore that holds data is never overwritten.
 */
export interface DatastoreRestore {
  /**
   * Object-storage URL of the other environment's backup destination, `s3://bucket[/prefix]` or
   * `gs://bucket[/prefix]`; the newest backup below `<from>/<namespace>/<name>/` is restored.
   */
  readonly from: string;
  /** S3 endpoint host of the source. @default - `s3.amazonaws.com` for s3://, `storage.googleapis.com` for gs:// */
  readonly endpoint?: string;
  /** Remote key (secret store) of a READ-ONLY AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY for the source bucket. @default `<namespace>/<name>-restore` */
  readonly credentialsRemoteKey?: string;
}

/** A managed service (RDS, ElastiCache, Supabase, ...) used instead of in-cluster pods. */
export interface ManagedEndpoint {
  /** DNS name of the managed service (an ExternalName Service points at it). */
  readonly host: string;
  /** @default the engine's first client port (5432 for PostgreSQL, 6379 for Redis, ...) */
  readonly port?: number;
  /** Egress destinations allowed to clients. @default ['0.0.0.0/0'] */
  readonly cidrs?: readonly string[];
}

export interface StatefulDatastoreProps {
  /** Stable name: StatefulSet, Services, volumes and the secret derive from it. A DNS-1035 label of at most 40 characters. */
  readonly name: string;
  /** Namespace (a DNS-1123 label). */
  readonly namespace: string;
  /** What runs, e.g. `Engine.postgres()`. */
  readonly engine: Engine;
  /** Data pods. @default - the engine's HA size when profile.highAvailability, else 1 */
  readonly replicas?: number;
  /** @default - size and class from the profile */
  readonly storage?: DatastoreStorage;
  /** Resources of the engine container. @default profile.resources (memory raised to the engine's minimum) */
  readonly resources?: ResourceDefaults;
  /** @default - backups as the profile says */
  readonly backup?: DatastoreBackup;
  /** Restore an empty datastore from another environment's backups; `false` turns the profile's restore off. @default - `{ from: profile.backups.restoreFrom }` when the profile sets it, else no restore */
  readonly restore?: DatastoreRestore | false;
  /** Workloads allowed to connect (adds edges to the connection graph). @default - only workloads that connect themselves */
  readonly clients?: ReadonlyArray<IWorkload | WorkloadRef>;
  /** Use a managed service instead of pods. @default - in-cluster */
  readonly managed?: ManagedEndpoint;
  /** Remote key (secret store) of the credential keys. @default `<namespace>/<name>` */
  readonly credentialsRemoteKey?: string;
  /** Owning team (label and alert routing): a label value. @default - none */
  readonly team?: string;
  /** `app.kubernetes.io/part-of`: a label value. @default - none */
  readonly partOf?: string;
}

/**
 * A datastore that never loses data: StatefulSets with retained volumes, headless and client Services, HA
 * layouts from the profile, credentials only through an ExternalSecret, dump CronJob and Velero schedule,
 * exporter and alert rules, a NetworkPolicy built from the connection graph, a token-less ServiceAccount per
 * workload (never the namespace's `default`), and Argo CD guards. With
 * `managed`, the same construct points clients at a managed service instead.
 */
export class StatefulDatastore extends Construct implements IWorkload {
  public readonly workloadName: string;
  public readonly namespace: string;
  public readonly podSelector: Readonly<Record<string, string>>;
  public readonly clientPorts: readonly WorkloadPort[];
  public readonly external?: ExternalEndpoint;
  /** Client Service name (the same in-cluster and managed: applications never change). */
  public readonly serviceName: string;
  /** Secret holding the credentials (written by the ExternalSecret of the same name). */
  public readonly credentialsSecretName: string;
  /** Data pods (0 in managed mode). */
  public readonly replicas: number;
  public readonly highAvailability: boolean;
  public readonly backupEnabled: boolean;
  /** Where an empty datastore restores from; undefined when it does not restore. */
  public readonly restoreSource?: RestoreSource;
  public readonly engine: Engine;

  private readonly profile: EnvironmentProfile;
  private readonly def: EngineDefinition;
  private readonly labels: Record<string, string>;
  private readonly protect: Record<string, string>;
  private readonly props: StatefulDatastoreProps;
  private readonly pendingClients: Array<{ readonly ref: WorkloadRef; readonly index: number }> = [];

  public constructor(scope: Construct, id: string, props: StatefulDatastoreProps) {
    super(scope, id);
    this.props = props;
    this.profile = EnvironmentChart.of(this).profile;
    this.def = props.engine.definition;
    this.engine = props.engine;
    if (props.name.length > MAX_NAME_LENGTH || !DNS1035_LABEL.test(props.name)) {
      fail(this, 'name', props.name, `must be a DNS-1035 label of at most ${MAX_NAME_LENGTH} characters (lowercase letters, digits and "-", starting with a letter)`);
    }
    if (typeof props.namespace !== 'string' || !isDns1123Label(props.namespace)) {
      fail(this, 'namespace', props.namespace, 'must be a DNS-1123 label: at most 63 characters of [a-z0-9-], starting and ending alphanumeric');
    }
    // Both become label values (platform.io/team, app.kubernetes.io/part-of) and team an alert routing label.
    for (const k of ['team', 'partOf'] as const) {
      const v = props[k];
      if (v !== undefined && (v === '' || labelValueProblem(v) !== undefined)) {
        fail(this, k, v, 'must be a label value: 1-63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric');
      }
    }
    this.workloadName = props.name;
    this.namespace = props.namespace;
    this.serviceName = props.name;
    this.credentialsSecretName = `${props.name}-credentials`;
    this.protect = this.profile.protectStatefulResources ? { ...PROTECT_ANNOTATIONS } : {};
    this.labels = workloadLabels({ name: props.name, component: 'datastore', partOf: props.partOf, team: props.team, version: labelSafe(this.def.version) });
    this.labels['platform.io/datastore'] = this.def.id;

    const ctx = this.resolveContext(props);
    this.replicas = props.managed ? 0 : ctx.replicas;
    this.highAvailability = ctx.highAvailability;
    this.backupEnabled = !props.managed && ctx.backup !== undefined;
    this.def.validate(ctx, (field, value, allowed) => fail(this, field, value, allowed));
    this.restoreSource = this.resolveRestore(props);

    if (props.managed) {
      const m = props.managed;
      const first = this.def.clientPorts(ctx)[0];
      const port = m.port ?? first.port;
      if (!Number.isInteger(port) || port < 1 || port > 65535) fail(this, 'managed.port', port, 'must be a port number from 1 to 65535');
      this.clientPorts = [{ name: first.name, port }];
      this.external = { cidrs: m.cidrs ?? ['0.0.0.0/0'], ports: this.clientPorts };
      this.podSelector = selectorLabels(props.name);
    } else {
      this.clientPorts = this.def.clientPorts(ctx);
      this.podSelector = this.def.podSelector?.(ctx) ?? selectorLabels(props.name);
    }

    const graph = ConnectionGraph.of(this);
    graph.register(this);
    (props.clients ?? []).forEach((c, i) => {
      if ('node' in c) graph.connect(c as IWorkload, this, undefined, `clients[${i}]`);
      else this.pendingClients.push({ ref: c as WorkloadRef, index: i });
    });
    // Client references resolve at synth, after every workload is declared, but before any NetworkPolicy renders.
    this.node.addValidation({ validate: () => this.resolveClientRefs() });

    this.credentials(props);
    if (props.managed) {
      this.managedService(props.managed);
      return;
    }
    if (ctx.backup && this.def.backup) this.backupCredentials(props, ctx.backup);
    if (this.restoreSource) {
      const key = (props.restore ? props.restore.credentialsRemoteKey : undefined) ?? `${props.namespace}/${props.name}-restore`;
      this.externalSecret('RestoreCredentials', this.restoreSource.credentialsSecret, key, ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
    }
    const common = this.extraContext();
    if (this.def.operatorManaged) {
      this.def.extraObjects?.(this, ctx, common);
    } else {
      this.inCluster(ctx);
      this.def.extraObjects?.(this, ctx, common);
    }
    if (ctx.backup) this.veleroSchedule(props, ctx);
    this.monitoring(props, ctx);
  }

  // ---------------------------------------------------------------- inputs

  private resolveContext(props: StatefulDatastoreProps): EngineContext {
    const p = this.profile;
    const def = this.def;
    const replicas = props.replicas ?? (p.highAvailability ? def.defaultHaReplicas : 1);
    if (!Number.isInteger(replicas) || replicas < 1) fail(this, 'replicas', replicas, 'must be a positive integer');
    if (!props.managed && p.highAvailability && replicas < def.minHaReplicas) {
      fail(this, 'replicas', replicas, `${def.displayName} needs at least ${def.minHaReplicas} replicas when the profile asks for high availability`);
    }
    if (!props.managed && !p.highAvailability && replicas > 1 && replicas < def.minHaReplicas) {
      fail(this, 'replicas', replicas, `${def.displayName} needs at least ${def.minHaReplicas} replicas to replicate; use 1 for a single instance`);
    }
    const size = props.storage?.size ?? p.storage.defaultSize;
    if (!isQuantity(size)) fail(this, 'storage.size', size, 'must be a Kubernetes quantity such as "10Gi"');
    if ((compareQuantities(size, def.minStorage) ?? 0) < 0) fail(this, 'storage.size', size, `${def.displayName} needs at least ${def.minStorage}`);
    const storageClass = props.storage?.storageClass ?? p.storage.storageClass;
    if (storageClass.length > 253 || !DNS1123_SUBDOMAIN.test(storageClass)) {
      fail(this, 'storage.storageClass', storageClass, 'must be a StorageClass name: a DNS-1123 subdomain (lowercase letters, digits, "-" and ".")');
    }
    const resources = withMinMemory(props.resources ?? p.resources, def.minMemory);
    const backup = this.resolveBackup(props);
    const headless = `${props.name}-headless`;
    return {
      name: props.name,
      namespace: props.namespace,
      replicas,
      // A replicated layout (replication, quorum, spread, PDBs) when the profile asks for HA or replicas do.
      highAvailability: p.highAvailability || replicas > 1,
      headlessService: headless,
      credentialsSecret: `${props.name}-credentials`,
      configMap: `${props.name}-config`,
      resources,
      storageSize: size,
      storageClass,
      backup,
      podFqdn: (suffix, i) => `${props.name}${suffix}-${i}.${headless}.${props.namespace}.svc.${CLUSTER_DOMAIN}`,
      serviceFqdn: (service) => `${service}.${props.namespace}.svc.${CLUSTER_DOMAIN}`,
    };
  }

  private resolveBackup(props: StatefulDatastoreProps): BackupTarget | undefined {
    const b = props.backup ?? {};
    const p = this.profile.backups;
    const schedule = b.schedule ?? p.schedule;
    if (!isCronExpression(schedule)) fail(this, 'backup.schedule', schedule, 'must be a five-field cron expression such as "0 3 * * *" (or @daily, @hourly, ...)');
    const veleroSchedule = b.veleroSchedule ?? p.veleroSchedule;
    if (!isCronExpression(veleroSchedule)) fail(this, 'backup.veleroSchedule', veleroSchedule, 'must be a five-field cron expression such as "0 2 * * *"');
    const retentionDays = b.retentionDays ?? p.retentionDays;
    if (!Number.isInteger(retentionDays) || retentionDays < 1) fail(this, 'backup.retentionDays', retentionDays, 'must be a whole number of days, at least 1 (a retention of 0 would delete every backup)');
    if (b.veleroTtl !== undefined && !/^([0-9]+h)?([0-9]+m)?([0-9]+s)?$/.test(b.veleroTtl)) {
      fail(this, 'backup.veleroTtl', b.veleroTtl, 'must be a Go duration such as "720h0m0s"');
    }
    if (!(b.enabled ?? p.enabled) || props.managed) return undefined;
    const destination = b.destination ?? p.destination;
    const m = S3_URL.exec(destination);
    if (!m) fail(this, 'backup.destination', destination, 'must be an object-storage URL "s3://<bucket>[/<prefix>]"');
    const prefix = [...(m[2] ?? '').split('/').filter((s) => s.length > 0), props.namespace, props.name].join('/');
    return {
      bucket: m[1],
      prefix,
      endpoint: b.endpoint ?? DEFAULT_BACKUP_ENDPOINT,
      retentionDays,
      credentialsSecret: `${props.name}-backup-credentials`,
    };
  }

  /**
   * The restore source from the props or the profile. A restore the datastore asks for itself must be possible; one
   * that only comes from the profile is skipped where it cannot apply (managed services, engines without a restore:
   * their volumes come back with Velero).
   */
  private resolveRestore(props: StatefulDatastoreProps): RestoreSource | undefined {
    if (props.restore === false) return undefined;
    const own = props.restore !== undefined;
    const from = props.restore?.from ?? this.profile.backups.restoreFrom;
    if (from === undefined) return undefined;
    const field = own ? 'restore.from' : 'profile.backups.restoreFrom';
    const m = typeof from === 'string' ? RESTORE_URL.exec(from) : null;
    if (!m) fail(this, field, from, 'must be an object-storage URL "s3://<bucket>[/<prefix>]" or "gs://<bucket>[/<prefix>]"');
    const endpoint = (props.restore ? props.restore.endpoint : undefined) ?? (m[1] === 'gs' ? GCS_ENDPOINT : DEFAULT_BACKUP_ENDPOINT);
    if (endpoint.length > 253 || !DNS1123_SUBDOMAIN.test(endpoint)) fail(this, 'restore.endpoint', endpoint, 'must be a host name such as "s3.eu-west-1.amazonaws.com" (no scheme, no path)');
    if (props.managed) {
      if (own) fail(this, field, from, 'a managed datastore restores through its provider (snapshots, point-in-time recovery): remove restore');
      return undefined;
    }
    if (!this.def.restore) {
      if (own) fail(this, field, from, `${this.def.displayName} cannot restore from object storage: restore its volumes with Velero, or remove restore`);
      return undefined;
    }
    return {
      bucket: m[2],
      prefix: [...(m[3] ?? '').split('/').filter((s) => s.length > 0), props.namespace, props.name].join('/'),
      endpoint,
      credentialsSecret: `${props.name}-restore-credentials`,
    };
  }

  private resolveClientRefs(): string[] {
    const graph = ConnectionGraph.of(this);
    const known = graph.allWorkloads();
    // Validation may run more than once; each reference is connected once.
    for (const { ref, index } of this.pendingClients.splice(0)) {
      const ns = ref.namespace ?? this.namespace;
      const w = known.find((k) => k.namespace === ns && k.workloadName === ref.name);
      if (!w) {
        const names = known.filter((k) => k !== this).map((k) => `${k.namespace}/${k.workloadName}`).join(', ') || 'none';
        fail(this, `clients[${index}]`, `${ns}/${ref.name}`, `no workload named "${ref.name}" in namespace "${ns}"; known workloads: ${names}`);
      }
      graph.connect(w, this, undefined, `clients[${index}]`);
    }
    return [];
  }

  // ---------------------------------------------------------------- objects

  private obj(id: string, apiVersion: string, kind: string, metadata: Record<string, any>, body: Record<string, any>): ApiObject {
    return new ApiObject(this, id, { apiVersion, kind, metadata: { namespace: this.namespace, ...metadata }, ...body });
  }

  private credentials(props: StatefulDatastoreProps): void {
    if (this.def.credentialKeys.length === 0) return;
    this.externalSecret('Credentials', this.credentialsSecretName, props.credentialsRemoteKey ?? `${props.namespace}/${props.name}`, this.def.credentialKeys);
  }

  private backupCredentials(props: StatefulDatastoreProps, b: BackupTarget): void {
    this.externalSecret('BackupCredentials', b.credentialsSecret, props.backup?.credentialsRemoteKey ?? `${props.namespace}/${props.name}-backup`, ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
  }

  /** Credentials come only from the secret store: no value is ever written to the manifests. */
  private externalSecret(id: string, name: string, remoteKey: string, keys: readonly string[]): void {
    const store = this.profile.secretStore;
    this.obj(id, 'external-secrets.io/v1', 'ExternalSecret', { name, labels: this.labels, annotations: this.protect }, {
      spec: {
        refreshInterval: store.refreshInterval,
        secretStoreRef: { kind: store.kind, name: store.name },
        // Retain: deleting the ExternalSecret must not take the running datastore's password with it.
        target: { name, creationPolicy: 'Owner', deletionPolicy: 'Retain' },
        data: keys.map((k) => ({ secretKey: k, remoteRef: { key: remoteKey, property: k } })),
      },
    });
  }

  private managedService(m: ManagedEndpoint): void {
    if (typeof m.host !== 'string' || m.host.length === 0 || m.host.length > 253 || !DNS1123_SUBDOMAIN.test(m.host) || /^[0-9.]+$/.test(m.host)) {
      fail(this, 'managed.host', m.host, 'must be the DNS name of the managed service (e.g. "orders.abc123.eu-west-1.rds.amazonaws.com"); an ExternalName Service cannot point at an IP address');
    }
    this.obj('Service', 'v1', 'Service', { name: this.serviceName, labels: this.labels, annotations: this.protect }, {
      spec: {
        type: 'ExternalName',
        externalName: m.host,
        ports: this.clientPorts.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol ?? 'TCP' })),
      },
    });
  }

  private extraContext(): ExtraObjectContext {
    return {
      labels: this.labels,
      protectAnnotations: this.protect,
      pullPolicy: this.profile.imagePolicy.pullPolicy,
      clientPeers: () => dedupe(ConnectionGraph.of(this).ingressOf(this).flatMap((c) => peersOf(c.from))),
    };
  }

  private inCluster(ctx: EngineContext): void {
    const def = this.def;
    const config = def.config(ctx);
    const checksum = createHash('sha256').update(JSON.stringify(config)).digest('hex');
    this.obj('Config', 'v1', 'ConfigMap', { name: ctx.configMap, labels: this.labels }, { data: config });

    const roles = def.roles(ctx);
    const restore = this.restoreSource ? def.restore!(ctx, this.restoreSource) : undefined;
    if (restore?.mode === 'init') roles[0] = this.withRestoreInit(ctx, roles[0], this.restoreSource!, restore);
    roles.forEach((role) => this.statefulSet(ctx, role, checksum));

    const member = { ...selectorLabels(ctx.name), [DATASTORE_MEMBER_LABEL]: 'true' };
    const allPorts = uniquePorts(roles.flatMap((r) => r.ports));
    const servicePorts = (ports: readonly WorkloadPort[]) => ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: p.protocol ?? 'TCP' }));
    // Which of these ports the members use between themselves: the flow proof checks the policies admit them.
    const peerPortNames = def.peerPorts(ctx).map((p) => p.name).filter((n) => allPorts.some((p) => p.name === n));
    const headlessAnnotations = { ...this.protect, ...(peerPortNames.length > 0 ? { [PEER_PORTS_ANNOTATION]: peerPortNames.join(',') } : {}) };
    this.obj('HeadlessService', 'v1', 'Service', { name: ctx.headlessService, labels: { ...this.labels, 'platform.io/service-role': 'headless' }, annotations: headlessAnnotations }, {
      spec: {
        clusterIP: 'None',
        // Peers must resolve each other before they are ready (cluster bootstrap, replica cloning).
        publishNotReadyAddresses: true,
        selector: member,
        ports: servicePorts(allPorts),
      },
    });
    const clientSelector = def.clientComponent ? { ...member, [LABEL_COMPONENT]: def.clientComponent } : member;
    this.obj('Service', 'v1', 'Service', { name: this.serviceName, labels: this.labels, annotations: this.protect }, {
      spec: { type: 'ClusterIP', selector: clientSelector, ports: servicePorts(this.clientPorts) },
    });
    if (def.readComponent && roles.some((r) => r.component === def.readComponent)) {
      this.obj('ReadService', 'v1', 'Service', { name: `${ctx.name}-read`, labels: this.labels, annotations: this.protect }, {
        spec: { type: 'ClusterIP', selector: { ...member, [LABEL_COMPONENT]: def.readComponent }, ports: servicePorts(this.clientPorts) },
      });
    }
    if (ctx.highAvailability) {
      for (const role of roles.filter((r) => r.replicas >= 2)) {
        this.obj(`Pdb${role.suffix}`, 'policy/v1', 'PodDisruptionBudget', { name: `${ctx.name}${role.suffix}`, labels: this.labels }, {
          spec: {
            selector: { matchLabels: roleSelector(ctx.name, role) },
            // Voting roles keep a majority; data replicas lose at most one pod at a time.
            ...(role.quorum ? { minAvailable: majority(role.replicas) } : { maxUnavailable: 1 }),
          },
        });
      }
    }
    this.networkPolicy(ctx);
    if (ctx.backup && def.backup) this.backupJob(ctx, ctx.backup, roles[0].uid);
    if (restore?.mode === 'job') this.restoreJob(ctx, this.restoreSource!, restore, roles[0].uid);
  }

  /**
   * The main role with the restore in front of the engine: the fetch step downloads the newest backup only when the
   * volume is empty (and the pod seeds the datastore), then the engine's steps load it. Other roles (PostgreSQL read
   * replicas) keep cloning from the primary.
   */
  private withRestoreInit(ctx: EngineContext, role: RoleSpec, source: RestoreSource, plan: RestorePlan): RoleSpec {
    const mount = { name: 'restore', mountPath: RESTORE_DIR };
    const fetch: Record<string, any> = { resources: resourcesJson(RESTORE_FETCH_RESOURCES), ...restoreFetchContainer(source, plan, this.props.backup?.uploaderImage ?? MC_IMAGE) };
    const steps = [fetch, ...plan.steps].map((c) => ({ ...c, volumeMounts: [...(c.volumeMounts ?? []), mount] }));
    return {
      ...role,
      initContainers: [...steps, ...(role.initContainers ?? [])],
      // The dump is compressed and never larger than the volume it came from.
      volumes: [...(role.volumes ?? []), { name: 'restore', emptyDir: { sizeLimit: ctx.storageSize } }],
    };
  }

  /** A one-off Job `<name>-restore` for engines restored through their running server (MinIO, ClickHouse). */
  private restoreJob(ctx: EngineContext, source: RestoreSource, plan: RestorePlan, uid: number): void {
    const mounts = [{ name: 'restore', mountPath: RESTORE_DIR }, { name: 'tmp', mountPath: '/tmp' }];
    const containers = [restoreFetchContainer(source, plan, this.props.backup?.uploaderImage ?? MC_IMAGE), ...plan.steps].map((c, i) => this.container({
      resources: resourcesJson(i === 0 ? RESTORE_FETCH_RESOURCES : ctx.resources),
      ...c,
      volumeMounts: [...(c.volumeMounts ?? []), ...mounts],
    }));
    const main = containers.pop()!;
    const labels = { ...this.labels, ...selectorLabels(ctx.name), [LABEL_COMPONENT]: 'restore' };
    const name = `${ctx.name}-restore`;
    this.serviceAccount('RestoreServiceAccount', name, labels);
    this.obj('Restore', 'batch/v1', 'Job', { name, labels }, {
      spec: {
        backoffLimit: RESTORE_JOB.backoffLimit,
        activeDeadlineSeconds: RESTORE_JOB.activeDeadlineSeconds,
        ttlSecondsAfterFinished: RESTORE_JOB.ttlSecondsAfterFinished,
        template: {
          metadata: { labels },
          spec: jobPodSpec(name, uid, containers, main, [
            { name: 'restore', emptyDir: { sizeLimit: RESTORE_JOB_SCRATCH } },
            { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } },
          ]),
        },
      },
    });
  }

  private statefulSet(ctx: EngineContext, role: RoleSpec, checksum: string): void {
    const selector = roleSelector(ctx.name, role);
    const podLabels = { ...this.labels, ...selector, [DATASTORE_MEMBER_LABEL]: 'true' };
    const annotations: Record<string, string> = { 'checksum/config': checksum };
    const metrics = this.def.metrics;
    if (role.metrics && metrics && !this.profile.monitoring.mode.usesOperator) {
      annotations['prometheus.io/scrape'] = 'true';
      annotations['prometheus.io/port'] = String(metrics.port.port);
      annotations['prometheus.io/path'] = metrics.path;
    }
    const spread = ctx.highAvailability && role.replicas > 1;
    const name = `${ctx.name}${role.suffix}`;
    const labels = { ...this.labels, [LABEL_COMPONENT]: role.component };
    this.serviceAccount(`ServiceAccount${role.suffix}`, name, labels);
    const podSpec: Record<string, any> = {
      serviceAccountName: name,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: restrictedPodSecurityContext({ runAsUser: role.uid, fsGroup: role.uid }),
      terminationGracePeriodSeconds: role.terminationGracePeriodSeconds ?? 60,
      initContainers: role.initContainers?.map((c) => this.container(c)),
      containers: role.containers.map((c) => this.container(c)),
      volumes: role.volumes,
    };
    if (spread) {
      // Never two pods of a role on one node; spread over zones as far as the cluster allows.
      podSpec.affinity = {
        podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selector } }] },
      };
      podSpec.topologySpreadConstraints = [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector } }];
    }
    const claims = role.storageSize === undefined ? undefined : [{
      // Labels here are immutable: only the stable selector labels.
      metadata: { name: 'data', labels: selector, annotations: Object.keys(this.protect).length > 0 ? this.protect : undefined },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: ctx.storageClass,
        resources: { requests: { storage: role.storageSize } },
      },
    }];
    this.obj(`StatefulSet${role.suffix}`, 'apps/v1', 'StatefulSet', { name, labels, annotations: this.protect }, {
      spec: {
        serviceName: ctx.headlessService,
        replicas: role.replicas,
        selector: { matchLabels: selector },
        podManagementPolicy: role.podManagementPolicy,
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
        // Volumes outlive the StatefulSet and scale-downs: data is only ever deleted by a human.
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        revisionHistoryLimit: 5,
        minReadySeconds: 10,
        template: { metadata: { labels: podLabels, annotations }, spec: podSpec },
        volumeClaimTemplates: claims,
      },
    });
  }

  /**
   * The workload's own ServiceAccount, named like it: no pod runs as the namespace's `default` account (CIS 5.1.5),
   * and none mounts a token (no datastore pod calls the API). It carries the Argo CD guard like the StatefulSets,
   * so a protected workload never loses the account its pods need to start.
   */
  private serviceAccount(id: string, name: string, labels: Record<string, string>): void {
    this.obj(id, 'v1', 'ServiceAccount', { name, labels, annotations: this.protect }, { automountServiceAccountToken: false });
  }

  /** Every container: the environment's pull policy and PSS restricted. */
  private container(c: Record<string, any>): Record<string, any> {
    return { ...c, imagePullPolicy: this.profile.imagePolicy.pullPolicy, securityContext: restrictedContainerSecurityContext() };
  }

  private networkPolicy(ctx: EngineContext): void {
    const self = peerOf(this);
    const portsOf = (ports: readonly WorkloadPort[]) => ports.map((p) => ({ protocol: p.protocol ?? 'TCP', port: p.port }));
    const metrics = this.def.metrics;
    const peerPorts = uniquePorts([...this.def.peerPorts(ctx), ...this.clientPorts]);
    const egress: Record<string, any>[] = [DNS_EGRESS_RULE, { to: [self], ports: portsOf(peerPorts) }];
    // Backups and restores reach the object store over HTTPS.
    if (ctx.backup || this.restoreSource) egress.push({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ protocol: 'TCP', port: 443 }] });
    this.obj('NetworkPolicy', 'networking.k8s.io/v1', 'NetworkPolicy', { name: ctx.name, labels: this.labels }, {
      spec: {
        podSelector: { matchLabels: selectorLabels(ctx.name) },
        policyTypes: ['Ingress', 'Egress'],
        ingress: Lazy.any({
          produce: () => {
            const rules: Record<string, any>[] = [];
            const seen = new Set<string>();
            for (const c of ConnectionGraph.of(this).ingressOf(this)) {
              const key = `${c.from.namespace}/${c.from.workloadName}:${c.ports.map((p) => p.port).join(',')}`;
              if (seen.has(key)) continue;
              seen.add(key);
              rules.push({ from: peersOf(c.from), ports: portsOf(c.ports) });
            }
            // Replication, quorum and backup-job traffic between the datastore's own pods.
            rules.push({ from: [self], ports: portsOf(peerPorts) });
            if (metrics) {
              rules.push({
                from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': this.profile.monitoring.namespace } } }],
                ports: portsOf([metrics.port]),
              });
            }
            return rules;
          },
        }),
        egress,
      },
    });
  }

  private backupJob(ctx: EngineContext, b: BackupTarget, uid: number): void {
    const plan = this.def.backup!(ctx, b);
    const backupVol = { name: 'backup', emptyDir: { sizeLimit: ctx.storageSize } };
    const tmpVol = { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } };
    const mounts = [{ name: 'backup', mountPath: '/backup' }, { name: 'tmp', mountPath: '/tmp' }];
    const step = (c: Record<string, any>) => this.container({
      resources: resourcesJson(ctx.resources),
      ...c,
      volumeMounts: [...(c.volumeMounts ?? []), ...mounts],
    });
    const steps = plan.steps.map(step);
    if (plan.upload) {
      steps.push(step({
        name: 'upload',
        image: this.props.backup?.uploaderImage ?? MC_IMAGE,
        command: ['sh', '-c', [
          'set -eu',
          `mc alias set backup "https://${b.endpoint}" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" >/dev/null`,
          `if [ -n "$(ls -A /backup)" ]; then mc cp --recursive /backup/ "backup/${b.bucket}/${b.prefix}/"; fi`,
          `mc rm --recursive --force --older-than "${b.retentionDays}d" "backup/${b.bucket}/${b.prefix}/"`,
        ].join('\n')],
        env: [env('MC_CONFIG_DIR', '/tmp/.mc'), secretEnv('AWS_ACCESS_KEY_ID', b.credentialsSecret), secretEnv('AWS_SECRET_ACCESS_KEY', b.credentialsSecret)],
      }));
    }
    const main = steps.pop()!;
    const labels = { ...this.labels, ...selectorLabels(ctx.name), [LABEL_COMPONENT]: 'backup' };
    const name = `${ctx.name}-backup`;
    this.serviceAccount('BackupServiceAccount', name, labels);
    this.obj('Backup', 'batch/v1', 'CronJob', { name, labels }, {
      spec: {
        schedule: this.props.backup?.schedule ?? this.profile.backups.schedule,
        timeZone: 'Etc/UTC',
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: BACKUP_JOB.startingDeadlineSeconds,
        successfulJobsHistoryLimit: BACKUP_JOB.successfulJobsHistoryLimit,
        failedJobsHistoryLimit: BACKUP_JOB.failedJobsHistoryLimit,
        jobTemplate: {
          metadata: { labels },
          spec: {
            backoffLimit: BACKUP_JOB.backoffLimit,
            activeDeadlineSeconds: BACKUP_JOB.activeDeadlineSeconds,
            ttlSecondsAfterFinished: BACKUP_JOB.ttlSecondsAfterFinished,
            template: {
              metadata: { labels },
              spec: jobPodSpec(name, uid, steps.length > 0 ? steps : undefined, main, [backupVol, tmpVol]),
            },
          },
        },
      },
    });
  }

  private veleroSchedule(props: StatefulDatastoreProps, ctx: EngineContext): void {
    const b = ctx.backup!;
    this.obj('VolumeBackup', 'velero.io/v1', 'Schedule', { name: `${ctx.namespace}-${ctx.name}`, namespace: VELERO_NAMESPACE, labels: this.labels }, {
      spec: {
        schedule: props.backup?.veleroSchedule ?? this.profile.backups.veleroSchedule,
        useOwnerReferencesInBackup: false,
        template: {
          includedNamespaces: [ctx.namespace],
          labelSelector: { matchLabels: { ...this.podSelector } },
          includeClusterResources: false,
          snapshotVolumes: true,
          ttl: props.backup?.veleroTtl ?? `${b.retentionDays * 24}h0m0s`,
        },
      },
    });
  }

  private monitoring(props: StatefulDatastoreProps, ctx: EngineContext): void {
    const metrics = this.def.metrics;
    if (!metrics) return;
    const sel = `namespace="${ctx.namespace}", pod=~"${ctx.name}(-[a-z]+)?-[0-9]+"`;
    const pvc = `namespace="${ctx.namespace}", persistentvolumeclaim=~"data-${ctx.name}(-[a-z]+)?-[0-9]+"`;
    const routing = { datastore: ctx.name, engine: this.def.id, ...(props.team ? { team: props.team } : {}) };
    const volumeRule: AlertRule = {
      alert: 'DatastoreVolumeAlmostFull',
      expr: `kubelet_volume_stats_available_bytes{${pvc}} / kubelet_volume_stats_capacity_bytes{${pvc}} < ${DISK_FREE_THRESHOLD}`,
      for: '10m',
      severity: 'warning',
      summary: `${this.def.displayName} ${ctx.namespace}/${ctx.name}: volume almost full`,
      description: `Volume {{ $labels.persistentvolumeclaim }} has less than ${DISK_FREE_THRESHOLD * 100}% free space; grow it before writes fail.`,
      runbookUrl: runbook('DatastoreVolumeAlmostFull'),
    };
    const rules: AlertRule[] = [...this.def.rules(ctx, sel), volumeRule].map((r) => ({ ...r, labels: { ...routing, ...r.labels } }));
    const selector = { ...this.podSelector };
    MonitoringRegistry.of(this).register({
      name: ctx.name,
      namespace: ctx.namespace,
      kind: 'datastore',
      team: props.team,
      selector,
      metricsPort: { name: metrics.port.name, port: metrics.port.port },
      metricsPath: metrics.path,
      httpMetrics: false,
      rules,
    });
    if (!this.profile.monitoring.mode.usesOperator) return;
    const interval = this.profile.monitoring.scrapeInterval;
    if (this.def.operatorManaged) {
      this.obj('PodMonitor', 'monitoring.coreos.com/v1', 'PodMonitor', { name: ctx.name, labels: this.labels }, {
        spec: {
          selector: { matchLabels: { 'strimzi.io/name': `${ctx.name}-kafka-exporter` } },
          podMetricsEndpoints: [{ port: metrics.port.name, path: metrics.path, interval }],
        },
      });
    } else {
      this.obj('ServiceMonitor', 'monitoring.coreos.com/v1', 'ServiceMonitor', { name: ctx.name, labels: this.labels }, {
        spec: {
          selector: { matchLabels: { ...selectorLabels(ctx.name), 'platform.io/service-role': 'headless' } },
          namespaceSelector: { matchNames: [ctx.namespace] },
          endpoints: [{ port: metrics.port.name, path: metrics.path, interval }],
        },
      });
    }
    this.obj('PrometheusRule', 'monitoring.coreos.com/v1', 'PrometheusRule', { name: ctx.name, labels: this.labels }, {
      spec: {
        groups: [{
          name: `${ctx.namespace}.${ctx.name}`,
          rules: rules.map((r) => ({
            alert: r.alert,
            expr: r.expr,
            for: r.for,
            labels: { severity: r.severity, ...r.labels },
            annotations: { summary: r.summary, description: r.description, runbook_url: r.runbookUrl },
          })),
        }],
      },
    });
  }
}

/** Labels that select one role's pods: the StatefulSet selector (immutable, so never more than this). */
function roleSelector(name: string, role: RoleSpec): Record<string, string> {
  return { ...selectorLabels(name), [LABEL_COMPONENT]: role.component };
}

function uniquePorts(ports: readonly WorkloadPort[]): WorkloadPort[] {
  const seen = new Map<string, WorkloadPort>();
  for (const p of ports) if (!seen.has(p.name)) seen.set(p.name, p);
  return [...seen.values()];
}

function dedupe<T>(items: T[]): T[] {
  const seen = new Set<string>();
  return items.filter((x) => {
    const k = JSON.stringify(x);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** The engine's memory floor applied to a profile's resources (JVM heaps do not start below it). */
function withMinMemory(r: ResourceDefaults, min: string | undefined): ResourceDefaults {
  if (min === undefined || (compareQuantities(r.limits.memory, min) ?? 0) >= 0) return r;
  return { requests: r.requests, limits: { ...r.limits, memory: min } };
}

/** Versions become label values (`RELEASE.2024-10-13T13-34-11Z` is fine, `+` is not). */
function labelSafe(v: string): string {
  return v.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 63);
}

/** The pod of a backup or restore Job: runs once, under its own tokenless ServiceAccount, PSS restricted. */
function jobPodSpec(serviceAccountName: string, uid: number, initContainers: unknown[] | undefined, main: unknown, volumes: unknown[]) {
  return {
    restartPolicy: 'Never',
    serviceAccountName,
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: restrictedPodSecurityContext({ runAsUser: uid, fsGroup: uid }),
    initContainers,
    containers: [main],
    volumes,
  };
}
