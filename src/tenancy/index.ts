// The public API of tenancy: tenant and platform namespaces, plans, the tenants file and the isolation checks.
// Guard-rail builders and input validators stay internal.
export { ANNOTATION_DISPLAY_NAME, ANNOTATION_OWNERS, DEFAULT_METRICS_PORTS, TENANT_DELIVERY_GROUP, TenantNamespace } from './tenant-namespace';
export { CI_DEPLOYER_NAME, CI_DEPLOYER_RULES, DEFAULT_ARGOCD_NAMESPACE, TENANT_CLUSTER_ROLES, TENANT_RESOURCE_BLACKLIST } from './tenant-access';
export type { SharedService, SharedServicePort, TenantDefinition, TenantNamespaceProps, TenantOwners } from './tenant-namespace';
export { DEFAULT_PLATFORM_COST_CENTER, LABEL_CONCERN, PlatformNamespace } from './platform-namespace';
export type { PlatformNamespaceProps, PssExemption } from './platform-namespace';
export { defaultPlans, ENTERPRISE_PLAN, FREE_PLAN, Plan, PLATFORM_PLAN, QUOTA_KEYS, STANDARD_PLAN } from './plan';
export type { ClaimLimits, ContainerLimits, PlanSpec, QuotaOverrides, QuotaSpec, ResourcePair, StorageClassQuota } from './plan';
export {
  DEFAULT_DENY_POLICY,
  DNS_POLICY,
  LABEL_ENVIRONMENT,
  LABEL_NAMESPACE_NAME,
  LABEL_PLAN,
  LIMIT_RANGE_NAME,
  PSA_VERSION,
  PSS_EXEMPTION_ANNOTATION,
  QUOTA_NAME,
} from './guardrails';
export type { PodSecurityLevel } from './guardrails';
export { MAX_TENANT_ID_LENGTH, TENANT_NAMESPACE_PREFIX } from './validation';
export { loadTenants, loadTenantsFile } from './tenants-file';
export type { LoadTenantsOptions } from './tenants-file';
export { checkNamespaceGuardrails, checkTenantIsolation, tenancyChecksPlugin } from './isolation';
export type { IsolationOptions } from './isolation';
export { TENANT_ADMIN_EXTRA_RULES, TENANT_ADMIN_ROLE, TENANT_EDIT_ROLE, TENANT_EDIT_RULES, TENANT_VIEW_ROLE, TenantClusterRoles } from './tenant-roles';
