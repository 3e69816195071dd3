/**
 * The guard rails every namespace of the platform gets, tenant or not: Pod Security Admission labels, a
 * ResourceQuota and LimitRange from a {@link Plan}, a default-deny NetworkPolicy and DNS egress.
 * TenantNamespace and PlatformNamespace both build on these, so the two can never drift apart.
 */
import { Construct } from 'constructs';
import { KubeLimitRange, KubeNetworkPolicy, KubeResourceQuota, LimitRangeItem, NetworkPolicySpec, Quantity } from '../../imports/k8s';
import { dnsEgressRule } from '../core/connections';
import { sortedEntries } from '../core/records';
import { ResourcePair, Plan, QuotaSpec } from './plan';

/** Kubernetes version the Pod Security Standards are pinned to (upgrades of the cluster must not change them silently). */
export const PSA_VERSION = 'v1.27';
/** Annotation that carries why a namespace is exempt from PSS restricted. */
export const PSS_EXEMPTION_ANNOTATION = 'platform.io/pss-exemption-reason';
export const LABEL_PLAN = 'platform.io/plan';
export const LABEL_ENVIRONMENT = 'platform.io/environment';
/** Label the API server sets on every namespace; NetworkPolicies select namespaces by it. */
export const LABEL_NAMESPACE_NAME = 'kubernetes.io/metadata.name';
/** Name of the ResourceQuota in every namespace. */
export const QUOTA_NAME = 'resource-quota';
/** Name of the LimitRange in every namespace. */
export const LIMIT_RANGE_NAME = 'limit-range';
/** Name of the default-deny NetworkPolicy in every namespace. */
export const DEFAULT_DENY_POLICY = 'default-deny-all';
/** Name of the DNS egress NetworkPolicy in every namespace. */
export const DNS_POLICY = 'allow-dns';

/** A Pod Security Standards level. */
export type PodSecurityLevel = 'restricted' | 'baseline' | 'privileged';

/**
 * Pod Security Admission labels. Audit and warn stay `restricted` even when enforcement is relaxed, so an
 * exempted namespace keeps showing every violation in audit logs and kubectl warnings.
 */
export function podSecurityLabels(enforce: PodSecurityLevel): Record<string, string> {
  return {
    'pod-security.kubernetes.io/enforce': enforce,
    'pod-security.kubernetes.io/enforce-version': PSA_VERSION,
    'pod-security.kubernetes.io/audit': 'restricted',
    'pod-security.kubernetes.io/audit-version': PSA_VERSION,
    'pod-security.kubernetes.io/warn': 'restricted',
    'pod-security.kubernetes.io/warn-version': PSA_VERSION,
  };
}

/** ResourceQuota `hard` entries of a quota (entries left out of the quota are not limited). */
export function quotaHard(quota: QuotaSpec): Record<string, Quantity> {
  const hard: Record<string, Quantity> = {};
  const qty = (key: string, v: string | undefined): void => {
    if (v !== undefined) hard[key] = Quantity.fromString(v);
  };
  const count = (key: string, v: number | undefined): void => {
    if (v !== undefined) hard[key] = Quantity.fromNumber(v);
  };
  qty('requests.cpu', quota.requestsCpu);
  qty('requests.memory', quota.requestsMemory);
  qty('limits.cpu', quota.limitsCpu);
  qty('limits.memory', quota.limitsMemory);
  count('pods', quota.pods);
  count('services', quota.services);
  count('services.loadbalancers', quota.loadBalancers);
  count('services.nodeports', quota.nodePorts);
  count('persistentvolumeclaims', quota.persistentVolumeClaims);
  qty('requests.storage', quota.requestsStorage);
  for (const [cls, q] of sortedEntries(quota.storageClasses ?? {})) {
    qty(`${cls}.storageclass.storage.k8s.io/requests.storage`, q.requestsStorage);
    count(`${cls}.storageclass.storage.k8s.io/persistentvolumeclaims`, q.persistentVolumeClaims);
  }
  return hard;
}

function pair(p: ResourcePair | undefined): Record<string, Quantity> | undefined {
  if (!p) return undefined;
  const out: Record<string, Quantity> = {};
  if (p.cpu !== undefined) out.cpu = Quantity.fromString(p.cpu);
  if (p.memory !== undefined) out.memory = Quantity.fromString(p.memory);
  return Object.keys(out).length > 0 ? out : undefined;
}

/** LimitRange items of a plan: one for containers, one for PersistentVolumeClaims when the plan bounds claims. */
export function limitRangeItems(plan: Plan): LimitRangeItem[] {
  const c = plan.spec.container;
  const items: LimitRangeItem[] = [
    {
      type: 'Container',
      default: pair(c.default),
      defaultRequest: pair(c.defaultRequest),
      min: pair(c.min),
      max: pair(c.max),
      maxLimitRequestRatio: pair(c.maxLimitRequestRatio),
    },
  ];
  const claims = plan.spec.claims;
  if (claims && (claims.min !== undefined || claims.max !== undefined)) {
    items.push({
      type: 'PersistentVolumeClaim',
      min: claims.min !== undefined ? { storage: Quantity.fromString(claims.min) } : undefined,
      max: claims.max !== undefined ? { storage: Quantity.fromString(claims.max) } : undefined,
    });
  }
  return items;
}

/** A NetworkPolicy peer selecting every pod of one namespace, by the label the API server sets. */
export function namespacePeer(namespace: string) {
  return { namespaceSelector: { matchLabels: { [LABEL_NAMESPACE_NAME]: namespace } } };
}

/** Adds a NetworkPolicy named `name` to `namespace`. */
export function addNetworkPolicy(
  scope: Construct,
  namespace: string,
  name: string,
  labels: Record<string, string>,
  spec: NetworkPolicySpec,
): KubeNetworkPolicy {
  return new KubeNetworkPolicy(scope, name, { metadata: { name, namespace, labels }, spec });
}

/**
 * Quota, LimitRange, default deny (both directions, every pod) and DNS egress in `namespace`. Everything else a
 * namespace's pods may do has to be allowed by another NetworkPolicy.
 */
export function addNamespaceGuardrails(scope: Construct, namespace: string, plan: Plan, labels: Record<string, string>): void {
  new KubeResourceQuota(scope, QUOTA_NAME, {
    metadata: { name: QUOTA_NAME, namespace, labels },
    spec: { hard: quotaHard(plan.quota) },
  });
  new KubeLimitRange(scope, LIMIT_RANGE_NAME, {
    metadata: { name: LIMIT_RANGE_NAME, namespace, labels },
    spec: { limits: limitRangeItems(plan) },
  });
  addNetworkPolicy(scope, namespace, DEFAULT_DENY_POLICY, labels, { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  addNetworkPolicy(scope, namespace, DNS_POLICY, labels, { podSelector: {}, policyTypes: ['Egress'], egress: [dnsEgressRule()] });
}
