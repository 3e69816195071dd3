/**
 * Operator mode: for clusters running kube-prometheus-stack, each registered workload becomes a ServiceMonitor
 * (services) or PodMonitor (datastores, platform agents) and a PrometheusRule, in the workload's namespace.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { EnvironmentChart } from '../core/environment-chart';
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

/**
 * The monitors and rules of every rule group's target, in operator mode. MicroserviceDeployment and
 * StatefulDatastore emit their own monitors and rules there; this adds only what is missing, so no object is
 * defined twice and no target is scraped twice. Groups without a target (the platform's SLO rules) go to
 * `namespace`.
 */
export function addOperatorResources(
  scope: Construct,
  namespace: string,
  groups: ReadonlyArray<{ readonly group: RuleGroup; readonly target?: MonitoredTarget }>,
  o: OperatorResourcesOptions,
): void {
  const existing = new Set<string>();
  for (const c of EnvironmentChart.of(scope).node.findAll()) {
    if (c instanceof ApiObject && c.node.scope !== scope) existing.add(`${c.kind}/${c.metadata.namespace}/${c.metadata.name}`);
  }
  const has = (kind: string, t: MonitoredTarget) => existing.has(`${kind}/${t.namespace}/${t.name}`);
  for (const f of groups) {
    const t = f.target;
    if (!t) {
      prometheusRule(scope, 'PrometheusRule-platform-slo', 'platform-slo', namespace, f.group, o);
      continue;
    }
    if (!has('ServiceMonitor', t) && !has('PodMonitor', t)) monitorFor(scope, t, o);
    if (!has('PrometheusRule', t)) {
      prometheusRule(scope, `PrometheusRule-${t.namespace}-${t.name}`, t.name, t.namespace, f.group, o);
    } else {
      // The workload's own PrometheusRule holds its registered rules; the platform's go beside it.
      const own = new Set(t.rules.map((r) => r.alert));
      const group = { name: `${f.group.name}/platform`, rules: f.group.rules.filter((r) => !own.has(r.alert ?? '')) };
      if (group.rules.length > 0) prometheusRule(scope, `PrometheusRule-${t.namespace}-${t.name}`, `${t.name}-platform`, t.namespace, group, o);
    }
  }
}
