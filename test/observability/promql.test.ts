import * as yaml from 'js-yaml';
import { parser } from '@prometheus-io/lezer-promql';
import { describe, expect, test } from 'vitest';
import { MonitoringMode } from '../../src';
import { OVERVIEW_PANELS } from '../../src/observability/dashboards';
import * as microservicePromql from '../../src/microservice/promql';
import { development, production, synthEnv, testProfile } from '../helpers';
import { fullStack, registerDatastore, registerService } from './helpers';

/** The error nodes (⚠) of a PromQL parse tree, with their positions. */
function parseErrors(expr: string): string[] {
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter: (n) => {
      if (n.type.isError) errors.push(`parse error at ${n.from}: ...${expr.slice(Math.max(0, n.from - 20), n.from + 20)}...`);
    },
  });
  return errors;
}

/** Every PromQL expression in a synthesized environment: rule files, PrometheusRules, dashboards, Rollouts analysis. */
function expressionsOf(docs: Record<string, any>[]): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  const rules = (groups: any[], where: string) =>
    groups.forEach((g) => g.rules.forEach((r: any) => out.push({ where: `${where} ${r.alert ?? r.record}`, expr: r.expr })));
  for (const d of docs) {
    const id = `${d.kind}/${d.metadata.namespace}/${d.metadata.name}`;
    if (d.kind === 'ConfigMap' && d.metadata.labels?.['platform.io/monitoring-config'] === 'rules') {
      for (const [file, text] of Object.entries<string>(d.data)) rules((yaml.load(text) as any).groups, `${id}:${file}`);
    }
    if (d.kind === 'PrometheusRule') rules(d.spec.groups, id);
    if (d.kind === 'ConfigMap' && d.metadata.name === 'grafana-dashboards') {
      for (const [file, text] of Object.entries<string>(d.data)) {
        for (const p of JSON.parse(text).panels) for (const t of p.targets) out.push({ where: `${id}:${file} ${p.title}`, expr: t.expr });
      }
    }
    if (d.kind === 'AnalysisTemplate') {
      for (const m of d.spec.metrics ?? []) if (m.provider?.prometheus?.query) out.push({ where: `${id} ${m.name}`, expr: m.provider.prometheus.query });
    }
  }
  return out;
}

function platform(chart: any): void {
  fullStack(chart, {
    serviceDashboards: [{ service: 'api-gateway', panels: [{ title: 'Queue', expr: 'max by (queue) (queue_depth{namespace="backend"})' }] }],
  });
  registerService(chart, 'api-gateway');
  registerService(chart, 'web', 'frontend', { httpMetrics: false });
  registerDatastore(chart, 'orders-db');
}

describe('every PromQL expression the library emits parses with @prometheus-io/lezer-promql', () => {
  test('GIVEN the parser WHEN given broken PromQL THEN it reports an error node (the check is not vacuous)', () => {
    expect(parseErrors('sum(rate(http_requests_total[5m]) by (service)')).not.toEqual([]);
    expect(parseErrors('histogram_quantile(0.95, sum by (le) (rate(x_bucket[5m]))) > 0.5')).toEqual([]);
  });

  for (const [name, profile] of [
    ['standalone production', production],
    ['operator development', testProfile({ monitoring: { ...development.monitoring, mode: MonitoringMode.operator() } })],
  ] as const) {
    test(`GIVEN the ${name} stack THEN every rule and dashboard expression parses`, () => {
      const env = synthEnv(platform, profile);
      const exprs = expressionsOf(env.docs);
      expect(exprs.length).toBeGreaterThan(30);
      for (const { where, expr } of exprs) expect(parseErrors(expr), `${where}: ${expr}`).toEqual([]);
    });
  }

  test('GIVEN the seeds overview panels THEN they parse', () => {
    for (const p of OVERVIEW_PANELS) expect(parseErrors(p.expr), p.expr).toEqual([]);
  });

  test('GIVEN the MicroserviceDeployment queries used by alerts and Rollouts analysis THEN they parse', () => {
    const t = { namespace: 'backend', service: 'api' };
    const exprs = [
      microservicePromql.httpErrorRatioQuery(t),
      microservicePromql.httpLatencyP95Query(t),
      microservicePromql.restartsQuery('backend', 'api'),
      microservicePromql.unavailableReplicasQuery('backend', 'api', true),
      microservicePromql.unavailableReplicasQuery('backend', 'api', false),
      ...microservicePromql
        .microserviceAlertRules({
          namespace: 'backend',
          service: 'api',
          team: 'core',
          httpMetrics: true,
          rollout: true,
          maxErrorRate: 0.01,
          maxP95LatencySeconds: 0.5,
          runbookBaseUrl: 'https://runbooks.example.com',
        })
        .map((r) => r.expr),
    ];
    for (const e of exprs) expect(parseErrors(e), e).toEqual([]);
  });
});
