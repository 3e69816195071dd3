/**
 * The hostile-string property test (issue 16, item 6). For every string prop of the public API that reaches output
 * (microservice, datastore, observability; add-on and gateway props join when those constructs land) and every string
 * field of tenants.yaml, fast-check generates hostile strings (quotes, `$()`, backticks, line breaks, `{{`, `${`, NUL,
 * very long, unicode). Synth must either refuse with a PlatformConfigError (the input-file error is one), or produce
 * output in which
 * - every embedded script parses (mvdan-sh and the real `sh -n` / `bash -n`) to the same command structure as with the
 *   benign value (values replaced by a placeholder on both sides),
 * - every config file parses with its real reader (js-yaml, JSON, saxes for XML, Fluent Bit's line format) to the same
 *   structure, and Fluent Bit expands no new variable,
 * - every literal container variable resolves the same `$(NAME)` references as before (none added by a value), unless
 *   it is the user's own value passed through verbatim,
 * - External Secrets templates have as many actions as before, and PostgreSQL parameters are lines postgresql.conf
 *   can hold.
 * Schema problems count as failures: input must be refused where it is read, not by the validator afterwards.
 * Fixed seed, a bounded number of runs per prop.
 */
import { App } from 'cdk8s';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EnvironmentChart,
  EnvironmentProfile,
  Engine,
  EnvValue,
  HealthProbe,
  ImageReference,
  IngressHost,
  LogBackend,
  MicroserviceDeployment,
  MicroserviceDeploymentProps,
  NetworkPeer,
  ObservabilityStack,
  ObservabilityStackProps,
  PlatformConfigError,
  PodVolume,
  PreStopHook,
  Receiver,
  StatefulDatastore,
  StatefulDatastoreProps,
  TenantNamespace,
  TraceBackend,
  defaultPlans,
  loadTenants,
  synthesizeToJson,
} from '../../src';
import { development, production, withIngress } from '../helpers';
import {
  Found,
  analyze,
  configShape,
  kubeletReferences,
  normalizer,
  postgresLineProblem,
  scriptShape,
  shellSyntaxError,
  templateActions,
} from './hostile-analysis';

/** `HOSTILE_SEED` / `HOSTILE_RUNS` explore further (e.g. `HOSTILE_RUNS=50 npx vitest run test/synth/hostile-strings.test.ts`). */
const SEED = Number(process.env.HOSTILE_SEED ?? 1616);
/** Runs per prop: with ~150 props this keeps the test near half a minute on the CI machine. */
const RUNS_PER_PROP = Number(process.env.HOSTILE_RUNS ?? 5);
/** Run first for every prop, appended to its benign value (grammars anchored at both ends must refuse each). */
const ALWAYS = ['$(id)', '\'";`id`', '\n[OUTPUT]\n    Name http', '${ES_PASSWORD}', '{{ .password }}'];

/** Returns the value of a string prop: the hostile one for the prop under test, the benign one elsewhere. */
type V = (path: string, benign: string) => string;

interface Family {
  readonly name: string;
  readonly profile: EnvironmentProfile;
  build(chart: EnvironmentChart, v: V): void;
}

const DIGEST = `sha256:${'a'.repeat(64)}`;
const backupsProfile: EnvironmentProfile = {
  ...production,
  name: 'production',
  backups: { ...production.backups, destination: 's3://platform-backups-production' },
};

// ------------------------------------------------------------------------------------------------------------------
// Coverage: every prop of the public props interfaces is listed, as the paths the builders below read for it or as the
// reason no string of it reaches output. A new prop fails compilation here until it is listed.
// ------------------------------------------------------------------------------------------------------------------

type Coverage = readonly string[] | { readonly none: string };

const MICROSERVICE_COVERAGE: { readonly [K in keyof Required<MicroserviceDeploymentProps>]: Coverage } = {
  name: ['name'],
  namespace: ['namespace'],
  image: ['image.repository', 'image.tag'],
  ports: ['ports[0].name'],
  command: ['command[0]'],
  args: ['args[0]'],
  env: ['env.LOG_LEVEL', 'env.<name>'],
  secrets: ['secrets.key', 'secrets.property', 'secrets.version'],
  config: ['config.files.<name>', 'config.files.content', 'config.mountPath'],
  volumes: ['volumes[0].mountPath', 'volumes[0].subPath', 'volumes[0].volume.name'],
  initContainers: ['initContainers[0].name', 'initContainers[0].command[0]'],
  sidecars: ['sidecars[0].name', 'sidecars[0].env.MODE'],
  preStop: ['preStop.exec[0]'],
  terminationGracePeriodSeconds: { none: 'a number' },
  resources: ['resources.requests.cpu', 'resources.limits.memory'],
  probes: ['probes.liveness.path', 'probes.readiness.exec[0]'],
  runAs: { none: 'numbers' },
  apiAccess: ['apiAccess.rules[0].resources[0]', 'apiAccess.rules[0].resourceNames[0]', 'apiAccess.serverCidrs[0]'],
  service: ['service.annotations.value'],
  ingress: ['ingress.hosts[0].label', 'ingress.hosts[0].path', 'ingress.className', 'ingress.annotations.value'],
  connectsTo: ['connectsTo[0].name'],
  connections: { none: 'endpoints come from server constructs (their props are covered with them); env keys are checked names' },
  replicas: { none: 'a number' },
  autoscaling: { none: 'numbers' },
  disruptionBudget: { none: 'numbers' },
  verticalAutoscaling: { none: 'numbers and quantities of fixed grammar' },
  strategy: { none: 'numbers and durations of the analysis, covered by expression checks' },
  topologySpread: { none: 'a boolean' },
  nodeSelector: ['nodeSelector.value'],
  tolerations: ['tolerations[0].key', 'tolerations[0].value'],
  priorityClassName: ['priorityClassName'],
  metrics: ['metrics.path'],
  alerts: ['alerts.runbookBaseUrl', 'alerts.extraRules[0].summary', 'alerts.extraRules[0].description'],
  team: ['team'],
  costCenter: ['costCenter'],
  partOf: ['partOf'],
  component: ['component'],
  version: ['version'],
};

const DATASTORE_COVERAGE: { readonly [K in keyof Required<StatefulDatastoreProps>]: Coverage } = {
  name: ['name'],
  namespace: ['namespace'],
  engine: [
    'clickhouse.version',
    'redis.masterSet',
    'redis.maxmemoryPolicy',
    'elasticsearch.users[0].name',
    'elasticsearch.users[0].indices[0]',
    'minio.image',
    'postgres.parameters.value',
    'postgres.parameters.<name>',
    'postgres.databases[0].name',
    'postgres.databases[0].owner',
    'postgres.archiveTimeout',
    'kafka.topics[0].name',
    'kafka.topics[0].config.value',
  ],
  replicas: { none: 'a number' },
  storage: ['storage.size', 'storage.storageClass'],
  resources: ['resources.requests.cpu'],
  backup: [
    'backup.destination',
    'backup.endpoint',
    'backup.schedule',
    'backup.veleroSchedule',
    'backup.veleroTtl',
    'backup.credentialsRemoteKey',
    'backup.uploaderImage',
  ],
  restore: ['restore.from', 'restore.endpoint', 'restore.credentialsRemoteKey'],
  clients: { none: 'workloads or references by name (names are checked where they are declared)' },
  managed: ['managed.host', 'managed.cidrs[0]'],
  credentialsRemoteKey: ['credentialsRemoteKey'],
  recovery: ['recovery.rpo', 'recovery.reason'],
  team: ['team'],
  partOf: ['partOf'],
};

const OBSERVABILITY_COVERAGE: { readonly [K in keyof Required<ObservabilityStackProps>]: Coverage } = {
  alerting: [
    'alerting.receivers[0].to',
    'alerting.receivers[0].from',
    'alerting.receivers[0].smarthost',
    'alerting.receivers[0].authUsername',
    'alerting.receivers[1].channel',
    'alerting.receivers[1].remoteKey',
    'alerting.routes[0].matchers.value',
    'alerting.routes[0].matchers.<name>',
    'alerting.groupBy[0]',
    'alerting.groupWait',
  ],
  runbookBaseUrl: ['runbookBaseUrl'],
  thresholds: { none: 'numbers' },
  logs: ['logs.host', 'logs.indexPrefix', 'logs.user', 'logs.passwordRemoteKey', 'logs.loki.tenant'],
  traces: ['traces.host', 'traces.queryUrl', 'traces.jaegerInCluster.retention', 'traces.jaegerInCluster.image'],
  serviceDashboards: ['serviceDashboards[0].panels[0].title', 'serviceDashboards[0].panels[0].legendFormat'],
  loggingNamespace: ['loggingNamespace'],
  retention: ['retention'],
  retentionSize: ['retentionSize'],
  storageSize: ['storageSize'],
  images: ['images.grafana'],
  resources: ['resources.grafana.memory'],
  grafanaAdminRemoteKey: ['grafanaAdminRemoteKey'],
  createNamespace: { none: 'a boolean' },
  operatorSelectorLabels: { none: 'operator mode only: covered by the schema of label values' },
  prometheusQueryPeers: { none: 'NetworkPeer objects (namespace names and labels are schema-checked)' },
  apiServerCidrs: ['apiServerCidrs[0]'],
  nodeCidrs: ['nodeCidrs[0]'],
};

// ------------------------------------------------------------------------------------------------------------------
// Builders: one chart per family, every covered string prop read through `v`.
// ------------------------------------------------------------------------------------------------------------------

const microservice: Family = {
  name: 'microservice',
  // The Ingress-specific strings (class, annotations) need an environment that keeps Ingress.
  profile: withIngress(production),
  build(chart, v) {
    new MicroserviceDeployment(chart, 'payments', {
      name: 'payments',
      namespace: 'shop',
      image: ImageReference.fromDigest('ghcr.io/acme/payments', DIGEST),
      ports: [{ name: 'http', port: 8080 }],
    });
    const envName = v('env.<name>', 'FEATURE_FLAGS');
    new MicroserviceDeployment(chart, 'checkout', {
      name: v('name', 'checkout'),
      namespace: v('namespace', 'shop'),
      image: ImageReference.fromDigest(v('image.repository', 'ghcr.io/acme/checkout'), DIGEST, v('image.tag', '2.3.1')),
      ports: [
        { name: v('ports[0].name', 'http'), port: 8080 },
        { name: 'metrics', port: 9090 },
      ],
      command: [v('command[0]', '/app/checkout')],
      args: [v('args[0]', '--listen=:8080')],
      env: { LOG_LEVEL: EnvValue.value(v('env.LOG_LEVEL', 'info')), [envName]: EnvValue.value('on'), DB_URL: EnvValue.fromSecret('db-url') },
      secrets: { 'db-url': { key: v('secrets.key', 'production/checkout/db'), property: v('secrets.property', 'url'), version: v('secrets.version', '3') } },
      config: {
        files: { [v('config.files.<name>', 'app.yaml')]: v('config.files.content', 'currency: EUR\n') },
        mountPath: v('config.mountPath', '/etc/checkout'),
      },
      volumes: [
        {
          volume: PodVolume.emptyDir(v('volumes[0].volume.name', 'cache')),
          mountPath: v('volumes[0].mountPath', '/var/cache/checkout'),
          subPath: v('volumes[0].subPath', 'c'),
        },
      ],
      initContainers: [
        {
          name: v('initContainers[0].name', 'wait'),
          image: ImageReference.fromDigest('busybox', DIGEST),
          command: [v('initContainers[0].command[0]', 'true')],
        },
      ],
      sidecars: [
        {
          name: v('sidecars[0].name', 'proxy'),
          image: ImageReference.fromDigest('envoyproxy/envoy', DIGEST),
          ports: [{ name: 'admin', port: 9901 }],
          env: { MODE: EnvValue.value(v('sidecars[0].env.MODE', 'edge')) },
        },
      ],
      preStop: PreStopHook.exec([v('preStop.exec[0]', '/app/drain')]),
      resources: { requests: { cpu: v('resources.requests.cpu', '250m'), memory: '256Mi' }, limits: { memory: v('resources.limits.memory', '512Mi') } },
      probes: { liveness: HealthProbe.http(v('probes.liveness.path', '/livez')), readiness: HealthProbe.exec([v('probes.readiness.exec[0]', '/app/ready')]) },
      apiAccess: {
        rules: [
          {
            resources: [v('apiAccess.rules[0].resources[0]', 'configmaps')],
            resourceNames: [v('apiAccess.rules[0].resourceNames[0]', 'checkout-flags')],
            verbs: ['get'],
          },
        ],
        serverCidrs: [v('apiAccess.serverCidrs[0]', '10.0.0.1/32')],
      },
      service: { annotations: { 'example.com/owner': v('service.annotations.value', 'shop') } },
      ingress: {
        hosts: [IngressHost.subdomain(v('ingress.hosts[0].label', 'shop'), [{ path: v('ingress.hosts[0].path', '/checkout') }])],
        className: v('ingress.className', 'nginx'),
        annotations: { 'nginx.ingress.kubernetes.io/proxy-body-size': v('ingress.annotations.value', '1m') },
      },
      connectsTo: [{ name: v('connectsTo[0].name', 'payments') }],
      nodeSelector: { 'node.kubernetes.io/pool': v('nodeSelector.value', 'general') },
      tolerations: [{ key: v('tolerations[0].key', 'dedicated'), value: v('tolerations[0].value', 'shop'), effect: 'NoSchedule' }],
      priorityClassName: v('priorityClassName', 'shop-critical'),
      metrics: { port: 'metrics', path: v('metrics.path', '/metrics') },
      alerts: {
        runbookBaseUrl: v('alerts.runbookBaseUrl', 'https://runbooks.acme.dev/shop'),
        extraRules: [
          {
            alert: 'CheckoutQueueDeep',
            expr: 'checkout_queue_depth > 100',
            for: '5m',
            severity: 'warning',
            summary: v('alerts.extraRules[0].summary', 'Checkout queue is deep'),
            description: v('alerts.extraRules[0].description', '{{ $value }} orders wait'),
            runbookUrl: 'https://runbooks.acme.dev/shop/queue',
          },
        ],
      },
      team: v('team', 'shop'),
      costCenter: v('costCenter', 'cc-1234'),
      partOf: v('partOf', 'storefront'),
      component: v('component', 'api'),
      version: v('version', '2.3.1'),
    });
  },
};

const datastore: Family = {
  name: 'datastore',
  profile: backupsProfile,
  build(chart, v) {
    const common = (n: string) => ({ namespace: 'data', team: 'data', credentialsRemoteKey: `data/${n}` });
    new StatefulDatastore(chart, 'events', {
      ...common('events'),
      name: v('name', 'events'),
      namespace: v('namespace', 'data'),
      engine: Engine.clickhouse({ version: v('clickhouse.version', '24.8.4.13') }),
      storage: { size: v('storage.size', '20Gi'), storageClass: v('storage.storageClass', 'gp3') },
      resources: { requests: { cpu: v('resources.requests.cpu', '500m'), memory: '2Gi' }, limits: { memory: '4Gi' } },
      backup: {
        destination: v('backup.destination', 's3://platform-backups-production/ch'),
        endpoint: v('backup.endpoint', 's3.eu-west-1.amazonaws.com'),
        schedule: v('backup.schedule', '0 3 * * *'),
        veleroSchedule: v('backup.veleroSchedule', '0 2 * * *'),
        veleroTtl: v('backup.veleroTtl', '720h0m0s'),
        credentialsRemoteKey: v('backup.credentialsRemoteKey', 'data/events-backup'),
        uploaderImage: v('backup.uploaderImage', 'quay.io/minio/mc:RELEASE.2024-10-08T09-37-26Z'),
      },
      restore: {
        from: v('restore.from', 's3://platform-backups-staging'),
        endpoint: v('restore.endpoint', 's3.eu-west-1.amazonaws.com'),
        credentialsRemoteKey: v('restore.credentialsRemoteKey', 'data/events-restore'),
        promote: true,
      },
      credentialsRemoteKey: v('credentialsRemoteKey', 'data/events'),
      recovery: { rpo: v('recovery.rpo', '24h'), reason: v('recovery.reason', 'derived analytics, rebuilt from the event log') },
      team: v('team', 'data'),
      partOf: v('partOf', 'analytics'),
    });
    new StatefulDatastore(chart, 'cache', {
      ...common('cache'),
      name: 'cache',
      engine: Engine.redis({ masterSet: v('redis.masterSet', 'mymaster'), maxmemoryPolicy: v('redis.maxmemoryPolicy', 'noeviction') }),
    });
    new StatefulDatastore(chart, 'search', {
      ...common('search'),
      name: 'search',
      engine: Engine.elasticsearch({
        users: [{ name: v('elasticsearch.users[0].name', 'shipper'), access: 'write', indices: [v('elasticsearch.users[0].indices[0]', 'logs-*')] }],
      }),
    });
    new StatefulDatastore(chart, 'files', {
      ...common('files'),
      name: 'files',
      engine: Engine.minio({ image: v('minio.image', 'quay.io/minio/minio:RELEASE.2024-10-13T13-34-11Z') }),
    });
    new StatefulDatastore(chart, 'orders', {
      ...common('orders'),
      name: 'orders',
      engine: Engine.postgres({
        parameters: { work_mem: v('postgres.parameters.value', '16MB'), [v('postgres.parameters.<name>', 'pg_stat_statements.track')]: 'all' },
        databases: [{ name: v('postgres.databases[0].name', 'orders'), owner: v('postgres.databases[0].owner', 'orders_app') }],
        archiveTimeout: v('postgres.archiveTimeout', '5m'),
      }),
    });
    new StatefulDatastore(chart, 'bus', {
      ...common('bus'),
      name: 'bus',
      engine: Engine.kafka({
        topics: [{ name: v('kafka.topics[0].name', 'orders.created'), config: { 'cleanup.policy': v('kafka.topics[0].config.value', 'delete') } }],
      }),
    });
    new StatefulDatastore(chart, 'rds', {
      ...common('rds'),
      name: 'rds',
      engine: Engine.postgres(),
      managed: { host: v('managed.host', 'orders.abc123.eu-west-1.rds.amazonaws.com'), cidrs: [v('managed.cidrs[0]', '10.20.0.0/16')] },
    });
  },
};

const observability: Family = {
  name: 'observability',
  profile: development,
  build(chart, v) {
    new MicroserviceDeployment(chart, 'api', {
      name: 'api',
      namespace: 'shop',
      image: ImageReference.fromDigest('ghcr.io/acme/api', DIGEST),
      ports: [{ name: 'http', port: 8080 }],
    });
    const peer = NetworkPeer.cidrs(['10.0.0.0/8']);
    const stack = (id: string, logs: LogBackend, traces: TraceBackend) =>
      new ObservabilityStack(chart, id, {
        alerting: {
          receivers: [
            Receiver.email('ops-email', {
              to: v('alerting.receivers[0].to', 'ops@example.com'),
              from: v('alerting.receivers[0].from', 'alerts@example.com'),
              smarthost: v('alerting.receivers[0].smarthost', 'smtp.example.com:587'),
              authUsername: v('alerting.receivers[0].authUsername', 'alerts'),
            }),
            Receiver.slack('backend-slack', {
              channel: v('alerting.receivers[1].channel', '#backend-alerts'),
              remoteKey: v('alerting.receivers[1].remoteKey', 'monitoring/slack'),
            }),
          ],
          defaultReceiver: 'ops-email',
          routes: [
            {
              receiver: 'backend-slack',
              matchers: { team: v('alerting.routes[0].matchers.value', 'backend'), [v('alerting.routes[0].matchers.<name>', 'service')]: 'api' },
            },
          ],
          groupBy: [v('alerting.groupBy[0]', 'alertname'), 'namespace'],
          groupWait: v('alerting.groupWait', '30s'),
        },
        runbookBaseUrl: v('runbookBaseUrl', 'https://runbooks.example.com/platform'),
        logs,
        traces,
        serviceDashboards: [
          {
            service: 'api',
            panels: [
              {
                title: v('serviceDashboards[0].panels[0].title', 'Queue depth'),
                expr: 'sum(queue_depth)',
                legendFormat: v('serviceDashboards[0].panels[0].legendFormat', '{{ pod }}'),
                unit: 'short',
              },
            ],
          },
        ],
        loggingNamespace: v('loggingNamespace', 'logging'),
        retention: v('retention', '15d'),
        retentionSize: v('retentionSize', '45GB'),
        storageSize: v('storageSize', '60Gi'),
        images: { grafana: v('images.grafana', 'docker.io/grafana/grafana:11.2.2') },
        resources: { grafana: { cpu: '50m', memory: v('resources.grafana.memory', '128Mi'), memoryLimit: '512Mi' } },
        grafanaAdminRemoteKey: v('grafanaAdminRemoteKey', 'monitoring/grafana'),
        apiServerCidrs: [v('apiServerCidrs[0]', '10.0.0.1/32')],
        nodeCidrs: [v('nodeCidrs[0]', '10.1.0.0/16')],
      });
    stack(
      'observability',
      LogBackend.elasticsearch({
        host: v('logs.host', 'es.example.com'),
        tls: true,
        indexPrefix: v('logs.indexPrefix', 'logs'),
        user: v('logs.user', 'fluent-bit'),
        passwordRemoteKey: v('logs.passwordRemoteKey', 'monitoring/elasticsearch'),
        peer,
      }),
      TraceBackend.jaeger({
        host: v('traces.host', 'jaeger-collector.tracing.svc'),
        queryUrl: v('traces.queryUrl', 'http://jaeger-query.tracing.svc:16686'),
        peer,
      }),
    );
    // A second environment-independent reading of the other backends: Loki and the in-cluster Jaeger, in its own chart.
    const other = new EnvironmentChart(chart.node.scope as App, { profile: { ...development, name: 'other' } });
    new ObservabilityStack(other, 'observability', {
      alerting: { receivers: [Receiver.pagerDuty('ops-pager')], defaultReceiver: 'ops-pager' },
      runbookBaseUrl: 'https://runbooks.example.com/platform',
      logs: LogBackend.loki({ host: 'loki.example.com', tenant: v('logs.loki.tenant', 'platform'), peer }),
      traces: TraceBackend.jaegerInCluster({
        retention: v('traces.jaegerInCluster.retention', '72h'),
        image: v('traces.jaegerInCluster.image', 'docker.io/jaegertracing/jaeger:2.11.0'),
      }),
    });
  },
};

/** tenants.yaml with every string field read through `v` (values written as YAML double-quoted strings). */
function tenantsYaml(v: V): string {
  const q = (path: string, benign: string) => JSON.stringify(v(path, benign));
  return [
    'sharedServices:',
    `  ${q('sharedServices.<name>', 'postgres')}:`,
    `    namespace: ${q('sharedServices.namespace', 'db-postgres')}`,
    `    podSelector: { ${q('sharedServices.podSelector.<key>', 'app.kubernetes.io/name')}: ${q('sharedServices.podSelector.value', 'postgres')} }`,
    `    ports: [{ port: 5432, protocol: ${q('sharedServices.ports[0].protocol', 'TCP')} }]`,
    'tenants:',
    `  - id: ${q('tenants[0].id', 'acme')}`,
    `    displayName: ${q('tenants[0].displayName', 'Acme Corporation')}`,
    `    plan: ${q('tenants[0].plan', 'standard')}`,
    '    owners:',
    `      admin: [${q('tenants[0].owners.admin[0]', 'acme-admins')}]`,
    `      edit: [${q('tenants[0].owners.edit[0]', 'acme-developers')}]`,
    `      view: [${q('tenants[0].owners.view[0]', 'acme-auditors')}]`,
    `    environments: [${q('tenants[0].environments[0]', 'development')}]`,
    `    sourceRepos: [${q('tenants[0].sourceRepos[0]', 'https://github.com/acme/deploy.git')}]`,
    `    costCenter: ${q('tenants[0].costCenter', 'cc-1001')}`,
    `    sharedServices: [${q('tenants[0].sharedServices[0]', 'postgres')}]`,
    '    overrides:',
    '      quota:',
    `        requestsCpu: ${q('tenants[0].overrides.quota.requestsCpu', '16')}`,
    `        storageClasses: { ${q('tenants[0].overrides.quota.storageClasses.<name>', 'gp3')}: { requestsStorage: ${q('tenants[0].overrides.quota.storageClasses.requestsStorage', '100Gi')}, persistentVolumeClaims: 10 } }`,
    '',
  ].join('\n');
}

const tenants: Family = {
  name: 'tenants.yaml',
  profile: development,
  build(chart, v) {
    TenantNamespace.forEnvironment(chart, loadTenants(tenantsYaml(v), { environments: ['development', 'production'], plans: defaultPlans() }));
  },
};

const FAMILIES: readonly Family[] = [microservice, datastore, observability, tenants];

// ------------------------------------------------------------------------------------------------------------------
// Hostile strings and the run of one value.
// ------------------------------------------------------------------------------------------------------------------

const FRAGMENTS = [
  "'",
  '"',
  '`id`',
  '$(id)',
  '${IFS}',
  '$(AWS_SECRET_ACCESS_KEY)',
  '${ES_PASSWORD}',
  '\n',
  '\r\n',
  ';rm -rf /;',
  '|',
  '&&',
  '#',
  ' ',
  '\\',
  '\0',
  '{{ .password }}',
  '{{',
  '}}',
  '</host><host>evil',
  ']]>',
  '&amp;',
  '\n[OUTPUT]\n    Name http\n',
  '\nssl = off\n',
  '%p',
  '*',
  '?',
  '..',
  '/',
  ':',
  '@',
  '=',
  ',',
  '\t',
  '\u2028',
  'é',
  '☃',
  '😀',
  '\ud800',
  'x'.repeat(300),
];
const hostile = (benign: string): fc.Arbitrary<string> => {
  const nasty = fc.array(fc.constantFrom(...FRAGMENTS), { minLength: 1, maxLength: 4 }).map((a) => a.join(''));
  return fc.oneof(
    nasty,
    nasty.map((n) => `${benign}${n}`),
    nasty.map((n) => `${n}${benign}`),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 24 }),
  );
};

interface Outcome {
  readonly refused?: PlatformConfigError;
  readonly found?: Found;
}

/** Builds the family with `value` at `path` (benign elsewhere) and synthesizes it (schema validation included). */
function run(family: Family, path: string | undefined, value: string): Outcome {
  const app = new App();
  try {
    family.build(new EnvironmentChart(app, { profile: family.profile }), (p, b) => (p === path ? value : b));
    const { envs, problems } = synthesizeToJson(app);
    if (problems.length > 0)
      throw new Error(`accepted at input but invalid output (the value must be refused where it is read):\n  ${problems.slice(0, 5).join('\n  ')}`);
    return { found: analyze(envs.flatMap((e) => e.documents.map((d) => d.object))) };
  } catch (e) {
    if (e instanceof PlatformConfigError) return { refused: e };
    throw e;
  }
}

/** The checks of the file comment, on an accepted hostile output against the benign one. */
function check(benign: Found, got: Found, value: string, benignValue: string): void {
  const norm = normalizer([value, benignValue, JSON.stringify(value).slice(1, -1)]);
  const counterpart = <T>(m: Map<string, T>, key: string): T | undefined => m.get(key) ?? [...m.entries()].find(([k]) => norm(k) === norm(key))?.[1];
  for (const [where, s] of got.scripts) {
    const before = counterpart(benign.scripts, where);
    if (before && before.script === s.script) continue;
    const shape = scriptShape(s.shell, s.script, norm);
    const error = shellSyntaxError(s.shell, s.script);
    if (error) throw new Error(`${where}: ${s.shell} -n: ${error}`);
    if (before) expect(shape, `${where}: command structure`).toBe(scriptShape(before.shell, before.script, norm));
  }
  for (const [where, c] of got.configs) {
    const before = counterpart(benign.configs, where);
    // A user's own config file (its content is the value) is passed through as the user wrote it.
    if ((before && before.text === c.text) || c.text === value) continue;
    let shape: string;
    try {
      shape = configShape(c.key, c.text, norm);
    } catch (e) {
      throw new Error(`${where}: ${c.key} does not parse: ${(e as Error).message}`);
    }
    if (before) expect(shape, `${where}: structure of ${c.key}`).toBe(configShape(before.key, before.text, norm));
  }
  for (const [where, e] of got.env) {
    const before = counterpart(benign.env, where);
    if (e === value || before === undefined || before === e) continue;
    expect(kubeletReferences(e), `${where}: $(...) references`).toEqual(kubeletReferences(before));
  }
  for (const [where, t] of got.templates) {
    const before = counterpart(benign.templates, where);
    if (before !== undefined) expect(templateActions(t), `${where}: template actions`).toBe(templateActions(before));
  }
  for (const [where, p] of got.pgParameters) {
    const name = where.slice(where.lastIndexOf(':') + 1);
    expect(postgresLineProblem(name, p), `${where}: postgresql.conf`).toBeUndefined();
  }
}

/** Every path the builder of `family` reads, with its benign value. */
function pathsOf(family: Family): Array<[string, string]> {
  const seen = new Map<string, string>();
  family.build(new EnvironmentChart(new App(), { profile: family.profile }), (p, b) => {
    if (!seen.has(p)) seen.set(p, b);
    return b;
  });
  return [...seen];
}

describe('hostile strings in every string prop and tenants.yaml field', () => {
  it('GIVEN the coverage tables WHEN compared with the builders THEN every listed path is exercised and every exercised path is listed', () => {
    const listed = (c: Record<string, Coverage>) => Object.values(c).flatMap((x) => (Array.isArray(x) ? x : []));
    const byFamily: Record<string, readonly string[]> = {
      microservice: listed(MICROSERVICE_COVERAGE),
      datastore: listed(DATASTORE_COVERAGE),
      observability: listed(OBSERVABILITY_COVERAGE),
      'tenants.yaml': pathsOf(tenants).map(([p]) => p),
    };
    for (const f of FAMILIES)
      expect(
        pathsOf(f)
          .map(([p]) => p)
          .sort(),
        f.name,
      ).toEqual([...byFamily[f.name]!].sort());
  });

  for (const family of FAMILIES) {
    it(`GIVEN hostile strings in each ${family.name} string WHEN synthesized THEN refused, or scripts and configs mean the same as with a benign value`, () => {
      const benign = run(family, undefined, '');
      expect(benign.refused, 'the benign build must synthesize').toBeUndefined();
      const counts = { refused: 0, accepted: 0 };
      pathsOf(family).forEach(([path, benignValue], i) => {
        fc.assert(
          fc.property(hostile(benignValue), (value) => {
            const out = run(family, path, value);
            if (out.refused) {
              counts.refused++;
              return;
            }
            counts.accepted++;
            try {
              check(benign.found!, out.found!, value, benignValue);
            } catch (e) {
              throw new Error(`${family.name} ${path} = ${JSON.stringify(value).slice(0, 200)}: ${(e as Error).message}`);
            }
          }),
          { seed: SEED + i, numRuns: RUNS_PER_PROP + ALWAYS.length, endOnFailure: true, examples: ALWAYS.map((a) => [`${benignValue}${a}`]) },
        );
      });
      // Both outcomes occur: the test sees values that are refused and values that are carried as data.
      expect(counts.refused).toBeGreaterThan(0);
      expect(counts.accepted).toBeGreaterThan(0);
    }, 120_000);
  }
});
