/**
 * Operator mode: for clusters running kube-prometheus-stack, each registered workload becomes a ServiceMonitor
 * (services) or PodMonitor (datastores, platform agents) and a PrometheusRule, in the workload's namespace.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import {
  PodMonitor,
  PodMonitorSpecPodMetricsEndpointsRelabelingsAction,
  PrometheusRule,
  PrometheusRuleSpecGroupsRulesExpr,
  ServiceMonitor,
  ServiceMonitorSpecEndpointsRelabelingsAction,
} from '../../imports/monitoring.coreos.com';
import { EnvironmentChart } from '../core/environment-chart';
import { MonitoredTarget } from '../core/monitoring-registry';
import { componentLabels } from './context';
import { RuleGroup } from './rules';

export interface OperatorResourcesOptions {
  /** Labels the operator's Prometheus selects monitors and rules by (`release: kube-prometheus-stack`). */
  readonly selectorLabels: Readonly<Record<string, string>>;
  readonly scrapeInterval: string;
}

/** `service` and `team` labels on every series of the target; `A` is the monitor kind's action enum. */
function relabelings<A>(t: MonitoredTarget, replace: A) {
  return [{ action: replace, targetLabel: 'service', replacement: t.name }, ...(t.team ? [{ action: replace, targetLabel: 'team', replacement: t.team }] : [])];
}

/** The monitor of one workload: a ServiceMonitor for services (scraped through their Service), else a PodMonitor. */
export function monitorFor(scope: Construct, t: MonitoredTarget, o: OperatorResourcesOptions): ApiObject {
  const metadata = { name: t.name, namespace: t.namespace, labels: { ...componentLabels(t.name, 'monitoring'), ...o.selectorLabels } };
  const endpoint = { port: t.metricsPort.name, path: t.metricsPath ?? '/metrics', interval: o.scrapeInterval };
  if (t.kind === 'service') {
    return new ServiceMonitor(scope, `ServiceMonitor-${t.namespace}-${t.name}`, {
      metadata,
      spec: {
        selector: { matchLabels: { ...t.selector } },
        namespaceSelector: { matchNames: [t.namespace] },
        // Series carry the Rollout ReplicaSet (`rollouts_pod_template_hash`): canary and preview analyses select on it.
        podTargetLabels: ['rollouts-pod-template-hash'],
        endpoints: [{ ...endpoint, relabelings: relabelings(t, 'replace' as ServiceMonitorSpecEndpointsRelabelingsAction) }],
      },
    });
  }
  return new PodMonitor(scope, `PodMonitor-${t.namespace}-${t.name}`, {
    metadata,
    spec: {
      selector: { matchLabels: { ...t.selector } },
      namespaceSelector: { matchNames: [t.namespace] },
      podMetricsEndpoints: [{ ...endpoint, relabelings: relabelings(t, 'replace' as PodMonitorSpecPodMetricsEndpointsRelabelingsAction) }],
    },
  });
}

/** A PrometheusRule holding one rule group. */
export function prometheusRule(scope: Construct, id: string, name: string, namespace: string, group: RuleGroup, o: OperatorResourcesOptions): ApiObject {
  return new PrometheusRule(scope, id, {
    metadata: { name, namespace, labels: { ...componentLabels(name, 'monitoring'), ...o.selectorLabels } },
    spec: { groups: [{ name: group.name, rules: group.rules.map((r) => ({ ...r, expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr) })) }] },
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
