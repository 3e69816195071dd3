/**
 * The ClusterRoles a tenant's groups are bound to in their namespace. Kubernetes' built-in `admin` and `edit`
 * let a tenant delete its own NetworkPolicies (and `admin` its quota's RoleBindings): RBAC has no deny, so these
 * roles list explicitly what `edit`/`admin` grant (Kubernetes 1.27 bootstrap policy) minus the guard rails:
 * NetworkPolicies, ResourceQuotas and LimitRanges are read-only, Roles and RoleBindings read-only (admin), and
 * nothing may impersonate, escalate or bind.
 * @see https://kubernetes.io/docs/reference/access-authn-authz/rbac/#user-facing-roles
 */
import { Construct, IConstruct } from 'constructs';
import { KubeClusterRole, PolicyRule } from '../../imports/k8s';
import { EnvironmentChart } from '../core/environment-chart';
import { LABEL_PART_OF } from '../core/labels';

/** ClusterRole bound to a tenant's `owners.admin` groups. */
export const TENANT_ADMIN_ROLE = 'platform-tenant-admin';
/** ClusterRole bound to a tenant's `owners.edit` groups. */
export const TENANT_EDIT_ROLE = 'platform-tenant-edit';
/** Built-in read-only ClusterRole bound to `owners.view` (it cannot write anything). */
export const TENANT_VIEW_ROLE = 'view';

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/**
 * What `edit` grants, without guard-rail writes. Left out on purpose: writes to NetworkPolicies (guard rails),
 * `serviceaccounts` impersonation, and the `extensions` group (not served since Kubernetes 1.16).
 */
export const TENANT_EDIT_RULES: readonly PolicyRule[] = [
  { apiGroups: [''], resources: ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy'], verbs: WRITE },
  { apiGroups: [''], resources: ['pods/eviction', 'serviceaccounts/token'], verbs: ['create'] },
  {
    apiGroups: [''],
    resources: [
      'configmaps',
      'events',
      'persistentvolumeclaims',
      'replicationcontrollers',
      'replicationcontrollers/scale',
      'secrets',
      'serviceaccounts',
      'services',
      'services/proxy',
    ],
    verbs: WRITE,
  },
  {
    apiGroups: [''],
    resources: [
      'bindings',
      'endpoints',
      'limitranges',
      'namespaces',
      'namespaces/status',
      'persistentvolumeclaims/status',
      'pods/log',
      'pods/status',
      'replicationcontrollers/status',
      'resourcequotas',
      'resourcequotas/status',
      'services/status',
    ],
    verbs: READ,
  },
  {
    apiGroups: ['apps'],
    resources: [
      'daemonsets',
      'deployments',
      'deployments/rollback',
      'deployments/scale',
      'replicasets',
      'replicasets/scale',
      'statefulsets',
      'statefulsets/scale',
    ],
    verbs: WRITE,
  },
  {
    apiGroups: ['apps'],
    resources: ['controllerrevisions', 'daemonsets/status', 'deployments/status', 'replicasets/status', 'statefulsets/status'],
    verbs: READ,
  },
  { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: WRITE },
  { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers/status'], verbs: READ },
  { apiGroups: ['batch'], resources: ['cronjobs', 'jobs'], verbs: WRITE },
  { apiGroups: ['batch'], resources: ['cronjobs/status', 'jobs/status'], verbs: READ },
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: WRITE },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: READ },
  { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: WRITE },
  { apiGroups: ['networking.k8s.io'], resources: ['ingresses/status', 'networkpolicies'], verbs: READ },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: WRITE },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets/status'], verbs: READ },
  // The platform's own kinds, which the built-in roles grant only where their operators aggregate them.
  { apiGroups: ['argoproj.io'], resources: ['analysisruns', 'analysistemplates', 'experiments', 'rollouts', 'rollouts/scale'], verbs: WRITE },
  { apiGroups: ['external-secrets.io'], resources: ['externalsecrets'], verbs: WRITE },
  // Routes binding the tenant's listeners on the environment's Gateway (which admit only the tenant's namespace);
  // never Gateways or ReferenceGrants.
  { apiGroups: ['gateway.networking.k8s.io'], resources: ['grpcroutes', 'httproutes'], verbs: WRITE },
  { apiGroups: ['gateway.networking.k8s.io'], resources: ['grpcroutes/status', 'httproutes/status'], verbs: READ },
];

/** Added to both roles where the environment runs prometheus-operator. */
export const TENANT_OPERATOR_MONITORING_RULE: PolicyRule = {
  apiGroups: ['monitoring.coreos.com'],
  resources: ['podmonitors', 'prometheusrules', 'servicemonitors'],
  verbs: WRITE,
};

/** What `admin` adds to `edit`, without RBAC writes: it may read its namespace's roles and check access. */
export const TENANT_ADMIN_EXTRA_RULES: readonly PolicyRule[] = [
  { apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings', 'roles'], verbs: READ },
  { apiGroups: ['authorization.k8s.io'], resources: ['localsubjectaccessreviews'], verbs: ['create'] },
];

const ID = 'tenant-cluster-roles';

/**
 * The two ClusterRoles, once per environment chart (the first tenant creates them). Bound with RoleBindings in
 * each tenant namespace, so they grant nothing outside it.
 */
export class TenantClusterRoles extends Construct {
  /** The environment's instance, created on first use. */
  public static of(scope: IConstruct): TenantClusterRoles {
    const chart = EnvironmentChart.of(scope);
    return (chart.node.tryFindChild(ID) as TenantClusterRoles | undefined) ?? new TenantClusterRoles(chart);
  }

  private constructor(chart: EnvironmentChart) {
    super(chart, ID);
    const operator = chart.profile.monitoring.mode.usesOperator ? [TENANT_OPERATOR_MONITORING_RULE] : [];
    const labels = { [LABEL_PART_OF]: 'platform-tenancy' };
    const rules = (list: readonly PolicyRule[]) =>
      list.map((r) => ({ ...r, apiGroups: [...(r.apiGroups ?? [])], resources: [...(r.resources ?? [])], verbs: [...r.verbs] }));
    new KubeClusterRole(this, 'edit', { metadata: { name: TENANT_EDIT_ROLE, labels }, rules: rules([...TENANT_EDIT_RULES, ...operator]) });
    new KubeClusterRole(this, 'admin', {
      metadata: { name: TENANT_ADMIN_ROLE, labels },
      rules: rules([...TENANT_EDIT_RULES, ...operator, ...TENANT_ADMIN_EXTRA_RULES]),
    });
  }
}
