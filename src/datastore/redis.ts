import { WorkloadPort } from '../core/connections';
import { AlertRule } from '../core/monitoring-registry';
import {
  BackupPlan, CLUSTER_DOMAIN, EngineContext, EngineDefinition, RestorePlan, RestoreSource, RoleSpec, SIDECAR_RESOURCES, configVolume, containerPort, env, execShell, majority,
  exporterProbes, probes, resourcesJson, runbook, scratch, secretEnv, downRule } from './types';

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
  /** Name of the monitored master set clients ask Sentinel for. @default 'mymaster' */
  readonly masterSet?: string;
  /** `maxmemory-policy`: a datastore must not silently evict. @default 'noeviction' */
  readonly maxmemoryPolicy?: string;
  /** Seconds a replica may lag before the alert fires. @default 30 */
  readonly maxReplicationLagSeconds?: number;
}

export const REDIS_DEFAULT_VERSION = '7.4.1';
export const REDIS_EXPORTER_IMAGE = 'quay.io/oliver006/redis_exporter:v1.64.1';
const DEFAULT_SENTINELS = 3;
const DEFAULT_MASTER_SET = 'mymaster';
const DEFAULT_MAXMEMORY_POLICY = 'noeviction';
const DEFAULT_MAX_LAG_SECONDS = 30;
/** uid/gid of the `redis` user in the official image. */
const REDIS_UID = 999;
const PORT: WorkloadPort = { name: 'redis', port: 6379 };
const SENTINEL_PORT: WorkloadPort = { name: 'sentinel', port: 26379 };
const METRICS: WorkloadPort = { name: 'metrics', port: 9121 };
const SENTINEL_RESOURCES = { requests: { cpu: '20m', memory: '32Mi' }, limits: { memory: '64Mi' } };

/** Redis: one node, or (HA) a master with replicas and a quorum of Sentinels that fail over. */
export function redisEngine(o: RedisEngineOptions = {}): EngineDefinition {
  const version = o.version ?? REDIS_DEFAULT_VERSION;
  const image = o.image ?? `docker.io/library/redis:${version}`;
  const exporterImage = o.exporterImage ?? REDIS_EXPORTER_IMAGE;
  const sentinels = o.sentinels ?? DEFAULT_SENTINELS;
  const masterSet = o.masterSet ?? DEFAULT_MASTER_SET;
  const policy = o.maxmemoryPolicy ?? DEFAULT_MAXMEMORY_POLICY;
  const maxLag = o.maxReplicationLagSeconds ?? DEFAULT_MAX_LAG_SECONDS;
  const sentinelHosts = (ctx: EngineContext) => Array.from({ length: sentinels }, (_, i) => ctx.podFqdn('-sentinel', i));
  const redisPing = 'redis-cli -a "$REDIS_PASSWORD" --no-auth-warning -p 6379 ping | grep -q PONG';

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
    validate: (ctx, fail) => {
      if (ctx.highAvailability && (!Number.isInteger(sentinels) || sentinels < 3 || sentinels % 2 === 0)) {
        fail('engine.sentinels', sentinels, 'must be an odd number of at least 3, so a majority of Sentinels can always elect a new master');
      }
    },
    config: (ctx) => {
      const headless = `${ctx.headlessService}.${ctx.namespace}.svc`;
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
          `ME="$HOSTNAME.${headless}.${CLUSTER_DOMAIN}"`,
          'MASTER=""',
          `for s in ${ctx.highAvailability ? sentinelHosts(ctx).join(' ') : ''}; do`,
          `  MASTER=$(redis-cli -h "$s" -p 26379 sentinel get-master-addr-by-name ${masterSet} 2>/dev/null | head -n 1 || true)`,
          '  [ -n "$MASTER" ] && break',
          'done',
          `[ -n "$MASTER" ] || MASTER="${ctx.podFqdn('', 0)}"`,
          'if [ "$MASTER" = "$ME" ]; then',
          '  exec redis-server /etc/redis/redis.conf --replica-announce-ip "$ME"',
          'fi',
          'exec redis-server /etc/redis/redis.conf --replica-announce-ip "$ME" --replicaof "$MASTER" 6379',
          '',
        ].join('\n'),
      };
      if (ctx.highAvailability) {
        files['sentinel.sh'] = [
          '#!/bin/sh',
          '# Sentinel rewrites its config at runtime, so it is generated into a pod-private file at start. A',
          '# restarted Sentinel asks its peers for the current master before falling back to the first pod.',
          'set -eu',
          'umask 077',
          'MASTER=""',
          `for s in ${sentinelHosts(ctx).join(' ')}; do`,
          '  case "$s" in "$HOSTNAME".*) continue ;; esac',
          `  MASTER=$(redis-cli -h "$s" -p 26379 sentinel get-master-addr-by-name ${masterSet} 2>/dev/null | head -n 1 || true)`,
          '  [ -n "$MASTER" ] && break',
          'done',
          `[ -n "$MASTER" ] || MASTER="${ctx.podFqdn('', 0)}"`,
          'cat > /tmp/sentinel.conf <<EOF',
          'port 26379',
          'dir /tmp',
          'sentinel resolve-hostnames yes',
          'sentinel announce-hostnames yes',
          `sentinel announce-ip $HOSTNAME.${headless}.${CLUSTER_DOMAIN}`,
          `sentinel monitor ${masterSet} $MASTER 6379 ${majority(sentinels)}`,
          `sentinel auth-pass ${masterSet} $REDIS_PASSWORD`,
          `sentinel down-after-milliseconds ${masterSet} 10000`,
          `sentinel failover-timeout ${masterSet} 60000`,
          `sentinel parallel-syncs ${masterSet} 1`,
          'EOF',
          'exec redis-sentinel /tmp/sentinel.conf',
          '',
        ].join('\n');
      }
      return files;
    },
    roles: (ctx) => {
      const tmp = scratch('tmp', '/tmp', '64Mi');
      const roles: RoleSpec[] = [{
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
            env: [secretEnv('REDIS_PASSWORD', ctx.credentialsSecret), env('REDIS_REPLICATION', String(ctx.replicas > 1))],
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
      }];
      if (ctx.highAvailability) {
        roles.push({
          suffix: '-sentinel',
          component: 'sentinel',
          replicas: sentinels,
          quorum: true,
          podManagementPolicy: 'Parallel',
          uid: REDIS_UID,
          ports: [SENTINEL_PORT],
          metrics: false,
          containers: [{
            name: 'sentinel',
            image,
            command: ['sh', '/etc/redis/sentinel.sh'],
            env: [secretEnv('REDIS_PASSWORD', ctx.credentialsSecret)],
            ports: [containerPort(SENTINEL_PORT)],
            resources: resourcesJson(SENTINEL_RESOURCES),
            ...probes(execShell('redis-cli -p 26379 ping | grep -q PONG'), 120),
            volumeMounts: [{ name: 'config', mountPath: '/etc/redis' }, tmp.mount],
          }],
          volumes: [configVolume('config', ctx.configMap, ['sentinel.sh']), tmp.volume],
        });
      }
      return roles;
    },
    backupMethod: 'RDB snapshot',
    backup: (ctx): BackupPlan => ({
      steps: [{
        name: 'dump',
        image,
        // redis-cli --rdb asks the server for a consistent RDB snapshot over the network.
        command: ['sh', '-c', `set -eu\nredis-cli -h "${ctx.serviceFqdn(ctx.name)}" -p 6379 -a "$REDIS_PASSWORD" --no-auth-warning --rdb "/backup/${ctx.name}-$(date -u +%Y%m%dT%H%M%SZ).rdb"`],
        env: [secretEnv('REDIS_PASSWORD', ctx.credentialsSecret)],
      }],
      upload: true,
    }),
    restore: (ctx: EngineContext, _s: RestoreSource): RestorePlan => ({
      // Only the seed pod (ordinal 0, the first master) restores; the other pods replicate from it.
      mode: 'init',
      objectPattern: `${ctx.name}-*.rdb`,
      skipWhen: '[ -e /data/appendonlydir ] || [ -e /data/dump.rdb ] || [ "${HOSTNAME##*-}" != "0" ]',
      dataMountPath: '/data',
      steps: [{
        name: 'restore',
        image,
        // With appendonly on, Redis ignores an RDB without an AOF: load the RDB in a private server on a unix socket,
        // let it write the AOF, then move both into place (the AOF directory last: it marks a complete restore).
        command: ['sh', '-c', [
          'set -eu',
          `set -- /restore/${ctx.name}-*.rdb`,
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
        ].join('\n')],
        resources: resourcesJson(ctx.resources),
        volumeMounts: [{ name: 'data', mountPath: '/data' }, scratch('tmp', '/tmp', '64Mi').mount],
      }],
    }),
    rules: (ctx, sel) => {
      const rules: AlertRule[] = [downRule('RedisDown', 'Redis', ctx, 'redis_up', sel, 'redis_exporter cannot reach Redis on pod {{ $labels.pod }}.')];
      if (ctx.replicas > 1) {
        rules.push({
          alert: 'RedisReplicationLag',
          expr: `max by (namespace, pod) (redis_connected_slave_lag_seconds{${sel}}) > ${maxLag}`,
          for: '5m',
          severity: 'warning',
          summary: `Redis ${ctx.namespace}/${ctx.name} replicas lag behind the master`,
          description: `A replica of {{ $labels.pod }} is {{ $value }}s behind (threshold ${maxLag}s).`,
          runbookUrl: runbook('RedisReplicationLag'),
        }, {
          alert: 'RedisReplicasMissing',
          expr: `max(redis_connected_slaves{${sel}}) < ${ctx.replicas - 1}`,
          for: '5m',
          severity: 'warning',
          summary: `Redis ${ctx.namespace}/${ctx.name} has fewer replicas than configured`,
          description: `The master has {{ $value }} connected replicas; ${ctx.replicas - 1} are configured.`,
          runbookUrl: runbook('RedisReplicasMissing'),
        });
      }
      return rules;
    },
  };
}
