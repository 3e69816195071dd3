import { App } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { AddOn, ClusterAddOns, EnvironmentChart, EnvironmentProfile, MonitoringMode, synthesizeToJson } from '../../src';
import { catalogAddOns } from '../../src/addons/kinds';
import { checkChartValues, mergeValues, unsupportedSchemaKeywords } from '../../src/addons/values-check';
import { ChartCatalog } from '../../src/synth/chart-data';
import { development, production } from '../helpers';

/** The problems synth reports for the add-ons of `profile` (construct validations of ClusterAddOns). */
function addOnProblems(profile: EnvironmentProfile): string[] {
  const app = new App();
  const chart = new EnvironmentChart(app, { profile });
  ClusterAddOns.of(chart);
  return synthesizeToJson(app).problems;
}

describe('add-on values are checked like manifests', () => {
  it('GIVEN a typo in a value key of a chart without a schema WHEN synthesized THEN synth fails naming the add-on, the key path and the nearest keys', () => {
    const profile = {
      ...production,
      addOns: [
        ...(production.addOns ?? []).filter((a) => a.name !== 'argo-rollouts'),
        AddOn.argoRollouts({ values: { controller: { replicas: 3, resourses: { limits: { memory: '1Gi' } } } } }),
      ],
    };
    expect(addOnProblems(profile)).toEqual([
      'production/add-ons/argo-rollouts: add-on argo-rollouts: values.controller.resourses: unknown key "resourses"; nearest known keys at "controller": resources, metrics, replicas (chart argo-rollouts 2.41.0)',
    ]);
  });

  it('GIVEN a typo at the top level and a wrong type in a chart with values.schema.json THEN both are reported against the schema and the defaults', () => {
    const profile = {
      ...production,
      addOns: [
        ...(production.addOns ?? []).filter((a) => a.name !== 'cert-manager'),
        AddOn.certManager({ values: { webhok: { replicaCount: 2 }, cainjector: { replicaCount: 'two' } } }),
      ],
    };
    expect(addOnProblems(profile)).toEqual([
      'production/add-ons/cert-manager: add-on cert-manager: values.cainjector.replicaCount: expected number, got string "two" (chart cert-manager v1.21.1)',
      'production/add-ons/cert-manager: add-on cert-manager: values.webhok: unknown key "webhok"; nearest known keys: webhook, creator, config (chart cert-manager v1.21.1)',
    ]);
  });

  it('GIVEN a version staged ahead of the chart data THEN values are still checked, against the vendored version, and the message says so', () => {
    const profile = {
      ...production,
      addOns: [...(production.addOns ?? []).filter((a) => a.name !== 'keda'), AddOn.keda({ version: '2.21.0', values: { operatr: {} } })],
    };
    expect(addOnProblems(profile)).toEqual([
      'production/add-ons/keda: add-on keda: values.operatr: unknown key "operatr"; nearest known keys: operator, crds, env (chart keda 2.20.2, installed as 2.21.0)',
    ]);
  });

  it.each([
    ['development', development],
    ['production', production],
    [
      'operator monitoring',
      { ...development, monitoring: { ...development.monitoring, mode: MonitoringMode.operator() }, addOns: [AddOn.kubePrometheusStack()] },
    ],
  ] as const)('GIVEN every add-on of the catalog in %s WHEN the platform sets its values THEN they pass the chart data', (_name, base) => {
    // kube-prometheus-stack only runs in operator mode; the rest runs everywhere.
    const operator = base.monitoring.mode.usesOperator;
    const addOns = catalogAddOns().filter((a) => (a.name === 'kube-prometheus-stack') === operator || a.name === 'cert-manager');
    // Velero's location is the backup destination: the development preset has none, so give one.
    expect(addOnProblems({ ...base, backups: { ...base.backups, destination: 's3://backups' }, addOns })).toEqual([]);
  });

  it('GIVEN the vendored values schemas THEN the checker evaluates every keyword they use', () => {
    const catalog = ChartCatalog.default();
    const withSchema = catalog.folders().filter((f) => catalog.get(f).valuesSchema !== undefined);
    expect(withSchema.map((f) => [f, unsupportedSchemaKeywords(catalog.get(f).valuesSchema!)])).toEqual(withSchema.map((f) => [f, []]));
  });
});

describe('checkChartValues', () => {
  const velero = ChartCatalog.default().get('velero');
  const eso = ChartCatalog.default().get('external-secrets');

  it('GIVEN keys the schema requires WHEN the chart defaults hold them THEN they are present (Helm validates the merged values)', () => {
    expect(checkChartValues(velero, { upgradeCRDs: false })).toEqual([]);
  });

  it("GIVEN velero's dependency of deployNodeAgent on nodeAgent THEN it is satisfied by the defaults, and a wrong type is reported", () => {
    expect(checkChartValues(velero, { deployNodeAgent: true })).toEqual([]);
    // The schema's type, and the closest branch of its oneOf on deployNodeAgent.
    expect(checkChartValues(velero, { deployNodeAgent: 'yes' })).toEqual([
      { path: 'deployNodeAgent', message: 'expected boolean, got string "yes"' },
      { path: 'deployNodeAgent', message: 'value "yes" must be false' },
    ]);
  });

  it('GIVEN a map the chart passes through whole THEN its keys are accepted only when declared open', () => {
    const values = { podSecurityContext: { enabled: true, runAsNonRoot: true } };
    expect(checkChartValues(eso, values).map((p) => p.path)).toEqual(['podSecurityContext.runAsNonRoot']);
    expect(checkChartValues(eso, values, ['podSecurityContext'])).toEqual([]);
  });

  it('GIVEN free-form maps of the defaults (nodeSelector: {}) THEN any key is accepted, and lists are not looked into', () => {
    expect(checkChartValues(velero, { nodeSelector: { 'kubernetes.io/os': 'linux' }, tolerations: [{ anything: true }] })).toEqual([]);
  });

  it('GIVEN extra values WHEN merged THEN objects merge key by key and lists replace', () => {
    expect(mergeValues({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, e: undefined })).toEqual({ a: { b: 1, c: [3] }, d: 1 });
  });
});
