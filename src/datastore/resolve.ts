/**
 * Pure resolution of a StatefulDatastore's props against the environment profile and its engine: defaults applied,
 * every input checked, no construct created. Errors name `scope` (the construct, or its path in tests) and the field.
 */
import { IConstruct } from 'constructs';
import { ExternalEndpoint, WorkloadPort } from '../core/connections';
import {
  DEFAULT_BACKUP_RETENTION_DAYS,
  DEFAULT_BACKUP_SCHEDULE,
  DEFAULT_VELERO_SCHEDULE,
  EnvironmentProfile,
  ResourceDefaults,
} from '../core/environment-profile';
import { fail } from '../core/errors';
import { selectorLabels, workloadLabels } from '../core/labels';
import { compareQuantities, isQuantity } from '../core/quantity';
import { isCronExpression } from '../core/cron';
import { endpointProblem, parseObjectStoreUrl } from '../core/grammars';
import { isDns1123Label, labelValueProblem } from '../synth/schema-validator';
import { DEFAULT_BACKUP_ENDPOINT, PROTECT_ANNOTATIONS, StatefulDatastoreProps } from './props';
import { GCS_ENDPOINT } from './restore';
import { BackupTarget, CLUSTER_DOMAIN, EngineContext, EngineDefinition, RestoreSource } from './types';

/** Where an error is reported: the construct, or a construct path. */
export type ErrorScope = IConstruct | string;

/** Datastore names stay short enough for every derived name (`<name>-sentinel-headless`, CronJob `<name>-backup`). */
export const MAX_DATASTORE_NAME_LENGTH = 40;
export const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** Everything the parts of a StatefulDatastore are built from. */
export interface ResolvedDatastore {
  readonly profile: EnvironmentProfile;
  readonly def: EngineDefinition;
  /** What the engine is given: names, replicas, HA layout, resources, storage, backup target. */
  readonly ctx: EngineContext;
  /** Labels on every object; the version comes from the engine. */
  readonly labels: Record<string, string>;
  /** Argo CD's prune and delete guard, when the profile protects stateful resources. */
  readonly protect: Record<string, string>;
  readonly clientPorts: readonly WorkloadPort[];
  readonly podSelector: Readonly<Record<string, string>>;
  /** The managed service clients reach instead of pods. */
  readonly external?: ExternalEndpoint;
  readonly restoreSource?: RestoreSource;
}

/** Resolves and checks the props of a StatefulDatastore against `profile`, in the order a user reads them. */
export function resolveDatastore(scope: ErrorScope, props: StatefulDatastoreProps, profile: EnvironmentProfile): ResolvedDatastore {
  const def = props.engine.definition;
  if (props.name.length > MAX_DATASTORE_NAME_LENGTH || !DNS1035_LABEL.test(props.name)) {
    fail(
      scope,
      'name',
      props.name,
      `must be a DNS-1035 label of at most ${MAX_DATASTORE_NAME_LENGTH} characters (lowercase letters, digits and "-", starting with a letter)`,
    );
  }
  if (typeof props.namespace !== 'string' || !isDns1123Label(props.namespace)) {
    fail(scope, 'namespace', props.namespace, 'must be a DNS-1123 label: at most 63 characters of [a-z0-9-], starting and ending alphanumeric');
  }
  // Both become label values (platform.io/team, app.kubernetes.io/part-of) and team an alert routing label.
  for (const k of ['team', 'partOf'] as const) {
    const v = props[k];
    if (v !== undefined && (v === '' || labelValueProblem(v) !== undefined)) {
      fail(scope, k, v, 'must be a label value: 1-63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric');
    }
  }
  // The version is an image tag and the version label: an OCI tag's grammar fits both (after labelSafe).
  if (typeof def.version !== 'string' || !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(def.version)) {
    fail(scope, 'engine.version', def.version, 'must be an image tag: 1-128 characters of letters, digits, "_", "." and "-", not starting with "." or "-"');
  }
  const protect = profile.protectStatefulResources ? { ...PROTECT_ANNOTATIONS } : {};
  const labels = workloadLabels({ name: props.name, component: 'datastore', partOf: props.partOf, team: props.team, version: labelSafe(def.version) });
  labels['platform.io/datastore'] = def.id;

  const ctx = resolveEngineContext(scope, props, profile, def);
  def.validate(ctx, (field, value, allowed) => fail(scope, field, value, allowed));
  const common = { profile, def, ctx, labels, protect, restoreSource: ctx.restore };

  if (props.managed) {
    const m = props.managed;
    const [first] = def.clientPorts(ctx);
    if (!first) fail(scope, 'engine', def.id, 'declares no client port; a managed datastore is reached on its first one');
    const port = m.port ?? first.port;
    if (!Number.isInteger(port) || port < 1 || port > 65535) fail(scope, 'managed.port', port, 'must be a port number from 1 to 65535');
    const clientPorts = [{ name: first.name, port }];
    return {
      ...common,
      clientPorts,
      external: { cidrs: m.cidrs ?? ['0.0.0.0/0'], ports: clientPorts },
      podSelector: selectorLabels(props.name),
    };
  }
  return {
    ...common,
    clientPorts: def.clientPorts(ctx),
    podSelector: def.podSelector?.(ctx) ?? selectorLabels(props.name),
  };
}

/** The engine's context: replicas and HA layout, storage, resources with the engine's memory floor, backup target. */
export function resolveEngineContext(scope: ErrorScope, props: StatefulDatastoreProps, p: EnvironmentProfile, def: EngineDefinition): EngineContext {
  const replicas = props.replicas ?? (p.highAvailability ? def.defaultHaReplicas : 1);
  if (!Number.isInteger(replicas) || replicas < 1) fail(scope, 'replicas', replicas, 'must be a positive integer');
  if (!props.managed && p.highAvailability && replicas < def.minHaReplicas) {
    fail(scope, 'replicas', replicas, `${def.displayName} needs at least ${def.minHaReplicas} replicas when the profile asks for high availability`);
  }
  if (!props.managed && !p.highAvailability && replicas > 1 && replicas < def.minHaReplicas) {
    fail(scope, 'replicas', replicas, `${def.displayName} needs at least ${def.minHaReplicas} replicas to replicate; use 1 for a single instance`);
  }
  const size = props.storage?.size ?? p.storage.defaultSize;
  if (!isQuantity(size)) fail(scope, 'storage.size', size, 'must be a Kubernetes quantity such as "10Gi"');
  if ((compareQuantities(size, def.minStorage) ?? 0) < 0) fail(scope, 'storage.size', size, `${def.displayName} needs at least ${def.minStorage}`);
  const storageClass = props.storage?.storageClass ?? p.storage.storageClass;
  if (storageClass.length > 253 || !DNS1123_SUBDOMAIN.test(storageClass)) {
    fail(scope, 'storage.storageClass', storageClass, 'must be a StorageClass name: a DNS-1123 subdomain (lowercase letters, digits, "-" and ".")');
  }
  const resources = withMinMemory(props.resources ?? p.resources, def.minMemory);
  const backup = resolveBackup(scope, props, p);
  const restore = resolveRestore(scope, props, p, def);
  if (backup && restore && backup.bucket === restore.bucket && overlaps(backup.prefix, restore.prefix)) {
    const own = props.backup?.destination !== undefined;
    fail(
      scope,
      own ? 'backup.destination' : 'profile.backups.destination',
      props.backup?.destination ?? p.backups.destination,
      `is where this datastore restores from (s3://${restore.bucket}/${restore.prefix}): a copy must write its backups to its own bucket or prefix, never into its source's`,
    );
  }
  const headless = `${props.name}-headless`;
  return {
    path: typeof scope === 'string' ? scope : scope.node.path,
    name: props.name,
    namespace: props.namespace,
    replicas,
    // A replicated layout (replication, quorum, spread, PDBs) when the profile asks for HA or replicas do.
    highAvailability: p.highAvailability || replicas > 1,
    headlessService: headless,
    credentialsSecret: `${props.name}-credentials`,
    credentialsRemoteKey: props.credentialsRemoteKey ?? `${props.namespace}/${props.name}`,
    configMap: `${props.name}-config`,
    resources,
    storageSize: size,
    storageClass,
    backup,
    restore,
    promote: (props.restore ? props.restore.promote : undefined) ?? p.backups.promote ?? false,
    podFqdn: (suffix, i) => `${props.name}${suffix}-${i}.${headless}.${props.namespace}.svc.${CLUSTER_DOMAIN}`,
    serviceFqdn: (service) => `${service}.${props.namespace}.svc.${CLUSTER_DOMAIN}`,
  };
}

/** Where and how long dumps are kept, or undefined when the datastore is not backed up (or is managed). */
export function resolveBackup(scope: ErrorScope, props: StatefulDatastoreProps, profile: EnvironmentProfile): BackupTarget | undefined {
  const b = props.backup ?? {};
  const p = profile.backups;
  const schedule = b.schedule ?? p.schedule ?? DEFAULT_BACKUP_SCHEDULE;
  if (!isCronExpression(schedule))
    fail(scope, 'backup.schedule', schedule, 'must be a five-field cron expression such as "0 3 * * *" (or @daily, @hourly, ...)');
  const veleroSchedule = b.veleroSchedule ?? p.veleroSchedule ?? DEFAULT_VELERO_SCHEDULE;
  if (!isCronExpression(veleroSchedule)) fail(scope, 'backup.veleroSchedule', veleroSchedule, 'must be a five-field cron expression such as "0 2 * * *"');
  const retentionDays = b.retentionDays ?? p.retentionDays ?? DEFAULT_BACKUP_RETENTION_DAYS;
  if (!Number.isInteger(retentionDays) || retentionDays < 1)
    fail(scope, 'backup.retentionDays', retentionDays, 'must be a whole number of days, at least 1 (a retention of 0 would delete every backup)');
  if (b.veleroTtl !== undefined && !/^([0-9]+h)?([0-9]+m)?([0-9]+s)?$/.test(b.veleroTtl)) {
    fail(scope, 'backup.veleroTtl', b.veleroTtl, 'must be a Go duration such as "720h0m0s"');
  }
  if (!(b.enabled ?? p.enabled) || props.managed) return undefined;
  const destination = b.destination ?? p.destination;
  if (destination === undefined) {
    fail(
      scope,
      'profile.backups.destination',
      destination,
      'is required while backups are enabled (profile.backups.enabled): an object-storage URL "s3://<bucket>[/<prefix>]" (or backup.destination on this datastore); to run without backups set profile.backups to { enabled: false }',
    );
  }
  const url = parseObjectStoreUrl(destination, ['s3']);
  if (typeof url === 'string') fail(scope, b.destination !== undefined ? 'backup.destination' : 'profile.backups.destination', destination, url);
  const endpoint = b.endpoint ?? DEFAULT_BACKUP_ENDPOINT;
  const bad = endpointProblem(endpoint);
  if (bad) fail(scope, 'backup.endpoint', endpoint, bad);
  return {
    bucket: url.bucket,
    prefix: [...url.prefix, props.namespace, props.name].join('/'),
    endpoint,
    retentionDays,
    credentialsSecret: `${props.name}-backup-credentials`,
    schedule,
    veleroSchedule,
  };
}

/** Whether one object prefix contains the other (`a/b` and `a/b/c`), so that one writer could touch the other's objects. */
function overlaps(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

/**
 * The restore source from the props or the profile. A restore the datastore asks for itself must be possible; one
 * that only comes from the profile is skipped where it cannot apply (managed services, engines without a restore:
 * their volumes come back with Velero).
 */
export function resolveRestore(
  scope: ErrorScope,
  props: StatefulDatastoreProps,
  profile: EnvironmentProfile,
  def: EngineDefinition,
): RestoreSource | undefined {
  if (props.restore === false) return undefined;
  const own = props.restore !== undefined;
  const from = props.restore?.from ?? profile.backups.restoreFrom;
  if (from === undefined) return undefined;
  const field = own ? 'restore.from' : 'profile.backups.restoreFrom';
  const url = parseObjectStoreUrl(from, ['s3', 'gs']);
  if (typeof url === 'string') fail(scope, field, from, url);
  const endpoint = (props.restore ? props.restore.endpoint : undefined) ?? (url.scheme === 'gs' ? GCS_ENDPOINT : DEFAULT_BACKUP_ENDPOINT);
  const bad = endpointProblem(endpoint);
  if (bad) fail(scope, 'restore.endpoint', endpoint, bad);
  if (props.managed) {
    if (own) fail(scope, field, from, 'a managed datastore restores through its provider (snapshots, point-in-time recovery): remove restore');
    return undefined;
  }
  if (!def.restore && !def.nativeRestore) {
    if (own) fail(scope, field, from, `${def.displayName} cannot restore from object storage: restore its volumes with Velero, or remove restore`);
    return undefined;
  }
  return {
    bucket: url.bucket,
    prefix: [...url.prefix, props.namespace, props.name].join('/'),
    endpoint,
    credentialsSecret: `${props.name}-restore-credentials`,
  };
}

/** The engine's memory floor applied to a profile's resources (JVM heaps do not start below it). */
export function withMinMemory(r: ResourceDefaults, min: string | undefined): ResourceDefaults {
  if (min === undefined || (compareQuantities(r.limits.memory, min) ?? 0) >= 0) return r;
  return { requests: r.requests, limits: { ...r.limits, memory: min } };
}

/** Versions become label values (`RELEASE.2024-10-13T13-34-11Z` is fine, `+` is not; the ends must be alphanumeric). */
function labelSafe(v: string): string | undefined {
  const s = v
    .replace(/[^A-Za-z0-9_.-]/g, '_')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return s === '' ? undefined : s;
}
