/** The standalone Prometheus: a StatefulSet with its TSDB volume, discovery RBAC, config and rule ConfigMaps. */
import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import {
  IntOrString,
  KubeClusterRole,
  NetworkPolicyPort,
  KubeClusterRoleBinding,
  KubeConfigMap,
  KubePodDisruptionBudget,
  KubeService,
  KubeServiceAccount,
  KubeStatefulSet,
  Quantity,
} from '../../imports/k8s';
import { IWorkload, WorkloadPort } from '../core/connections';
import { restrictedPodSecurityContext } from '../core/security';
import { LABEL_TENANT, selectorLabels } from '../core/labels';
import { TenantNamespace } from '../tenancy/tenant-namespace';
import { checksum, componentNetworkPolicy, NetworkPeer, containerSecurity, k8sResources, scrapedByPrometheus, spreadOverNodes, tcpPorts } from './common';
import { componentLabels, StackContext } from './context';
import { RULES_DIR } from './prometheus-config';

export const PROMETHEUS_NAME = 'prometheus';
export const PROMETHEUS_PORT = 9090;
/** The `nobody` user the Prometheus image runs as. */
const PROMETHEUS_UID = 65534;

export interface PrometheusServerProps {
  readonly context: StackContext;
  /** prometheus.yml, produced at synth. */
  readonly config: () => string;
  /** Rule files by name, produced at synth. */
  readonly rules: () => Record<string, string>;
  readonly retention: string;
  readonly retentionSize: string;
  readonly storageSize: string;
  readonly replicas: number;
  /** Who else may query Prometheus (Grafana is connected through the graph). */
  readonly queryPeers: readonly NetworkPeer[];
}

/**
 * Prometheus with persistent storage. Config changes roll the pods through a checksum annotation of the config
 * and rules (no reloader sidecar to run and secure).
 */
export class PrometheusServer extends Construct implements IWorkload {
  public readonly workloadName = PROMETHEUS_NAME;
  public readonly namespace: string;
  public readonly podSelector = selectorLabels(PROMETHEUS_NAME);
  public readonly clientPorts: readonly WorkloadPort[] = [{ name: 'web', port: PROMETHEUS_PORT }];

  public constructor(scope: Construct, id: string, props: PrometheusServerProps) {
    super(scope, id);
    const ctx = props.context;
    const ns = ctx.namespace;
    this.namespace = ns;
    const labels = componentLabels(PROMETHEUS_NAME, 'metrics');
    const clusterName = `${ns}-prometheus`;

    new KubeServiceAccount(this, 'ServiceAccount', { metadata: { name: PROMETHEUS_NAME, namespace: ns, labels } });
    // Exactly what Kubernetes service discovery and the kubelet /metrics endpoints read; nothing writable.
    new KubeClusterRole(this, 'ClusterRole', {
      metadata: { name: clusterName, labels },
      rules: [
        { apiGroups: [''], resources: ['nodes', 'nodes/metrics', 'services', 'endpoints', 'pods'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: ['get', 'list', 'watch'] },
        { nonResourceUrLs: ['/metrics'], verbs: ['get'] },
      ],
    });
    new KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
      metadata: { name: clusterName, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterName },
      subjects: [{ kind: 'ServiceAccount', name: PROMETHEUS_NAME, namespace: ns }],
    });

    new KubeConfigMap(this, 'Config', {
      metadata: { name: 'prometheus-config', namespace: ns, labels: { ...labels, 'platform.io/monitoring-config': 'prometheus' } },
      data: Lazy.any({ produce: () => ({ 'prometheus.yml': props.config() }) }),
    });
    new KubeConfigMap(this, 'Rules', {
      metadata: { name: 'prometheus-rules', namespace: ns, labels: { ...labels, 'platform.io/monitoring-config': 'rules' } },
      data: Lazy.any({ produce: () => props.rules() }),
    });

    const port = [{ name: 'web', port: PROMETHEUS_PORT, targetPort: IntOrString.fromString('web') }];
    new KubeService(this, 'Service', {
      metadata: { name: PROMETHEUS_NAME, namespace: ns, labels },
      spec: { selector: this.podSelector, ports: port },
    });
    new KubeService(this, 'HeadlessService', {
      metadata: { name: `${PROMETHEUS_NAME}-headless`, namespace: ns, labels },
      spec: { clusterIp: 'None', selector: this.podSelector, ports: port },
    });

    new KubeStatefulSet(this, 'Resource', {
      metadata: { name: PROMETHEUS_NAME, namespace: ns, labels },
      spec: {
        replicas: props.replicas,
        serviceName: `${PROMETHEUS_NAME}-headless`,
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: this.podSelector },
        template: {
          metadata: {
            labels,
            annotations: {
              'checksum/config': Lazy.any({ produce: () => checksum(props.config() + JSON.stringify(props.rules())) }),
            },
          },
          spec: {
            serviceAccountName: PROMETHEUS_NAME,
            // Service discovery authenticates to the API server and the kubelets with this token.
            automountServiceAccountToken: true,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext({ runAsUser: PROMETHEUS_UID }),
            affinity: props.replicas > 1 ? spreadOverNodes(this.podSelector) : undefined,
            terminationGracePeriodSeconds: 600,
            containers: [
              {
                name: 'prometheus',
                image: ctx.images.prometheus,
                imagePullPolicy: ctx.profile.imagePolicy.pullPolicy,
                args: [
                  '--config.file=/etc/prometheus/prometheus.yml',
                  '--storage.tsdb.path=/prometheus',
                  `--storage.tsdb.retention.time=${props.retention}`,
                  `--storage.tsdb.retention.size=${props.retentionSize}`,
                  '--web.console.libraries=/usr/share/prometheus/console_libraries',
                  '--web.console.templates=/usr/share/prometheus/consoles',
                ],
                ports: [{ name: 'web', containerPort: PROMETHEUS_PORT }],
                readinessProbe: { httpGet: { path: '/-/ready', port: IntOrString.fromString('web') }, periodSeconds: 5, failureThreshold: 3 },
                livenessProbe: { httpGet: { path: '/-/healthy', port: IntOrString.fromString('web') }, periodSeconds: 15, failureThreshold: 6 },
                // WAL replay after a restart can take minutes on a large TSDB.
                startupProbe: { httpGet: { path: '/-/ready', port: IntOrString.fromString('web') }, periodSeconds: 15, failureThreshold: 60 },
                resources: k8sResources(ctx.resources.prometheus),
                securityContext: containerSecurity(),
                volumeMounts: [
                  { name: 'config', mountPath: '/etc/prometheus', readOnly: true },
                  { name: 'rules', mountPath: RULES_DIR, readOnly: true },
                  { name: 'data', mountPath: '/prometheus' },
                ],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name: 'prometheus-config' } },
              { name: 'rules', configMap: { name: 'prometheus-rules' } },
            ],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data', labels: selectorLabels(PROMETHEUS_NAME) },
            spec: {
              accessModes: ['ReadWriteOnce'],
              storageClassName: ctx.profile.storage.storageClass,
              resources: { requests: { storage: Quantity.fromString(props.storageSize) } },
            },
          },
        ],
      },
    });

    if (props.replicas > 1) {
      new KubePodDisruptionBudget(this, 'Pdb', {
        metadata: { name: PROMETHEUS_NAME, namespace: ns, labels },
        spec: { minAvailable: IntOrString.fromNumber(1), selector: { matchLabels: this.podSelector } },
      });
    }

    componentNetworkPolicy(this, this, {
      ingress: [
        // Every replica scrapes every replica (the `monitoring/prometheus` job).
        scrapedByPrometheus(ns, PROMETHEUS_PORT),
        ...(props.queryPeers.length > 0 ? [{ from: props.queryPeers.flatMap((p) => [...p.peers]), ports: tcpPorts(PROMETHEUS_PORT) }] : []),
      ],
      egress: [
        // Scraping: pods in every platform namespace (annotated third-party pods declare their port only at runtime).
        { to: [{ namespaceSelector: { matchExpressions: [{ key: LABEL_TENANT, operator: 'DoesNotExist' }] } }] },
        // Tenants' pods only on the ports their `allow-monitoring-scrape` policies admit (read at synth).
        {
          to: [{ namespaceSelector: { matchExpressions: [{ key: LABEL_TENANT, operator: 'Exists' }] } }],
          ports: Lazy.any({ produce: () => tenantMetricsPorts(this) }) as unknown as NetworkPolicyPort[],
        },
        { to: ctx.nodeCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: tcpPorts(10250) },
        { to: ctx.apiServerCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: tcpPorts(...ctx.apiServerPorts) },
      ],
    });
  }
}

/** Metrics ports of every tenant of the environment (`metrics` by default), as NetworkPolicy ports. */
function tenantMetricsPorts(scope: Construct): NetworkPolicyPort[] {
  return TenantNamespace.metricsPortsOf(scope).map((p) => ({
    protocol: 'TCP',
    port: typeof p === 'number' ? IntOrString.fromNumber(p) : IntOrString.fromString(p),
  }));
}
