/** The OpenTelemetry Collector: OTLP in (gRPC 4317, HTTP 4318), Kubernetes attributes, batching, export to Jaeger. */
import { IConstruct, Construct } from 'constructs';
import {
  IntOrString,
  KubeClusterRole,
  KubeClusterRoleBinding,
  KubeConfigMap,
  KubeDeployment,
  KubePodDisruptionBudget,
  KubeService,
  KubeServiceAccount,
} from '../../imports/k8s';
import { IWorkload, WorkloadPort, WorkloadRef } from '../core/connections';
import { EnvironmentChart } from '../core/environment-chart';
import { restrictedPodSecurityContext } from '../core/security';
import { selectorLabels } from '../core/labels';
import { TraceEndpoint } from './backends';
import { checksum, configYaml, componentNetworkPolicy, scrapedByPrometheus, containerSecurity, k8sResources, spreadOverNodes, tcpPorts } from './common';
import { componentLabels, StackContext } from './context';

export const OTEL_COLLECTOR_NAME = 'otel-collector';
export const OTLP_GRPC_PORT = 4317;
export const OTLP_HTTP_PORT = 4318;
export const OTEL_METRICS_PORT = 8888;
const HEALTH_PORT = 13133;

/**
 * The OTLP endpoint of the environment's collector (`http://otel-collector.<monitoring namespace>.svc:4317`).
 * Depends only on the profile, so services can read it whether they are declared before or after the stack.
 */
export function otlpEndpoint(scope: IConstruct): string {
  return `http://${OTEL_COLLECTOR_NAME}.${EnvironmentChart.of(scope).profile.monitoring.namespace}.svc:${OTLP_GRPC_PORT}`;
}

/** Reference for `ConnectionGraph.connect(service, otelCollectorRef(scope))`: opens the service's egress and the collector's ingress. */
export function otelCollectorRef(scope: IConstruct): WorkloadRef {
  return { name: OTEL_COLLECTOR_NAME, namespace: EnvironmentChart.of(scope).profile.monitoring.namespace };
}

/** Environment variables a service needs to send traces (standard OpenTelemetry SDK variables). */
export function otlpEnvironment(scope: IConstruct, serviceName: string, namespace: string): { name: string; value: string }[] {
  const profile = EnvironmentChart.of(scope).profile;
  return [
    { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: otlpEndpoint(scope) },
    { name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: 'grpc' },
    { name: 'OTEL_SERVICE_NAME', value: serviceName },
    { name: 'OTEL_RESOURCE_ATTRIBUTES', value: `deployment.environment=${profile.name},service.namespace=${namespace}` },
  ];
}

/** The collector's config.yaml. */
export function renderOtelConfig(backend: TraceEndpoint): string {
  return configYaml({
    extensions: { health_check: { endpoint: `0.0.0.0:${HEALTH_PORT}` } },
    receivers: {
      otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${OTLP_GRPC_PORT}` }, http: { endpoint: `0.0.0.0:${OTLP_HTTP_PORT}` } } },
    },
    processors: {
      // First in the pipeline: refuse data before the container is OOM-killed.
      memory_limiter: { check_interval: '1s', limit_percentage: 80, spike_limit_percentage: 25 },
      k8sattributes: {
        auth_type: 'serviceAccount',
        passthrough: false,
        extract: { metadata: ['k8s.namespace.name', 'k8s.pod.name', 'k8s.pod.uid', 'k8s.deployment.name', 'k8s.statefulset.name', 'k8s.node.name'] },
        pod_association: [{ sources: [{ from: 'resource_attribute', name: 'k8s.pod.ip' }] }, { sources: [{ from: 'connection' }] }],
      },
      batch: { send_batch_size: 8192, timeout: '5s' },
    },
    exporters: {
      'otlp/jaeger': { endpoint: `${backend.host}:${backend.otlpGrpcPort}`, tls: { insecure: !backend.tls } },
    },
    service: {
      extensions: ['health_check'],
      telemetry: { metrics: { address: `0.0.0.0:${OTEL_METRICS_PORT}` } },
      pipelines: { traces: { receivers: ['otlp'], processors: ['memory_limiter', 'k8sattributes', 'batch'], exporters: ['otlp/jaeger'] } },
    },
  });
}

export interface OtelCollectorProps {
  readonly context: StackContext;
  /** Where traces go; an in-cluster Jaeger (no `peer`) is reached through a ConnectionGraph edge the stack declares. */
  readonly backend: TraceEndpoint;
  readonly replicas: number;
}

/** A stateless collector Deployment; services reach it through `otlpEndpoint()` once connected to it. */
export class OtelCollector extends Construct implements IWorkload {
  public readonly workloadName = OTEL_COLLECTOR_NAME;
  public readonly namespace: string;
  public readonly podSelector = selectorLabels(OTEL_COLLECTOR_NAME);
  public readonly clientPorts: readonly WorkloadPort[] = [
    { name: 'otlp-grpc', port: OTLP_GRPC_PORT },
    { name: 'otlp-http', port: OTLP_HTTP_PORT },
  ];

  public constructor(scope: Construct, id: string, props: OtelCollectorProps) {
    super(scope, id);
    const ctx = props.context;
    const ns = ctx.namespace;
    this.namespace = ns;
    const labels = componentLabels(OTEL_COLLECTOR_NAME, 'tracing');
    const config = renderOtelConfig(props.backend);
    const clusterName = `${ns}-otel-collector`;

    new KubeServiceAccount(this, 'ServiceAccount', { metadata: { name: OTEL_COLLECTOR_NAME, namespace: ns, labels } });
    // What k8sattributes reads to attach pod, namespace and owner names to spans.
    new KubeClusterRole(this, 'ClusterRole', {
      metadata: { name: clusterName, labels },
      rules: [
        { apiGroups: [''], resources: ['pods', 'namespaces'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['get', 'list', 'watch'] },
      ],
    });
    new KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
      metadata: { name: clusterName, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterName },
      subjects: [{ kind: 'ServiceAccount', name: OTEL_COLLECTOR_NAME, namespace: ns }],
    });
    new KubeConfigMap(this, 'Config', { metadata: { name: 'otel-collector-config', namespace: ns, labels }, data: { 'config.yaml': config } });
    new KubeService(this, 'Service', {
      metadata: { name: OTEL_COLLECTOR_NAME, namespace: ns, labels },
      spec: {
        selector: this.podSelector,
        ports: [
          { name: 'otlp-grpc', port: OTLP_GRPC_PORT, targetPort: IntOrString.fromString('otlp-grpc'), appProtocol: 'grpc' },
          { name: 'otlp-http', port: OTLP_HTTP_PORT, targetPort: IntOrString.fromString('otlp-http') },
        ],
      },
    });

    new KubeDeployment(this, 'Resource', {
      metadata: { name: OTEL_COLLECTOR_NAME, namespace: ns, labels },
      spec: {
        replicas: props.replicas,
        selector: { matchLabels: this.podSelector },
        template: {
          metadata: { labels, annotations: { 'checksum/config': checksum(config) } },
          spec: {
            serviceAccountName: OTEL_COLLECTOR_NAME,
            automountServiceAccountToken: true,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext(),
            affinity: props.replicas > 1 ? spreadOverNodes(this.podSelector) : undefined,
            containers: [
              {
                name: 'otel-collector',
                image: ctx.images.otelCollector,
                imagePullPolicy: ctx.profile.imagePolicy.pullPolicy,
                args: ['--config=/conf/config.yaml'],
                ports: [
                  { name: 'otlp-grpc', containerPort: OTLP_GRPC_PORT },
                  { name: 'otlp-http', containerPort: OTLP_HTTP_PORT },
                  { name: 'metrics', containerPort: OTEL_METRICS_PORT },
                  { name: 'health', containerPort: HEALTH_PORT },
                ],
                readinessProbe: { httpGet: { path: '/', port: IntOrString.fromString('health') }, periodSeconds: 10 },
                livenessProbe: { httpGet: { path: '/', port: IntOrString.fromString('health') }, periodSeconds: 20 },
                resources: k8sResources(ctx.resources.otelCollector),
                securityContext: containerSecurity(),
                volumeMounts: [{ name: 'config', mountPath: '/conf', readOnly: true }],
              },
            ],
            volumes: [{ name: 'config', configMap: { name: 'otel-collector-config' } }],
          },
        },
      },
    });

    if (props.replicas > 1) {
      new KubePodDisruptionBudget(this, 'Pdb', {
        metadata: { name: OTEL_COLLECTOR_NAME, namespace: ns, labels },
        spec: { minAvailable: IntOrString.fromNumber(1), selector: { matchLabels: this.podSelector } },
      });
    }

    componentNetworkPolicy(this, this, {
      ingress: [scrapedByPrometheus(ns, OTEL_METRICS_PORT)],
      egress: [
        ...(props.backend.peer ? [{ to: [...props.backend.peer.peers], ports: tcpPorts(props.backend.otlpGrpcPort) }] : []),
        { to: ctx.apiServerCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: tcpPorts(...ctx.apiServerPorts) },
      ],
    });
  }
}
