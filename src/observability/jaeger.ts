/** The in-cluster Jaeger v2: one binary receiving OTLP, storing spans in Badger on a volume, serving the query UI. */
import { Construct, IConstruct } from 'constructs';
import { IntOrString, KubeConfigMap, KubeService, KubeServiceAccount, KubeStatefulSet, NetworkPolicyPeer, Quantity } from '../../imports/k8s';
import { IWorkload, WorkloadPort } from '../core/connections';
import { fail } from '../core/errors';
import { isQuantity, parseQuantity } from '../core/quantity';
import { selectorLabels } from '../core/labels';
import { restrictedPodSecurityContext } from '../core/security';
import { PROTECT_ANNOTATIONS } from '../datastore/props';
import { ComponentResources, checksum, componentNetworkPolicy, configYaml, containerSecurity, k8sResources, scrapedByPrometheus, tcpPorts } from './common';
import { DEFAULT_JAEGER_IMAGE, DEFAULT_JAEGER_RESOURCES, DEFAULT_JAEGER_RETENTION, DEFAULT_JAEGER_STORAGE_SIZE, TraceBackend, TraceEndpoint } from './backends';
import { componentLabels, StackContext } from './context';

export const JAEGER_NAME = 'jaeger';
export const JAEGER_OTLP_GRPC_PORT = 4317;
export const JAEGER_OTLP_HTTP_PORT = 4318;
export const JAEGER_QUERY_PORT = 16686;
/** Jaeger's own telemetry (OpenTelemetry Collector internal metrics, Badger gauges). */
export const JAEGER_METRICS_PORT = 8888;
const JAEGER_HEALTH_PORT = 13133;
/** The query service's gRPC API: bound to localhost, nothing in the cluster uses it. */
const JAEGER_QUERY_GRPC_PORT = 16685;
/** The non-root user the jaegertracing/jaeger image declares (`USER 10001`). */
const JAEGER_UID = 10001;
const CONFIG_MAP = 'jaeger-config';
const DATA_DIR = '/badger';
/** Name of the storage backend inside Jaeger's config (referenced by the exporter and the query service). */
const STORE = 'badger_store';

/**
 * Where the in-cluster Jaeger is reached: `jaeger.<namespace>.svc`. No `peer`: the collector and Grafana are
 * connected to it in the ConnectionGraph, which builds both ends' NetworkPolicies.
 */
export function jaegerEndpoint(namespace: string): TraceEndpoint {
  const host = `${JAEGER_NAME}.${namespace}.svc`;
  return { host, otlpGrpcPort: JAEGER_OTLP_GRPC_PORT, queryUrl: `http://${host}:${JAEGER_QUERY_PORT}`, queryPort: JAEGER_QUERY_PORT, tls: false };
}

/** Jaeger v2's config.yaml (an OpenTelemetry Collector config with Jaeger's storage and query extensions). */
export function renderJaegerConfig(retention: string): string {
  return configYaml({
    service: {
      extensions: ['jaeger_storage', 'jaeger_query', 'healthcheckv2'],
      pipelines: { traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['jaeger_storage_exporter'] } },
      telemetry: {
        resource: { 'service.name': 'jaeger' },
        metrics: { level: 'detailed', readers: [{ pull: { exporter: { prometheus: { host: '0.0.0.0', port: JAEGER_METRICS_PORT } } } }] },
      },
    },
    extensions: {
      healthcheckv2: { use_v2: true, http: { endpoint: `0.0.0.0:${JAEGER_HEALTH_PORT}` } },
      jaeger_query: {
        storage: { traces: STORE },
        http: { endpoint: `0.0.0.0:${JAEGER_QUERY_PORT}` },
        grpc: { endpoint: `localhost:${JAEGER_QUERY_GRPC_PORT}` },
      },
      jaeger_storage: {
        backends: {
          [STORE]: {
            badger: {
              directories: { keys: `${DATA_DIR}/keys`, values: `${DATA_DIR}/values` },
              ephemeral: false,
              ttl: { spans: retention },
            },
          },
        },
      },
    },
    receivers: {
      otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${JAEGER_OTLP_GRPC_PORT}` }, http: { endpoint: `0.0.0.0:${JAEGER_OTLP_HTTP_PORT}` } } },
    },
    processors: { batch: {} },
    exporters: { jaeger_storage_exporter: { trace_storage: STORE } },
  });
}

/** Settings of the in-cluster Jaeger of `traces`, defaulted and checked (fields are named `traces.*` in errors). */
export function resolveJaegerSettings(scope: IConstruct, traces: TraceBackend) {
  const o = traces.inCluster ?? {};
  const retention = o.retention ?? DEFAULT_JAEGER_RETENTION;
  if (!isPositiveGoDuration(retention)) {
    fail(scope, 'traces.retention', retention, 'must be a positive Go duration such as "72h" or "90m" (units ns, us, ms, s, m, h; there is no "d")');
  }
  const storageSize = o.storageSize ?? DEFAULT_JAEGER_STORAGE_SIZE;
  if (!isQuantity(storageSize) || !(parseQuantity(storageSize)! > 0)) {
    fail(scope, 'traces.storageSize', storageSize, 'must be a positive Kubernetes quantity such as "20Gi"');
  }
  const image = o.image ?? DEFAULT_JAEGER_IMAGE;
  if (typeof image !== 'string' || !/^\S+$/.test(image))
    fail(scope, 'traces.image', image, 'must be an image reference such as "docker.io/jaegertracing/jaeger:2.11.0"');
  return { retention, storageSize, image, resources: o.resources ?? DEFAULT_JAEGER_RESOURCES };
}

/** A Go `time.Duration` greater than zero (`72h`, `1h30m`, `2.5h`): what Badger's TTL accepts. */
function isPositiveGoDuration(s: unknown): s is string {
  return typeof s === 'string' && /^(?:[0-9]+(?:\.[0-9]+)?(?:ns|us|\u00b5s|ms|s|m|h))+$/.test(s) && /[1-9]/.test(s);
}

export interface JaegerServerProps {
  readonly context: StackContext;
  /** Badger TTL (a validated Go duration). */
  readonly retention: string;
  /** Badger volume size (a validated quantity). */
  readonly storageSize: string;
  readonly image: string;
  readonly resources: ComponentResources;
  /** Who may open the query UI/API besides workloads connected in the graph (kube-prometheus-stack's Grafana in operator mode). */
  readonly queryPeers: readonly NetworkPolicyPeer[];
}

/**
 * Jaeger v2 with Badger storage. Exactly one replica, on purpose: Badger is an embedded single-writer store (one
 * process holds the directory lock), so a second replica could neither share the volume nor see the first one's
 * spans. A StatefulSet, not a Deployment, because it stops the old pod before starting the new one (no lock
 * contention on rollout) and keeps the volume across rescheduling. With one replica a PodDisruptionBudget could only
 * block node drains, so there is none: during a drain the collector retries and buffers briefly.
 */
export class JaegerServer extends Construct implements IWorkload {
  public readonly workloadName = JAEGER_NAME;
  public readonly namespace: string;
  public readonly podSelector = selectorLabels(JAEGER_NAME);
  public readonly clientPorts: readonly WorkloadPort[] = [
    { name: 'otlp-grpc', port: JAEGER_OTLP_GRPC_PORT },
    { name: 'otlp-http', port: JAEGER_OTLP_HTTP_PORT },
    { name: 'query', port: JAEGER_QUERY_PORT },
  ];

  public constructor(scope: Construct, id: string, props: JaegerServerProps) {
    super(scope, id);
    const ctx = props.context;
    const ns = ctx.namespace;
    this.namespace = ns;
    const labels = componentLabels(JAEGER_NAME, 'tracing');
    const config = renderJaegerConfig(props.retention);
    // Argo CD never prunes or deletes the spans' volume, nor what the pod needs to start.
    const protect = ctx.profile.protectStatefulResources ? { ...PROTECT_ANNOTATIONS } : undefined;

    new KubeConfigMap(this, 'Config', { metadata: { name: CONFIG_MAP, namespace: ns, labels }, data: { 'config.yaml': config } });
    // Its own identity, not the namespace's `default` account (CIS 5.1.5); it never calls the API, so no token.
    new KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: JAEGER_NAME, namespace: ns, labels, annotations: protect },
      automountServiceAccountToken: false,
    });
    new KubeService(this, 'Service', {
      metadata: { name: JAEGER_NAME, namespace: ns, labels },
      spec: {
        selector: this.podSelector,
        ports: [
          { name: 'otlp-grpc', port: JAEGER_OTLP_GRPC_PORT, targetPort: IntOrString.fromString('otlp-grpc'), appProtocol: 'grpc' },
          { name: 'otlp-http', port: JAEGER_OTLP_HTTP_PORT, targetPort: IntOrString.fromString('otlp-http') },
          { name: 'query', port: JAEGER_QUERY_PORT, targetPort: IntOrString.fromString('query') },
        ],
      },
    });

    const health = { httpGet: { path: '/status', port: IntOrString.fromString('health') } };
    new KubeStatefulSet(this, 'Resource', {
      metadata: { name: JAEGER_NAME, namespace: ns, labels, annotations: protect },
      spec: {
        replicas: 1,
        // Nothing addresses the pod by its own DNS name, so the client Service serves as the governing Service.
        serviceName: JAEGER_NAME,
        selector: { matchLabels: this.podSelector },
        updateStrategy: { type: 'RollingUpdate' },
        // The spans outlive the StatefulSet: only a human deletes the volume.
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        template: {
          metadata: { labels, annotations: { 'checksum/config': checksum(config) } },
          spec: {
            serviceAccountName: JAEGER_NAME,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            // fsGroup makes the Badger volume writable by the image's user.
            securityContext: restrictedPodSecurityContext({ runAsUser: JAEGER_UID }),
            // Badger flushes its memtables on SIGTERM.
            terminationGracePeriodSeconds: 60,
            containers: [
              {
                name: JAEGER_NAME,
                image: props.image,
                imagePullPolicy: ctx.profile.imagePolicy.pullPolicy,
                args: ['--config=/etc/jaeger/config.yaml'],
                ports: [
                  { name: 'otlp-grpc', containerPort: JAEGER_OTLP_GRPC_PORT },
                  { name: 'otlp-http', containerPort: JAEGER_OTLP_HTTP_PORT },
                  { name: 'query', containerPort: JAEGER_QUERY_PORT },
                  { name: 'metrics', containerPort: JAEGER_METRICS_PORT },
                  { name: 'health', containerPort: JAEGER_HEALTH_PORT },
                ],
                // Readiness follows the pipeline's health quickly; liveness restarts only a pod that stays broken.
                readinessProbe: { ...health, periodSeconds: 10, failureThreshold: 3 },
                livenessProbe: { ...health, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
                // Opening a large Badger store replays its value log: give it minutes before liveness counts.
                startupProbe: { ...health, periodSeconds: 10, failureThreshold: 30 },
                resources: k8sResources(props.resources),
                securityContext: containerSecurity(),
                volumeMounts: [
                  { name: 'config', mountPath: '/etc/jaeger', readOnly: true },
                  { name: 'data', mountPath: DATA_DIR },
                  // The image declares /tmp a volume; the root filesystem stays read-only.
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name: CONFIG_MAP } },
              { name: 'tmp', emptyDir: {} },
            ],
          },
        },
        volumeClaimTemplates: [
          {
            // Labels here are immutable: only the stable selector labels.
            metadata: { name: 'data', labels: selectorLabels(JAEGER_NAME), annotations: protect },
            spec: {
              accessModes: ['ReadWriteOnce'],
              storageClassName: ctx.profile.storage.storageClass,
              resources: { requests: { storage: Quantity.fromString(props.storageSize) } },
            },
          },
        ],
      },
    });

    // OTLP and query clients come from the graph (the collector, our Grafana); Jaeger itself calls nobody.
    componentNetworkPolicy(this, this, {
      ingress: [
        scrapedByPrometheus(ns, JAEGER_METRICS_PORT),
        ...(props.queryPeers.length > 0 ? [{ from: [...props.queryPeers], ports: tcpPorts(JAEGER_QUERY_PORT) }] : []),
      ],
    });
  }
}
