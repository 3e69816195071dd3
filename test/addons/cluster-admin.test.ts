import { App } from 'cdk8s';
import { afterEach, describe, expect, it } from 'vitest';
import { AddOn, addGitOpsDelivery, DeliveryTool, EnvironmentChart, EnvironmentProfile, synthesizeToJson } from '../../src';
import { VELERO_CLUSTER_ADMIN_REASON, veleroDefinition } from '../../src/addons/catalog/velero';
import { clusterAdminBindingOf } from '../../src/addons/cluster-admin';
import { clusterAdminBindingsOfOutput } from '../../src/addons/cluster-add-ons';
import { evaluatePolicies } from '../../src/policy';
import { ACCESS_CHECKS } from '../../src/policy/access-checks';
import { policyPlugin } from '../../src/policy/policy-plugin';
import { renderPolicyReport } from '../../src/policy/policy-report';
import { development, production } from '../helpers';
import { envOf, goodEnvironment } from '../policy/fixtures';
import { cleanup, deliverEnvironment, SOURCE } from './helpers';

afterEach(cleanup);

const VELERO_LINE = `- velero (ServiceAccount velero/velero-server; \`values.rbac.clusterAdministratorName\`): ${VELERO_CLUSTER_ADMIN_REASON}`;

/** production's add-ons with Velero replaced. */
function withVelero(velero: AddOn): EnvironmentProfile {
  return { ...production, addOns: (production.addOns ?? []).map((a) => (a.name === 'velero' ? velero : a)) };
}

/** The synth problems of `profile` delivered (the add-ons are built with the delivery). */
function problems(profile: EnvironmentProfile): string[] {
  const app = new App();
  const chart = new EnvironmentChart(app, { profile });
  addGitOpsDelivery(app, { environment: chart, source: SOURCE, tools: [DeliveryTool.argoCd()] });
  return synthesizeToJson(app).problems;
}

describe("Velero's cluster-admin binding: kept, declared and shown", () => {
  it('GIVEN production with Velero WHEN delivered THEN the chart values state the binding and the environment lists it with the reason', () => {
    const { envs, find } = deliverEnvironment(production);
    const app = find('argocd/production/apps', 'Application', 'production-addon-velero');
    expect(app.spec.source.helm.valuesObject.rbac).toEqual({ create: true, clusterAdministrator: true, clusterAdministratorName: 'cluster-admin' });
    const env = envs.find((e) => e.directory === 'production')!;
    expect(clusterAdminBindingsOfOutput(env)).toEqual([
      {
        addOn: 'velero',
        paths: [{ path: 'rbac.clusterAdministratorName', chartDefault: false }],
        declared: { subject: 'ServiceAccount velero/velero-server', reason: VELERO_CLUSTER_ADMIN_REASON },
      },
    ]);
    // The delivery charts share the environment's add-ons and do not list them again.
    expect(clusterAdminBindingsOfOutput(envs.find((e) => e.directory === 'argocd/production/apps')!)).toEqual([]);
    const report = renderPolicyReport(evaluatePolicies(env));
    expect(report).toContain(`| velero | ServiceAccount velero/velero-server | \`values.rbac.clusterAdministratorName\` | ${VELERO_CLUSTER_ADMIN_REASON} |`);
    expect(renderPolicyReport(evaluatePolicies(envs.find((e) => e.directory === 'argocd/production/apps')!))).not.toContain(
      'cluster-admin bindings of add-ons',
    );
  });

  it('GIVEN development (no Velero) THEN its report says no add-on binds cluster-admin', () => {
    const { envs } = deliverEnvironment(development);
    const report = renderPolicyReport(evaluatePolicies(envs.find((e) => e.directory === 'development')!));
    expect(report).toContain("## Declared cluster-admin bindings of add-ons\n\nNone: no add-on's chart binds the built-in ClusterRole `cluster-admin`.");
  });

  it("GIVEN the committed dist/ THEN production's README lists the binding with the reason", async () => {
    const fs = await import('fs');
    const path = await import('path');
    const readme = fs.readFileSync(path.join(__dirname, '../../dist/production/README.md'), 'utf8');
    expect(readme).toContain(VELERO_LINE);
  });

  it('GIVEN Velero values that bind a narrower ClusterRole THEN nothing binds cluster-admin and nothing is listed', () => {
    const velero = AddOn.velero({ values: { rbac: { clusterAdministratorName: 'velero-backup-restore' } } });
    expect(
      clusterAdminBindingOf(velero, { rbac: { create: true, clusterAdministrator: true, clusterAdministratorName: 'velero-backup-restore' } }),
    ).toBeUndefined();
  });
});

describe('an add-on whose values bind cluster-admin without a declared reason fails synth', () => {
  const undeclared = veleroDefinition({}, 'velero');

  it("GIVEN Velero's definition without its declaration THEN synth names the add-on, the value path and the fix", () => {
    const velero = AddOn.fromDefinition({ ...undeclared, clusterAdmin: undefined });
    expect(problems(withVelero(velero)).filter((p) => p.includes('cluster-admin'))).toEqual([
      "production/add-ons/velero: add-on velero: values.rbac.clusterAdministratorName: binds the built-in ClusterRole cluster-admin and the add-on declares no reason; set it to a ClusterRole that grants what the add-on needs, or declare the subject and why it needs cluster-admin (AddOnDefinition.clusterAdmin: listed in the environment's README.md and POLICY.md)",
    ]);
  });

  it("GIVEN values that leave the chart's default (rbac unset) THEN the default is named as such", () => {
    const velero = AddOn.fromDefinition({
      ...undeclared,
      clusterAdmin: undefined,
      values: (ctx) => {
        const { rbac: _rbac, ...rest } = undeclared.values(ctx);
        return rest;
      },
    });
    expect(problems(withVelero(velero)).filter((p) => p.includes('cluster-admin'))).toEqual([
      "production/add-ons/velero: add-on velero: values.rbac.clusterAdministratorName: binds the built-in ClusterRole cluster-admin (the chart's default) and the add-on declares no reason; set it to a ClusterRole that grants what the add-on needs, or declare the subject and why it needs cluster-admin (AddOnDefinition.clusterAdmin: listed in the environment's README.md and POLICY.md)",
    ]);
  });

  it('GIVEN a declaration with an empty reason THEN it does not count', () => {
    const velero = AddOn.fromDefinition({ ...undeclared, clusterAdmin: { subject: 'ServiceAccount velero/velero-server', reason: ' ' } });
    expect(problems(withVelero(velero)).filter((p) => p.includes('cluster-admin'))).toHaveLength(1);
  });

  it("GIVEN another add-on's extra values naming cluster-admin anywhere THEN it is refused too", () => {
    const keda = AddOn.keda({ values: { rbac: { aggregateToDefaultRoles: 'cluster-admin' } } });
    const b = clusterAdminBindingOf(keda, { rbac: { aggregateToDefaultRoles: 'cluster-admin' } });
    expect(b).toEqual({ addOn: 'keda', paths: [{ path: 'rbac.aggregateToDefaultRoles', chartDefault: false }] });
  });
});

describe('rbac-no-cluster-admin: nothing in dist/ binds cluster-admin, in any environment', () => {
  const violations = (objs: Record<string, any>[], profile = production) =>
    evaluatePolicies(envOf(objs, profile), ACCESS_CHECKS)
      .violations.filter((v) => v.checkId === 'rbac-no-cluster-admin')
      .map((v) => v.text);

  it('GIVEN a ClusterRoleBinding and a RoleBinding of cluster-admin THEN each is reported with its subjects', () => {
    const o = goodEnvironment();
    o.push(
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'ops' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ kind: 'ServiceAccount', name: 'ops', namespace: 'shop' }],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'shop-admin', namespace: 'shop' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'shop-admins' }],
      },
    );
    expect(violations(o)).toEqual([
      'production/_cluster/ClusterRoleBinding/ops: roleRef.name: binds cluster-admin to ServiceAccount "ops"; bind a role that grants only the verbs and resources needed (only an add-on\'s chart may keep cluster-admin, declared with the reason in AddOnDefinition.clusterAdmin) [rbac-no-cluster-admin]',
      'production/shop/RoleBinding/shop-admin: roleRef.name: binds cluster-admin to Group "shop-admins"; bind a role that grants only the verbs and resources needed (only an add-on\'s chart may keep cluster-admin, declared with the reason in AddOnDefinition.clusterAdmin) [rbac-no-cluster-admin]',
    ]);
  });

  it('GIVEN a cluster-admin binding in development (policies only reported there) THEN it still fails synth', () => {
    expect(development.enforcePolicies).toBe(false);
    const o = goodEnvironment();
    o.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'ops' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'ops', namespace: 'shop' }],
    });
    const result = policyPlugin({ checks: ACCESS_CHECKS }).check!(envOf(o, development), undefined as never);
    expect(result.errors).toEqual([
      'policy: development/_cluster/ClusterRoleBinding/ops: roleRef.name: binds cluster-admin to ServiceAccount "ops"; bind a role that grants only the verbs and resources needed (only an add-on\'s chart may keep cluster-admin, declared with the reason in AddOnDefinition.clusterAdmin) [rbac-no-cluster-admin]',
    ]);
  });

  it('GIVEN a Role named cluster-admin in a namespace (not the built-in ClusterRole) THEN a RoleBinding of it is judged by its rules', () => {
    const o = goodEnvironment();
    o.push(
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'cluster-admin', namespace: 'shop' },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'cm-reader', namespace: 'shop' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'cluster-admin' },
        subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: 'shop' }],
      },
    );
    expect(violations(o)).toEqual([]);
  });
});
