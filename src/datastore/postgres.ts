/**
 * PostgreSQL on CloudNativePG: a `Cluster` (instances from the profile, automated failover), continuous WAL archiving
 * and base backups to object storage through the Barman Cloud plugin, a `ScheduledBackup`, a PgBouncer `Pooler` where
 * asked, databases and their owner roles declared on the datastore, and, in disaster recovery, a replica cluster that
 * follows the source environment's WAL archive until it is promoted. The objects live in `postgres-cluster.ts`, the
 * databases Job in `postgres-databases.ts` and the NetworkPolicies in `postgres-network.ts`.
 */
import { IWorkload, WorkloadPort } from '../core/connections';
import { formatDuration, parseDuration } from '../core/duration';
import { postgresParameterNameProblem, postgresParameterValueProblem } from '../core/encoders';
import { ClientCredential, EndpointAuth, EndpointTls } from '../core/endpoint';
import { PlatformConfigError } from '../core/errors';
import { AlertRule } from '../core/monitoring-registry';
import { addPostgresObjects } from './postgres-cluster';
import { RecoveryPlan } from '../core/recovery-registry';
import { EngineContext, EngineDefinition, downRule, runbook } from './types';

/** A database of the datastore, the role that owns it, and the workloads that use it. */
export interface PostgresDatabase {
  /** Database name: a lowercase SQL identifier (`[a-z_][a-z0-9_]*`, at most 63 characters). */
  readonly name: string;
  /**
   * Role that owns the database; its clients log in as this role. A CloudNativePG managed role whose password the
   * secret store holds at `<credentialsRemoteKey>/roles/<owner>` (property `password`).
   * @default - the database name
   */
  readonly owner?: string;
  /**
   * Workloads that use this database (their connection strings name it and its owner).
   * @default - every client of the datastore that no other database lists
   */
  readonly clients?: ReadonlyArray<IWorkload | PostgresClientRef>;
}

/** A client of a database by name (resolved when a connection is composed). */
export interface PostgresClientRef {
  readonly name: string;
  readonly namespace: string;
}

/** PgBouncer in front of the primary (a CloudNativePG `Pooler` of type `rw`). */
export interface PostgresPoolerOptions {
  /** PgBouncer pods. @default 2 when the profile asks for high availability, else 1 */
  readonly instances?: number;
  /** `session` keeps every session feature; `transaction` multiplexes more clients per server connection. @default 'session' */
  readonly poolMode?: 'session' | 'transaction';
  /** PgBouncer `max_client_conn`. @default 1000 */
  readonly maxClientConnections?: number;
  /** PgBouncer `default_pool_size` (server connections per database and user). @default 20 */
  readonly defaultPoolSize?: number;
  /** PgBouncer image (CloudNativePG's operand image; pinned like every image here). @default POSTGRES_POOLER_IMAGE */
  readonly image?: string;
}

/** Options of {@link Engine.postgres}. */
export interface PostgresEngineOptions {
  /** PostgreSQL version (the tag of CloudNativePG's operand image). @default POSTGRES_DEFAULT_VERSION */
  readonly version?: string;
  /** Full image reference (a digest where the image policy demands one). @default `${POSTGRES_IMAGE_REPOSITORY}:<version>` */
  readonly image?: string;
  /** `max_connections`. @default 100 */
  readonly maxConnections?: number;
  /** Extra postgresql.conf parameters (name → value); parameters CloudNativePG manages itself are rejected. @default - none */
  readonly parameters?: Readonly<Record<string, string>>;
  /** Seconds a replica may lag before the replication-lag alert fires. @default 30 */
  readonly maxReplicationLagSeconds?: number;
  /** The databases, their owners and their clients. @default [{ name: 'app', owner: 'app' }] - one database every client uses */
  readonly databases?: readonly PostgresDatabase[];
  /** PgBouncer in front of the primary: the read-write Service then reaches the pooler. @default - no pooler */
  readonly pooler?: PostgresPoolerOptions;
  /**
   * `archive_timeout`: the longest a written transaction waits before its WAL segment is archived, so the RPO of the
   * WAL archive (a duration from `1m` to `1h`).
   * @default '5m'
   */
  readonly archiveTimeout?: string;
}

export const POSTGRES_DEFAULT_VERSION = '16.4';
/** CloudNativePG's PostgreSQL operand images. */
export const POSTGRES_IMAGE_REPOSITORY = 'ghcr.io/cloudnative-pg/postgresql';
/** CloudNativePG's PgBouncer operand image, named here so the image policy can pin it. */
export const POSTGRES_POOLER_IMAGE = 'ghcr.io/cloudnative-pg/pgbouncer:1.24.1';
/** Name of the Barman Cloud plugin in `Cluster.spec.plugins`, `externalClusters[].plugin` and `ScheduledBackup`. */
export const BARMAN_CLOUD_PLUGIN = 'barman-cloud.cloudnative-pg.io';
/** uid/gid of `postgres` in CloudNativePG's images. */
export const POSTGRES_UID = 26;
/** Roles CloudNativePG reserves for itself. */
const RESERVED_ROLES = new Set(['postgres', 'streaming_replica', 'cnpg_pooler_pgbouncer']);
/** Parameters CloudNativePG sets itself (a value here is refused by its webhook or silently overridden). */
const MANAGED_PARAMETERS = new Set([
  'archive_command',
  'archive_mode',
  'cluster_name',
  'config_file',
  'data_directory',
  'hba_file',
  'hot_standby',
  'ident_file',
  'listen_addresses',
  'port',
  'primary_conninfo',
  'primary_slot_name',
  'recovery_target',
  'restore_command',
  'shared_preload_libraries',
  'ssl',
  'ssl_ca_file',
  'ssl_cert_file',
  'ssl_key_file',
  'synchronous_standby_names',
  'unix_socket_directories',
  'wal_level',
  'wal_log_hints',
  'log_destination',
  'log_directory',
  'log_filename',
  'logging_collector',
]);
const DEFAULT_MAX_CONNECTIONS = 100;
const DEFAULT_MAX_LAG_SECONDS = 30;
const DEFAULT_ARCHIVE_TIMEOUT = '5m';
const SQL_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
export const POSTGRES_PORT: WorkloadPort = { name: 'postgresql', port: 5432 };
/** The instance manager's status port (the operator and the instances talk to it). */
export const POSTGRES_STATUS_PORT: WorkloadPort = { name: 'status', port: 8000 };
export const POSTGRES_METRICS_PORT: WorkloadPort = { name: 'metrics', port: 9187 };
export const POOLER_METRICS_PORT: WorkloadPort = { name: 'metrics', port: 9127 };

/** A database with its defaults resolved. */
export interface ResolvedDatabase {
  readonly name: string;
  readonly owner: string;
  readonly clients?: ReadonlyArray<{ readonly name: string; readonly namespace: string }>;
}

/** Everything the object builders need, resolved once from the options. */
export interface PostgresSettings {
  readonly image: string;
  readonly maxConnections: number;
  readonly parameters: Readonly<Record<string, string>>;
  readonly databases: readonly ResolvedDatabase[];
  readonly pooler?: Required<PostgresPoolerOptions>;
  readonly archiveTimeoutSeconds: number;
}

/** Owners in order of first appearance (each is one managed role with one password Secret). */
export function owners(s: PostgresSettings): string[] {
  return [...new Set(s.databases.map((d) => d.owner))];
}

/** The Secret (basic-auth, filled from the store) holding an owner role's password. */
export function roleSecretName(ctx: { readonly name: string }, owner: string): string {
  return `${ctx.name}-role-${owner.replace(/_/g, '-')}`;
}

/** Name of the pooler, and of the Service CloudNativePG gives it (it must differ from the cluster's name). */
export function poolerName(ctx: { readonly name: string }): string {
  return `${ctx.name}-pooler`;
}

/** Whether the datastore is a replica cluster following another environment's archive. */
export function follows(ctx: EngineContext): boolean {
  return ctx.restore !== undefined && !ctx.promote;
}

/** `s3://bucket/prefix` of an object-store location. */
export function s3Url(l: { readonly bucket: string; readonly prefix: string }): string {
  return `s3://${l.bucket}/${l.prefix}`;
}

/** PostgreSQL run by CloudNativePG. */
export function postgresEngine(o: PostgresEngineOptions = {}): EngineDefinition {
  const version = o.version ?? POSTGRES_DEFAULT_VERSION;
  const maxLag = o.maxReplicationLagSeconds ?? DEFAULT_MAX_LAG_SECONDS;
  const archiveTimeout = o.archiveTimeout ?? DEFAULT_ARCHIVE_TIMEOUT;
  const settings = (ctx: EngineContext): PostgresSettings => ({
    image: o.image ?? `${POSTGRES_IMAGE_REPOSITORY}:${version}`,
    maxConnections: o.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    parameters: o.parameters ?? {},
    databases: (o.databases ?? [{ name: 'app', owner: 'app' }]).map((d) => ({
      name: d.name,
      owner: d.owner ?? d.name,
      clients: d.clients?.map((c) => ('node' in c ? { name: (c as IWorkload).workloadName, namespace: (c as IWorkload).namespace } : (c as PostgresClientRef))),
    })),
    pooler: o.pooler
      ? {
          instances: o.pooler.instances ?? (ctx.highAvailability ? 2 : 1),
          poolMode: o.pooler.poolMode ?? 'session',
          maxClientConnections: o.pooler.maxClientConnections ?? 1000,
          defaultPoolSize: o.pooler.defaultPoolSize ?? 20,
          image: o.pooler.image ?? POSTGRES_POOLER_IMAGE,
        }
      : undefined,
    archiveTimeoutSeconds: parseDuration(archiveTimeout) ?? 300,
  });

  /** The database (and so the role) a client uses: the one that lists it, else the one open to every client. */
  const databaseOf = (ctx: EngineContext, clientName: string, clientNamespace: string): ResolvedDatabase => {
    const dbs = settings(ctx).databases;
    const listed = dbs.filter((d) => d.clients?.some((c) => c.name === clientName && c.namespace === clientNamespace));
    if (listed.length === 1 && listed[0]) return listed[0];
    const open = dbs.filter((d) => d.clients === undefined);
    if (listed.length === 0 && open.length === 1 && open[0]) return open[0];
    const names = dbs.map((d) => d.name).join(', ');
    const why =
      listed.length > 1
        ? `it is listed by ${listed.length} databases (${listed.map((d) => d.name).join(', ')}); a client connects as the owner of one`
        : `no database lists it among its clients and ${open.length === 0 ? 'none is' : 'more than one is'} open to every client; add it to the clients of one of: ${names}`;
    throw new PlatformConfigError(ctx.path, 'engine.databases', `${clientNamespace}/${clientName}`, why);
  };

  return {
    id: 'postgresql',
    displayName: 'PostgreSQL',
    version,
    requires: ['cloudnative-pg'],
    minStorage: '1Gi',
    minHaReplicas: 2,
    defaultHaReplicas: 3,
    credentialKeys: [],
    operatorManaged: true,
    nativeRestore: true,
    objectStoreBackups: true,
    metrics: { port: POSTGRES_METRICS_PORT, path: '/metrics' },
    clientPorts: () => [POSTGRES_PORT],
    peerPorts: () => [POSTGRES_PORT, POSTGRES_STATUS_PORT],
    claimPattern: (ctx) => `${ctx.name}-[0-9]+(-wal)?`,
    validate: (ctx, fail) => {
      const s = settings(ctx);
      if (!Number.isInteger(s.maxConnections) || s.maxConnections < 10) fail('engine.maxConnections', s.maxConnections, 'must be an integer of at least 10');
      const timeout = parseDuration(archiveTimeout);
      if (timeout === undefined || timeout < 60 || timeout > 3600)
        fail('engine.archiveTimeout', archiveTimeout, 'must be a duration from "1m" to "1h" (it bounds the RPO of the WAL archive)');
      // CloudNativePG writes each parameter as a postgresql.conf line: names and values it cannot hold are refused.
      for (const [k, v] of Object.entries(s.parameters)) {
        const nameProblem = postgresParameterNameProblem(k);
        if (nameProblem) fail('engine.parameters', k, nameProblem);
        if (MANAGED_PARAMETERS.has(k)) fail(`engine.parameters.${k}`, v, 'is set by CloudNativePG itself; remove it');
        const valueProblem = postgresParameterValueProblem(v);
        if (valueProblem) fail(`engine.parameters.${k}`, v, valueProblem);
      }
      if (s.databases.length === 0) fail('engine.databases', [], 'must declare at least one database');
      const seen = new Set<string>();
      s.databases.forEach((d, i) => {
        if (!SQL_IDENTIFIER.test(d.name))
          fail(`engine.databases[${i}].name`, d.name, 'must be a lowercase SQL identifier: [a-z_][a-z0-9_]*, at most 63 characters');
        if (seen.has(d.name)) fail(`engine.databases[${i}].name`, d.name, 'is declared twice; database names are unique');
        seen.add(d.name);
        if (!SQL_IDENTIFIER.test(d.owner))
          fail(`engine.databases[${i}].owner`, d.owner, 'must be a lowercase SQL identifier: [a-z_][a-z0-9_]*, at most 63 characters');
        if (RESERVED_ROLES.has(d.owner) || d.owner.startsWith('pg_'))
          fail(`engine.databases[${i}].owner`, d.owner, 'is a role CloudNativePG or PostgreSQL reserves; choose another owner');
        if (['postgres', 'template0', 'template1'].includes(d.name))
          fail(`engine.databases[${i}].name`, d.name, 'is a database PostgreSQL creates itself; choose another name');
      });
      if (s.pooler) {
        if (!Number.isInteger(s.pooler.instances) || s.pooler.instances < 1) fail('engine.pooler.instances', s.pooler.instances, 'must be a positive integer');
        if (!['session', 'transaction'].includes(s.pooler.poolMode)) fail('engine.pooler.poolMode', s.pooler.poolMode, 'must be "session" or "transaction"');
        for (const k of ['maxClientConnections', 'defaultPoolSize'] as const) {
          if (!Number.isInteger(s.pooler[k]) || s.pooler[k] < 1) fail(`engine.pooler.${k}`, s.pooler[k], 'must be a positive integer');
        }
      }
    },
    endpoints: (ctx, credentialRemoteKey) => {
      const tls = (service: string) =>
        EndpointTls.required({
          ca: { kind: 'Secret', namespace: ctx.namespace, name: `${ctx.name}-ca`, key: 'ca.crt' },
          serverName: `${service}.${ctx.namespace}.svc`,
        });
      const clientCredential = (clientName: string, clientNamespace: string): ClientCredential => {
        const db = databaseOf(ctx, clientName, clientNamespace);
        return { remoteKey: `${credentialRemoteKey}/roles/${db.owner}`, passwordProperty: 'password', user: db.owner, database: db.name };
      };
      const auth = EndpointAuth.perClientPassword();
      return [
        { name: 'rw', service: ctx.name, port: POSTGRES_PORT, protocol: 'postgresql', tls: tls(ctx.name), auth, clientCredential },
        { name: 'ro', service: `${ctx.name}-read`, port: POSTGRES_PORT, protocol: 'postgresql', tls: tls(`${ctx.name}-read`), auth, clientCredential },
      ];
    },
    recoveryPlans: (ctx): RecoveryPlan[] => {
      const s = settings(ctx);
      const plans: RecoveryPlan[] = [];
      const timeout = formatDuration(s.archiveTimeoutSeconds);
      if (follows(ctx)) {
        plans.push({
          method: `replica cluster following the WAL archive ${s3Url(ctx.restore!)} (archive_timeout ${timeout})`,
          rpoSeconds: s.archiveTimeoutSeconds,
        });
      } else if (ctx.backup) {
        plans.push({
          method: `continuous WAL archiving to ${s3Url(ctx.backup)} (Barman Cloud plugin, archive_timeout ${timeout})`,
          rpoSeconds: s.archiveTimeoutSeconds,
        });
      }
      return plans;
    },
    restorePath: (ctx) => {
      if (follows(ctx))
        return `replica cluster of ${s3Url(ctx.restore!)}: promote it with \`promote: true\` (the profile's backups or the datastore's restore)`;
      if (ctx.restore)
        return `promoted replica of ${s3Url(ctx.restore)}; its own base backups and WAL go to ${ctx.backup ? s3Url(ctx.backup) : 'nowhere (backups are off)'}`;
      if (ctx.backup)
        return `a new Cluster with \`bootstrap.recovery\` from ${s3Url(ctx.backup)} (any point in time within the retention), e.g. a DR environment with \`restoreFrom\``;
      return 'none: backups are off (Velero cannot snapshot what is not scheduled)';
    },
    config: () => ({}),
    roles: () => [],
    rules: (ctx, sel) => {
      const rules: AlertRule[] = [
        downRule(
          'PostgresqlDown',
          'PostgreSQL',
          ctx,
          'cnpg_collector_up',
          sel,
          'The CloudNativePG instance manager cannot reach PostgreSQL on pod {{ $labels.pod }}.',
        ),
      ];
      if (ctx.replicas > 1) {
        rules.push({
          alert: 'PostgresqlReplicationLag',
          expr: `cnpg_pg_replication_lag{${sel}} > ${maxLag}`,
          for: '5m',
          severity: 'warning',
          summary: `PostgreSQL ${ctx.namespace}/${ctx.name} replica lags behind the primary`,
          description: `Replica {{ $labels.pod }} is {{ $value | humanizeDuration }} behind (threshold ${maxLag}s).`,
          runbookUrl: runbook('PostgresqlReplicationLag'),
        });
      }
      if (ctx.backup && !follows(ctx)) {
        rules.push({
          alert: 'PostgresqlWalArchivingFailing',
          expr: `cnpg_pg_stat_archiver_last_failed_time{${sel}} - cnpg_pg_stat_archiver_last_archived_time{${sel}} > 0`,
          for: '5m',
          severity: 'critical',
          summary: `PostgreSQL ${ctx.namespace}/${ctx.name} cannot archive WAL`,
          description:
            'The last WAL archive attempt on {{ $labels.pod }} failed: the recovery point objective is no longer met and WAL piles up on the volume.',
          runbookUrl: runbook('PostgresqlWalArchivingFailing'),
        });
      }
      return rules;
    },
    extraObjects: (scope, ctx, common) => addPostgresObjects(scope, ctx, common, settings(ctx)),
  };
}
