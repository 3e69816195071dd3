import { AlertRule } from '../core/monitoring-registry';

/**
 * PromQL the MicroserviceDeployment emits (alert rules and Argo Rollouts analysis). Exported so the
 * observability stack can parse and reuse the exact same expressions. HTTP metrics are selected by the
 * `namespace` and `service` target labels (set by ServiceMonitor discovery, or by the standalone scrape config
 * from `app.kubernetes.io/name`).
 */

/** Which service a query is about. */
export interface ServiceQueryTarget {
  readonly namespace: string;
  readonly service: string;
  /** Range of `rate()`. @default '5m' */
  readonly window?: string;
  /**
   * Only the pods of one ReplicaSet of an Argo Rollout (`rollouts_pod_template_hash`, copied from the pod label by the
   * scrape configuration): a value, or an analysis argument such as `{{args.pod-template-hash}}`.
   * @default - every pod of the service
   */
  readonly podTemplateHash?: string;
}

const DEFAULT_WINDOW = '5m';
/** Series label holding the pods' `rollouts-pod-template-hash` label (set by the scrape jobs and monitors). */
export const POD_TEMPLATE_HASH_LABEL = 'rollouts_pod_template_hash';

function selector(t: ServiceQueryTarget, extra = ''): string {
  const hash = t.podTemplateHash !== undefined ? `,${POD_TEMPLATE_HASH_LABEL}="${t.podTemplateHash}"` : '';
  return `{namespace="${t.namespace}",service="${t.service}"${hash}${extra}}`;
}

/** Share of 5xx responses (0..1) over the window. */
export function httpErrorRatioQuery(t: ServiceQueryTarget): string {
  const w = t.window ?? DEFAULT_WINDOW;
  return `sum(rate(http_requests_total${selector(t, ',status=~"5.."')}[${w}])) / sum(rate(http_requests_total${selector(t)}[${w}]))`;
}

/** 95th percentile of request duration in seconds over the window. */
export function httpLatencyP95Query(t: ServiceQueryTarget): string {
  const w = t.window ?? DEFAULT_WINDOW;
  return `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket${selector(t)}[${w}])))`;
}

/** Container restarts of the service's pods over 15 minutes (kube-state-metrics). */
export function restartsQuery(namespace: string, service: string): string {
  // Pods of a Deployment or Rollout are named <name>-<replicaset hash>-<suffix>; the anchored pattern does not
  // match a longer service name that merely starts with this one.
  return `increase(kube_pod_container_status_restarts_total{namespace="${namespace}",pod=~"${service}-[a-z0-9]+-[a-z0-9]{5}"}[15m])`;
}

/** Replicas wanted but not available: kube-state-metrics for Deployments, Argo Rollouts' metrics for Rollouts. */
export function unavailableReplicasQuery(namespace: string, service: string, rollout: boolean): string {
  if (rollout) {
    return `max(rollout_info_replicas_desired{namespace="${namespace}",name="${service}"}) - max(rollout_info_replicas_available{namespace="${namespace}",name="${service}"})`;
  }
  return `max(kube_deployment_status_replicas_unavailable{namespace="${namespace}",deployment="${service}"})`;
}

/** Inputs of {@link microserviceAlertRules}. */
export interface MicroserviceAlertOptions {
  readonly namespace: string;
  readonly service: string;
  readonly team?: string;
  /** Whether the service exposes http_requests_total and http_request_duration_seconds. */
  readonly httpMetrics: boolean;
  /** Whether the workload is an Argo Rollout (unavailable replicas come from Argo Rollouts' metrics). */
  readonly rollout: boolean;
  readonly maxErrorRate: number;
  readonly maxP95LatencySeconds: number;
  /** Runbook URLs are `<runbookBaseUrl>/<alert name>`. */
  readonly runbookBaseUrl: string;
}

/** The default alert rules of a service: error rate, p95 latency, restarts, unavailable replicas. */
export function microserviceAlertRules(o: MicroserviceAlertOptions): AlertRule[] {
  const labels: Record<string, string> = { service: o.service, namespace: o.namespace };
  if (o.team !== undefined) labels.team = o.team;
  const t = { namespace: o.namespace, service: o.service };
  const rule = (alert: string, expr: string, forDuration: string, severity: AlertRule['severity'], summary: string, description: string): AlertRule => ({
    alert,
    expr,
    for: forDuration,
    severity,
    summary,
    description,
    runbookUrl: `${o.runbookBaseUrl}/${alert.toLowerCase()}`,
    labels,
  });
  const rules: AlertRule[] = [];
  if (o.httpMetrics) {
    rules.push(
      rule(
        'ServiceHighErrorRate',
        `${httpErrorRatioQuery(t)} > ${o.maxErrorRate}`,
        '5m',
        'critical',
        `${o.service}: more than ${percent(o.maxErrorRate)} of requests fail`,
        `More than ${percent(o.maxErrorRate)} of requests to ${o.namespace}/${o.service} returned 5xx for 5 minutes.`,
      ),
    );
    rules.push(
      rule(
        'ServiceHighLatency',
        `${httpLatencyP95Query(t)} > ${o.maxP95LatencySeconds}`,
        '10m',
        'warning',
        `${o.service}: p95 latency above ${o.maxP95LatencySeconds * 1000} ms`,
        `The 95th percentile latency of ${o.namespace}/${o.service} has been above ${o.maxP95LatencySeconds * 1000} ms for 10 minutes.`,
      ),
    );
  }
  rules.push(
    rule(
      'ServicePodRestarting',
      `${restartsQuery(o.namespace, o.service)} > 3`,
      '0m',
      'warning',
      `${o.service}: containers restart repeatedly`,
      `A container of ${o.namespace}/${o.service} restarted more than 3 times in 15 minutes.`,
    ),
  );
  rules.push(
    rule(
      'ServiceReplicasUnavailable',
      `${unavailableReplicasQuery(o.namespace, o.service, o.rollout)} > 0`,
      '10m',
      'critical',
      `${o.service}: replicas unavailable`,
      `${o.namespace}/${o.service} has had unavailable replicas for 10 minutes.`,
    ),
  );
  return rules;
}

function percent(ratio: number): string {
  return `${Number((ratio * 100).toFixed(4))}%`;
}
