import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import {
  addConnectionSecret, addGitOpsDelivery, ConnectionGraph, ConnectionValue, selectorLabels, EnvironmentChart, Engine, EnvValue, HealthProbe, IngressHost, LogBackend,
  MicroserviceDeployment, MicroserviceDeploymentProps, NetworkPeer, ObservabilityStack, PlatformNamespace,
  Receiver, StatefulDatastore, TenantNamespace, TraceBackend, defaultPlans, loadTenantsFile, otelCollectorRef, otlpEnvironment,
} from '../src';
import { serviceImage } from './images';
import { DatastoreName, PlatformSettings, ServiceName } from './platform-settings';

/**
 * The tenants file at the repository root (one entry per tenant; see README "How to add a tenant"). Found by
 * walking up from this module, so it works from charts/ (tests), lib/ (synth) and lib/scripts/ (diff, bench).
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
  // One database per service that keeps data in PostgreSQL, owned by the role the service logs in as; PgBouncer in
  // front of the primary.
  const database = (name: string, owner: string, service: ServiceName) => ({ name, owner, clients: [{ name: service, namespace: 'backend' }] });
  const postgres = datastore('postgres', 'db-postgres', Engine.postgres({
    databases: [
      database('auth', 'auth_service', 'auth-service'),
      database('users', 'user_service', 'user-service'),
      database('invoices', 'invoice_service', 'invoice-service'),
      database('documents', 'document_processing', 'document-processing'),
    ],
    pooler: {},
  }), '100Gi', 'platform');
  datastore('redis', 'db-redis', Engine.redis(), undefined, 'platform');
  datastore('minio', 'storage-minio', Engine.minio(), undefined, 'platform');
  datastore('clickhouse', 'db-clickhouse', Engine.clickhouse(), undefined, 'analytics');
  const logs = datastore('logs', 'db-elasticsearch', Engine.elasticsearch(), undefined, 'platform');
  // The event streams: invoices and documents, each written by one service and read by the others (a KafkaUser per
  // service with ACLs for exactly these topics).
  const client = (name: ServiceName) => ({ name, namespace: 'backend' });
  const kafka = settings.kafka ? datastore('kafka', 'db-kafka', Engine.kafka({
    topics: [
      {
        name: 'invoice-events', partitions: 6, config: { 'retention.ms': 7 * 24 * 3600 * 1000 },
        producers: [client('invoice-service')], consumers: [client('notification-service'), client('document-processing')],
      },
      {
        name: 'document-events', partitions: 6, config: { 'retention.ms': 7 * 24 * 3600 * 1000 },
        producers: [client('document-processing')], consumers: [client('invoice-service'), client('notification-service')],
      },
    ],
  }), undefined, 'platform') : undefined;

  // --- observability ----------------------------------------------------------------------------------------
  const observability = new ObservabilityStack(chart, 'observability', {
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
    logs: LogBackend.elasticsearch({ host: `logs.db-elasticsearch.svc`, port: 9200, peer: NetworkPeer.pods('db-elasticsearch', logs.podSelector) }),
    // Jaeger v2 in the monitoring namespace (Badger storage, 72 h retention, 20Gi).
    traces: TraceBackend.jaegerInCluster({ retention: '72h', storageSize: '20Gi' }),
  });

  // Fluent Bit ships logs to, and Grafana queries, the logs cluster: declared in the graph so the datastore's
  // NetworkPolicy admits them (their own egress comes from the backend's peer).
  for (const client of [observability.fluentBit, observability.grafana]) {
    if (client) ConnectionGraph.of(chart).connect(client, logs, undefined, 'logs.clients');
  }

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
    autoscaling: { ...ha, podsMetrics: [{ name: 'requests_per_second', averageValue: '100' }] },
    env: { NODE_ENV: EnvValue.value('production'), PORT: EnvValue.value('8080') },
  });
  /**
   * DATABASE_URL of a service, from the Secret that its PostgreSQL connection (below) composes: host, port and TLS from
   * the `rw` endpoint, user, database and password from the database the service owns.
   */
  const databaseUrl = (svcName: ServiceName) => EnvValue.fromExistingSecret(`${svcName}-postgres`, 'DATABASE_URL');
  const auth = service('auth-service', 'backend', 'backend', {
    secrets: {
      'redis-url': { key: `${profile.name}/auth-service/redis`, property: 'url' },
      'jwt-secret': { key: `${profile.name}/auth-service/jwt`, property: 'secret' },
    },
    env: {
      DATABASE_URL: databaseUrl('auth-service'),
      REDIS_URL: EnvValue.fromSecret('redis-url'),
      JWT_SECRET: EnvValue.fromSecret('jwt-secret'),
    },
    config: { files: { 'config.yaml': 'auth:\n  jwt_expiry: 15m\n  refresh_expiry: 7d\n  max_sessions: 5\n' }, mountPath: '/app/config' },
    autoscaling: ha,
  });
  const withDatabase = (svcName: ServiceName) => ({ env: { DATABASE_URL: databaseUrl(svcName) } });
  /**
   * Kafka settings of a service: the bootstrap address and its own user and password from the Secret its Kafka
   * connection (below) composes; the protocol and mechanism follow the `bootstrap` endpoint.
   */
  const withKafka = (svcName: ServiceName): Record<string, EnvValue> => {
    if (!kafka) return {};
    const bootstrap = kafka.endpoint('bootstrap');
    const secret = (key: string) => EnvValue.fromExistingSecret(`${svcName}-kafka`, key);
    return {
      KAFKA_BOOTSTRAP_SERVERS: secret('KAFKA_BOOTSTRAP_SERVERS'),
      KAFKA_USERNAME: secret('KAFKA_USERNAME'),
      KAFKA_PASSWORD: secret('KAFKA_PASSWORD'),
      KAFKA_SECURITY_PROTOCOL: EnvValue.value(bootstrap.tls.enabled ? 'SASL_SSL' : 'SASL_PLAINTEXT'),
      KAFKA_SASL_MECHANISM: EnvValue.value('SCRAM-SHA-512'),
    };
  };
  const user = service('user-service', 'backend', 'backend', { ...withDatabase('user-service'), autoscaling: ha });
  const invoice = service('invoice-service', 'backend', 'backend', { env: { ...withDatabase('invoice-service').env, ...withKafka('invoice-service') }, autoscaling: ha });
  const notification = service('notification-service', 'backend', 'backend', { env: withKafka('notification-service') });
  const documents = service('document-processing', 'backend', 'backend', { env: { ...withDatabase('document-processing').env, ...withKafka('document-processing') } });

  // --- the dependency graph: NetworkPolicies at both ends, and the diagram in dist/<env>/README.md ------------
  frontend.connectsTo(gateway);
  for (const s of [auth, user, invoice, notification, documents]) gateway.connectsTo(s);
  const ds = (name: DatastoreName, namespace: PlatformNamespaceName) => ({ name, namespace });
  for (const svc of [auth, user, invoice, documents]) {
    addConnectionSecret(chart, `${svc.workloadName}-postgres`, {
      name: `${svc.workloadName}-postgres`,
      client: svc,
      endpoint: postgres.endpoint('rw'),
      labels: { ...selectorLabels(svc.workloadName), 'app.kubernetes.io/part-of': 'invoicing-platform' },
      values: { DATABASE_URL: ConnectionValue.url({ query: { sslmode: 'require' } }) },
    });
  }
  auth.connectsTo(ds('postgres', 'db-postgres'));
  auth.connectsTo(ds('redis', 'db-redis'));
  user.connectsTo(ds('postgres', 'db-postgres'));
  user.connectsTo(ds('minio', 'storage-minio'));
  invoice.connectsTo(ds('postgres', 'db-postgres'));
  invoice.connectsTo(ds('minio', 'storage-minio'));
  invoice.connectsTo(ds('clickhouse', 'db-clickhouse'));
  notification.connectsTo(ds('redis', 'db-redis'));
  documents.connectsTo(ds('postgres', 'db-postgres'));
  documents.connectsTo(ds('minio', 'storage-minio'));
  if (kafka) {
    notification.connectsTo(ds('kafka', 'db-kafka'));
    documents.connectsTo(ds('kafka', 'db-kafka'));
    invoice.connectsTo(ds('kafka', 'db-kafka'));
    for (const svc of [invoice, notification, documents]) {
      addConnectionSecret(chart, `${svc.workloadName}-kafka`, {
        name: `${svc.workloadName}-kafka`,
        client: svc,
        endpoint: kafka.endpoint('bootstrap'),
        labels: { ...selectorLabels(svc.workloadName), 'app.kubernetes.io/part-of': 'invoicing-platform' },
        values: { KAFKA_BOOTSTRAP_SERVERS: ConnectionValue.address(), KAFKA_USERNAME: ConnectionValue.user(), KAFKA_PASSWORD: ConnectionValue.password() },
      });
    }
  }

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
