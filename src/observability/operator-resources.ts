/**
 * Operator mode: for clusters running kube-prometheus-stack, each registered workload becomes a ServiceMonitor
 * (services) or PodMonitor (datastores, platform agents) and a PrometheusRule, in the workload's namespace.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { MonitoredTarget } from '../core/monitoring-registry';
import { componentLabels } from './context';
import { RuleGroup } from './rules';

export interface OperatorResourcesOptions {
  /** Labels the operator's Prometheus selects monitors and rules by (`release: kube-prometheus-stack`). */
  readonly selectorLabels: Readonly<Record<string, string>>;
  readonly scrapeInterval: string;
}

function relabelings(t: MonitoredTarget) {
  return [
    { action: 'replace', targetLabel: 'service', replacement: t.name },
    ...(t.team ? [{ action: 'replace', targetLabel: 'team', replacement: t.team }] : []),
  ];
}

/** The monitor of one workload: a ServiceMonitor for services (scraped through their Service), else a PodMonitor. */
export function monitorFor(scope: Construct, t: MonitoredTarget, o: OperatorResourcesOptions): ApiObject {
  const metadata = { name: t.name, namespace: t.namespace, labels: { ...componentLabels(t.name, 'monitoring'), ...o.selectorLabels } };
  const endpoint = { port: t.metricsPort.name, path: t.metricsPath ?? '/metrics', interval: o.scrapeInterval, relabelings: relabelings(t) };
  if (t.kind === 'service') {
    return new ApiObject(scope, `ServiceMonitor-${t.namespace}-${t.name}`, {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata,
      spec: { selector: { matchLabels: { ...t.selector } }, namespaceSelector: { matchNames: [t.namespace] }, endpoints: [endpoint] },
    });
  }
  return new ApiObject(scope, `PodMonitor-${t.namespace}-${t.name}`, {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PodMonitor',
    metadata,
    spec: { selector: { matchLabels: { ...t.selector } }, namespaceSelector: { matchNames: [t.namespace] }, podMetricsEndpoints: [endpoint] },
  });
}

/** A PrometheusRule holding one rule group. */
export function prometheusRule(scope: Construct, id: string, name: string, namespace: string, group: RuleGroup, o: OperatorResourcesOptions): ApiObject {
  return new ApiObject(scope, id, {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name, namespace, labels: { ...componentLabels(name, 'monitoring'), ...o.selectorLabels } },
    spec: { groups: [{ name: group.name, rules: group.rules.map((r) => ({ ...r })) }] },
  });
}
