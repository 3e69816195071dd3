import { WorkloadPort } from '../core/connections';
import { clickhouseString, expandingEnv, objectStoreUrl, xmlElement, xmlName } from '../core/encoders';
import { EndpointAuth, EndpointTls } from '../core/endpoint';
import { AlertRule } from '../core/monitoring-registry';
import {
  BackupPlan,
  BackupTarget,
  EngineContext,
  EngineDefinition,
  EngineEndpoint,
  RestorePlan,
  RestoreSource,
  RoleSpec,
  configVolume,
  containerPort,
  env,
  probes,
  resourcesJson,
  runbook,
  scratch,
  secretEnv,
  downRule,
} from './types';

/** Options of {@link Engine.clickhouse}. */
export interface ClickHouseEngineOptions {
  /** ClickHouse version (image tag of clickhouse-server and clickhouse-keeper). @default CLICKHOUSE_DEFAULT_VERSION */
  readonly version?: string;
  /** @default docker.io/clickhouse/clickhouse-server:<version> */
  readonly image?: string;
  /** @default docker.io/clickhouse/clickhouse-keeper:<version> */
  readonly keeperImage?: string;
  /** ClickHouse Keeper nodes when the profile asks for HA (replicated tables); an odd number, at least 3. @default 3 */
  readonly keeperReplicas?: number;
  /** Volume of each Keeper node. @default '2Gi' */
  readonly keeperStorageSize?: string;
  /** Seconds a replica may lag before the alert fires. @default 300 */
  readonly maxReplicaDelaySeconds?: number;
}

export const CLICKHOUSE_DEFAULT_VERSION = '24.8.4.13';
const DEFAULT_KEEPER_REPLICAS = 3;
const DEFAULT_KEEPER_STORAGE = '2Gi';
const DEFAULT_MAX_DELAY_SECONDS = 300;
/** uid/gid of the `clickhouse` user in the official images. */
const CLICKHOUSE_UID = 101;
const HTTP: WorkloadPort = { name: 'http', port: 8123 };
const NATIVE: WorkloadPort = { name: 'native', port: 9000 };
const INTERSERVER: WorkloadPort = { name: 'interserver', port: 9009 };
const KEEPER: WorkloadPort = { name: 'keeper', port: 9181 };
const RAFT: WorkloadPort = { name: 'raft', port: 9234 };
const METRICS: WorkloadPort = { name: 'metrics', port: 9363 };
const KEEPER_RESOURCES = { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } };
const ADMIN_USER = 'admin';

const PROMETHEUS_XML = `  <prometheus>
    <endpoint>/metrics</endpoint>
    <port>${METRICS.port}</port>
    <metrics>true</metrics>
    <events>true</events>
    <asynchronous_metrics>true</asynchronous_metrics>
  </prometheus>`;

/** What BACKUP and RESTORE cover: every database but the system ones, on every replica in HA (the name encoded for SQL). */
function allDatabases(ctx: EngineContext): string {
  return `ALL EXCEPT DATABASES system, information_schema, INFORMATION_SCHEMA${ctx.highAvailability ? ` ON CLUSTER ${clickhouseString(ctx.name)}` : ''}`;
}

/** ClickHouse: one server, or (HA) one shard of replicas coordinated by a ClickHouse Keeper quorum. */
export function clickhouseEngine(o: ClickHouseEngineOptions = {}): EngineDefinition {
  const version = o.version ?? CLICKHOUSE_DEFAULT_VERSION;
  const image = o.image ?? `docker.io/clickhouse/clickhouse-server:${version}`;
  const keeperImage = o.keeperImage ?? `docker.io/clickhouse/clickhouse-keeper:${version}`;
  const keepers = o.keeperReplicas ?? DEFAULT_KEEPER_REPLICAS;
  const keeperSize = o.keeperStorageSize ?? DEFAULT_KEEPER_STORAGE;
  const maxDelay = o.maxReplicaDelaySeconds ?? DEFAULT_MAX_DELAY_SECONDS;

  return {
    id: 'clickhouse',
    displayName: 'ClickHouse',
    version,
    minStorage: '1Gi',
    minHaReplicas: 2,
    defaultHaReplicas: 2,
    credentialKeys: ['CLICKHOUSE_ADMIN_PASSWORD'],
    metrics: { port: METRICS, path: '/metrics' },
    clientPorts: () => [HTTP, NATIVE],
    // Both protocols in plain text inside the cluster, as the `admin` user of users.xml.
    endpoints: (ctx, remoteKey): EngineEndpoint[] => {
      const auth = EndpointAuth.password(ADMIN_USER, { remoteKey, passwordProperty: 'CLICKHOUSE_ADMIN_PASSWORD' });
      return [
        { name: 'http', service: ctx.name, port: HTTP, protocol: 'http', tls: EndpointTls.disabled(), auth },
        { name: 'native', service: ctx.name, port: NATIVE, protocol: 'clickhouse', tls: EndpointTls.disabled(), auth },
      ];
    },
    peerPorts: (ctx) => (ctx.highAvailability ? [HTTP, NATIVE, INTERSERVER, KEEPER, RAFT] : [HTTP, NATIVE]),
    validate: (ctx, fail) => {
      if (ctx.highAvailability && (!Number.isInteger(keepers) || keepers < 3 || keepers % 2 === 0)) {
        fail('engine.keeperReplicas', keepers, 'must be an odd number of at least 3, so a majority of ClickHouse Keeper nodes survives losing one');
      }
    },
    config: (ctx) => {
      const replicated = ctx.highAvailability;
      const replicas = Array.from(
        { length: ctx.replicas },
        (_, i) =>
          `        <replica>${xmlElement('host', ctx.podFqdn('', i))}${xmlElement('port', NATIVE.port)}${xmlElement('user', ADMIN_USER)}<password from_env="CLICKHOUSE_ADMIN_PASSWORD"/></replica>`,
      );
      // The datastore's name names the cluster element (ClickHouse's syntax): a DNS-1035 label is an XML name.
      const cluster = xmlName(ctx.name);
      const keeperHosts = Array.from({ length: keepers }, (_, i) => ctx.podFqdn('-keeper', i));
      const server = [
        '<clickhouse>',
        '  <listen_host>0.0.0.0</listen_host>',
        `  <http_port>${HTTP.port}</http_port>`,
        `  <tcp_port>${NATIVE.port}</tcp_port>`,
        `  <interserver_http_port>${INTERSERVER.port}</interserver_http_port>`,
        '  <interserver_http_host from_env="POD_FQDN"/>',
        '  <logger><level>information</level><console>1</console><log remove="1"/><errorlog remove="1"/></logger>',
        PROMETHEUS_XML,
        // Backups go straight to the object store with the backup secret's AWS_* variables.
        '  <s3><use_environment_credentials>true</use_environment_credentials></s3>',
      ];
      if (replicated) {
        server.push(
          '  <remote_servers>',
          `    <${cluster}>`,
          '      <shard>',
          '        <internal_replication>true</internal_replication>',
          ...replicas,
          '      </shard>',
          `    </${cluster}>`,
          '  </remote_servers>',
          '  <zookeeper>',
          ...keeperHosts.map((h) => `    <node>${xmlElement('host', h)}${xmlElement('port', KEEPER.port)}</node>`),
          '  </zookeeper>',
          `  <macros>${xmlElement('cluster', ctx.name)}<shard>01</shard><replica from_env="POD_FQDN"/></macros>`,
          '  <distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>',
        );
      }
      server.push('</clickhouse>', '');
      const files: Record<string, string> = {
        'server.xml': server.join('\n'),
        // The admin password is read from the environment by the server itself (from_env), never written here.
        'users.xml': [
          '<clickhouse>',
          '  <users>',
          '    <default remove="1"/>',
          `    <${ADMIN_USER}>`,
          '      <password from_env="CLICKHOUSE_ADMIN_PASSWORD"/>',
          '      <networks><ip>::/0</ip></networks>',
          '      <profile>default</profile>',
          '      <quota>default</quota>',
          '      <access_management>1</access_management>',
          `    </${ADMIN_USER}>`,
          '  </users>',
          '</clickhouse>',
          '',
        ].join('\n'),
      };
      if (replicated) {
        files['keeper.xml'] = [
          '<clickhouse>',
          '  <listen_host>0.0.0.0</listen_host>',
          '  <logger><level>information</level><console>1</console><log remove="1"/><errorlog remove="1"/></logger>',
          PROMETHEUS_XML,
          '  <keeper_server>',
          `    <tcp_port>${KEEPER.port}</tcp_port>`,
          '    <server_id from_env="KEEPER_SERVER_ID"/>',
          '    <log_storage_path>/var/lib/clickhouse-keeper/coordination/log</log_storage_path>',
          '    <snapshot_storage_path>/var/lib/clickhouse-keeper/coordination/snapshots</snapshot_storage_path>',
          '    <coordination_settings><operation_timeout_ms>10000</operation_timeout_ms><session_timeout_ms>30000</session_timeout_ms></coordination_settings>',
          '    <raft_configuration>',
          ...keeperHosts.map((h, i) => `      <server>${xmlElement('id', i + 1)}${xmlElement('hostname', h)}${xmlElement('port', RAFT.port)}</server>`),
          '    </raft_configuration>',
          '  </keeper_server>',
          '</clickhouse>',
          '',
        ].join('\n');
      }
      return files;
    },
    roles: (ctx) => {
      const tmp = scratch('tmp', '/tmp');
      const logs = scratch('logs', '/var/log/clickhouse-server', '64Mi');
      const podFqdn = expandingEnv('POD_FQDN', '$(POD_NAME).{0}', `${ctx.headlessService}.${ctx.namespace}.svc.cluster.local`);
      const backupEnv = ctx.backup
        ? [secretEnv('AWS_ACCESS_KEY_ID', ctx.backup.credentialsSecret), secretEnv('AWS_SECRET_ACCESS_KEY', ctx.backup.credentialsSecret)]
        : [];
      const roles: RoleSpec[] = [
        {
          suffix: '',
          component: 'server',
          replicas: ctx.replicas,
          quorum: false,
          // Replicas of a shard start independently; ordered start would only slow recovery.
          podManagementPolicy: 'Parallel',
          uid: CLICKHOUSE_UID,
          storageSize: ctx.storageSize,
          ports: ctx.highAvailability ? [HTTP, NATIVE, INTERSERVER, METRICS] : [HTTP, NATIVE, METRICS],
          metrics: true,
          terminationGracePeriodSeconds: 120,
          containers: [
            {
              name: 'clickhouse',
              image,
              // The image entrypoint would write users.d files from CLICKHOUSE_* variables into a read-only root.
              command: ['/usr/bin/clickhouse-server', '--config-file=/etc/clickhouse-server/config.xml'],
              env: [
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                podFqdn,
                secretEnv('CLICKHOUSE_ADMIN_PASSWORD', ctx.credentialsSecret),
                ...backupEnv,
              ],
              ports: (ctx.highAvailability ? [HTTP, NATIVE, INTERSERVER, METRICS] : [HTTP, NATIVE, METRICS]).map(containerPort),
              resources: resourcesJson(ctx.resources),
              ...probes({ httpGet: { path: '/ping', port: HTTP.name } }),
              volumeMounts: [
                { name: 'data', mountPath: '/var/lib/clickhouse' },
                { name: 'config', mountPath: '/etc/clickhouse-server/config.d' },
                { name: 'users', mountPath: '/etc/clickhouse-server/users.d' },
                tmp.mount,
                logs.mount,
              ],
            },
          ],
          volumes: [configVolume('config', ctx.configMap, ['server.xml']), configVolume('users', ctx.configMap, ['users.xml']), tmp.volume, logs.volume],
        },
      ];
      if (ctx.highAvailability) {
        roles.push({
          suffix: '-keeper',
          component: 'keeper',
          replicas: keepers,
          quorum: true,
          // A Raft quorum forms only when a majority runs: start them together.
          podManagementPolicy: 'Parallel',
          uid: CLICKHOUSE_UID,
          storageSize: keeperSize,
          ports: [KEEPER, RAFT, METRICS],
          metrics: true,
          containers: [
            {
              name: 'keeper',
              image: keeperImage,
              // Raft server ids are 1-based pod ordinals.
              command: [
                'sh',
                '-c',
                'KEEPER_SERVER_ID=$(( ${POD_NAME##*-} + 1 )); export KEEPER_SERVER_ID; exec clickhouse-keeper --config-file=/etc/clickhouse-keeper/keeper.xml',
              ],
              env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
              ports: [KEEPER, RAFT, METRICS].map(containerPort),
              resources: resourcesJson(KEEPER_RESOURCES),
              ...probes({ tcpSocket: { port: KEEPER.name } }, 300),
              volumeMounts: [{ name: 'data', mountPath: '/var/lib/clickhouse-keeper' }, { name: 'config', mountPath: '/etc/clickhouse-keeper' }, tmp.mount],
            },
          ],
          volumes: [configVolume('config', ctx.configMap, ['keeper.xml']), tmp.volume],
        });
      }
      return roles;
    },
    backupMethod: 'ClickHouse BACKUP to S3',
    backup: (ctx: EngineContext, b: BackupTarget): BackupPlan => ({
      steps: [
        {
          name: 'backup',
          image,
          // Native BACKUP: the server writes straight to the object store; the uploader then prunes old backups.
          // The script is the same for every datastore: the statement (encoded for ClickHouse here) and the target come
          // from the environment. The target is a URL of the URL encoder's alphabet plus a UTC timestamp, so it holds no
          // quote or backslash that could end the SQL string.
          command: [
            'bash',
            '-c',
            [
              'set -euo pipefail',
              'TARGET="$BACKUP_URL_PREFIX$(date -u +%Y%m%dT%H%M%SZ)"',
              'clickhouse-client --host "$CLICKHOUSE_HOST" --user "$CLICKHOUSE_USER" --password "$CLICKHOUSE_ADMIN_PASSWORD" \\',
              '  --query "$BACKUP_STATEMENT TO S3(\'$TARGET\')"',
            ].join('\n'),
          ],
          env: [
            secretEnv('CLICKHOUSE_ADMIN_PASSWORD', ctx.credentialsSecret),
            env('CLICKHOUSE_HOST', ctx.serviceFqdn(ctx.name)),
            env('CLICKHOUSE_USER', ADMIN_USER),
            env('BACKUP_STATEMENT', `BACKUP ${allDatabases(ctx)}`),
            env('BACKUP_URL_PREFIX', objectStoreUrl('https', b.endpoint, b.bucket, `${b.prefix}/${ctx.name}-`)),
          ],
        },
      ],
      upload: true,
    }),
    restore: (ctx: EngineContext, s: RestoreSource): RestorePlan => ({
      // Native RESTORE reads the backup straight from the object store through the running server (ON CLUSTER in HA:
      // one statement fills every replica), so it runs in a one-off Job once the server answers.
      mode: 'job',
      objectPrefix: `${ctx.name}-`,
      objectPattern: '*Z/',
      steps: [
        {
          name: 'restore',
          image,
          command: [
            'bash',
            '-c',
            [
              'set -euo pipefail',
              'LATEST=$(cat /restore/latest)',
              // Read at run time from the bucket and the secret store: refused rather than let a quote end the SQL string.
              'for v in "$LATEST" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY"; do',
              '  case "$v" in *"\'"*|*\\*) echo "restore: a backup name or key holds a quote or backslash; refusing to put it into the RESTORE statement" >&2; exit 1 ;; esac',
              'done',
              'CH=(clickhouse-client --host "$CLICKHOUSE_HOST" --user "$CLICKHOUSE_USER" --password "$CLICKHOUSE_ADMIN_PASSWORD")',
              'until "${CH[@]}" --query "SELECT 1" >/dev/null 2>&1; do echo "restore: waiting for ClickHouse"; sleep 5; done',
              // Idempotent: Argo CD re-creates the Job after its TTL; a server that holds tables is never overwritten.
              `N=$("\${CH[@]}" --query "SELECT count() FROM system.tables WHERE database NOT IN ('system', 'information_schema', 'INFORMATION_SCHEMA')")`,
              'if [ "$N" != "0" ]; then echo "restore: ClickHouse already holds $N tables: nothing to restore"; exit 0; fi',
              "\"${CH[@]}\" --query \"$RESTORE_STATEMENT FROM S3('$SOURCE_URL/$LATEST', '$AWS_ACCESS_KEY_ID', '$AWS_SECRET_ACCESS_KEY')\"",
              'echo "restore: $LATEST restored"',
            ].join('\n'),
          ],
          env: [
            secretEnv('CLICKHOUSE_ADMIN_PASSWORD', ctx.credentialsSecret),
            secretEnv('AWS_ACCESS_KEY_ID', s.credentialsSecret),
            secretEnv('AWS_SECRET_ACCESS_KEY', s.credentialsSecret),
            env('CLICKHOUSE_HOST', ctx.serviceFqdn(ctx.name)),
            env('CLICKHOUSE_USER', ADMIN_USER),
            env('RESTORE_STATEMENT', `RESTORE ${allDatabases(ctx)}`),
            env('SOURCE_URL', objectStoreUrl('https', s.endpoint, s.bucket, s.prefix)),
          ],
        },
      ],
    }),
    rules: (ctx, sel) => {
      const rules: AlertRule[] = [downRule('ClickHouseDown', 'ClickHouse', ctx, 'up', sel, 'The metrics endpoint of pod {{ $labels.pod }} does not answer.')];
      if (ctx.highAvailability) {
        rules.push(
          {
            alert: 'ClickHouseReplicationLag',
            expr: `ClickHouseAsyncMetrics_ReplicasMaxAbsoluteDelay{${sel}} > ${maxDelay}`,
            for: '10m',
            severity: 'warning',
            summary: `ClickHouse ${ctx.namespace}/${ctx.name} replicas lag`,
            description: `Replicated tables on {{ $labels.pod }} are {{ $value }}s behind (threshold ${maxDelay}s).`,
            runbookUrl: runbook('ClickHouseReplicationLag'),
          },
          {
            alert: 'ClickHouseReadonlyReplica',
            expr: `ClickHouseMetrics_ReadonlyReplica{${sel}} > 0`,
            for: '5m',
            severity: 'critical',
            summary: `ClickHouse ${ctx.namespace}/${ctx.name} has read-only replicas`,
            description: 'Replicated tables on {{ $labels.pod }} lost their Keeper session and refuse writes.',
            runbookUrl: runbook('ClickHouseReadonlyReplica'),
          },
        );
      }
      return rules;
    },
  };
}
