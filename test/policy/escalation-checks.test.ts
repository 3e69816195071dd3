import { describe, expect, it } from 'vitest';
import { evaluatePolicies } from '../../src/policy';
import { ESCALATION_CHECKS } from '../../src/policy/escalation-checks';
import { TENANT_ADMIN_EXTRA_RULES, TENANT_EDIT_RULES } from '../../src';
import { production } from '../helpers';
import { envOf, goodEnvironment, pick } from './fixtures';

type Objs = Record<string, any>[];

function violations(objs: Objs): string[] {
  return evaluatePolicies(envOf(objs, production), ESCALATION_CHECKS).violations.map((v) => v.text);
}

const project = (name: string, spec: Record<string, any>) => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'AppProject',
  metadata: { name, namespace: 'argocd' },
  spec: { sourceRepos: ['https://github.com/acme/gitops.git'], ...spec },
});

describe('tenant-guardrails-read-only', () => {
  const tenantShop = (o: Objs) => {
    pick(o, 'Namespace', 'shop').metadata.labels['platform.io/tenant'] = 'shop';
  };

  it('GIVEN a tenant bound to the platform roles (as in dist/) WHEN checked THEN nothing is reported', () => {
    const o = goodEnvironment();
    tenantShop(o);
    o.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'platform-tenant-admin' },
      rules: [...TENANT_EDIT_RULES, ...TENANT_ADMIN_EXTRA_RULES],
    });
    pick(o, 'RoleBinding', 'operator').roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'platform-tenant-admin' };
    expect(violations(o)).toEqual([]);
  });

  it('GIVEN the platform roles WHEN read THEN no rule writes a guard rail or escalates', () => {
    const text = JSON.stringify([...TENANT_EDIT_RULES, ...TENANT_ADMIN_EXTRA_RULES]);
    expect(text).not.toContain('"*"');
    for (const r of [...TENANT_EDIT_RULES, ...TENANT_ADMIN_EXTRA_RULES]) {
      const writes = r.verbs.some((v) => ['create', 'update', 'patch', 'delete', 'deletecollection'].includes(v));
      if (writes) expect(r.resources).not.toEqual(expect.arrayContaining(['networkpolicies']));
      if (writes) for (const res of ['networkpolicies', 'resourcequotas', 'limitranges', 'roles', 'rolebindings']) expect(r.resources).not.toContain(res);
      expect(r.verbs).not.toEqual(expect.arrayContaining(['impersonate']));
    }
  });

  it('GIVEN a tenant group bound to built-in admin WHEN checked THEN the binding is reported with what it may change', () => {
    const o = goodEnvironment();
    tenantShop(o);
    o.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'tenant-admin', namespace: 'shop' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'shop-admins' }],
    });
    expect(violations(o)).toEqual([
      'production/shop/RoleBinding/tenant-admin: roleRef.name: Group "shop-admins" may change networkpolicies (create, delete, deletecollection, patch, update), rolebindings (create, delete, deletecollection, patch, update), roles (create, delete, deletecollection, patch, update), serviceaccounts (impersonate) in shop through ClusterRole "admin"; tenants must not change their NetworkPolicies, quotas, limit ranges or RBAC: bind platform-tenant-admin, platform-tenant-edit or view (src/tenancy/tenant-roles.ts) [tenant-guardrails-read-only]',
    ]);
  });

  it('GIVEN a tenant group also bound cluster-wide WHEN checked THEN the ClusterRoleBinding is reported', () => {
    const o = goodEnvironment();
    tenantShop(o);
    o.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'np-writer' },
      rules: [{ apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['delete'] }],
    });
    o.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'np-writer' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'np-writer' },
      subjects: [{ kind: 'ServiceAccount', name: 'operator', namespace: 'shop' }],
    });
    expect(violations(o)).toEqual([
      'production/_cluster/ClusterRoleBinding/np-writer: roleRef.name: ServiceAccount "operator" may change networkpolicies (delete) in every namespace, tenants\' included through ClusterRole "np-writer"; tenants must not change their NetworkPolicies, quotas, limit ranges or RBAC: bind platform-tenant-admin, platform-tenant-edit or view (src/tenancy/tenant-roles.ts) [tenant-guardrails-read-only]',
    ]);
  });

  it('GIVEN a tenant bound to a ClusterRole that is not in the environment WHEN checked THEN it cannot be verified and is reported', () => {
    const o = goodEnvironment();
    tenantShop(o);
    pick(o, 'RoleBinding', 'operator').roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'somebody-elses' };
    expect(violations(o)).toEqual([
      'production/shop/RoleBinding/operator: roleRef.name: binds ClusterRole "somebody-elses", which is neither in the environment nor a known built-in role, so it cannot be shown that ServiceAccount "operator" cannot change the guard rails of shop; bind platform-tenant-admin, platform-tenant-edit or view [tenant-guardrails-read-only]',
    ]);
  });

  it("GIVEN a namespace that is not a tenant's WHEN bound to edit THEN the check does not apply", () => {
    const o = goodEnvironment();
    pick(o, 'RoleBinding', 'operator').roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' };
    expect(violations(o)).toEqual([]);
  });
});

describe('argocd-project-no-escalation', () => {
  it("GIVEN a bootstrap project limited to Argo CD's namespace WHEN it whitelists AppProject THEN it is allowed", () => {
    const o = goodEnvironment();
    o.push(
      project('production-root', {
        destinations: [{ server: 'https://kubernetes.default.svc', namespace: 'argocd' }],
        clusterResourceWhitelist: [],
        namespaceResourceWhitelist: [
          { group: 'argoproj.io', kind: 'AppProject' },
          { group: 'argoproj.io', kind: 'Application' },
        ],
      }),
    );
    expect(violations(o)).toEqual([]);
  });

  it('GIVEN a project that whitelists every kind WHEN checked THEN both wildcards are reported', () => {
    const o = goodEnvironment();
    o.push(
      project('open', {
        destinations: [{ server: 'https://kubernetes.default.svc', namespace: '*' }],
        clusterResourceWhitelist: [{ group: '*', kind: '*' }],
        namespaceResourceWhitelist: [{ group: '*', kind: '*' }],
      }),
    );
    expect(violations(o)).toEqual([
      'production/argocd/AppProject/open: spec.clusterResourceWhitelist[0]: whitelists every cluster-scoped kind ({"group":"*","kind":"*"}), ClusterRoleBindings and CRDs included; list the kinds the environment emits [argocd-project-no-escalation]',
      'production/argocd/AppProject/open: spec.namespaceResourceWhitelist[0]: allows AppProject, Application, ApplicationSet ({"group":"*","kind":"*"}); a commit under a path this project deploys could then create a project or application without restrictions; only the bootstrap project (destinations limited to Argo CD\'s namespace) may [argocd-project-no-escalation]',
    ]);
  });

  it('GIVEN a glob over Argo CD kinds WHEN blacklisted too THEN it is allowed', () => {
    const o = goodEnvironment();
    o.push(
      project('globbed', {
        destinations: [{ server: 'https://kubernetes.default.svc', namespace: 'shop' }],
        namespaceResourceWhitelist: [{ group: 'argoproj.io', kind: '*' }],
        namespaceResourceBlacklist: [{ group: 'argoproj.io', kind: 'App*' }],
      }),
    );
    expect(violations(o)).toEqual([]);
  });
});
