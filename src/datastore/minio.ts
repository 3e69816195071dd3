import { WorkloadPort } from '../core/connections';
import { endpointUrl } from '../core/encoders';
import { EndpointAuth, EndpointTls } from '../core/endpoint';
import { AlertRule } from '../core/monitoring-registry';
import {
  BackupPlan,
  BackupTarget,
  backupTargetEnv,
  restoreSourceEnv,
  EngineContext,
  EngineDefinition,
  EngineEndpoint,
  RestorePlan,
  RestoreSource,
  containerPort,
  env,
  probes,
  resourcesJson,
  runbook,
  scratch,
  secretEnv,
  downRule,
} from './types';

/** Options of {@link Engine.minio}. */
export interface MinioEngineOptions {
  /** MinIO release (image tag). @default MINIO_DEFAULT_VERSION */
  readonly version?: string;
  /** @default quay.io/minio/minio:<version> */
  readonly image?: string;
  /** MinIO client image for backups. @default MC_IMAGE */
  readonly clientImage?: string;
  /** Expose the web console port to clients. @default false */
  readonly console?: boolean;
}

export const MINIO_DEFAULT_VERSION = 'RELEASE.2024-10-13T13-34-11Z';
export const MC_IMAGE = 'quay.io/minio/mc:RELEASE.2024-10-08T09-37-26Z';
/** MinIO runs as any uid; 1000 matches the image's data ownership conventions. */
const MINIO_UID = 1000;
const API: WorkloadPort = { name: 'api', port: 9000 };
const CONSOLE: WorkloadPort = { name: 'console', port: 9001 };
/** MinIO serves Prometheus metrics on its API port. */
const METRICS_PATH = '/minio/v2/metrics/cluster';

/** The datastore's own S3 API inside the cluster (scripts take it from the environment). */
function minioUrl(ctx: EngineContext): string {
  return endpointUrl(`${ctx.serviceFqdn(ctx.name)}:${API.port}`, 'http');
}

/** MinIO: one drive, or (HA) a distributed erasure-coded pool over at least four nodes. */
export function minioEngine(o: MinioEngineOptions = {}): EngineDefinition {
  const version = o.version ?? MINIO_DEFAULT_VERSION;
  const image = o.image ?? `quay.io/minio/minio:${version}`;
  const clientImage = o.clientImage ?? MC_IMAGE;
  const withConsole = o.console ?? false;

  return {
    id: 'minio',
    displayName: 'MinIO',
    version,
    minStorage: '1Gi',
    // Erasure coding needs at least four drives; one drive per node.
    minHaReplicas: 4,
    defaultHaReplicas: 4,
    credentialKeys: ['MINIO_ROOT_USER', 'MINIO_ROOT_PASSWORD'],
    metrics: { port: API, path: METRICS_PATH },
    clientPorts: () => (withConsole ? [API, CONSOLE] : [API]),
    peerPorts: () => [API],
    // S3 over plain HTTP inside the cluster; the access key and secret are the datastore's stored credential.
    endpoints: (ctx, remoteKey): EngineEndpoint[] => [
      {
        name: 's3',
        service: ctx.name,
        port: API,
        protocol: 's3',
        tls: EndpointTls.disabled(),
        auth: EndpointAuth.password('', { remoteKey, userProperty: 'MINIO_ROOT_USER', passwordProperty: 'MINIO_ROOT_PASSWORD' }),
      },
    ],
    validate: () => undefined,
    config: (ctx) => ({
      // `{0...n}` is MinIO's own expansion syntax for the drives of a distributed pool.
      MINIO_VOLUMES: ctx.replicas > 1 ? `http://${ctx.name}-{0...${ctx.replicas - 1}}.${ctx.headlessService}.${ctx.namespace}.svc.cluster.local/data` : '/data',
      MINIO_OPTS: `--address :${API.port} --console-address :${CONSOLE.port} --certs-dir /tmp/certs`,
      MINIO_PROMETHEUS_AUTH_TYPE: 'public',
      MINIO_BROWSER: withConsole ? 'on' : 'off',
    }),
    roles: (ctx) => {
      const tmp = scratch('tmp', '/tmp', '64Mi');
      return [
        {
          suffix: '',
          component: 'server',
          replicas: ctx.replicas,
          quorum: true,
          // Every drive of a distributed pool must be up before MinIO serves: start them together.
          podManagementPolicy: 'Parallel',
          uid: MINIO_UID,
          storageSize: ctx.storageSize,
          ports: [API, CONSOLE],
          metrics: true,
          containers: [
            {
              name: 'minio',
              image,
              command: ['sh', '-c', 'exec minio server $MINIO_VOLUMES $MINIO_OPTS'],
              envFrom: [{ configMapRef: { name: ctx.configMap } }],
              env: [secretEnv('MINIO_ROOT_USER', ctx.credentialsSecret), secretEnv('MINIO_ROOT_PASSWORD', ctx.credentialsSecret), env('HOME', '/tmp')],
              ports: [API, CONSOLE].map(containerPort),
              resources: resourcesJson(ctx.resources),
              startupProbe: probes({ httpGet: { path: '/minio/health/live', port: API.name } }).startupProbe,
              livenessProbe: probes({ httpGet: { path: '/minio/health/live', port: API.name } }).livenessProbe,
              readinessProbe: probes({ httpGet: { path: '/minio/health/ready', port: API.name } }).readinessProbe,
              volumeMounts: [{ name: 'data', mountPath: '/data' }, tmp.mount],
            },
          ],
          volumes: [tmp.volume],
        },
      ];
    },
    backupMethod: 'mc mirror of every bucket',
    backup: (ctx: EngineContext, b: BackupTarget): BackupPlan => ({
      steps: [
        {
          name: 'mirror',
          image: clientImage,
          // A full copy into a dated prefix: every backup is restorable on its own, and age-based pruning is exact.
          command: [
            'sh',
            '-c',
            [
              'set -eu',
              'mc alias set source "$MINIO_URL" "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null',
              'mc alias set backup "$BACKUP_ENDPOINT_URL" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" >/dev/null',
              'mc mirror --overwrite source/ "backup/$BACKUP_BUCKET/$BACKUP_PREFIX/$DATASTORE_NAME-$(date -u +%Y%m%dT%H%M%SZ)/"',
            ].join('\n'),
          ],
          env: [
            env('MINIO_URL', minioUrl(ctx)),
            ...backupTargetEnv(b),
            env('DATASTORE_NAME', ctx.name),
            env('MC_CONFIG_DIR', '/tmp/.mc'),
            secretEnv('MINIO_ROOT_USER', ctx.credentialsSecret),
            secretEnv('MINIO_ROOT_PASSWORD', ctx.credentialsSecret),
            secretEnv('AWS_ACCESS_KEY_ID', b.credentialsSecret),
            secretEnv('AWS_SECRET_ACCESS_KEY', b.credentialsSecret),
          ],
        },
      ],
      upload: true,
    }),
    restore: (ctx: EngineContext, s: RestoreSource): RestorePlan => ({
      // An object store is filled through its API: a one-off Job mirrors the newest backup back once MinIO runs.
      mode: 'job',
      objectPrefix: `${ctx.name}-`,
      objectPattern: '*Z/',
      steps: [
        {
          name: 'restore',
          image: clientImage,
          command: [
            'sh',
            '-c',
            [
              'set -eu',
              'LATEST=$(cat /restore/latest)',
              'until mc alias set target "$MINIO_URL" "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null 2>&1; do echo "restore: waiting for MinIO"; sleep 5; done',
              // Idempotent: Argo CD re-creates the Job after its TTL; a MinIO that holds buckets is never overwritten.
              'if [ -n "$(mc ls target/)" ]; then echo "restore: MinIO already holds buckets: nothing to restore"; exit 0; fi',
              'mc alias set restore "$SOURCE_ENDPOINT_URL" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" >/dev/null',
              'mc mirror "restore/$SOURCE_BUCKET/$SOURCE_PREFIX/$LATEST/" target/',
              'echo "restore: $LATEST restored"',
            ].join('\n'),
          ],
          env: [
            env('MINIO_URL', minioUrl(ctx)),
            ...restoreSourceEnv(s),
            env('MC_CONFIG_DIR', '/tmp/.mc'),
            secretEnv('MINIO_ROOT_USER', ctx.credentialsSecret),
            secretEnv('MINIO_ROOT_PASSWORD', ctx.credentialsSecret),
            secretEnv('AWS_ACCESS_KEY_ID', s.credentialsSecret),
            secretEnv('AWS_SECRET_ACCESS_KEY', s.credentialsSecret),
          ],
        },
      ],
    }),
    rules: (ctx, sel) => {
      const rules: AlertRule[] = [downRule('MinioDown', 'MinIO', ctx, 'up', sel, 'The metrics endpoint of pod {{ $labels.pod }} does not answer.')];
      if (ctx.replicas > 1) {
        rules.push({
          alert: 'MinioNodesOffline',
          expr: `max(minio_cluster_nodes_offline_total{${sel}}) > 0`,
          for: '5m',
          severity: 'warning',
          summary: `MinIO ${ctx.namespace}/${ctx.name} has offline nodes`,
          description: '{{ $value }} nodes are offline: erasure-coded data is not fully redundant and healing is pending.',
          runbookUrl: runbook('MinioNodesOffline'),
        });
      }
      return rules;
    },
  };
}
