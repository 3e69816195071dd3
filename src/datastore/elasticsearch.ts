import {
  Certificate,
  CertificateSpecPrivateKeyAlgorithm,
  CertificateSpecPrivateKeyRotationPolicy,
  CertificateSpecUsages,
  Issuer,
} from '../../imports/cert-manager.io';
import { WorkloadPort } from '../core/connections';
import { addExternalSecret } from '../core/external-secret';
import { configYaml, endpointUrl, jsonText } from '../core/encoders';
import { EndpointAuth, EndpointTls } from '../core/endpoint';
import { AlertRule } from '../core/monitoring-registry';
import { parseQuantity } from '../core/quantity';
import {
  BackupPlan,
  BackupTarget,
  restoreSourceEnv,
  EngineContext,
  EngineDefinition,
  EngineEndpoint,
  RestorePlan,
  RestoreSource,
  SIDECAR_RESOURCES,
  configVolume,
  containerPort,
  env,
  execShell,
  exporterProbes,
  probes,
  resourcesJson,
  runbook,
  scratch,
  secretEnv,
  downRule,
} from './types';
import { compareText } from '../core/order';

/** Options of {@link Engine.elasticsearch}. */
export interface ElasticsearchEngineOptions {
  /** Elasticsearch version (image tag). @default ELASTICSEARCH_DEFAULT_VERSION */
  readonly version?: string;
  /** @default docker.elastic.co/elasticsearch/elasticsearch:<version> */
  readonly image?: string;
  /** elasticsearch_exporter image. @default ELASTICSEARCH_EXPORTER_IMAGE */
  readonly exporterImage?: string;
  /** curl image running snapshot jobs. @default CURL_IMAGE */
  readonly curlImage?: string;
  /**
   * Users clients authenticate as (file realm, provisioned on every node at start), each with a role of its own.
   * A user's password is the property `<name>-password` of the datastore's remote key; clients read the same one.
   * @default - none (only the `elastic` superuser, which no client gets)
   */
  readonly users?: readonly ElasticsearchUser[];
}

/** A user of an Elasticsearch datastore and what it may do. */
export interface ElasticsearchUser {
  /** User name: 1-64 characters of [a-z0-9_-], starting with a letter (e.g. the client's workload name). */
  readonly name: string;
  /**
   * `write`: create indices and documents (log shippers); `read`: search and read mappings (Grafana). Both may read
   * cluster health (`monitor`).
   */
  readonly access: 'write' | 'read';
  /** Index patterns the access applies to, e.g. `logs-*`. */
  readonly indices: readonly string[];
}

export const ELASTICSEARCH_DEFAULT_VERSION = '8.15.3';
export const ELASTICSEARCH_EXPORTER_IMAGE = 'quay.io/prometheuscommunity/elasticsearch-exporter:v1.8.0';
export const CURL_IMAGE = 'docker.io/curlimages/curl:8.10.1';
/** uid/gid of the `elasticsearch` user in the official image. */
const ES_UID = 1000;
const HTTP: WorkloadPort = { name: 'http', port: 9200 };
const TRANSPORT: WorkloadPort = { name: 'transport', port: 9300 };
const METRICS: WorkloadPort = { name: 'metrics', port: 9114 };
const ES_HOME = '/usr/share/elasticsearch';
/** The datastore's own snapshot repository (its own bucket and prefix, writable). */
const REPOSITORY = 'platform-backup';
/**
 * The source environment's repository, registered `readonly: true` for a restore: two clusters writing one
 * repository corrupt it, and a read-only registration never writes (not even the repository's index files).
 */
const RESTORE_REPOSITORY = 'platform-restore';
/** S3 client (keystore and elasticsearch.yml settings) of the restore source's read-only credentials. */
const RESTORE_CLIENT = 'restore';
const USER_NAME = /^[a-z][a-z0-9_-]{0,63}$/;
const INDEX_PATTERN = /^[a-z0-9*][a-z0-9*._-]{0,254}$/;
/** Index privileges of each kind of access: a shipper can only add documents, a reader only read. */
const PRIVILEGES: Record<ElasticsearchUser['access'], string[]> = {
  write: ['create_index', 'create_doc', 'auto_configure', 'view_index_metadata'],
  read: ['read', 'view_index_metadata'],
};

/** The datastore's HTTP API inside the cluster (scripts take it from the environment). */
function esUrl(ctx: EngineContext): string {
  return endpointUrl(`${ctx.serviceFqdn(ctx.name)}:${HTTP.port}`, 'http');
}

/** Property of the datastore's remote key holding a user's password (server and clients read the same one). */
export function elasticsearchUserPasswordProperty(user: string): string {
  return `${user}-password`;
}

/**
 * Elasticsearch: one node (single-node discovery), or (HA) a cluster of master-eligible data nodes that find
 * each other through the headless Service. Transport TLS uses a cert-manager certificate (required by
 * Elasticsearch for a multi-node cluster with security on).
 */
export function elasticsearchEngine(o: ElasticsearchEngineOptions = {}): EngineDefinition {
  const version = o.version ?? ELASTICSEARCH_DEFAULT_VERSION;
  const image = o.image ?? `docker.elastic.co/elasticsearch/elasticsearch:${version}`;
  const exporterImage = o.exporterImage ?? ELASTICSEARCH_EXPORTER_IMAGE;
  const curlImage = o.curlImage ?? CURL_IMAGE;
  const tlsSecret = (ctx: EngineContext) => `${ctx.name}-transport-tls`;
  const usersSecret = (ctx: EngineContext) => `${ctx.name}-users`;
  const users = [...(o.users ?? [])].sort((a, b) => compareText(a.name, b.name));

  return {
    id: 'elasticsearch',
    displayName: 'Elasticsearch',
    version,
    minStorage: '1Gi',
    minHaReplicas: 3,
    defaultHaReplicas: 3,
    minMemory: '1Gi',
    credentialKeys: ['ELASTIC_PASSWORD'],
    metrics: { port: METRICS, path: '/metrics' },
    clientPorts: () => [HTTP],
    peerPorts: () => [HTTP, TRANSPORT],
    // HTTP is plain text inside the cluster (NetworkPolicies admit only declared clients); every request authenticates.
    endpoints: (ctx, remoteKey): EngineEndpoint[] => [
      {
        name: 'http',
        service: ctx.name,
        port: HTTP,
        protocol: 'http',
        tls: EndpointTls.disabled(),
        auth: EndpointAuth.passwordPerUser(
          users.map((u) => ({ user: u.name, credential: { remoteKey, passwordProperty: elasticsearchUserPasswordProperty(u.name) } })),
        ),
      },
    ],
    validate: (_ctx, fail) => {
      const seen = new Set<string>();
      (o.users ?? []).forEach((u, i) => {
        // Names become file names, role names and Secret keys.
        if (typeof u.name !== 'string' || !USER_NAME.test(u.name) || u.name === 'elastic')
          fail(`engine.users[${i}].name`, u.name, 'must be 1-64 characters of [a-z0-9_-], starting with a letter (and not the built-in "elastic")');
        if (seen.has(u.name)) fail(`engine.users[${i}].name`, u.name, 'user names must be unique');
        seen.add(u.name);
        if (!(u.access in PRIVILEGES)) fail(`engine.users[${i}].access`, u.access, 'must be "write" or "read"');
        if (!Array.isArray(u.indices) || u.indices.length === 0) fail(`engine.users[${i}].indices`, u.indices, 'must list at least one index pattern');
        u.indices.forEach((x, j) => {
          if (!INDEX_PATTERN.test(x))
            fail(`engine.users[${i}].indices[${j}]`, x, 'must be an index pattern of lowercase letters, digits, "*", ".", "_" and "-"');
        });
      });
    },
    config: (ctx) => {
      const nodes = Array.from({ length: ctx.replicas }, (_, i) => `${ctx.name}-${i}`);
      // Flat dotted keys, written by the YAML encoder (Elasticsearch reads both forms).
      const settings: Record<string, unknown> = {
        'cluster.name': ctx.name,
        'network.host': '0.0.0.0',
        // mmap needs vm.max_map_count, a node sysctl a restricted pod may not set.
        'node.store.allow_mmap': false,
        'xpack.security.enabled': true,
        'xpack.security.http.ssl.enabled': false,
        'xpack.security.transport.ssl.enabled': true,
        'xpack.security.transport.ssl.verification_mode': 'certificate',
        'xpack.security.transport.ssl.key': 'certs/tls.key',
        'xpack.security.transport.ssl.certificate': 'certs/tls.crt',
        'xpack.security.transport.ssl.certificate_authorities': ['certs/ca.crt'],
        ...(ctx.replicas > 1
          ? { 'discovery.seed_hosts': [ctx.headlessService], 'cluster.initial_master_nodes': nodes, 'node.roles': ['master', 'data', 'ingest'] }
          : { 'discovery.type': 'single-node' }),
        ...(ctx.backup ? { 's3.client.default.endpoint': ctx.backup.endpoint } : {}),
        ...(ctx.restore ? { [`s3.client.${RESTORE_CLIENT}.endpoint`]: ctx.restore.endpoint } : {}),
      };
      const files: Record<string, string> = {
        'elasticsearch.yml': configYaml(settings),
        'prepare.sh': [
          '#!/bin/bash',
          '# The root filesystem is read-only: copy the default config into a writable volume, add ours, and',
          '# create the keystore there (object-store credentials for snapshots come from the backup secret).',
          'set -euo pipefail',
          `cp -a ${ES_HOME}/config/. /config/`,
          'cp /platform/elasticsearch.yml /config/elasticsearch.yml',
          `export ES_PATH_CONF=/config`,
          `${ES_HOME}/bin/elasticsearch-keystore create`,
          'if [ -n "${AWS_ACCESS_KEY_ID:-}" ]; then',
          `  printf '%s' "$AWS_ACCESS_KEY_ID" | ${ES_HOME}/bin/elasticsearch-keystore add -x s3.client.default.access_key`,
          `  printf '%s' "$AWS_SECRET_ACCESS_KEY" | ${ES_HOME}/bin/elasticsearch-keystore add -x s3.client.default.secret_key`,
          'fi',
          'if [ -n "${RESTORE_AWS_ACCESS_KEY_ID:-}" ]; then',
          `  printf '%s' "$RESTORE_AWS_ACCESS_KEY_ID" | ${ES_HOME}/bin/elasticsearch-keystore add -x s3.client.${RESTORE_CLIENT}.access_key`,
          `  printf '%s' "$RESTORE_AWS_SECRET_ACCESS_KEY" | ${ES_HOME}/bin/elasticsearch-keystore add -x s3.client.${RESTORE_CLIENT}.secret_key`,
          'fi',
          ...(users.length > 0
            ? [
                `cp /platform/roles.yml /config/roles.yml`,
                '# File-realm users: one file per user in /users holds its password; its role is platform_<user> (roles.yml).',
                '# Started from empty files, so a re-run (a restarted pod keeps this volume) never finds a user twice.',
                ': > /config/users',
                ': > /config/users_roles',
                'for f in /users/*; do',
                '  [ -e "$f" ] || continue',
                '  user="$(basename "$f")"',
                `  ${ES_HOME}/bin/elasticsearch-users useradd "$user" -p "$(cat "$f")" -r "platform_$user"`,
                'done',
              ]
            : []),
          '',
        ].join('\n'),
      };
      // JSON is YAML: one encoder, and no user value is ever interpreted as YAML syntax.
      if (users.length > 0) {
        files['roles.yml'] = `${jsonText(
          Object.fromEntries(
            users.map((u) => [
              `platform_${u.name}`,
              {
                cluster: ['monitor'],
                indices: [{ names: [...u.indices], privileges: PRIVILEGES[u.access] }],
              },
            ]),
          ),
          2,
        )}\n`;
      }
      return files;
    },
    roles: (ctx) => {
      const tmp = scratch('tmp', '/tmp', '1Gi');
      const conf = scratch('config-rw', `${ES_HOME}/config`, '64Mi');
      const logs = scratch('logs', `${ES_HOME}/logs`, '256Mi');
      const memory = parseQuantity(ctx.resources.limits.memory) ?? 2 ** 30;
      // Half the container memory for the heap; the rest is Lucene's page cache.
      const heapMiB = Math.max(256, Math.floor(memory / 2 ** 20 / 2));
      const backupEnv = [
        ...(ctx.backup ? [secretEnv('AWS_ACCESS_KEY_ID', ctx.backup.credentialsSecret), secretEnv('AWS_SECRET_ACCESS_KEY', ctx.backup.credentialsSecret)] : []),
        ...(ctx.restore
          ? [
              secretEnv('RESTORE_AWS_ACCESS_KEY_ID', ctx.restore.credentialsSecret, 'AWS_ACCESS_KEY_ID'),
              secretEnv('RESTORE_AWS_SECRET_ACCESS_KEY', ctx.restore.credentialsSecret, 'AWS_SECRET_ACCESS_KEY'),
            ]
          : []),
      ];
      return [
        {
          suffix: '',
          component: 'server',
          replicas: ctx.replicas,
          quorum: true,
          // Master-eligible nodes must find each other to bootstrap the cluster.
          podManagementPolicy: 'Parallel',
          uid: ES_UID,
          storageSize: ctx.storageSize,
          ports: [HTTP, TRANSPORT, METRICS],
          metrics: true,
          terminationGracePeriodSeconds: 120,
          initContainers: [
            {
              name: 'prepare-config',
              image,
              command: ['bash', '/platform/prepare.sh'],
              env: backupEnv,
              resources: resourcesJson(SIDECAR_RESOURCES),
              volumeMounts: [
                { name: 'platform-config', mountPath: '/platform' },
                { name: 'config-rw', mountPath: '/config' },
                tmp.mount,
                ...(users.length > 0 ? [{ name: 'users', mountPath: '/users', readOnly: true }] : []),
              ],
            },
          ],
          containers: [
            {
              name: 'elasticsearch',
              image,
              env: [
                { name: 'node.name', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                env('ES_JAVA_OPTS', `-Xms${heapMiB}m -Xmx${heapMiB}m`),
                secretEnv('ELASTIC_PASSWORD', ctx.credentialsSecret),
              ],
              ports: [HTTP, TRANSPORT].map(containerPort),
              resources: resourcesJson(ctx.resources),
              startupProbe: probes({ tcpSocket: { port: HTTP.name } }).startupProbe,
              readinessProbe: probes(
                execShell(`curl -fsS -u "elastic:$ELASTIC_PASSWORD" "http://127.0.0.1:${HTTP.port}/_cluster/health?local=true" >/dev/null`),
              ).readinessProbe,
              livenessProbe: probes({ tcpSocket: { port: TRANSPORT.name } }).livenessProbe,
              volumeMounts: [
                { name: 'data', mountPath: `${ES_HOME}/data` },
                conf.mount,
                { name: 'transport-tls', mountPath: `${ES_HOME}/config/certs`, readOnly: true },
                tmp.mount,
                logs.mount,
              ],
            },
            {
              name: 'metrics',
              image: exporterImage,
              args: [`--es.uri=http://127.0.0.1:${HTTP.port}`, '--es.all=false', `--web.listen-address=:${METRICS.port}`],
              env: [env('ES_USERNAME', 'elastic'), secretEnv('ES_PASSWORD', ctx.credentialsSecret, 'ELASTIC_PASSWORD')],
              ports: [containerPort(METRICS)],
              resources: resourcesJson(SIDECAR_RESOURCES),
              ...exporterProbes('/healthz', METRICS.name),
            },
          ],
          volumes: [
            configVolume('platform-config', ctx.configMap, ['elasticsearch.yml', 'prepare.sh', ...(users.length > 0 ? ['roles.yml'] : [])]),
            ...(users.length > 0 ? [{ name: 'users', secret: { secretName: usersSecret(ctx), defaultMode: 0o440 } }] : []),
            conf.volume,
            { name: 'transport-tls', secret: { secretName: tlsSecret(ctx), defaultMode: 0o440 } },
            tmp.volume,
            logs.volume,
          ],
        },
      ];
    },
    backup: (ctx: EngineContext, b: BackupTarget): BackupPlan => ({
      steps: [
        {
          name: 'snapshot',
          image: curlImage,
          // Snapshots are incremental and managed by Elasticsearch, so retention deletes snapshots through its API.
          // The repository is this datastore's own (its bucket and prefix); a restore source is never written.
          // The request body is JSON encoded here and handed over as data (never assembled by the shell).
          command: [
            'sh',
            '-c',
            [
              'set -eu',
              'ES="$ES_URL"',
              `printf '%s' "$REPOSITORY_BODY" > /tmp/repository.json`,
              `curl -fsS -u "elastic:$ELASTIC_PASSWORD" -X PUT "$ES/_snapshot/${REPOSITORY}" -H 'Content-Type: application/json' --data-binary @/tmp/repository.json`,
              'SNAP="snapshot-$(date -u +%Y%m%dt%H%M%Sz)"',
              `curl -fsS -u "elastic:$ELASTIC_PASSWORD" -X PUT "$ES/_snapshot/${REPOSITORY}/$SNAP?wait_for_completion=true"`,
              'CUTOFF=$(( $(date +%s) - RETENTION_DAYS * 86400 ))',
              `curl -fsS -u "elastic:$ELASTIC_PASSWORD" "$ES/_cat/snapshots/${REPOSITORY}?h=id,end_epoch" | while read -r id end; do`,
              `  if [ "$end" -lt "$CUTOFF" ]; then curl -fsS -u "elastic:$ELASTIC_PASSWORD" -X DELETE "$ES/_snapshot/${REPOSITORY}/$id"; fi`,
              'done',
            ].join('\n'),
          ],
          env: [
            secretEnv('ELASTIC_PASSWORD', ctx.credentialsSecret),
            env('ES_URL', esUrl(ctx)),
            env('REPOSITORY_BODY', jsonText({ type: 's3', settings: { bucket: b.bucket, base_path: b.prefix } })),
            env('RETENTION_DAYS', String(b.retentionDays)),
          ],
        },
      ],
      upload: false,
    }),
    backupMethod: 'Elasticsearch snapshot',
    restore: (ctx: EngineContext, source: RestoreSource): RestorePlan => ({
      // Elasticsearch reads the source itself, through a read-only repository: nothing to download first.
      mode: 'job',
      fetch: false,
      objectPrefix: '',
      objectPattern: '*',
      steps: [
        {
          name: 'restore',
          image: curlImage,
          command: [
            'sh',
            '-c',
            [
              'set -eu',
              'ES="$ES_URL"',
              'AUTH="elastic:$ELASTIC_PASSWORD"',
              'until curl -fsS -u "$AUTH" "$ES/_cluster/health?wait_for_status=yellow&timeout=60s" >/dev/null; do echo "restore: waiting for the cluster"; sleep 10; done',
              // A cluster that holds data is never overwritten (system indices start with a dot).
              'if curl -fsS -u "$AUTH" "$ES/_cat/indices?h=index&expand_wildcards=open" | grep -qv \'^\\.\'; then echo "restore: the cluster holds indices: nothing to restore"; exit 0; fi',
              `printf '%s' "$REPOSITORY_BODY" > /tmp/repository.json`,
              `curl -fsS -u "$AUTH" -X PUT "$ES/_snapshot/${RESTORE_REPOSITORY}" -H 'Content-Type: application/json' --data-binary @/tmp/repository.json`,
              `LATEST="$(curl -fsS -u "$AUTH" "$ES/_cat/snapshots/${RESTORE_REPOSITORY}?h=id,status&s=end_epoch" | awk '$2 == "SUCCESS" { id = $1 } END { print id }')"`,
              'if [ -z "$LATEST" ]; then echo "restore: no successful snapshot below s3://$SOURCE_BUCKET/$SOURCE_PREFIX" >&2; exit 1; fi',
              `curl -fsS -u "$AUTH" -X POST "$ES/_snapshot/${RESTORE_REPOSITORY}/$LATEST/_restore?wait_for_completion=true" -H 'Content-Type: application/json' --data-binary '{"indices":"*,-.*","include_global_state":false}'`,
              'echo "restore: snapshot $LATEST restored"',
            ].join('\n'),
          ],
          env: [
            secretEnv('ELASTIC_PASSWORD', ctx.credentialsSecret),
            env('ES_URL', esUrl(ctx)),
            ...restoreSourceEnv(source),
            env(
              'REPOSITORY_BODY',
              jsonText({ type: 's3', settings: { client: RESTORE_CLIENT, bucket: source.bucket, base_path: source.prefix, readonly: true } }),
            ),
          ],
        },
      ],
    }),
    rules: (ctx, sel) => {
      const rules: AlertRule[] = [
        downRule(
          'ElasticsearchDown',
          'Elasticsearch',
          ctx,
          'elasticsearch_clusterinfo_up',
          sel,
          'elasticsearch_exporter cannot reach the node on pod {{ $labels.pod }}.',
        ),
        {
          alert: 'ElasticsearchClusterRed',
          expr: `max(elasticsearch_cluster_health_status{${sel}, color="red"}) == 1`,
          for: '5m',
          severity: 'critical',
          summary: `Elasticsearch ${ctx.namespace}/${ctx.name} cluster is red`,
          description: 'At least one primary shard is unassigned: some data is unavailable.',
          runbookUrl: runbook('ElasticsearchClusterRed'),
        },
      ];
      if (ctx.replicas > 1) {
        rules.push({
          alert: 'ElasticsearchReplicasUnassigned',
          expr: `max(elasticsearch_cluster_health_unassigned_shards{${sel}}) > 0`,
          for: '15m',
          severity: 'warning',
          summary: `Elasticsearch ${ctx.namespace}/${ctx.name} has unassigned shards`,
          description: '{{ $value }} shards are unassigned: replicas are not in sync.',
          runbookUrl: runbook('ElasticsearchReplicasUnassigned'),
        });
      }
      return rules;
    },
    extraObjects: (scope, ctx, common) => {
      // Transport TLS from a CA of the datastore's own: self-signed root Issuer -> CA certificate (its key is kept at
      // renewal) -> CA Issuer -> the nodes' certificate. Nodes trust the CA (`ca.crt` of the issued Secret), so a
      // renewed node certificate, with a new key, is still trusted by nodes that have not reloaded yet. The CA is a
      // namespaced Issuer: no other namespace can obtain a certificate the nodes would accept as a peer.
      const issuer = (name: string) => ({ name, kind: 'Issuer', group: 'cert-manager.io' });
      new Issuer(scope, 'TransportIssuer', {
        metadata: { name: `${ctx.name}-selfsigned`, namespace: ctx.namespace, labels: common.labels },
        spec: { selfSigned: {} },
      });
      new Certificate(scope, 'TransportCaCertificate', {
        metadata: { name: `${ctx.name}-transport-ca`, namespace: ctx.namespace, labels: common.labels },
        spec: {
          isCa: true,
          secretName: `${ctx.name}-transport-ca`,
          commonName: `${ctx.name}.${ctx.namespace} transport CA`,
          duration: '87600h',
          renewBefore: '8760h',
          privateKey: { algorithm: CertificateSpecPrivateKeyAlgorithm.ECDSA, size: 256, rotationPolicy: CertificateSpecPrivateKeyRotationPolicy.NEVER },
          issuerRef: issuer(`${ctx.name}-selfsigned`),
        },
      });
      new Issuer(scope, 'TransportCaIssuer', {
        metadata: { name: `${ctx.name}-transport-ca`, namespace: ctx.namespace, labels: common.labels },
        spec: { ca: { secretName: `${ctx.name}-transport-ca` } },
      });
      new Certificate(scope, 'TransportCertificate', {
        metadata: { name: `${ctx.name}-transport`, namespace: ctx.namespace, labels: common.labels },
        spec: {
          secretName: tlsSecret(ctx),
          commonName: `${ctx.headlessService}.${ctx.namespace}.svc`,
          dnsNames: [
            `${ctx.headlessService}.${ctx.namespace}.svc`,
            `*.${ctx.headlessService}.${ctx.namespace}.svc`,
            `*.${ctx.headlessService}.${ctx.namespace}.svc.cluster.local`,
          ],
          duration: '8760h',
          renewBefore: '720h',
          privateKey: { algorithm: CertificateSpecPrivateKeyAlgorithm.ECDSA, size: 256, rotationPolicy: CertificateSpecPrivateKeyRotationPolicy.ALWAYS },
          usages: [
            CertificateSpecUsages.SERVER_AUTH,
            CertificateSpecUsages.CLIENT_AUTH,
            CertificateSpecUsages.DIGITAL_SIGNATURE,
            CertificateSpecUsages.KEY_ENCIPHERMENT,
          ],
          issuerRef: issuer(`${ctx.name}-transport-ca`),
        },
      });
      if (users.length > 0) {
        // One key per user (its password), mounted as files into the provisioning step.
        addExternalSecret(scope, 'UsersCredentials', {
          name: usersSecret(ctx),
          namespace: ctx.namespace,
          labels: common.labels,
          annotations: common.protectAnnotations,
          data: users.map((u) => ({ secretKey: u.name, remoteKey: ctx.credentialsRemoteKey, property: elasticsearchUserPasswordProperty(u.name) })),
        });
      }
    },
  };
}
