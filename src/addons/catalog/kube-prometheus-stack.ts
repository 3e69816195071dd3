/**
 * kube-prometheus-stack for operator monitoring mode: prometheus-operator (serves ServiceMonitor, PodMonitor,
 * PrometheusRule), a Prometheus selecting the platform's monitors and rules, Alertmanager, Grafana collecting the
 * platform's dashboards, kube-state-metrics and node-exporter.
 */
import { fail } from '../../core/errors';
import { parsePrometheusSize } from '../../observability/common';
import { GRAFANA_DASHBOARD_LABEL } from '../../observability/grafana';
import { DEFAULT_OPERATOR_SELECTOR_LABELS, STORAGE_HEADROOM } from '../../observability/observability-stack';
import { AddOnContext, AddOnControllerPods, AddOnDefinition } from '../definition';
import { CLUSTER_RBAC_KINDS, CRD_KIND, MUTATING_WEBHOOK_KIND, RESTRICTED_POD, RestrictedPodSecurity, VALIDATING_WEBHOOK_KIND } from './common';

/**
 * kube-prometheus-stack's chart, pinned here: no chart data is vendored for it, so its values are checked only by
 * the types below. 82.6.0 is a March 2026 release.
 */
export const KUBE_PROMETHEUS_STACK_CHART = {
  chart: 'kube-prometheus-stack',
  version: '82.6.0',
  repository: 'https://prometheus-community.github.io/helm-charts',
  oci: false,
} as const;

/** Why node-exporter's namespace cannot enforce PSS restricted. */
export const NODE_EXPORTER_EXEMPTION = "node-exporter reads the node's /proc and /sys (hostPath) with hostNetwork and hostPID to report node metrics";

/** Options of {@link AddOn.kubePrometheusStack}. */
export interface KubePrometheusStackOptions {
  /**
   * Run node-exporter (node metrics). It needs host access, so it runs in a namespace of its own
   * (`<namespace>-node-exporter`), exempt from PSS restricted with the reason written on it.
   * @default true
   */
  readonly nodeExporter?: boolean;
  /** Labels Prometheus selects ServiceMonitors, PodMonitors and PrometheusRules by. @default DEFAULT_OPERATOR_SELECTOR_LABELS */
  readonly selectorLabels?: Readonly<Record<string, string>>;
}

/** The values of the kube-prometheus-stack chart the platform sets (typed here only: no vendored chart data). */
export interface KubePrometheusStackValues {
  readonly crds: { readonly enabled: true };
  readonly prometheus: {
    readonly prometheusSpec: {
      readonly replicas: number;
      readonly retention: string;
      readonly retentionSize: string;
      readonly serviceMonitorSelectorNilUsesHelmValues: false;
      readonly podMonitorSelectorNilUsesHelmValues: false;
      readonly ruleSelectorNilUsesHelmValues: false;
      readonly serviceMonitorSelector: { readonly matchLabels: Readonly<Record<string, string>> };
      readonly podMonitorSelector: { readonly matchLabels: Readonly<Record<string, string>> };
      readonly ruleSelector: { readonly matchLabels: Readonly<Record<string, string>> };
      readonly securityContext: RestrictedPodSecurity & { readonly runAsUser: number; readonly runAsGroup: number; readonly fsGroup: number };
      readonly storageSpec: {
        readonly volumeClaimTemplate: {
          readonly spec: {
            readonly storageClassName: string;
            readonly accessModes: readonly ['ReadWriteOnce'];
            readonly resources: { readonly requests: { readonly storage: string } };
          };
        };
      };
    };
  };
  readonly alertmanager: { readonly alertmanagerSpec: { readonly replicas: number } };
  readonly grafana: {
    readonly sidecar: { readonly dashboards: { readonly enabled: true; readonly label: string; readonly labelValue: string; readonly searchNamespace: 'ALL' } };
  };
  readonly nodeExporter: { readonly enabled: boolean };
  readonly 'prometheus-node-exporter'?: { readonly namespaceOverride: string };
}

const PROMETHEUS_USER = 1000;

function storageOf(ctx: AddOnContext): string {
  const bytes = parsePrometheusSize(ctx.profile.monitoring.retentionSize);
  if (bytes === undefined)
    fail(
      `${ctx.environment.node.path}/add-ons/kube-prometheus-stack`,
      'profile.monitoring.retentionSize',
      ctx.profile.monitoring.retentionSize,
      'must be a Prometheus size such as "45GB"',
    );
  return `${Math.ceil((bytes * STORAGE_HEADROOM) / 2 ** 30)}Gi`;
}

/** The kube-prometheus-stack add-on definition (its namespace must be `profile.monitoring.namespace`). */
export function kubePrometheusStackDefinition(options: KubePrometheusStackOptions, namespace: string): AddOnDefinition {
  const nodeExporter = options.nodeExporter ?? true;
  const selector = options.selectorLabels ?? DEFAULT_OPERATOR_SELECTOR_LABELS;
  const nodeExporterNamespace = `${namespace}-node-exporter`;
  return {
    name: 'kube-prometheus-stack',
    purpose: 'prometheus-operator, Prometheus, Alertmanager and Grafana for operator monitoring mode',
    chart: { ...KUBE_PROMETHEUS_STACK_CHART },
    releaseName: 'kube-prometheus-stack',
    namespace,
    serves: { groups: ['monitoring.coreos.com'] },
    installsCrds: true,
    clusterKinds: [CRD_KIND, ...CLUSTER_RBAC_KINDS, MUTATING_WEBHOOK_KIND, VALIDATING_WEBHOOK_KIND],
    values: (ctx) => {
      const ha = ctx.profile.highAvailability;
      const values: KubePrometheusStackValues = {
        crds: { enabled: true },
        prometheus: {
          prometheusSpec: {
            replicas: ha ? 2 : 1,
            retention: ctx.profile.monitoring.retention,
            retentionSize: ctx.profile.monitoring.retentionSize,
            // Only the platform's monitors and rules, wherever they live.
            serviceMonitorSelectorNilUsesHelmValues: false,
            podMonitorSelectorNilUsesHelmValues: false,
            ruleSelectorNilUsesHelmValues: false,
            serviceMonitorSelector: { matchLabels: { ...selector } },
            podMonitorSelector: { matchLabels: { ...selector } },
            ruleSelector: { matchLabels: { ...selector } },
            securityContext: { ...RESTRICTED_POD, runAsUser: PROMETHEUS_USER, runAsGroup: PROMETHEUS_USER, fsGroup: PROMETHEUS_USER },
            storageSpec: {
              volumeClaimTemplate: {
                spec: {
                  storageClassName: ctx.profile.storage.storageClass,
                  accessModes: ['ReadWriteOnce'],
                  resources: { requests: { storage: storageOf(ctx) } },
                },
              },
            },
          },
        },
        alertmanager: { alertmanagerSpec: { replicas: ha ? 2 : 1 } },
        grafana: { sidecar: { dashboards: { enabled: true, label: GRAFANA_DASHBOARD_LABEL, labelValue: '1', searchNamespace: 'ALL' } } },
        nodeExporter: { enabled: nodeExporter },
        ...(nodeExporter ? { 'prometheus-node-exporter': { namespaceOverride: nodeExporterNamespace } } : {}),
      };
      return values as unknown as Record<string, unknown>;
    },
    namespaces: (ctx) => [{ name: ctx.namespace }, ...(nodeExporter ? [{ name: nodeExporterNamespace, exemption: NODE_EXPORTER_EXEMPTION }] : [])],
    clusterServices: (ctx) => ({
      prometheus: { namespace: ctx.namespace, podLabels: { 'app.kubernetes.io/name': 'prometheus' }, ports: [{ name: 'web', port: 9090 }] },
    }),
    // Services for the control-plane components' metrics go to kube-system.
    destinations: () => ['kube-system', ...(nodeExporter ? [nodeExporterNamespace] : [])],
    controllers: (ctx): AddOnControllerPods[] => [
      // The stack's own pods talk to each other (Grafana, Alertmanager, exporters, Prometheus).
      {
        component: 'stack',
        namespace: ctx.namespace,
        podLabels: {},
        ingress: [{ peers: [{ namespace: ctx.namespace }], ports: [] }],
        egress: [{ peers: [{ namespace: ctx.namespace }], ports: [] }],
      },
      {
        component: 'prometheus',
        // The `prometheus` workload analysis and scalers connect to in operator mode.
        clusterService: 'prometheus',
        namespace: ctx.namespace,
        podLabels: { 'app.kubernetes.io/name': 'prometheus' },
        ports: [{ name: 'web', port: 9090 }],
        // Scrapes every namespace, the kubelets and its node-exporters.
        egress: [{ peers: ['anywhere'], ports: [] }],
      },
      {
        component: 'operator',
        namespace: ctx.namespace,
        podLabels: { app: 'kube-prometheus-stack-operator' },
        ports: [{ name: 'https', port: 10250 }],
        ingress: [{ peers: ['anywhere'], ports: [10250] }],
      },
      ...(nodeExporter
        ? [
            {
              component: 'node-exporter',
              namespace: nodeExporterNamespace,
              podLabels: { 'app.kubernetes.io/name': 'prometheus-node-exporter' },
              ingress: [{ peers: [{ namespace: ctx.namespace }], ports: [9100] }],
            },
          ]
        : []),
    ],
  };
}
