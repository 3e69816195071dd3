/**
 * The objects of a PostgreSQL datastore on CloudNativePG: the `Cluster`, its object stores and `ScheduledBackup`
 * (Barman Cloud plugin), the `Pooler`, the owner roles' password Secrets, and the client Services that keep the names
 * applications already use (`<name>` read-write, `<name>-read` read-only).
 */
import { Construct, IConstruct } from 'constructs';
import {
  ObjectStore,
  ObjectStoreSpecConfigurationDataCompression,
  ObjectStoreSpecConfigurationWalCompression,
  ObjectStoreSpecInstanceSidecarConfigurationResourcesLimits,
  ObjectStoreSpecInstanceSidecarConfigurationResourcesRequests,
} from '../../imports/barmancloud.cnpg.io';
import { IntOrString, KubeService } from '../../imports/k8s';
import {
  Cluster,
  ClusterSpec,
  ClusterSpecManagedRolesEnsure,
  ClusterSpecManagedServicesDisabledDefaultServices,
  ClusterSpecPrimaryUpdateMethod,
  ClusterSpecPrimaryUpdateStrategy,
  ClusterSpecResourcesLimits,
  ClusterSpecResourcesRequests,
  Pooler,
  PoolerSpecPgbouncerPoolMode,
  PoolerSpecTemplateSpecContainersResourcesLimits,
  PoolerSpecTemplateSpecContainersResourcesRequests,
  PoolerSpecType,
  ScheduledBackup,
  ScheduledBackupSpecBackupOwnerReference,
  ScheduledBackupSpecMethod,
  ScheduledBackupSpecTarget,
} from '../../imports/postgresql.cnpg.io';
import { cronFields } from '../core/cron';
import { ResourceDefaults } from '../core/environment-profile';
import { addExternalSecret } from '../core/external-secret';
import { selectorLabels } from '../core/labels';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../core/security';
import { addPostgresDatabasesJob } from './postgres-databases';
import { addPostgresNetworkPolicies } from './postgres-network';
import { BARMAN_CLOUD_PLUGIN, POSTGRES_PORT, POSTGRES_UID, PostgresSettings, follows, owners, poolerName, roleSecretName } from './postgres';
import { EngineContext, ExtraObjectContext } from './types';

/** The Barman Cloud sidecar in every instance pod: small and fixed, like the other sidecars. */
const BARMAN_SIDECAR_RESOURCES: ResourceDefaults = { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } };
/** PgBouncer pods: a proxy, light on memory. */
const POOLER_RESOURCES: ResourceDefaults = { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } };
/** The external cluster a DR replica follows (its name in `externalClusters`, `replica.source` and `bootstrap.recovery`). */
export const ORIGIN = 'origin';
const ZONE = 'topology.kubernetes.io/zone';
const HOST = 'kubernetes.io/hostname';

/** Object-store name of the datastore's own backups, and of the source it follows or restores. */
export const backupStoreName = (ctx: { readonly name: string }): string => `${ctx.name}-backup`;
export const originStoreName = (ctx: { readonly name: string }): string => `${ctx.name}-origin`;

/** Every object of the datastore (called from the engine's `extraObjects`). */
export function addPostgresObjects(scope: IConstruct, ctx: EngineContext, common: ExtraObjectContext, s: PostgresSettings): void {
  const c = scope as Construct;
  addRoleSecrets(c, ctx, common, s);
  if (ctx.backup) addObjectStore(c, 'ObjectStore', backupStoreName(ctx), ctx, common, ctx.backup, ctx.backup.retentionDays);
  if (ctx.restore) addObjectStore(c, 'OriginObjectStore', originStoreName(ctx), ctx, common, ctx.restore);
  new Cluster(c, 'Cluster', {
    metadata: { name: ctx.name, namespace: ctx.namespace, labels: { ...common.labels }, annotations: { ...common.protectAnnotations } },
    spec: clusterSpec(ctx, common, s),
  });
  // Base backups (the start of every point-in-time recovery) only where this cluster archives: a DR replica gets
  // its ScheduledBackup when it is promoted, and the first backup runs at once (`immediate`).
  if (ctx.backup && !follows(ctx)) {
    new ScheduledBackup(c, 'ScheduledBackup', {
      metadata: { name: `${ctx.name}-base-backup`, namespace: ctx.namespace, labels: { ...common.labels } },
      spec: {
        cluster: { name: ctx.name },
        schedule: withSeconds(ctx.backup.schedule),
        method: ScheduledBackupSpecMethod.PLUGIN,
        pluginConfiguration: { name: BARMAN_CLOUD_PLUGIN },
        immediate: true,
        backupOwnerReference: ScheduledBackupSpecBackupOwnerReference.SELF,
        target: ScheduledBackupSpecTarget.PREFER_HYPHEN_STANDBY,
      },
    });
  }
  if (s.pooler) addPooler(c, ctx, common, s.pooler);
  addServices(c, ctx, common, s);
  if (!follows(ctx)) addPostgresDatabasesJob(c, ctx, common, s);
  addPostgresNetworkPolicies(c, ctx, common, s);
}

/** ScheduledBackup schedules have a leading seconds field (robfig/cron); macros are spelled out first. */
export function withSeconds(cron: string): string {
  return `0 ${cronFields(cron).join(' ')}`;
}

/** The Cluster's spec: instances, storage, resources, security, spread, roles, archiving or following. */
function clusterSpec(ctx: EngineContext, common: ExtraObjectContext, s: PostgresSettings): ClusterSpec {
  const ha = ctx.replicas > 1;
  const instanceSelector = { 'cnpg.io/cluster': ctx.name, 'cnpg.io/podRole': 'instance' };
  const archiving = ctx.backup !== undefined && !follows(ctx);
  const svc = (name: string) => [`${name}.${ctx.namespace}.svc`, `${name}.${ctx.namespace}.svc.cluster.local`];
  // validate() rejects an empty list of databases: the first one is created at bootstrap.
  const initial = s.databases[0]!;
  return {
    instances: ctx.replicas,
    imageName: s.image,
    imagePullPolicy: common.pullPolicy,
    postgresUid: POSTGRES_UID,
    postgresGid: POSTGRES_UID,
    // No network login as the superuser: roles are managed below, databases created by their owners.
    enableSuperuserAccess: false,
    primaryUpdateStrategy: ClusterSpecPrimaryUpdateStrategy.UNSUPERVISED,
    primaryUpdateMethod: ClusterSpecPrimaryUpdateMethod.SWITCHOVER,
    // One PDB per cluster keeps a single instance drainable.
    enablePdb: ha,
    // The datastore's labels on pods, claims and the operator's Services: selectors, Velero and the volume alert use them.
    inheritedMetadata: { labels: { ...common.labels, ...selectorLabels(ctx.name) } },
    postgresql: {
      parameters: {
        max_connections: String(s.maxConnections),
        archive_timeout: `${Math.round(s.archiveTimeoutSeconds / 60)}min`,
        ...s.parameters,
      },
      // Every client connection is encrypted; CloudNativePG's own rules (replication, pooler) come first and use certificates.
      pgHba: ['hostnossl all all all reject'],
    },
    bootstrap: ctx.restore
      ? { recovery: { source: ORIGIN } }
      : { initdb: { database: initial.name, owner: initial.owner, secret: { name: roleSecretName(ctx, initial.owner) }, dataChecksums: true } },
    ...(ctx.restore
      ? {
          // A replica cluster replays the source's WAL archive; `promote` turns replica mode off (one declared change).
          replica: { enabled: !ctx.promote, source: ORIGIN },
          externalClusters: [
            { name: ORIGIN, plugin: { name: BARMAN_CLOUD_PLUGIN, parameters: { barmanObjectName: originStoreName(ctx), serverName: ctx.name } } },
          ],
        }
      : {}),
    ...(archiving
      ? { plugins: [{ name: BARMAN_CLOUD_PLUGIN, isWalArchiver: true, parameters: { barmanObjectName: backupStoreName(ctx), serverName: ctx.name } }] }
      : {}),
    storage: { size: ctx.storageSize, storageClass: ctx.storageClass, resizeInUseVolumes: true },
    resources: {
      requests: {
        cpu: ClusterSpecResourcesRequests.fromString(ctx.resources.requests.cpu),
        memory: ClusterSpecResourcesRequests.fromString(ctx.resources.requests.memory),
      },
      limits: {
        memory: ClusterSpecResourcesLimits.fromString(ctx.resources.limits.memory),
        ...(ctx.resources.limits.cpu !== undefined ? { cpu: ClusterSpecResourcesLimits.fromString(ctx.resources.limits.cpu) } : {}),
      },
    },
    podSecurityContext: restrictedPodSecurityContext({ runAsUser: POSTGRES_UID, fsGroup: POSTGRES_UID }),
    securityContext: restrictedContainerSecurityContext(),
    seccompProfile: { type: 'RuntimeDefault' },
    ...(ha
      ? {
          // Instances prefer different zones and never share a node.
          affinity: {
            enablePodAntiAffinity: true,
            topologyKey: ZONE,
            podAntiAffinityType: 'preferred',
            additionalPodAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: HOST, labelSelector: { matchLabels: instanceSelector } }],
            },
          },
          topologySpreadConstraints: [{ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: instanceSelector } }],
        }
      : { affinity: { enablePodAntiAffinity: false } }),
    managed: {
      roles: owners(s).map((owner) => ({
        name: owner,
        ensure: ClusterSpecManagedRolesEnsure.PRESENT,
        login: true,
        // Each owner creates its own database (postgres-databases.ts): no superuser does it for them.
        createdb: true,
        inherit: true,
        passwordSecret: { name: roleSecretName(ctx, owner) },
      })),
      // The client Services below replace the operator's read-only ones.
      services: { disabledDefaultServices: [ClusterSpecManagedServicesDisabledDefaultServices.RO, ClusterSpecManagedServicesDisabledDefaultServices.R] },
    },
    // The server certificate also names the client Services, so `sslmode=verify-full` works through them.
    certificates: { serverAltDnsNames: [...svc(ctx.name), ...svc(`${ctx.name}-read`)] },
  };
}

/** An owner role's password: a basic-auth Secret that CloudNativePG reads, filled from the store. */
function addRoleSecrets(scope: Construct, ctx: EngineContext, common: ExtraObjectContext, s: PostgresSettings): void {
  for (const owner of owners(s)) {
    addExternalSecret(scope, `Role-${owner}`, {
      name: roleSecretName(ctx, owner),
      namespace: ctx.namespace,
      labels: common.labels,
      annotations: common.protectAnnotations,
      data: [{ secretKey: 'password', remoteKey: `${common.credentialRemoteKey}/roles/${owner}`, property: 'password' }],
      // CloudNativePG re-applies a role's password when a Secret it watches (labelled cnpg.io/reload) changes.
      template: { type: 'kubernetes.io/basic-auth', data: { username: owner, password: '{{ .password }}' }, labels: { 'cnpg.io/reload': 'true' } },
    });
  }
}

/**
 * A Barman Cloud `ObjectStore`. The location's prefix ends in `<namespace>/<name>`, and the plugin puts the server
 * name (the cluster's name) below the destination, so the store names the namespace folder: base backups and WAL land
 * in `<prefix>/base` and `<prefix>/wals`, where every other engine keeps its backups too.
 */
function addObjectStore(
  scope: Construct,
  id: string,
  name: string,
  ctx: EngineContext,
  common: ExtraObjectContext,
  location: { readonly bucket: string; readonly prefix: string; readonly endpoint: string; readonly credentialsSecret: string },
  retentionDays?: number,
): void {
  const parent = location.prefix.split('/').slice(0, -1).join('/');
  new ObjectStore(scope, id, {
    metadata: { name, namespace: ctx.namespace, labels: { ...common.labels } },
    spec: {
      configuration: {
        destinationPath: `s3://${location.bucket}/${parent}`,
        endpointUrl: `https://${location.endpoint}`,
        s3Credentials: {
          accessKeyId: { name: location.credentialsSecret, key: 'AWS_ACCESS_KEY_ID' },
          secretAccessKey: { name: location.credentialsSecret, key: 'AWS_SECRET_ACCESS_KEY' },
        },
        wal: { compression: ObjectStoreSpecConfigurationWalCompression.GZIP, maxParallel: 2 },
        data: { compression: ObjectStoreSpecConfigurationDataCompression.GZIP, jobs: 2 },
      },
      ...(retentionDays !== undefined ? { retentionPolicy: `${retentionDays}d` } : {}),
      instanceSidecarConfiguration: {
        resources: {
          requests: {
            cpu: ObjectStoreSpecInstanceSidecarConfigurationResourcesRequests.fromString(BARMAN_SIDECAR_RESOURCES.requests.cpu),
            memory: ObjectStoreSpecInstanceSidecarConfigurationResourcesRequests.fromString(BARMAN_SIDECAR_RESOURCES.requests.memory),
          },
          limits: { memory: ObjectStoreSpecInstanceSidecarConfigurationResourcesLimits.fromString(BARMAN_SIDECAR_RESOURCES.limits.memory) },
        },
      },
    },
  });
}

/** PgBouncer in front of the primary, PSS restricted, spread like the instances. */
function addPooler(scope: Construct, ctx: EngineContext, common: ExtraObjectContext, p: NonNullable<PostgresSettings['pooler']>): void {
  const name = poolerName(ctx);
  const podSelector = { 'cnpg.io/poolerName': name };
  new Pooler(scope, 'Pooler', {
    metadata: { name, namespace: ctx.namespace, labels: { ...common.labels } },
    spec: {
      cluster: { name: ctx.name },
      instances: p.instances,
      type: PoolerSpecType.RW,
      pgbouncer: {
        poolMode: p.poolMode === 'transaction' ? PoolerSpecPgbouncerPoolMode.TRANSACTION : PoolerSpecPgbouncerPoolMode.SESSION,
        parameters: { max_client_conn: String(p.maxClientConnections), default_pool_size: String(p.defaultPoolSize) },
      },
      template: {
        // The datastore's selector labels: clients' egress and the instances' ingress admit the pooler with them.
        metadata: { labels: { ...common.labels, ...selectorLabels(ctx.name) } },
        spec: {
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'pgbouncer',
              // The template's image wins over the operator's default: a pinned, reviewed image.
              image: p.image,
              imagePullPolicy: common.pullPolicy,
              securityContext: restrictedContainerSecurityContext(),
              resources: {
                requests: {
                  cpu: PoolerSpecTemplateSpecContainersResourcesRequests.fromString(POOLER_RESOURCES.requests.cpu),
                  memory: PoolerSpecTemplateSpecContainersResourcesRequests.fromString(POOLER_RESOURCES.requests.memory),
                },
                limits: { memory: PoolerSpecTemplateSpecContainersResourcesLimits.fromString(POOLER_RESOURCES.limits.memory) },
              },
            },
          ],
          ...(p.instances > 1
            ? {
                topologySpreadConstraints: [
                  { maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: podSelector } },
                ],
              }
            : {}),
        },
      },
    },
  });
}

/**
 * The Services applications already use: `<name>` (read-write: the primary, or the pooler in front of it) and
 * `<name>-read` (read-only: the replicas, or the one instance when there are none). Ours rather than the operator's,
 * so their names never change and dist/ shows what clients reach.
 */
function addServices(scope: Construct, ctx: EngineContext, common: ExtraObjectContext, s: PostgresSettings): void {
  const ports = [{ name: POSTGRES_PORT.name, port: POSTGRES_PORT.port, targetPort: IntOrString.fromNumber(POSTGRES_PORT.port), protocol: 'TCP' }];
  const metadata = (name: string) => ({ name, namespace: ctx.namespace, labels: { ...common.labels }, annotations: { ...common.protectAnnotations } });
  new KubeService(scope, 'Service', {
    metadata: metadata(ctx.name),
    spec: {
      type: 'ClusterIP',
      selector: s.pooler ? { 'cnpg.io/poolerName': poolerName(ctx) } : { 'cnpg.io/cluster': ctx.name, 'cnpg.io/instanceRole': 'primary' },
      ports,
    },
  });
  new KubeService(scope, 'ReadService', {
    metadata: metadata(`${ctx.name}-read`),
    spec: {
      type: 'ClusterIP',
      selector:
        ctx.replicas > 1 ? { 'cnpg.io/cluster': ctx.name, 'cnpg.io/instanceRole': 'replica' } : { 'cnpg.io/cluster': ctx.name, 'cnpg.io/podRole': 'instance' },
      ports,
    },
  });
}
