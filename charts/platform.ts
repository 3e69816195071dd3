import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import {
  addGitOpsDelivery,
  ConnectionGraph,
  ConnectionValue,
  EnvironmentChart,
  Engine,
  EnvValue,
  HealthProbe,
  IngressHost,
  LogBackend,
  MetricQuery,
  MicroserviceDeployment,
  MicroserviceDeploymentProps,
  ObservabilityStack,
  PlatformNamespace,
  Receiver,
  StatefulDatastore,
  TenantNamespace,
  TraceBackend,
  defaultPlans,
  loadTenantsFile,
  otelCollectorRef,
  otlpEnvironment,
} from '../src';
import { serviceImage } from './images';
import { DatastoreName, PlatformSettings, ServiceName } from './platform-settings';

/**
 * The tenants file at the repository root (one entry per tenant; see README "How to add a tenant"). Found by
 * walking up from this module, so it works from charts/ (tests), and lib/ (synth, diff, bench).
 */
export const TENANTS_FILE = findUp('tenants.yaml');

function findUp(file: string): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, file);
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`${file} not found above ${__dirname}`);
  }
}

/**
 * Platform namespaces by concern (the seeds' frontend / backend and db-* / storage-* layout). Their delivery tiers are
 * derived from what they hold: the db-* and storage-* namespaces hold datastores, so they are data tier.
 */
const NAMESPACES = {
  frontend: { concern: 'frontend' },
  backend: { concern: 'backend' },
  'db-postgres': { concern: 'database' },
  'db-redis': { concern: 'cache' },
  'db-clickhouse': { concern: 'analytics' },
  'db-elasticsearch': { concern: 'logs' },
  'db-kafka': { concern: 'streaming' },
  'storage-minio': { concern: 'object-storage' },
} as const;

type PlatformNamespaceName = keyof typeof NAMESPACES;

/**
 * The reference platform (the seeds' invoicing platform): seven services, PostgreSQL, Redis, MinIO, ClickHouse,
 * Elasticsearch for logs and, where enabled, Kafka; the observability stack; the platform namespaces; the tenants
 * of tenants.yaml; and the Argo CD / Flux entry points. Every difference between environments comes from
 * `settings` (the profile and the per-environment data), never from the environment's name. `environments` are
 * the names tenants.yaml may refer to.
 */
export function buildPlatform(app: App, settings: PlatformSettings, environments: readonly string[]): EnvironmentChart {
  const profile = settings.profile;
  const chart = new EnvironmentChart(app, { profile });

  const namespaces = (Object.keys(NAMESPACES) as PlatformNamespaceName[]).filter((ns) => settings.kafka || ns !== 'db-kafka');
  for (const name of namespaces) {
    new PlatformNamespace(chart, `ns-${name}`, { name, concern: NAMESPACES[name].concern, team: 'platform' });
  }

  // --- datastores -------------------------------------------------------------------------------------------
  const datastore = (name: DatastoreName, namespace: PlatformNamespaceName, engine: Engine, size: string | undefined, team: string) => {
    const recovery = settings.recovery?.[name];
    return new StatefulDatastore(chart, name, {
      name,
      namespace,
      engine,
      storage: size ? { size } : undefined,
      managed: settings.managedDatastores[name],
      backup: recovery?.schedule ? { schedule: recovery.schedule } : undefined,
      recovery: recovery?.objective,
      team,
      partOf: 'invoicing-platform',
    });
  };
  // One database per service that keeps data in PostgreSQL, owned by the role the service logs in as (its connection
  // string names that role and database); PgBouncer in front of the primary.
  const client = (name: ServiceName) => ({ name, namespace: 'backend' });
  const database = (name: string, owner: string, service: ServiceName) => ({ name, owner, clients: [client(service)] });
  const postgres = datastore(
    'postgres',
    'db-postgres',
    Engine.postgres({
      databases: [
        database('auth', 'auth_service', 'auth-service'),
        database('users', 'user_service', 'user-service'),
        database('invoices', 'invoice_service', 'invoice-service'),
        database('documents', 'document_processing', 'document-processing'),
      ],
      pooler: {},
    }),
    '100Gi',
    'platform',
  );
  const redis = datastore('redis', 'db-redis', Engine.redis(), undefined, 'platform');
  const minio = datastore('minio', 'storage-minio', Engine.minio(), undefined, 'platform');
  const clickhouse = datastore('clickhouse', 'db-clickhouse', Engine.clickhouse(), undefined, 'analytics');
  // Fluent Bit writes the daily log indices and Grafana reads them, each as a user of its own that the cluster
  // provisions from the stored password both ends read.
  const logs = datastore(
    'logs',
    'db-elasticsearch',
    Engine.elasticsearch({
      users: [
        { name: 'fluent-bit', access: 'write', indices: ['logs-*'] },
        { name: 'grafana', access: 'read', indices: ['logs-*'] },
      ],
    }),
    undefined,
    'platform',
  );
  // The event streams: invoices and documents, each written by one service and read by the others (a KafkaUser per
  // service with ACLs for exactly these topics).
  const week = 7 * 24 * 3600 * 1000;
  const kafka = settings.kafka
    ? datastore(
        'kafka',
        'db-kafka',
        Engine.kafka({
          topics: [
            {
              name: 'invoice-events',
              partitions: 6,
              config: { 'retention.ms': week },
              producers: [client('invoice-service')],
              consumers: [client('notification-service'), client('document-processing')],
            },
            {
              name: 'document-events',
              partitions: 6,
              config: { 'retention.ms': week },
              producers: [client('document-processing')],
              consumers: [client('invoice-service'), client('notification-service')],
            },
          ],
        }),
        undefined,
        'platform',
      )
    : undefined;

  // --- observability ----------------------------------------------------------------------------------------
  new ObservabilityStack(chart, 'observability', {
    runbookBaseUrl: 'https://runbooks.example.com/platform',
    alerting: {
      receivers: [
        Receiver.email('ops-email', { to: 'ops@example.com', from: 'alerts@example.com', smarthost: 'smtp.example.com:587', authUsername: 'alerts' }),
        Receiver.slack('backend-slack', { channel: '#backend-alerts' }),
        Receiver.slack('web-slack', { channel: '#web-alerts' }),
        Receiver.pagerDuty('ops-pager'),
      ],
      defaultReceiver: 'ops-email',
      routes: [
        { receiver: 'ops-pager', matchers: { severity: 'critical' }, continue: true },
        { receiver: 'backend-slack', matchers: { team: 'backend' } },
        { receiver: 'web-slack', matchers: { team: 'web' } },
      ],
    },
    // Host, port, TLS and the users' credentials come from the logs cluster's endpoint; Fluent Bit and Grafana join the
    // connection graph as its clients (its NetworkPolicy admits them, theirs follow).
    logs: LogBackend.elasticsearch({ endpoint: logs.endpoint('http'), indexPrefix: 'logs' }),
    // Jaeger v2 in the monitoring namespace (Badger storage, 72 h retention, 20Gi).
    traces: TraceBackend.jaegerInCluster({ retention: '72h', storageSize: '20Gi' }),
  });

  // --- services ---------------------------------------------------------------------------------------------
  const service = (name: ServiceName, namespace: PlatformNamespaceName, team: string, props: Partial<MicroserviceDeploymentProps>) => {
    const svc = new MicroserviceDeployment(chart, name, {
      name,
      namespace,
      team,
      partOf: 'invoicing-platform',
      image: serviceImage(name, settings.releases[name]),
      ports: [{ name: 'http', port: 8080, servicePort: 80 }],
      probes: { liveness: HealthProbe.http('/health', { initialDelaySeconds: 10 }), readiness: HealthProbe.http('/ready') },
      ...props,
      env: {
        ...Object.fromEntries(otlpEnvironment(chart, name, namespace).map((e) => [e.name, EnvValue.value(e.value)])),
        ...props.env,
      },
    });
    ConnectionGraph.of(chart).connect(svc, otelCollectorRef(chart), undefined, 'tracing');
    return svc;
  };
  const ha = { minReplicas: profile.autoscaling.minReplicas, maxReplicas: profile.autoscaling.maxReplicas };

  const frontend = service('frontend', 'frontend', 'web', {
    ingress: { hosts: [IngressHost.apex([{ path: '/' }])] },
    strategy: settings.frontendStrategy,
    env: { API_URL: EnvValue.value(`https://api.${profile.domain}`) },
  });
  const gateway = service('api-gateway', 'backend', 'backend', {
    ingress: { hosts: [IngressHost.subdomain('api', [{ path: '/' }])], rateLimitRps: 100 },
    strategy: settings.apiGatewayStrategy,
    // Requests per second per pod, from the gateway's own http_requests_total: a KEDA ScaledObject's Prometheus trigger.
    autoscaling: { ...ha, podsMetrics: [{ name: 'requests_per_second', averageValue: '100', query: MetricQuery.httpRequestRate() }] },
    env: { NODE_ENV: EnvValue.value('production'), PORT: EnvValue.value('8080') },
  });
  // Connection strings are composed from the datastores' endpoints and their stored credentials (External Secrets
  // templating): the graph edge, the NetworkPolicies at both ends and the URL all follow from the endpoint.
  // The database (path), its owner and TLS come from the `rw` endpoint: each service owns one database.
  const db = { to: postgres.endpoint('rw'), env: { DATABASE_URL: ConnectionValue.url() } };
  // The bootstrap address, the service's own Kafka user and password, and the protocol of the `bootstrap` listener.
  const events = kafka
    ? [
        {
          to: kafka.endpoint('bootstrap'),
          env: {
            KAFKA_BOOTSTRAP_SERVERS: ConnectionValue.address(),
            KAFKA_USERNAME: ConnectionValue.user(),
            KAFKA_PASSWORD: ConnectionValue.password(),
            KAFKA_SECURITY_PROTOCOL: ConnectionValue.attribute('securityProtocol'),
            KAFKA_SASL_MECHANISM: ConnectionValue.attribute('saslMechanism'),
          },
        },
      ]
    : [];
  const cache = { to: redis.endpoint('master'), env: { REDIS_URL: ConnectionValue.url() } };
  const objectStorage = {
    to: minio.endpoint('s3'),
    env: {
      S3_ENDPOINT: ConnectionValue.url({ credentials: false }),
      S3_ACCESS_KEY_ID: ConnectionValue.user(),
      S3_SECRET_ACCESS_KEY: ConnectionValue.password(),
    },
  };
  const auth = service('auth-service', 'backend', 'backend', {
    secrets: { 'jwt-secret': { key: `${profile.name}/auth-service/jwt`, property: 'secret' } },
    env: { JWT_SECRET: EnvValue.fromSecret('jwt-secret') },
    connections: [db, cache],
    config: { files: { 'config.yaml': 'auth:\n  jwt_expiry: 15m\n  refresh_expiry: 7d\n  max_sessions: 5\n' }, mountPath: '/app/config' },
    autoscaling: ha,
  });
  const user = service('user-service', 'backend', 'backend', { connections: [db, objectStorage], autoscaling: ha });
  const invoice = service('invoice-service', 'backend', 'backend', {
    connections: [db, objectStorage, { to: clickhouse.endpoint('http'), env: { CLICKHOUSE_URL: ConnectionValue.url() } }, ...events],
    autoscaling: ha,
  });
  const notification = service('notification-service', 'backend', 'backend', { connections: [cache, ...events] });
  const documents = service('document-processing', 'backend', 'backend', { connections: [db, objectStorage, ...events] });

  // --- the dependency graph: NetworkPolicies at both ends, and the diagram in dist/<env>/README.md ------------
  frontend.connectsTo(gateway);
  for (const s of [auth, user, invoice, notification, documents]) gateway.connectsTo(s);

  // --- tenants ----------------------------------------------------------------------------------------------
  TenantNamespace.forEnvironment(chart, loadTenantsFile(TENANTS_FILE, { environments: [...environments], plans: defaultPlans() }));

  // --- GitOps entry points: every namespace's tier is derived from what it holds ------------------------------
  addGitOpsDelivery(app, {
    environment: chart,
    source: { url: settings.gitops.repoURL, targetRevision: settings.gitops.targetRevision },
    tools: settings.gitops.tools,
  });
  return chart;
}
