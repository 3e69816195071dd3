import { WorkloadPort } from '../core/connections';
import { EndpointAuth, EndpointTls } from '../core/endpoint';
import { AlertRule } from '../core/monitoring-registry';
import {
  BackupPlan, BackupTarget, EngineContext, EngineDefinition, RestorePlan, RestoreSource, RoleSpec, SIDECAR_RESOURCES, configVolume, containerPort, env, execShell,
  exporterProbes, probes, resourcesJson, runbook, scratch, secretEnv, downRule } from './types';

/** Options of {@link Engine.postgres}. */
export interface PostgresEngineOptions {
  /** PostgreSQL version (the image tag). @default POSTGRES_DEFAULT_VERSION */
  readonly version?: string;
  /** Full image reference (use a digest where the image policy demands one). @default docker.io/library/postgres:<version> */
  readonly image?: string;
  /** postgres_exporter image. @default POSTGRES_EXPORTER_IMAGE */
  readonly exporterImage?: string;
  /** `max_connections`. @default 100 */
  readonly maxConnections?: number;
  /** Extra postgresql.conf parameters (name → value, written verbatim). @default - none */
  readonly parameters?: Readonly<Record<string, string>>;
  /** Seconds a replica may lag before the replication-lag alert fires. @default 30 */
  readonly maxReplicationLagSeconds?: number;
}

export const POSTGRES_DEFAULT_VERSION = '16.4';
export const POSTGRES_EXPORTER_IMAGE = 'quay.io/prometheuscommunity/postgres-exporter:v0.15.0';
const DEFAULT_MAX_CONNECTIONS = 100;
const DEFAULT_MAX_LAG_SECONDS = 30;
/** uid/gid of the `postgres` user in the official Debian image. */
const POSTGRES_UID = 999;
const PORT: WorkloadPort = { name: 'postgresql', port: 5432 };
const METRICS: WorkloadPort = { name: 'metrics', port: 9187 };
const DATA_DIR = '/var/lib/postgresql/data';
/** A subdirectory, because the volume's root holds lost+found and initdb wants an empty directory. */
const PGDATA = `${DATA_DIR}/pgdata`;
const REPLICATION_USER = 'replicator';

/** PostgreSQL: a primary StatefulSet and, with HA, a StatefulSet of streaming read replicas. */
export function postgresEngine(o: PostgresEngineOptions = {}): EngineDefinition {
  const version = o.version ?? POSTGRES_DEFAULT_VERSION;
  const image = o.image ?? `docker.io/library/postgres:${version}`;
  const exporterImage = o.exporterImage ?? POSTGRES_EXPORTER_IMAGE;
  const maxConnections = o.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  const maxLag = o.maxReplicationLagSeconds ?? DEFAULT_MAX_LAG_SECONDS;

  const primaryHost = (ctx: EngineContext) => ctx.podFqdn('', 0);

  const serverContainer = (ctx: EngineContext, role: 'primary' | 'replica') => ({
    name: 'postgresql',
    image,
    command: ['bash', '/etc/postgresql/start.sh'],
    env: [
      env('PGDATA', PGDATA),
      env('PG_ROLE', role),
      env('PRIMARY_HOST', primaryHost(ctx)),
      env('POSTGRES_USER', 'postgres'),
      secretEnv('POSTGRES_PASSWORD', ctx.credentialsSecret),
      secretEnv('REPLICATION_PASSWORD', ctx.credentialsSecret),
    ],
    ports: [containerPort(PORT)],
    resources: resourcesJson(ctx.resources),
    ...probes(execShell('pg_isready -h 127.0.0.1 -p 5432 -U postgres -q'), 3600),
    volumeMounts: [
      { name: 'data', mountPath: DATA_DIR },
      { name: 'config', mountPath: '/etc/postgresql' },
      { name: 'initdb', mountPath: '/docker-entrypoint-initdb.d' },
      scratch('run', '/var/run/postgresql').mount,
      scratch('tmp', '/tmp').mount,
    ],
  });

  const exporter = (ctx: EngineContext) => ({
    name: 'metrics',
    image: exporterImage,
    env: [
      env('DATA_SOURCE_URI', '127.0.0.1:5432/postgres?sslmode=disable'),
      env('DATA_SOURCE_USER', 'postgres'),
      secretEnv('DATA_SOURCE_PASS', ctx.credentialsSecret, 'POSTGRES_PASSWORD'),
    ],
    ports: [containerPort(METRICS)],
    resources: resourcesJson(SIDECAR_RESOURCES),
    ...exporterProbes('/', METRICS.name),
  });

  const volumes = (ctx: EngineContext) => [
    configVolume('config', ctx.configMap, ['postgresql.conf', 'pg_hba.conf', 'start.sh']),
    configVolume('initdb', ctx.configMap, [['initdb-replication-user.sh', '10-replication-user.sh']]),
    scratch('run', '/var/run/postgresql').volume,
    scratch('tmp', '/tmp').volume,
  ];

  return {
    id: 'postgresql',
    displayName: 'PostgreSQL',
    version,
    minStorage: '1Gi',
    minHaReplicas: 2,
    defaultHaReplicas: 3,
    credentialKeys: ['POSTGRES_PASSWORD', 'REPLICATION_PASSWORD'],
    clientComponent: 'primary',
    readComponent: 'read',
    metrics: { port: METRICS, path: '/metrics' },
    clientPorts: () => [PORT],
    peerPorts: () => [PORT],
    // `rw` reaches the primary (Service `<name>`), `ro` the streaming replicas (Service `<name>-read`, HA only).
    endpoints: (ctx, remoteKey) => {
      const auth = EndpointAuth.password('postgres', { remoteKey, passwordProperty: 'POSTGRES_PASSWORD' });
      const rw = { name: 'rw', service: ctx.name, port: PORT, protocol: 'postgresql', tls: EndpointTls.disabled(), auth };
      return ctx.replicas > 1 ? [rw, { ...rw, name: 'ro', service: `${ctx.name}-read` }] : [rw];
    },
    validate: (_ctx, fail) => {
      if (!Number.isInteger(maxConnections) || maxConnections < 10) fail('engine.maxConnections', maxConnections, 'must be an integer of at least 10');
    },
    config: () => {
      const params: Record<string, string> = {
        listen_addresses: "'*'",
        port: '5432',
        max_connections: String(maxConnections),
        password_encryption: 'scram-sha-256',
        hba_file: "'/etc/postgresql/pg_hba.conf'",
        unix_socket_directories: "'/var/run/postgresql'",
        // Streaming replication: WAL kept by size rather than slots, so a removed replica can never fill the disk.
        wal_level: 'replica',
        max_wal_senders: '10',
        wal_keep_size: "'1GB'",
        hot_standby: 'on',
        hot_standby_feedback: 'on',
        ...o.parameters,
      };
      return {
        'postgresql.conf': Object.entries(params).map(([k, v]) => `${k} = ${v}`).join('\n') + '\n',
        'pg_hba.conf': [
          '# The unix socket lives in a pod-private emptyDir; only the containers of the pod reach it.',
          'local all all trust',
          `host replication ${REPLICATION_USER} 0.0.0.0/0 scram-sha-256`,
          `host replication ${REPLICATION_USER} ::/0 scram-sha-256`,
          'host all all 0.0.0.0/0 scram-sha-256',
          'host all all ::/0 scram-sha-256',
          '',
        ].join('\n'),
        'initdb-replication-user.sh': [
          '#!/bin/bash',
          '# Runs once, when the primary initialises an empty volume: the role replicas stream WAL with.',
          '# Sourced by the image entrypoint (not executable), so it leaves the shell options alone.',
          'psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres --set=pw="$REPLICATION_PASSWORD" <<\'SQL\'',
          `CREATE ROLE ${REPLICATION_USER} WITH REPLICATION LOGIN PASSWORD :'pw';`,
          'SQL',
          '',
        ].join('\n'),
        'start.sh': [
          '#!/bin/bash',
          '# The primary runs the image entrypoint (initdb on an empty volume). A replica clones the primary with',
          '# pg_basebackup on first start, then streams WAL from it (primary_conninfo); passwords stay in a',
          '# pod-private passfile, never on a command line.',
          'set -euo pipefail',
          'CONF=(-c config_file=/etc/postgresql/postgresql.conf)',
          'if [ "$PG_ROLE" = "primary" ]; then exec docker-entrypoint.sh postgres "${CONF[@]}"; fi',
          'umask 077',
          `echo "*:5432:*:${REPLICATION_USER}:$REPLICATION_PASSWORD" > /tmp/.pgpass`,
          'export PGPASSFILE=/tmp/.pgpass',
          'if [ ! -s "$PGDATA/PG_VERSION" ]; then',
          '  until pg_isready -h "$PRIMARY_HOST" -p 5432 -q; do echo "waiting for $PRIMARY_HOST"; sleep 2; done',
          '  rm -rf "$PGDATA"',
          `  pg_basebackup -h "$PRIMARY_HOST" -p 5432 -U ${REPLICATION_USER} -D "$PGDATA" -X stream -c fast`,
          '  chmod 0700 "$PGDATA"',
          'fi',
          'touch "$PGDATA/standby.signal"',
          `exec postgres "\${CONF[@]}" -c "primary_conninfo=host=$PRIMARY_HOST port=5432 user=${REPLICATION_USER} passfile=/tmp/.pgpass application_name=$HOSTNAME"`,
          '',
        ].join('\n'),
      };
    },
    roles: (ctx) => {
      const common = {
        quorum: false,
        podManagementPolicy: 'OrderedReady' as const,
        uid: POSTGRES_UID,
        storageSize: ctx.storageSize,
        ports: [PORT, METRICS],
        metrics: true,
        terminationGracePeriodSeconds: 120,
      };
      const roles: RoleSpec[] = [{
        ...common,
        suffix: '',
        component: 'primary',
        replicas: 1,
        containers: [serverContainer(ctx, 'primary'), exporter(ctx)],
        volumes: volumes(ctx),
      }];
      if (ctx.replicas > 1) {
        roles.push({
          ...common,
          suffix: '-replica',
          component: 'read',
          replicas: ctx.replicas - 1,
          containers: [serverContainer(ctx, 'replica'), exporter(ctx)],
          volumes: volumes(ctx),
        });
      }
      return roles;
    },
    backup: (ctx: EngineContext, _b: BackupTarget): BackupPlan => ({
      steps: [{
        name: 'dump',
        image,
        command: ['bash', '-c', [
          'set -euo pipefail',
          // The read Service spares the primary when replicas exist.
          `pg_dumpall -h "$DUMP_HOST" -U postgres --clean --if-exists | gzip > "/backup/${ctx.name}-$(date -u +%Y%m%dT%H%M%SZ).sql.gz"`,
        ].join('\n')],
        env: [
          env('DUMP_HOST', ctx.replicas > 1 ? ctx.serviceFqdn(`${ctx.name}-read`) : ctx.serviceFqdn(ctx.name)),
          secretEnv('PGPASSWORD', ctx.credentialsSecret, 'POSTGRES_PASSWORD'),
        ],
      }],
      upload: true,
    }),
    restore: (ctx: EngineContext, _s: RestoreSource): RestorePlan => ({
      // Only the primary StatefulSet restores; replicas still clone the restored primary with pg_basebackup.
      mode: 'init',
      objectPattern: `${ctx.name}-*.sql.gz`,
      skipWhen: `[ -s "${PGDATA}/PG_VERSION" ]`,
      dataMountPath: DATA_DIR,
      steps: [{
        name: 'restore',
        image,
        command: ['bash', '-c', [
          'set -euo pipefail',
          'shopt -s nullglob',
          `DUMPS=(/restore/${ctx.name}-*.sql.gz)`,
          '[ ${#DUMPS[@]} -gt 0 ] || exit 0',
          // Built beside PGDATA and renamed at the end: an interrupted restore never looks like a complete one.
          'STAGE="$PGDATA.restoring"',
          'rm -rf "$STAGE"',
          'umask 077',
          `printf '%s\\n' "$POSTGRES_PASSWORD" > /tmp/.pwfile`,
          'initdb -D "$STAGE" --username=postgres --pwfile=/tmp/.pwfile --auth-local=trust --auth-host=scram-sha-256',
          'rm -f /tmp/.pwfile',
          `pg_ctl -D "$STAGE" -w -t 3600 -o "-c listen_addresses='' -c unix_socket_directories=/var/run/postgresql" start`,
          // pg_dumpall --clean output re-creates the role it connects as and expects that one statement to fail.
          'gunzip -c "${DUMPS[-1]}" | psql -X -q -h /var/run/postgresql -U postgres -d postgres >/dev/null',
          // The dump carries the source environment's password hashes: this environment's secrets win.
          `psql -X -v ON_ERROR_STOP=1 -h /var/run/postgresql -U postgres -d postgres --set=pw="$POSTGRES_PASSWORD" --set=rpw="$REPLICATION_PASSWORD" <<'SQL'`,
          "ALTER ROLE postgres WITH PASSWORD :'pw';",
          `SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${REPLICATION_USER}') AS missing \\gset`,
          '\\if :missing',
          `CREATE ROLE ${REPLICATION_USER} WITH REPLICATION LOGIN;`,
          '\\endif',
          `ALTER ROLE ${REPLICATION_USER} WITH REPLICATION LOGIN PASSWORD :'rpw';`,
          'SQL',
          'pg_ctl -D "$STAGE" -m fast -w stop',
          'rm -rf "$PGDATA"',
          'mv "$STAGE" "$PGDATA"',
          'echo "restore: $(basename "${DUMPS[-1]}") restored into $PGDATA"',
        ].join('\n')],
        env: [
          env('PGDATA', PGDATA),
          secretEnv('POSTGRES_PASSWORD', ctx.credentialsSecret),
          secretEnv('REPLICATION_PASSWORD', ctx.credentialsSecret),
        ],
        resources: resourcesJson(ctx.resources),
        volumeMounts: [
          { name: 'data', mountPath: DATA_DIR },
          scratch('run', '/var/run/postgresql').mount,
          scratch('tmp', '/tmp').mount,
        ],
      }],
    }),
    rules: (ctx, sel) => {
      const rules: AlertRule[] = [downRule('PostgresqlDown', 'PostgreSQL', ctx, 'pg_up', sel, 'postgres_exporter cannot reach PostgreSQL on pod {{ $labels.pod }}.')];
      if (ctx.replicas > 1) {
        rules.push({
          alert: 'PostgresqlReplicationLag',
          expr: `pg_replication_lag_seconds{${sel}} > ${maxLag}`,
          for: '5m',
          severity: 'warning',
          summary: `PostgreSQL ${ctx.namespace}/${ctx.name} replica lags behind the primary`,
          description: `Replica {{ $labels.pod }} is {{ $value | humanizeDuration }} behind (threshold ${maxLag}s).`,
          runbookUrl: runbook('PostgresqlReplicationLag'),
        });
      }
      return rules;
    },
  };
}
