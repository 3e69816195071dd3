/** Who may do what in a TenantNamespace: owner RoleBindings, the CI deployer, and the Argo CD AppProject. */
import { Construct } from 'constructs';
import { KubeRole, KubeRoleBinding, KubeServiceAccount, PolicyRule } from '../../imports/k8s';
import { EnvironmentProfile } from '../core/environment-profile';
import { requestArgoCdProject } from '../gitops/argo-cd-projects';
import { LazyInputOrigin } from '../synth/provenance';
import type { TenantOwners } from './tenant-namespace';
import { TENANT_ADMIN_ROLE, TENANT_EDIT_ROLE, TENANT_VIEW_ROLE, TenantClusterRoles } from './tenant-roles';

/** Namespace Argo CD runs in (AppProjects live there). */
export const DEFAULT_ARGOCD_NAMESPACE = 'argocd';
/** ServiceAccount, Role and RoleBinding of a tenant's CI. */
export const CI_DEPLOYER_NAME = 'ci-deployer';
/** The owner roles of tenants.yaml and the ClusterRole each is bound to (never `cluster-admin`, never built-in admin/edit). */
export const TENANT_CLUSTER_ROLES = ['admin', 'edit', 'view'] as const;
const ROLE_OF: Record<(typeof TENANT_CLUSTER_ROLES)[number], string> = { admin: TENANT_ADMIN_ROLE, edit: TENANT_EDIT_ROLE, view: TENANT_VIEW_ROLE };
/**
 * RoleBinding names. The admin and edit bindings were `tenant-admin`/`tenant-edit` to the built-in roles; roleRef
 * is immutable, so bindings to the platform's roles need new names (the old ones are pruned).
 */
const BINDING_OF: Record<(typeof TENANT_CLUSTER_ROLES)[number], string> = { admin: TENANT_ADMIN_ROLE, edit: TENANT_EDIT_ROLE, view: 'tenant-view' };
/**
 * Kinds a tenant must never manage through Argo CD (which applies with its own, wider rights): its guard rails,
 * RBAC (a RoleBinding applied by Argo CD could grant the tenant what its roles deny), and Argo CD's own kinds
 * (a project or application created from a tenant repository could deploy anywhere).
 */
export const TENANT_RESOURCE_BLACKLIST: ReadonlyArray<{ readonly group: string; readonly kind: string }> = [
  { group: '', kind: 'ResourceQuota' },
  { group: '', kind: 'LimitRange' },
  { group: 'networking.k8s.io', kind: 'NetworkPolicy' },
  { group: 'rbac.authorization.k8s.io', kind: 'Role' },
  { group: 'rbac.authorization.k8s.io', kind: 'RoleBinding' },
  { group: 'argoproj.io', kind: 'AppProject' },
  { group: 'argoproj.io', kind: 'Application' },
  { group: 'argoproj.io', kind: 'ApplicationSet' },
];

const WRITE = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
const READ = ['get', 'list', 'watch'];

/**
 * What a tenant's CI may do in its namespace: deploy workloads and read their status. Explicit resources and
 * verbs (no wildcards); no Secrets (secrets come from ExternalSecrets), no RBAC, no guard rails.
 */
export const CI_DEPLOYER_RULES: readonly PolicyRule[] = [
  { apiGroups: [''], resources: ['configmaps', 'services', 'serviceaccounts', 'persistentvolumeclaims'], verbs: WRITE },
  { apiGroups: [''], resources: ['pods', 'pods/log', 'events', 'endpoints'], verbs: READ },
  { apiGroups: ['apps'], resources: ['deployments', 'statefulsets'], verbs: WRITE },
  { apiGroups: ['apps'], resources: ['replicasets'], verbs: READ },
  { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: WRITE },
  { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: WRITE },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: WRITE },
  { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: WRITE },
  { apiGroups: ['external-secrets.io'], resources: ['externalsecrets'], verbs: WRITE },
  { apiGroups: ['argoproj.io'], resources: ['rollouts'], verbs: WRITE },
];
/** Added when the environment runs prometheus-operator. */
const OPERATOR_MONITORING_RULE: PolicyRule = {
  apiGroups: ['monitoring.coreos.com'],
  resources: ['servicemonitors', 'podmonitors', 'prometheusrules'],
  verbs: WRITE,
};

/** A RoleBinding per owner role that has groups, to the platform's tenant roles (and the built-in `view`). */
export function addOwnerBindings(scope: Construct, ns: string, labels: Record<string, string>, owners: TenantOwners): void {
  for (const role of TENANT_CLUSTER_ROLES) {
    const groups = owners[role] ?? [];
    if (groups.length === 0) continue;
    if (role !== 'view') TenantClusterRoles.of(scope);
    new KubeRoleBinding(scope, `tenant-${role}`, {
      metadata: { name: BINDING_OF[role], namespace: ns, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: ROLE_OF[role] },
      subjects: groups.map((g) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: g })),
    });
  }
}

/** The CI's ServiceAccount, Role and RoleBinding. CI requests short-lived tokens; none is mounted or stored. */
export function addCiDeployer(scope: Construct, ns: string, labels: Record<string, string>, profile: EnvironmentProfile): void {
  new KubeServiceAccount(scope, CI_DEPLOYER_NAME, {
    metadata: { name: CI_DEPLOYER_NAME, namespace: ns, labels },
    automountServiceAccountToken: false,
  });
  new KubeRole(scope, `${CI_DEPLOYER_NAME}-role`, {
    metadata: { name: CI_DEPLOYER_NAME, namespace: ns, labels },
    rules: profile.monitoring.mode.usesOperator ? [...CI_DEPLOYER_RULES, OPERATOR_MONITORING_RULE] : [...CI_DEPLOYER_RULES],
  });
  new KubeRoleBinding(scope, `${CI_DEPLOYER_NAME}-binding`, {
    metadata: { name: CI_DEPLOYER_NAME, namespace: ns, labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: CI_DEPLOYER_NAME },
    subjects: [{ kind: 'ServiceAccount', name: CI_DEPLOYER_NAME, namespace: ns }],
  });
}

/**
 * The tenant's AppProject: its repositories, its namespace only, no cluster-scoped kinds, not its guard rails.
 * Emitted by the Argo CD delivery into the bootstrap folder (see requestArgoCdProject), never into the environment
 * folder: the environment project must not be able to create projects.
 */
export function addAppProject(
  scope: Construct,
  o: {
    readonly name: string;
    readonly argocdNamespace: string;
    readonly labels: Record<string, string>;
    readonly description: string;
    readonly sourceRepos: readonly string[];
    readonly server: string;
    readonly namespace: string;
    /** Input-file origins of fields, for messages (`spec.description` -> `tenants.yaml:3:5: tenants[0].displayName`). */
    readonly origins: Readonly<Record<string, LazyInputOrigin>>;
  },
): void {
  requestArgoCdProject(scope, {
    name: o.name,
    namespace: o.argocdNamespace,
    labels: o.labels,
    origins: o.origins,
    spec: {
      description: o.description,
      sourceRepos: [...o.sourceRepos],
      destinations: [{ server: o.server, namespace: o.namespace }],
      // Empty: no cluster-scoped resource at all (namespaces, CRDs, ClusterRoles stay with the platform).
      clusterResourceWhitelist: [],
      namespaceResourceBlacklist: TENANT_RESOURCE_BLACKLIST.map((r) => ({ ...r })),
    },
  });
}
