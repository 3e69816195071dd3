/**
 * Where the needed flows come from: each derivation on small documents, as synth would hand them to the plugin.
 */
import { describe, expect, it } from 'vitest';
import { EnvironmentOutput, EnvironmentProfile, MonitoringMode, SynthDocument } from '../../src';
import { deriveFlows, flowText, relabel } from '../../src/policy/flows';
import { development, withIngress } from '../helpers';

const profile: EnvironmentProfile = {
  ...development,
  cluster: { ...development.cluster, podCidrs: ['10.244.0.0/16'], apiServer: { cidrs: ['172.20.0.1/32'], ports: [443] } },
};

function doc(object: Record<string, any>): SynthDocument {
  const ns = object.metadata.namespace ?? '_cluster';
  return { object, id: `test/${ns}/${object.kind}/${object.metadata.name}`, file: '', source: '', namespaced: object.kind !== 'Namespace' };
}

function envOf(objects: Record<string, any>[], p: EnvironmentProfile = profile, connections: EnvironmentOutput['connections'] = []): EnvironmentOutput {
  return { name: 'test', directory: 'test', profile: p, documents: objects.map(doc), connections };
}

/** `<from> -> <to>:<port>/<proto> [origins]` of the flows whose text contains `filter`. */
function flows(env: EnvironmentOutput, filter = ''): string[] {
  return deriveFlows(env)
    .flows.map((f) => `${flowText(f)} [${f.origins.join('; ')}]`)
    .filter((t) => t.includes(filter));
}

function deployment(
  namespace: string,
  name: string,
  o: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ports?: any[];
    env?: any[];
    args?: string[];
    command?: string[];
    volumes?: any[];
    automount?: boolean;
    sa?: string;
    kind?: string;
  } = {},
) {
  const labels = o.labels ?? { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: o.kind ?? 'Deployment',
    metadata: { name, namespace },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels, ...(o.annotations ? { annotations: o.annotations } : {}) },
        spec: {
          ...(o.automount !== undefined ? { automountServiceAccountToken: o.automount } : {}),
          ...(o.sa ? { serviceAccountName: o.sa } : {}),
          containers: [
            {
              name,
              image: 'x',
              ...(o.ports ? { ports: o.ports } : {}),
              ...(o.env ? { env: o.env } : {}),
              ...(o.args ? { args: o.args } : {}),
              ...(o.command ? { command: o.command } : {}),
            },
          ],
          ...(o.volumes ? { volumes: o.volumes } : {}),
        },
      },
    },
  };
}

function service(namespace: string, name: string, selector: Record<string, string>, ports: any[], extra: Record<string, any> = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, ...(extra.annotations ? { annotations: extra.annotations } : {}) },
    spec: { selector, ports, ...(extra.headless ? { clusterIP: 'None' } : {}) },
  };
}

function configMap(namespace: string, name: string, data: Record<string, string>) {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data };
}

const cmVolume = (name: string) => [{ name: 'config', configMap: { name } }];

describe('Prometheus relabelling', () => {
  it('GIVEN keep, drop, replace and labelmap THEN they act like Prometheus (anchored regexes, $1 and ${name})', () => {
    const t = new Map([
      ['__address__', 'p:8080'],
      ['__meta_kubernetes_pod_annotation_prometheus_io_port', '9102'],
      ['__meta_kubernetes_pod_label_app', 'api'],
    ]);
    expect(relabel(t, [{ source_labels: ['__meta_kubernetes_pod_label_app'], regex: 'ap', action: 'keep' }])).toBeUndefined();
    expect(relabel(t, [{ source_labels: ['__meta_kubernetes_pod_label_app'], regex: 'api|web', action: 'drop' }])).toBeUndefined();
    const out = relabel(t, [
      {
        source_labels: ['__address__', '__meta_kubernetes_pod_annotation_prometheus_io_port'],
        regex: '([^:]+)(?::\\d+)?;(\\d+)',
        replacement: '$1:$2',
        target_label: '__address__',
      },
      { action: 'labelmap', regex: '__meta_kubernetes_pod_label_(.+)' },
      { source_labels: ['app'], regex: '(?P<x>a)pi', replacement: '${x}', target_label: 'first' },
    ])!;
    expect(out.get('__address__')).toBe('p:9102');
    expect(out.get('app')).toBe('api');
    expect(out.get('first')).toBe('a');
    expect(t.get('__address__')).toBe('p:8080');
  });
});

describe('scrape jobs, Alertmanagers, ServiceMonitors and PodMonitors', () => {
  const prometheusYml = [
    'scrape_configs:',
    '  - job_name: annotated-pods',
    '    kubernetes_sd_configs: [{ role: pod }]',
    '    relabel_configs:',
    "      - { source_labels: [__meta_kubernetes_pod_annotation_prometheus_io_scrape], action: keep, regex: 'true' }",
    "      - { source_labels: [__address__, __meta_kubernetes_pod_annotation_prometheus_io_port], action: replace, target_label: __address__, regex: '([^:]+)(?::\\d+)?;(\\d+)', replacement: '$1:$2' }",
    '  - job_name: api-metrics',
    '    kubernetes_sd_configs: [{ role: pod, namespaces: { names: [shop] } }]',
    '    relabel_configs:',
    '      - { source_labels: [__meta_kubernetes_pod_label_app], regex: api, action: keep }',
    '      - { source_labels: [__meta_kubernetes_pod_container_port_name], regex: metrics, action: keep }',
    '  - job_name: apiserver',
    '    kubernetes_sd_configs: [{ role: endpoints, namespaces: { names: [default] } }]',
    "    relabel_configs: [{ source_labels: [__meta_kubernetes_service_name, __meta_kubernetes_endpoint_port_name], regex: 'kubernetes;https', action: keep }]",
    '  - job_name: nodes',
    '    kubernetes_sd_configs: [{ role: node }]',
    '  - job_name: static',
    "    static_configs: [{ targets: ['db.data.svc:9187', 'blackbox.example.com:9115'] }]",
    'alerting:',
    "  alertmanagers: [{ static_configs: [{ targets: ['am.monitoring.svc:9093'] }] }]",
    'remote_write: [{ url: "https://metrics.example.com/api/v1/write" }]',
  ].join('\n');
  const objects = [
    deployment('monitoring', 'prometheus', { labels: { 'app.kubernetes.io/name': 'prometheus' }, volumes: cmVolume('prom'), automount: false }),
    configMap('monitoring', 'prom', { 'prometheus.yml': prometheusYml }),
    deployment('shop', 'api', {
      ports: [
        { name: 'http', containerPort: 8080 },
        { name: 'metrics', containerPort: 9090 },
      ],
      automount: false,
    }),
    deployment('shop', 'annotated', {
      annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9102' },
      ports: [{ name: 'http', containerPort: 8080 }],
      automount: false,
    }),
    deployment('shop', 'plain', { ports: [{ name: 'http', containerPort: 8080 }], automount: false }),
    deployment('data', 'db', {
      kind: 'StatefulSet',
      ports: [
        { name: 'pg', containerPort: 5432 },
        { name: 'metrics', containerPort: 9187 },
      ],
      automount: false,
    }),
    service('data', 'db', { app: 'db' }, [
      { name: 'pg', port: 5432, targetPort: 'pg' },
      { name: 'metrics', port: 9187, targetPort: 'metrics' },
    ]),
    deployment('monitoring', 'am', { ports: [{ name: 'web', containerPort: 9093 }], automount: false }),
    service('monitoring', 'am', { app: 'am' }, [{ name: 'web', port: 9093, targetPort: 9093 }]),
  ];

  it('GIVEN a prometheus.yml mounted into a pod THEN each job, relabelled, gives the targets it scrapes', () => {
    expect(flows(envOf(objects), 'monitoring/prometheus ->').filter((t) => !t.includes('kube-system/dns'))).toEqual([
      'monitoring/prometheus -> data/db:9187/TCP [ConfigMap monitoring/prom job static]',
      'monitoring/prometheus -> default/kubernetes:443/TCP [ConfigMap monitoring/prom job apiserver]',
      'monitoring/prometheus -> external/blackbox.example.com:9115/TCP [ConfigMap monitoring/prom job static]',
      'monitoring/prometheus -> external/metrics.example.com:443/TCP [ConfigMap monitoring/prom remote_write]',
      'monitoring/prometheus -> monitoring/am:9093/TCP [ConfigMap monitoring/prom alerting]',
      'monitoring/prometheus -> nodes/kubelet:10250/TCP [ConfigMap monitoring/prom job nodes]',
      'monitoring/prometheus -> shop/annotated:9102/TCP [ConfigMap monitoring/prom job annotated-pods]',
      'monitoring/prometheus -> shop/api:9090/TCP [ConfigMap monitoring/prom job api-metrics]',
    ]);
  });

  it('GIVEN operator mode THEN ServiceMonitors and PodMonitors are scraped by the Prometheus of profile.clusterServices', () => {
    const op = { ...profile, monitoring: { ...profile.monitoring, mode: MonitoringMode.operator() } };
    const monitors = [
      deployment('shop', 'api', {
        ports: [
          { name: 'http', containerPort: 8080 },
          { name: 'metrics', containerPort: 9090 },
        ],
        automount: false,
      }),
      {
        ...service('shop', 'api', { app: 'api' }, [{ name: 'http-metrics', port: 80, targetPort: 'metrics' }]),
        metadata: { name: 'api', namespace: 'shop', labels: { app: 'api' } },
      },
      {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'ServiceMonitor',
        metadata: { name: 'api', namespace: 'shop' },
        spec: { selector: { matchLabels: { app: 'api' } }, endpoints: [{ port: 'http-metrics' }] },
      },
      deployment('jobs', 'worker', { ports: [{ name: 'metrics', containerPort: 9100 }], automount: false }),
      {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PodMonitor',
        metadata: { name: 'workers', namespace: 'monitoring' },
        spec: { namespaceSelector: { matchNames: ['jobs'] }, selector: { matchLabels: { app: 'worker' } }, podMetricsEndpoints: [{ port: 'metrics' }] },
      },
    ];
    expect(flows(envOf(monitors, op), 'monitoring/prometheus ->')).toEqual([
      'monitoring/prometheus -> jobs/worker:9100/TCP [PodMonitor monitoring/workers]',
      'monitoring/prometheus -> shop/api:9090/TCP [ServiceMonitor shop/api]',
    ]);
  });
});

describe('AnalysisTemplates, shippers, datasources, receivers', () => {
  const backends = [
    deployment('monitoring', 'prom', { labels: { app: 'prom' }, ports: [{ name: 'web', containerPort: 9090 }], automount: false }),
    service('monitoring', 'prometheus', { app: 'prom' }, [{ name: 'web', port: 80, targetPort: 'web' }]),
    deployment('logs', 'es', { kind: 'StatefulSet', ports: [{ name: 'http', containerPort: 9200 }], automount: false }),
    service('logs', 'es', { app: 'es' }, [{ name: 'http', port: 9200, targetPort: 'http' }]),
    deployment('monitoring', 'jaeger', {
      ports: [
        { name: 'otlp', containerPort: 4317 },
        { name: 'query', containerPort: 16686 },
      ],
      automount: false,
    }),
    service('monitoring', 'jaeger', { app: 'jaeger' }, [
      { name: 'otlp', port: 4317, targetPort: 4317 },
      { name: 'query', port: 16686, targetPort: 16686 },
    ]),
  ];

  it('GIVEN an AnalysisTemplate THEN the Argo Rollouts controller of the profile reaches its Prometheus through the Service', () => {
    const t = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name: 'a', namespace: 'shop' },
      spec: { metrics: [{ name: 'm', provider: { prometheus: { address: 'http://prometheus.monitoring.svc:80', query: 'up' } } }] },
    };
    expect(flows(envOf([...backends, t]), 'argo-rollouts')).toEqual(['argo-rollouts/argo-rollouts -> monitoring/prom:9090/TCP [AnalysisTemplate shop/a]']);
  });

  it('GIVEN Fluent Bit, collector, Grafana and Alertmanager configuration files THEN their backends are needed flows', () => {
    const objects = [
      ...backends,
      deployment('logging', 'fluent-bit', { volumes: cmVolume('fb'), automount: true }),
      configMap('logging', 'fb', {
        'fluent-bit.conf':
          '[FILTER]\n    Name kubernetes\n    Match kube.*\n\n[OUTPUT]\n    Name  es\n    Host  es.logs.svc\n    Port  9200\n\n[OUTPUT]\n    Name  forward\n    Host  aggregator.example.com\n',
      }),
      deployment('monitoring', 'otel', { volumes: cmVolume('otel'), automount: false }),
      configMap('monitoring', 'otel', {
        'config.yaml':
          'exporters:\n  otlp/jaeger: { endpoint: "jaeger.monitoring.svc:4317", tls: { insecure: true } }\n  otlphttp/unused: { endpoint: "https://unused.example.com" }\nservice:\n  pipelines:\n    traces: { receivers: [otlp], exporters: [otlp/jaeger] }\n',
      }),
      deployment('monitoring', 'grafana', { volumes: cmVolume('ds'), automount: false }),
      configMap('monitoring', 'ds', {
        'datasources.yaml':
          'apiVersion: 1\ndatasources:\n  - { name: P, url: "http://prometheus.monitoring.svc" }\n  - { name: Browser, access: direct, url: "http://elsewhere.example.com" }\n',
      }),
      deployment('monitoring', 'am', { volumes: cmVolume('am'), automount: false }),
      configMap('monitoring', 'am', {
        'alertmanager.yml':
          'route: { receiver: mail }\nreceivers:\n  - name: mail\n    email_configs: [{ to: a@example.com, smarthost: "smtp.example.com:587" }]\n  - name: hook\n    webhook_configs: [{ url: "http://hooks.tools.svc:8080/alert" }]\n  - name: pager\n    pagerduty_configs: [{ routing_key_file: /x }]\n',
      }),
    ];
    const all = flows(envOf(objects)).filter((t) => !t.includes('kube-system/dns') && !t.startsWith('monitoring/prom'));
    expect(all).toEqual([
      'logging/fluent-bit -> default/kubernetes:443/TCP [ConfigMap logging/fb [FILTER] kubernetes; ServiceAccount token logging/default]',
      'logging/fluent-bit -> external/aggregator.example.com:24224/TCP [ConfigMap logging/fb [OUTPUT] forward]',
      'logging/fluent-bit -> logs/es:9200/TCP [ConfigMap logging/fb [OUTPUT] es]',
      'monitoring/am -> external/events.pagerduty.com:443/TCP [ConfigMap monitoring/am receiver pager]',
      'monitoring/am -> external/smtp.example.com:587/TCP [ConfigMap monitoring/am receiver mail]',
      'monitoring/grafana -> monitoring/prom:9090/TCP [ConfigMap monitoring/ds datasource P]',
      'monitoring/otel -> monitoring/jaeger:4317/TCP [ConfigMap monitoring/otel exporter otlp/jaeger]',
    ]);
    // The webhook names a Service that is not in dist/: reported, not proved.
    expect(deriveFlows(envOf(objects)).world.unresolved).toEqual([
      {
        from: 'monitoring/am',
        address: 'hooks.tools.svc:8080',
        origin: 'ConfigMap monitoring/am receiver hook',
        reason: 'hooks.tools.svc: no Service tools/hooks in dist/',
      },
    ]);
  });
});

describe('backups, references, peers, DNS, API server, ingress', () => {
  it('GIVEN a backup CronJob THEN it reaches the datastore it names and the object store of its `mc alias set`', () => {
    const job = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'db-backup', namespace: 'data' },
      spec: {
        schedule: '0 * * * *',
        jobTemplate: {
          spec: {
            template: {
              metadata: { labels: { app: 'db-backup' } },
              spec: {
                automountServiceAccountToken: false,
                initContainers: [{ name: 'dump', image: 'x', env: [{ name: 'DUMP_HOST', value: 'db.data.svc.cluster.local' }] }],
                containers: [
                  {
                    name: 'upload',
                    image: 'mc',
                    command: ['sh', '-c', 'mc alias set backup "https://s3.eu-west-1.amazonaws.com" "$K" "$S"\nmc cp /backup backup/b/'],
                  },
                  { name: 'mirror', image: 'mc', command: ['sh', '-c', 'mc alias set local http://minio.storage.svc:9000 "$K" "$S"'] },
                ],
              },
            },
          },
        },
      },
    };
    const objects = [
      job,
      deployment('data', 'db', { kind: 'StatefulSet', ports: [{ name: 'pg', containerPort: 5432 }], automount: false }),
      service('data', 'db', { app: 'db' }, [{ name: 'pg', port: 5432, targetPort: 'pg' }]),
      deployment('storage', 'minio', { kind: 'StatefulSet', ports: [{ name: 'api', containerPort: 9000 }], automount: false }),
      service('storage', 'minio', { app: 'minio' }, [{ name: 'api', port: 9000, targetPort: 'api' }]),
    ];
    expect(flows(envOf(objects), 'data/db-backup ->').filter((t) => !t.includes('dns'))).toEqual([
      'data/db-backup -> data/db:5432/TCP [CronJob data/db-backup env DUMP_HOST]',
      'data/db-backup -> external/s3.eu-west-1.amazonaws.com:443/TCP [CronJob data/db-backup upload command: mc alias backup]',
      'data/db-backup -> storage/minio:9000/TCP [CronJob data/db-backup mirror command; CronJob data/db-backup mirror command: mc alias local]',
    ]);
  });

  it('GIVEN a headless Service with platform.io/peer-ports THEN its members reach each other on those ports only', () => {
    const objects = [
      deployment('cache', 'redis', {
        kind: 'StatefulSet',
        labels: { app: 'redis', member: 'true' },
        ports: [
          { name: 'redis', containerPort: 6379 },
          { name: 'metrics', containerPort: 9121 },
        ],
        automount: false,
      }),
      deployment('cache', 'sentinel', {
        kind: 'StatefulSet',
        labels: { app: 'sentinel', member: 'true' },
        ports: [{ name: 'sentinel', containerPort: 26379 }],
        automount: false,
      }),
      service(
        'cache',
        'redis-headless',
        { member: 'true' },
        [
          { name: 'redis', port: 6379, targetPort: 'redis' },
          { name: 'metrics', port: 9121, targetPort: 'metrics' },
          { name: 'sentinel', port: 26379, targetPort: 'sentinel' },
        ],
        { headless: true, annotations: { 'platform.io/peer-ports': 'redis,sentinel' } },
      ),
    ];
    expect(flows(envOf(objects), 'peer-ports').map((t) => t.replace(/ \[.*/, ''))).toEqual([
      'cache/redis -> cache/redis:6379/TCP',
      'cache/redis -> cache/sentinel:26379/TCP',
      'cache/sentinel -> cache/redis:6379/TCP',
      'cache/sentinel -> cache/sentinel:26379/TCP',
    ]);
  });

  it("GIVEN pods THEN each resolves names (DNS of the profile) and only those with a token call the API server on the profile's ports", () => {
    const objects = [
      deployment('a', 'token-off', { automount: false }),
      deployment('a', 'token-from-sa', { sa: 'reader' }),
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'quiet', namespace: 'a' }, automountServiceAccountToken: false },
      deployment('a', 'sa-says-no', { sa: 'quiet' }),
      deployment('a', 'default-mounts'),
    ];
    expect(flows(envOf(objects), 'default/kubernetes')).toEqual([
      'a/default-mounts -> default/kubernetes:443/TCP [ServiceAccount token a/default]',
      'a/token-from-sa -> default/kubernetes:443/TCP [ServiceAccount token a/reader]',
    ]);
    expect(flows(envOf(objects), 'a/token-off ->')).toEqual(['a/token-off -> kube-system/dns:53/TCP [DNS]', 'a/token-off -> kube-system/dns:53/UDP [DNS]']);
  });

  it('GIVEN an Ingress THEN the ingress controller of the profile reaches the pods behind each backend, on the resolved target port', () => {
    const objects = [
      deployment('web', 'site', { ports: [{ name: 'http', containerPort: 8080 }], automount: false }),
      service('web', 'site', { app: 'site' }, [{ name: 'http', port: 80, targetPort: 'http' }]),
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'site', namespace: 'web' },
        spec: { rules: [{ host: 'x', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'site', port: { name: 'http' } } } }] } }] },
      },
    ];
    expect(flows(envOf(objects, withIngress(profile)), 'ingress-controller')).toEqual([
      'ingress-nginx/ingress-controller -> web/site:8080/TCP [Ingress web/site]',
    ]);
  });

  it("GIVEN an HTTPRoute on Gateway API THEN the Envoy proxies of the environment's Gateway reach the pods behind each backendRef", () => {
    const objects = [
      deployment('web', 'site', { ports: [{ name: 'http', containerPort: 8080 }], automount: false }),
      service('web', 'site', { app: 'site' }, [{ name: 'http', port: 80, targetPort: 'http' }]),
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'site', namespace: 'web' },
        spec: {
          parentRefs: [{ name: 'public', namespace: 'gateway' }],
          rules: [
            {
              backendRefs: [
                { name: 'site', port: 80, weight: 100 },
                { name: 'missing', port: 80, weight: 0 },
              ],
            },
          ],
        },
      },
    ];
    const env = envOf(objects);
    expect(flows(env, 'ingress-controller')).toEqual(['envoy-gateway-system/ingress-controller -> web/site:8080/TCP [HTTPRoute web/site]']);
  });
});

describe('Strimzi', () => {
  const kafka = {
    apiVersion: 'kafka.strimzi.io/v1',
    kind: 'Kafka',
    metadata: { name: 'events', namespace: 'kafka' },
    spec: { kafka: { listeners: [{ name: 'plain', port: 9092, type: 'internal', tls: false }] }, entityOperator: { topicOperator: {} } },
  };
  const pool = (name: string, roles: string[]) => ({
    apiVersion: 'kafka.strimzi.io/v1',
    kind: 'KafkaNodePool',
    metadata: { name, namespace: 'kafka', labels: { 'strimzi.io/cluster': 'events' } },
    spec: { replicas: 3, roles },
  });

  it('GIVEN separate broker and controller pools THEN brokers and controllers reach the controllers on 9090, brokers replicate on 9091, the operators reach each role', () => {
    const all = flows(envOf([kafka, pool('brokers', ['broker']), pool('controllers', ['controller'])]), 'kafka/').filter((t) => !t.includes('dns'));
    expect(all.map((t) => t.replace(/ \[.*/, ''))).toEqual([
      'kafka/events-brokers -> kafka/events-brokers:9091/TCP',
      'kafka/events-brokers -> kafka/events-controllers:9090/TCP',
      'kafka/events-controllers -> kafka/events-controllers:9090/TCP',
      'kafka/events-entity-operator -> default/kubernetes:443/TCP',
      'kafka/events-entity-operator -> kafka/events-brokers:9091/TCP',
      'strimzi/strimzi-operator -> kafka/events-brokers:8443/TCP',
      'strimzi/strimzi-operator -> kafka/events-brokers:9091/TCP',
      'strimzi/strimzi-operator -> kafka/events-controllers:8443/TCP',
      'strimzi/strimzi-operator -> kafka/events-controllers:9090/TCP',
    ]);
  });

  it('GIVEN no node pool THEN one pool with both roles is assumed and named so', () => {
    const f = deriveFlows(envOf([kafka])).flows.find((x) => flowText(x) === 'kafka/events-kafka -> kafka/events-kafka:9091/TCP');
    expect(f?.from.kind === 'pods' && f.from.source).toBe('Kafka kafka/events (no KafkaNodePool: one pool with both roles assumed)');
  });
});
