import { App } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { ApiObject } from 'cdk8s';
import * as os from 'os';
import * as fs from 'fs';
import * as path from 'path';
import { EnvironmentChart, PlatformConfigError, SynthError, synthesize } from '../../src';
import { expressionCheckPlugin, expressionProblems, parsePromQL, promqlSyntaxError, templateProblem } from '../../src/policy/expression-checks';
import { development } from '../helpers';
import { envOf } from './fixtures';

const rule = (r: Record<string, any>) => ({
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'PrometheusRule',
  metadata: { name: 'api', namespace: 'backend' },
  spec: {
    groups: [
      {
        name: 'api.rules',
        rules: [
          {
            alert: 'ApiDown',
            expr: 'up{job="api"} == 0',
            for: '5m',
            labels: { severity: 'critical' },
            annotations: { summary: '{{ $labels.instance }} is down' },
            ...r,
          },
        ],
      },
    ],
  },
});
const problems = (...objects: Record<string, any>[]) => expressionProblems(envOf(objects));

describe('PromQL and templates in emitted objects', () => {
  it('GIVEN a valid rule WHEN checked THEN nothing is reported', () => {
    expect(problems(rule({}))).toEqual([]);
  });

  it('GIVEN an alert whose expr does not parse WHEN checked THEN the object, group, alert and column are named', () => {
    expect(problems(rule({ expr: 'sum(rate(http_requests_total[5m]) by (service)' }))).toEqual([
      'production/backend/PrometheusRule/api: spec.groups[0].rules[0].expr: group "api.rules" alert "ApiDown": PromQL syntax error at column 35 (…requests_total[5m]) ⟨here⟩by (service))',
    ]);
  });

  it('GIVEN an unclosed {{ in an annotation and a label name with a space WHEN checked THEN both are reported', () => {
    expect(problems(rule({ annotations: { summary: '{{ $labels.instance is down' }, labels: { 'team name': 'web' } }))).toEqual([
      'production/backend/PrometheusRule/api: spec.groups[0].rules[0].labels.team name: group "api.rules" alert "ApiDown": "team name" is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)',
      'production/backend/PrometheusRule/api: spec.groups[0].rules[0].annotations.summary: group "api.rules" alert "ApiDown": template: the action opened at column 1 is not closed with "}}" (⟨here⟩{{ $labels.instance …)',
    ]);
  });

  it('GIVEN a rule file ConfigMap and a recording rule with a bad name WHEN checked THEN the file and rule are named', () => {
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'prometheus-rules', namespace: 'monitoring', labels: { 'platform.io/monitoring-config': 'rules' } },
      data: { 'api.rules.yml': 'groups:\n  - name: rec\n    rules:\n      - record: "job rate"\n        expr: rate(x[5m]\n' },
    };
    expect(problems(cm)).toEqual([
      'production/monitoring/ConfigMap/prometheus-rules: data.api.rules.yml.groups[0].rules[0].expr: group "rec" record "job rate": PromQL syntax error at column 11 (rate(x[5m]⟨here⟩)',
      'production/monitoring/ConfigMap/prometheus-rules: data.api.rules.yml.groups[0].rules[0].record: group "rec" record "job rate": "job rate" is not a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)',
    ]);
  });

  it('GIVEN the same broken rule file under two keys and in a ConfigMap without the rules label WHEN checked THEN each place is named (a text parsed once is reported everywhere)', () => {
    const text = 'groups:\n  - name: rec\n    rules:\n      - record: ok\n        expr: rate(x[5m]\n';
    const cm = (name: string, labels: Record<string, string>) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: 'monitoring', labels },
      data: { 'a.rules.yml': text, 'b.rules.yml': text },
    });
    const error = 'group "rec" record "ok": PromQL syntax error at column 11 (rate(x[5m]⟨here⟩)';
    expect(problems(cm('rules-one', { 'platform.io/monitoring-config': 'rules' }), cm('rules-two', {}))).toEqual([
      `production/monitoring/ConfigMap/rules-one: data.a.rules.yml.groups[0].rules[0].expr: ${error}`,
      `production/monitoring/ConfigMap/rules-one: data.b.rules.yml.groups[0].rules[0].expr: ${error}`,
      `production/monitoring/ConfigMap/rules-two: data.a.rules.yml.groups[0].rules[0].expr: ${error}`,
      `production/monitoring/ConfigMap/rules-two: data.b.rules.yml.groups[0].rules[0].expr: ${error}`,
    ]);
  });

  it('GIVEN a Grafana dashboard with a broken query and one using Grafana variables WHEN checked THEN only the broken one is reported', () => {
    const dashboard = {
      title: 'API',
      panels: [
        { title: 'Rate', targets: [{ expr: 'sum(rate(http_requests_total{namespace="$namespace"}[$__rate_interval]))' }] },
        { type: 'row', title: 'More', panels: [{ title: 'Broken', targets: [{ expr: 'sum by (le (x)' }] }] },
        { title: 'Logs', datasource: { type: 'loki' }, targets: [{ expr: '{app="api"} |= "error"' }] },
      ],
    };
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'grafana-dashboards', namespace: 'monitoring' },
      data: { 'api.json': JSON.stringify(dashboard) },
    };
    expect(problems(cm)).toEqual([
      'production/monitoring/ConfigMap/grafana-dashboards: data.api.json.panels[1].panels[0].targets[0].expr: panel "Broken": PromQL syntax error at column 12 (sum by (le ⟨here⟩(x))',
    ]);
  });

  it('GIVEN an AnalysisTemplate WHEN its query uses {{args}} THEN it parses, and a broken one is reported by metric', () => {
    const at = (query: string) => ({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name: 'api-analysis', namespace: 'backend' },
      spec: { metrics: [{ name: 'error-rate', provider: { prometheus: { address: 'http://prometheus:9090', query } } }] },
    });
    expect(problems(at('sum(rate(http_requests_total{service="{{args.service}}"}[5m]))'))).toEqual([]);
    expect(problems(at('sum(rate(http_requests_total[5m])) /'))).toEqual([
      'production/backend/AnalysisTemplate/api-analysis: spec.metrics[0].provider.prometheus.query: metric "error-rate": PromQL syntax error at column 37 (…quests_total[5m])) /⟨here⟩)',
    ]);
  });

  it('GIVEN a broken alert in development WHEN synthesized with the expression plugin THEN synth fails there too and writes nothing', () => {
    const app = new App();
    const chart = new EnvironmentChart(app, { profile: development });
    new ApiObject(chart, 'rule', rule({ expr: 'up ==' }) as any);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'expr-'));
    try {
      expect(() => synthesize(app, { outdir: path.join(tmp, 'dist'), plugins: [expressionCheckPlugin()] })).toThrow(SynthError);
      expect(() => synthesize(app, { outdir: path.join(tmp, 'dist'), plugins: [expressionCheckPlugin()] })).toThrow(
        'development/backend/PrometheusRule/api: spec.groups[0].rules[0].expr: group "api.rules" alert "ApiDown": PromQL syntax error at column 6 (up ==⟨here⟩)',
      );
      expect(fs.existsSync(path.join(tmp, 'dist'))).toBe(false);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('the helpers constructs can call at input', () => {
  it('GIVEN PromQL WHEN checked with parsePromQL THEN a problem names the field, the value and the position', () => {
    expect(parsePromQL('rate(x[5m])', 'alerts[0].expr')).toBeUndefined();
    const p = parsePromQL('rate(x[5m]', 'alerts[0].expr')!;
    expect(new PlatformConfigError('production/api', p.field, p.value, p.allowed).message).toBe(
      'production/api: alerts[0].expr: got "rate(x[5m]"; must be valid PromQL: syntax error at column 11 (rate(x[5m]⟨here⟩)',
    );
    expect(parsePromQL('  ', 'expr')?.allowed).toBe('must be valid PromQL: is empty');
  });

  it('GIVEN templates WHEN checked THEN balanced actions and braces in quoted strings pass, strays fail', () => {
    expect(templateProblem('{{ $labels.pod }} on {{ $labels.node }}')).toBeUndefined();
    expect(templateProblem('{{ printf "%s}}" $value }}')).toBeUndefined();
    expect(templateProblem('value }} here')).toBe('"}}" at column 7 closes no "{{" action (value ⟨here⟩}} here)');
    expect(templateProblem('{{ a {{ b }}')).toBe('the action opened at column 1 is not closed before the next "{{" at column 6 ({{ a ⟨here⟩{{ b }})');
    expect(promqlSyntaxError('histogram_quantile(0.95, sum by (le) (rate(x_bucket[5m]))) > 0.5')).toBeUndefined();
  });
});
