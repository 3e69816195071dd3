/**
 * prometheus.yml of the standalone mode: Kubernetes service discovery jobs (pods and service endpoints by
 * annotation, kubelet and cAdvisor, API server), one job per registered workload, rule files and Alertmanagers.
 */
import { MonitoredTarget } from '../core/monitoring-registry';
import { compareText } from '../core/order';

/** Where the rule files are mounted (one ConfigMap, one file per workload). */
export const RULES_DIR = '/etc/prometheus/rules';
const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface PrometheusConfigOptions {
  readonly scrapeInterval: string;
  readonly externalLabels: Record<string, string>;
  /** `host:port` of every Alertmanager replica (Prometheus must send to each, not through a load balancer). */
  readonly alertmanagers: readonly string[];
  readonly targets: readonly MonitoredTarget[];
}

/** Prometheus label name of a Kubernetes label in service discovery meta labels. */
export function sdLabel(kubernetesLabel: string): string {
  return kubernetesLabel.replace(/[^a-zA-Z0-9_]/g, '_');
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Drops the pods and endpoints of registered workloads from the annotation jobs: they carry prometheus.io/*
 * annotations too (for other tools) but are scraped by their own job, with service and team labels; scraping
 * them twice would double every sum().
 */
function dropRegistered(targets: readonly MonitoredTarget[], nameLabel: string) {
  if (targets.length === 0) return [];
  return [
    {
      source_labels: ['__meta_kubernetes_namespace', nameLabel],
      regex: targets.map((t) => `${escapeRegex(t.namespace)};${escapeRegex(t.selector['app.kubernetes.io/name'] ?? t.name)}`).join('|'),
      action: 'drop',
    },
  ];
}

/** The labels every workload series carries: dashboards and alerts select on namespace and service. */
function commonPodRelabels() {
  return [
    { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
    { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
  ];
}

/** One scrape job per registered workload: its pods, its metrics port, with service and team labels. */
export function targetJob(t: MonitoredTarget, scrapeInterval: string) {
  const keepSelector = Object.entries(t.selector)
    .sort(([a], [b]) => compareText(a, b))
    .map(([k, v]) => ({
      source_labels: [`__meta_kubernetes_pod_label_${sdLabel(k)}`],
      regex: escapeRegex(v),
      action: 'keep',
    }));
  return {
    job_name: `${t.namespace}/${t.name}`,
    scrape_interval: scrapeInterval,
    metrics_path: t.metricsPath ?? '/metrics',
    kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: [t.namespace] } }],
    relabel_configs: [
      ...keepSelector,
      { source_labels: ['__meta_kubernetes_pod_container_port_name'], regex: escapeRegex(t.metricsPort.name), action: 'keep' },
      // Pods not yet running have no IP to scrape; they would only show as down.
      { source_labels: ['__meta_kubernetes_pod_phase'], regex: 'Pending|Succeeded|Failed', action: 'drop' },
      ...commonPodRelabels(),
      // The ReplicaSet of an Argo Rollout's pod: canary and preview analyses select the new version's series by it.
      { source_labels: ['__meta_kubernetes_pod_label_rollouts_pod_template_hash'], target_label: 'rollouts_pod_template_hash' },
      { target_label: 'service', replacement: t.name },
      ...(t.team ? [{ target_label: 'team', replacement: t.team }] : []),
    ],
  };
}

const KUBELET_TLS = {
  ca_file: `${SA_DIR}/ca.crt`,
  // Kubelet serving certificates are self-signed on most clusters; the bearer token still authenticates us.
  insecure_skip_verify: true,
};

function kubeletJob(name: string, path: string) {
  return {
    job_name: name,
    scheme: 'https',
    metrics_path: path,
    tls_config: KUBELET_TLS,
    authorization: { credentials_file: `${SA_DIR}/token` },
    kubernetes_sd_configs: [{ role: 'node' }],
    relabel_configs: [
      { action: 'labelmap', regex: '__meta_kubernetes_node_label_(.+)' },
      { source_labels: ['__meta_kubernetes_node_name'], target_label: 'node' },
    ],
  };
}

/** The prometheus.yml document. */
export function renderPrometheusConfig(o: PrometheusConfigOptions): Record<string, unknown> {
  return {
    global: { scrape_interval: o.scrapeInterval, evaluation_interval: o.scrapeInterval, external_labels: o.externalLabels },
    rule_files: [`${RULES_DIR}/*.yml`],
    alerting: {
      alertmanagers: o.alertmanagers.length > 0 ? [{ static_configs: [{ targets: [...o.alertmanagers] }] }] : [],
    },
    scrape_configs: [
      {
        job_name: 'kubernetes-apiservers',
        scheme: 'https',
        tls_config: { ca_file: `${SA_DIR}/ca.crt` },
        authorization: { credentials_file: `${SA_DIR}/token` },
        kubernetes_sd_configs: [{ role: 'endpoints', namespaces: { names: ['default'] } }],
        relabel_configs: [
          {
            source_labels: ['__meta_kubernetes_namespace', '__meta_kubernetes_service_name', '__meta_kubernetes_endpoint_port_name'],
            action: 'keep',
            regex: 'default;kubernetes;https',
          },
        ],
      },
      kubeletJob('kubernetes-nodes', '/metrics'),
      kubeletJob('kubernetes-cadvisor', '/metrics/cadvisor'),
      {
        // Third-party Services that opt in with prometheus.io/* annotations.
        job_name: 'kubernetes-service-endpoints',
        kubernetes_sd_configs: [{ role: 'endpoints' }],
        relabel_configs: [
          { source_labels: ['__meta_kubernetes_service_annotation_prometheus_io_scrape'], action: 'keep', regex: 'true' },
          ...dropRegistered(o.targets, '__meta_kubernetes_service_label_app_kubernetes_io_name'),
          { source_labels: ['__meta_kubernetes_service_annotation_prometheus_io_scheme'], action: 'replace', target_label: '__scheme__', regex: '(https?)' },
          { source_labels: ['__meta_kubernetes_service_annotation_prometheus_io_path'], action: 'replace', target_label: '__metrics_path__', regex: '(.+)' },
          {
            source_labels: ['__address__', '__meta_kubernetes_service_annotation_prometheus_io_port'],
            action: 'replace',
            target_label: '__address__',
            regex: '([^:]+)(?::\\d+)?;(\\d+)',
            replacement: '$1:$2',
          },
          { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
          { source_labels: ['__meta_kubernetes_service_name'], target_label: 'service' },
        ],
      },
      {
        // Third-party pods that opt in with prometheus.io/* annotations (the seeds' kubernetes-pods job).
        job_name: 'kubernetes-pods',
        kubernetes_sd_configs: [{ role: 'pod' }],
        relabel_configs: [
          { source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_scrape'], action: 'keep', regex: 'true' },
          ...dropRegistered(o.targets, '__meta_kubernetes_pod_label_app_kubernetes_io_name'),
          { source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_path'], action: 'replace', target_label: '__metrics_path__', regex: '(.+)' },
          {
            source_labels: ['__address__', '__meta_kubernetes_pod_annotation_prometheus_io_port'],
            action: 'replace',
            target_label: '__address__',
            regex: '([^:]+)(?::\\d+)?;(\\d+)',
            replacement: '$1:$2',
          },
          ...commonPodRelabels(),
          { source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_name'], target_label: 'service' },
        ],
      },
      ...o.targets.map((t) => targetJob(t, o.scrapeInterval)),
    ],
  };
}
