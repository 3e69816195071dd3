import { WorkloadPort } from '../core/connections';
import { expandingEnv, haproxyWord } from '../core/encoders';
import { EndpointAuth, EndpointTls } from '../core/endpoint';
import { AlertRule } from '../core/monitoring-registry';
import {
  BackupPlan,
  CLUSTER_DOMAIN,
  EngineContext,
  EngineDefinition,
  EngineEndpoint,
  EngineService,
  RestorePlan,
  RestoreSource,
  RoleSpec,
  SIDECAR_RESOURCES,
  configVolume,
  containerPort,
  env,
  execShell,
  majority,
  exporterProbes,
  probes,
  resourcesJson,
  runbook,
  scratch,
  secretEnv,
  downRule,
} from './types';

/** Options of {@link Engine.redis}. */
export interface RedisEngineOptions {
  /** Redis version (the image tag). @default REDIS_DEFAULT_VERSION */
  readonly version?: string;
  /** Full image reference. @default docker.io/library/redis:<version> */
  readonly image?: string;
  /** redis_exporter image. @default REDIS_EXPORTER_IMAGE */
  readonly exporterImage?: string;
  /** Sentinels watching the master when the profile asks for HA; an odd number, at least 3. @default 3 */
  readonly sentinels?: number;
  /** Name of the monitored master set clients ask Sentinel for (letters, digits, `-`, `_`, `.`). @default 'mymaster' */
  readonly masterSet?: string;
  /** `maxmemory-policy`: a datastore must not silently evict. @default 'noeviction' */
  readonly maxmemoryPolicy?: string;
  /** Seconds a replica may lag before the alert fires. @default 30 */
  readonly maxReplicationLagSeconds?: number;
  /** HAProxy image of the master-routing proxy (HA only). @default REDIS_PROXY_IMAGE */
  readonly proxyImage?: string;
  /** Proxies routing the client Service to the current master (HA only); at least 2. @default 2 */
  readonly proxyReplicas?: number;
}

export const REDIS_DEFAULT_VERSION = '7.4.1';
export const REDIS_EXPORTER_IMAGE = 'quay.io/oliver006/redis_exporter:v1.64.1';
/** HAProxy routing the client Service to whichever Redis answers `role:master` (HA only). */
export const REDIS_PROXY_IMAGE = 'docker.io/library/haproxy:3.0.5';
const DEFAULT_SENTINELS = 3;
const DEFAULT_PROXY_REPLICAS = 2;
const DEFAULT_MASTER_SET = 'mymaster';
const DEFAULT_MAXMEMORY_POLICY = 'noeviction';
const DEFAULT_MAX_LAG_SECONDS = 30;
/** uid/gid of the `redis` user in the official image. */
const REDIS_UID = 999;
/** uid/gid of the `haproxy` user in the official image. */
const HAPROXY_UID = 99;
const PORT: WorkloadPort = { name: 'redis', port: 6379 };
const SENTINEL_PORT: WorkloadPort = { name: 'sentinel', port: 26379 };
const METRICS: WorkloadPort = { name: 'metrics', port: 9121 };
/** The proxy's readiness endpoint (kubelet probes only; not a client port). */
const PROXY_HEALTH: WorkloadPort = { name: 'health', port: 8404 };
const SENTINEL_RESOURCES = { requests: { cpu: '20m', memory: '32Mi' }, limits: { memory: '64Mi' } };
const PROXY_RESOURCES = { requests: { cpu: '20m', memory: '32Mi' }, limits: { memory: '128Mi' } };
const MASTER_SET = /^[A-Za-z0-9._-]{1,64}$/;
const MAXMEMORY_POLICIES = ['noeviction', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl'];

/**
 * Redis: one node, or (HA) a master with replicas and a quorum of Sentinels that fail over. In HA the client Service
 * `<name>` reaches only the master, through HAProxy proxies that health-check every server for `role:master` (a
 * Service cannot follow a failover by itself); Sentinel-aware clients use `<name>-sentinel` instead.
 *
 * Endpoints: `master` (Service `<name>`, port 6379, always) and, in HA, `sentinel` (Service `<name>-sentinel`, port
 * 26379, attribute `masterSet`; clients also reach the servers on 6379). Both authenticate with the `default` user and
 * the datastore's `REDIS_PASSWORD`; Sentinels require it too, so a client cannot reconfigure them without it.
 */
export function redisEngine(o: RedisEngineOptions = {}): EngineDefinition {
  const version = o.version ?? REDIS_DEFAULT_VERSION;
  const image = o.image ?? `docker.io/library/redis:${version}`;
  const exporterImage = o.exporterImage ?? REDIS_EXPORTER_IMAGE;
  const sentinels = o.sentinels ?? DEFAULT_SENTINELS;
  const masterSet = o.masterSet ?? DEFAULT_MASTER_SET;
  const policy = o.maxmemoryPolicy ?? DEFAULT_MAXMEMORY_POLICY;
  const maxLag = o.maxReplicationLagSeconds ?? DEFAULT_MAX_LAG_SECONDS;
  const proxyImage = o.proxyImage ?? REDIS_PROXY_IMAGE;
  const proxyReplicas = o.proxyReplicas ?? DEFAULT_PROXY_REPLICAS;
  const sentinelHosts = (ctx: EngineContext) => Array.from({ length: sentinels }, (_, i) => ctx.podFqdn('-sentinel', i));
  // redis-cli reads the password from REDISCLI_AUTH, so it never appears on a command line.
  const redisPing = 'redis-cli -p 6379 ping | grep -q PONG';
  const cliAuth = (ctx: EngineContext) => secretEnv('REDISCLI_AUTH', ctx.credentialsSecret, 'REDIS_PASSWORD');
  // What replicas and Sentinels announce: the pod's stable FQDN (the pod IP changes with every restart).
  const podFqdn = (ctx: EngineContext) => [
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    expandingEnv('POD_FQDN', '$(POD_NAME).{0}', `${ctx.headlessService}.${ctx.namespace}.svc.${CLUSTER_DOMAIN}`),
  ];
  // Where the start scripts look for the master: data of the scripts, never part of their text.
  const topologyEnv = (ctx: EngineContext) => [
    env('SEED_HOST', ctx.podFqdn('', 0)),
    ...(ctx.highAvailability ? [env('SENTINEL_HOSTS', sentinelHosts(ctx).join(' ')), env('MASTER_SET', masterSet)] : []),
  ];
  const auth = (remoteKey: string) => EndpointAuth.password('default', { remoteKey, passwordProperty: 'REDIS_PASSWORD' });

  return {
    id: 'redis',
    displayName: 'Redis',
    version,
    minStorage: '256Mi',
    minHaReplicas: 2,
    defaultHaReplicas: 3,
    credentialKeys: ['REDIS_PASSWORD'],
    metrics: { port: METRICS, path: '/metrics' },
    clientPorts: (ctx) => (ctx.highAvailability ? [PORT, SENTINEL_PORT] : [PORT]),
    peerPorts: (ctx) => (ctx.highAvailability ? [PORT, SENTINEL_PORT] : [PORT]),
    services: (ctx): EngineService[] =>
      ctx.highAvailability
        ? [
            { name: ctx.name, component: 'proxy', ports: [PORT] },
            { name: `${ctx.name}-sentinel`, component: 'sentinel', ports: [SENTINEL_PORT] },
          ]
        : [{ name: ctx.name, component: 'server', ports: [PORT] }],
    endpoints: (ctx, remoteKey): EngineEndpoint[] => {
      const master: EngineEndpoint = { name: 'master', service: ctx.name, port: PORT, protocol: 'redis', tls: EndpointTls.disabled(), auth: auth(remoteKey) };
      if (!ctx.highAvailability) return [master];
      return [
        master,
        {
          name: 'sentinel',
          service: `${ctx.name}-sentinel`,
          port: SENTINEL_PORT,
          protocol: 'redis-sentinel',
          tls: EndpointTls.disabled(),
          auth: auth(remoteKey),
          clientPorts: [SENTINEL_PORT, PORT],
          attributes: { masterSet },
        },
      ];
    },
    validate: (ctx, fail) => {
      if (ctx.highAvailability && (!Number.isInteger(sentinels) || sentinels < 3 || sentinels % 2 === 0)) {
        fail('engine.sentinels', sentinels, 'must be an odd number of at least 3, so a majority of Sentinels can always elect a new master');
      }
      if (ctx.highAvailability && (!Number.isInteger(proxyReplicas) || proxyReplicas < 2)) {
        fail('engine.proxyReplicas', proxyReplicas, 'must be an integer of at least 2, so the client Service survives losing a proxy');
      }
      // Both are written into redis.conf and the Sentinel configuration.
      if (!MASTER_SET.test(masterSet)) fail('engine.masterSet', masterSet, 'must be 1-64 characters of [A-Za-z0-9._-]');
      if (!MAXMEMORY_POLICIES.includes(policy)) fail('engine.maxmemoryPolicy', policy, `must be one of: ${MAXMEMORY_POLICIES.join(', ')}`);
    },
    config: (ctx) => {
      const files: Record<string, string> = {
        'redis.conf': [
          'port 6379',
          'bind * -::*',
          'dir /data',
          // Both persistence modes: AOF for durability, RDB for fast restarts and backups.
          'appendonly yes',
          'appendfsync everysec',
          'save 900 1 300 10 60 10000',
          `maxmemory-policy ${policy}`,
          'include /tmp/auth.conf',
          '',
        ].join('\n'),
        'start.sh': [
          '#!/bin/sh',
          '# Writes the password into a pod-private file, then starts as a replica of the current master',
          '# (asked from Sentinel; the first pod on a fresh cluster).',
          'set -eu',
          'umask 077',
          'printf \'requirepass "%s"\\nmasterauth "%s"\\n\' "$REDIS_PASSWORD" "$REDIS_PASSWORD" > /tmp/auth.conf',
          'if [ "${REDIS_REPLICATION:-false}" != "true" ]; then exec redis-server /etc/redis/redis.conf; fi',
          'MASTER=""',
          ...(ctx.highAvailability
            ? [
                "# SENTINEL_HOSTS is a list of the Sentinels' pod names (split on spaces, never globbed).",
                'set -f',
                'for s in $SENTINEL_HOSTS; do',
                '  MASTER=$(redis-cli -h "$s" -p 26379 sentinel get-master-addr-by-name "$MASTER_SET" 2>/dev/null | head -n 1 || true)',
                '  [ -n "$MASTER" ] && break',
                'done',
              ]
            : []),
          '[ -n "$MASTER" ] || MASTER="$SEED_HOST"',
          'if [ "$MASTER" = "$POD_FQDN" ]; then',
          '  exec redis-server /etc/redis/redis.conf --replica-announce-ip "$POD_FQDN"',
          'fi',
          'exec redis-server /etc/redis/redis.conf --replica-announce-ip "$POD_FQDN" --replicaof "$MASTER" 6379',
          '',
        ].join('\n'),
      };
      if (ctx.highAvailability) {
        files['sentinel.sh'] = [
          '#!/bin/sh',
          '# Sentinel rewrites its config at runtime, so it is generated into a pod-private file at start. A',
          '# restarted Sentinel asks its peers for the current master before falling back to the first pod.',
          '# Clients (tenants too) reach Sentinels: they require the password, so nobody can reconfigure them without it.',
          'set -eu',
          'umask 077',
          'MASTER=""',
          "# SENTINEL_HOSTS is a list of the Sentinels' pod names (split on spaces, never globbed).",
          'set -f',
          'for s in $SENTINEL_HOSTS; do',
          '  [ "$s" = "$POD_FQDN" ] && continue',
          '  MASTER=$(redis-cli -h "$s" -p 26379 sentinel get-master-addr-by-name "$MASTER_SET" 2>/dev/null | head -n 1 || true)',
          '  [ -n "$MASTER" ] && break',
          'done',
          '[ -n "$MASTER" ] || MASTER="$SEED_HOST"',
          'cat > /tmp/sentinel.conf <<EOF',
          'port 26379',
          'dir /tmp',
          'sentinel resolve-hostnames yes',
          'sentinel announce-hostnames yes',
          'sentinel announce-ip $POD_FQDN',
          'requirepass "$REDIS_PASSWORD"',
          // MASTER_SET is checked at input ([A-Za-z0-9._-]): one word in Sentinel's configuration.
          'sentinel monitor $MASTER_SET $MASTER 6379 $SENTINEL_QUORUM',
          'sentinel auth-pass $MASTER_SET "$REDIS_PASSWORD"',
          'sentinel down-after-milliseconds $MASTER_SET 10000',
          'sentinel failover-timeout $MASTER_SET 60000',
          'sentinel parallel-syncs $MASTER_SET 1',
          'EOF',
          'exec redis-sentinel /tmp/sentinel.conf',
          '',
        ].join('\n');
        files['haproxy.cfg'] = haproxyConfig(ctx);
      }
      return files;
    },
    roles: (ctx) => {
      const tmp = scratch('tmp', '/tmp', '64Mi');
      const roles: RoleSpec[] = [
        {
          suffix: '',
          component: 'server',
          replicas: ctx.replicas,
          quorum: false,
          podManagementPolicy: 'OrderedReady',
          uid: REDIS_UID,
          storageSize: ctx.storageSize,
          ports: [PORT, METRICS],
          metrics: true,
          containers: [
            {
              name: 'redis',
              image,
              command: ['sh', '/etc/redis/start.sh'],
              env: [
                secretEnv('REDIS_PASSWORD', ctx.credentialsSecret),
                cliAuth(ctx),
                env('REDIS_REPLICATION', String(ctx.replicas > 1)),
                ...podFqdn(ctx),
                ...topologyEnv(ctx),
              ],
              ports: [containerPort(PORT)],
              resources: resourcesJson(ctx.resources),
              ...probes(execShell(redisPing)),
              volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'config', mountPath: '/etc/redis' }, tmp.mount],
            },
            {
              name: 'metrics',
              image: exporterImage,
              env: [env('REDIS_ADDR', 'redis://127.0.0.1:6379'), secretEnv('REDIS_PASSWORD', ctx.credentialsSecret)],
              ports: [containerPort(METRICS)],
              resources: resourcesJson(SIDECAR_RESOURCES),
              ...exporterProbes('/health', METRICS.name),
            },
          ],
          volumes: [configVolume('config', ctx.configMap, ['redis.conf', 'start.sh']), tmp.volume],
        },
      ];
      if (ctx.highAvailability) {
        roles.push(
          {
            suffix: '-sentinel',
            component: 'sentinel',
            replicas: sentinels,
            quorum: true,
            podManagementPolicy: 'Parallel',
            uid: REDIS_UID,
            ports: [SENTINEL_PORT],
            metrics: false,
            containers: [
              {
                name: 'sentinel',
                image,
                command: ['sh', '/etc/redis/sentinel.sh'],
                env: [
                  secretEnv('REDIS_PASSWORD', ctx.credentialsSecret),
                  cliAuth(ctx),
                  ...podFqdn(ctx),
                  ...topologyEnv(ctx),
                  env('SENTINEL_QUORUM', String(majority(sentinels))),
                ],
                ports: [containerPort(SENTINEL_PORT)],
                resources: resourcesJson(SENTINEL_RESOURCES),
                ...probes(execShell('redis-cli -p 26379 ping | grep -q PONG'), 120),
                volumeMounts: [{ name: 'config', mountPath: '/etc/redis' }, tmp.mount],
              },
            ],
            volumes: [configVolume('config', ctx.configMap, ['sentinel.sh']), tmp.volume],
          },
          {
            suffix: '-proxy',
            component: 'proxy',
            replicas: proxyReplicas,
            quorum: false,
            podManagementPolicy: 'Parallel',
            uid: HAPROXY_UID,
            ports: [PORT],
            metrics: false,
            terminationGracePeriodSeconds: 30,
            containers: [
              {
                name: 'haproxy',
                image: proxyImage,
                command: ['haproxy', '-db', '-f', '/usr/local/etc/haproxy/haproxy.cfg'],
                // HAProxy expands it inside the health check's AUTH command (never written to the config file).
                env: [secretEnv('REDIS_PASSWORD', ctx.credentialsSecret)],
                ports: [containerPort(PORT), containerPort(PROXY_HEALTH)],
                resources: resourcesJson(PROXY_RESOURCES),
                startupProbe: probes({ tcpSocket: { port: PORT.name } }, 60).startupProbe,
                // Ready only while exactly one server is master; alive as long as it accepts connections.
                readinessProbe: { httpGet: { path: '/healthz', port: PROXY_HEALTH.name }, periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 1 },
                livenessProbe: probes({ tcpSocket: { port: PORT.name } }).livenessProbe,
                volumeMounts: [{ name: 'config', mountPath: '/usr/local/etc/haproxy' }, tmp.mount],
              },
            ],
            volumes: [configVolume('config', ctx.configMap, ['haproxy.cfg']), tmp.volume],
          },
        );
      }
      return roles;
    },
    backupMethod: 'RDB snapshot',
    backup: (ctx): BackupPlan => ({
      steps: [
        {
          name: 'dump',
          image,
          // redis-cli --rdb asks the server for a consistent RDB snapshot over the network.
          command: ['sh', '-c', 'set -eu\nredis-cli -h "$REDIS_HOST" -p 6379 --rdb "/backup/$DATASTORE_NAME-$(date -u +%Y%m%dT%H%M%SZ).rdb"'],
          env: [cliAuth(ctx), env('REDIS_HOST', ctx.serviceFqdn(ctx.name)), env('DATASTORE_NAME', ctx.name)],
        },
      ],
      upload: true,
    }),
    restore: (ctx: EngineContext, _s: RestoreSource): RestorePlan => ({
      // Only the seed pod (ordinal 0, the first master) restores; the other pods replicate from it.
      mode: 'init',
      objectPrefix: `${ctx.name}-`,
      objectPattern: '*.rdb',
      skipWhen: '[ -e /data/appendonlydir ] || [ -e /data/dump.rdb ] || [ "${POD_NAME##*-}" != "0" ]',
      // POSIX sh defines no HOSTNAME: the ordinal comes from the pod name.
      fetchEnv: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
      dataMountPath: '/data',
      steps: [
        {
          name: 'restore',
          image,
          // With appendonly on, Redis ignores an RDB without an AOF: load the RDB in a private server on a unix socket,
          // let it write the AOF, then move both into place (the AOF directory last: it marks a complete restore).
          command: [
            'sh',
            '-c',
            [
              'set -eu',
              'set -- /restore/"$DATASTORE_NAME"-*.rdb',
              '[ -e "$1" ] || exit 0',
              'rm -rf /data/.restoring && mkdir -p /data/.restoring',
              'cp "$1" /data/.restoring/dump.rdb',
              'redis-server --port 0 --unixsocket /tmp/restore.sock --dir /data/.restoring --dbfilename dump.rdb --appendonly no --save "" &',
              'until redis-cli -s /tmp/restore.sock ping 2>/dev/null | grep -q PONG; do sleep 1; done',
              'redis-cli -s /tmp/restore.sock config set appendonly yes >/dev/null',
              'while :; do',
              '  INFO=$(redis-cli -s /tmp/restore.sock info persistence)',
              '  case "$INFO" in *aof_rewrite_in_progress:1*|*aof_rewrite_scheduled:1*) sleep 1 ;; *) break ;; esac',
              'done',
              'case "$INFO" in *aof_last_bgrewrite_status:ok*) ;; *) echo "restore: AOF rewrite failed" >&2; exit 1 ;; esac',
              'redis-cli -s /tmp/restore.sock shutdown save >/dev/null || true',
              'wait',
              'mv /data/.restoring/appendonlydir /data/appendonlydir',
              'mv /data/.restoring/dump.rdb /data/dump.rdb',
              'rm -rf /data/.restoring',
              'echo "restore: $(basename "$1") restored into /data"',
            ].join('\n'),
          ],
          env: [env('DATASTORE_NAME', ctx.name)],
          resources: resourcesJson(ctx.resources),
          volumeMounts: [{ name: 'data', mountPath: '/data' }, scratch('tmp', '/tmp', '64Mi').mount],
        },
      ],
    }),
    rules: (ctx, sel) => {
      const rules: AlertRule[] = [downRule('RedisDown', 'Redis', ctx, 'redis_up', sel, 'redis_exporter cannot reach Redis on pod {{ $labels.pod }}.')];
      if (ctx.replicas > 1) {
        rules.push(
          {
            alert: 'RedisReplicationLag',
            expr: `max by (namespace, pod) (redis_connected_slave_lag_seconds{${sel}}) > ${maxLag}`,
            for: '5m',
            severity: 'warning',
            summary: `Redis ${ctx.namespace}/${ctx.name} replicas lag behind the master`,
            description: `A replica of {{ $labels.pod }} is {{ $value }}s behind (threshold ${maxLag}s).`,
            runbookUrl: runbook('RedisReplicationLag'),
          },
          {
            alert: 'RedisReplicasMissing',
            expr: `max(redis_connected_slaves{${sel}}) < ${ctx.replicas - 1}`,
            for: '5m',
            severity: 'warning',
            summary: `Redis ${ctx.namespace}/${ctx.name} has fewer replicas than configured`,
            description: `The master has {{ $value }} connected replicas; ${ctx.replicas - 1} are configured.`,
            runbookUrl: runbook('RedisReplicasMissing'),
          },
        );
      }
      return rules;
    },
  };
}

/**
 * HAProxy in front of the servers: a server is in service only while it answers `role:master`, so the client
 * Service never reaches a replica. When Sentinel demotes a master its client sessions are cut (clients reconnect
 * and land on the new master); while no server is master, connections are refused rather than sent to a replica.
 */
function haproxyConfig(ctx: EngineContext): string {
  const servers = Array.from(
    { length: ctx.replicas },
    (_, i) =>
      `  server ${haproxyWord(`${ctx.name}-${i}`)} ${haproxyWord(`${ctx.podFqdn('', i)}:6379`)} check inter 1s fall 2 rise 2 resolvers cluster init-addr none on-marked-down shutdown-sessions`,
  );
  return [
    'global',
    '  maxconn 4096',
    '',
    'defaults',
    '  mode tcp',
    '  timeout connect 5s',
    // Redis clients keep connections open for a long time (pools, pub/sub).
    '  timeout client 1h',
    '  timeout server 1h',
    '  timeout check 3s',
    '',
    // Pod IPs change on restart: re-resolve the pods' names through the cluster DNS.
    'resolvers cluster',
    '  parse-resolv-conf',
    '  hold valid 5s',
    '',
    'frontend redis',
    `  bind :${PORT.port}`,
    '  default_backend master',
    '',
    // Readiness: servers count as up until their first check fails, so a starting proxy would send some connections
    // to replicas. The pod becomes ready (and gets traffic from the Service) only once exactly one server is master.
    'frontend health',
    '  mode http',
    `  bind :${PROXY_HEALTH.port}`,
    '  monitor-uri /healthz',
    '  acl one_master nbsrv(master) eq 1',
    '  monitor fail unless one_master',
    '',
    'backend master',
    '  option tcp-check',
    '  tcp-check connect',
    // AUTH in the Redis protocol (RESP), the password's length and bytes read from the environment at check time:
    // any password works, and it is never written into this file.
    '  tcp-check send-lf "*2\\r\\n\\$4\\r\\nAUTH\\r\\n\\$%[env(REDIS_PASSWORD),length]\\r\\n%[env(REDIS_PASSWORD)]\\r\\n"',
    '  tcp-check expect string +OK',
    '  tcp-check send "INFO replication\\r\\n"',
    '  tcp-check expect string role:master',
    '  tcp-check send "QUIT\\r\\n"',
    '  tcp-check expect string +OK',
    ...servers,
    '',
  ].join('\n');
}
