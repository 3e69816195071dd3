/** The monitoring namespace of the ObservabilityStack, with a quota sized for the stack's own pods. */
import { Construct } from 'constructs';
import { parseQuantity } from '../core/quantity';
import { Plan, QuotaOverrides } from '../tenancy/plan';
import { NamespaceTier } from '../gitops/delivery-group';
import { PlatformNamespace } from '../tenancy/platform-namespace';
import { ComponentResources } from './common';

/** `platform.io/concern` of the monitoring namespace. */
export const MONITORING_CONCERN = 'monitoring';

/** What some of the stack's pods take from the monitoring namespace's quota. */
export interface QuotaDemand {
  readonly resources: ComponentResources;
  /** Pods that can exist at once (replicas plus rolling-update surge). */
  readonly pods: number;
  /** @default 0 */
  readonly claims?: number;
  /** Size of each claim. @default - no claims */
  readonly claimSize?: string;
}

/**
 * The namespace as a PlatformNamespace (PSA labels, ResourceQuota and LimitRange of `Plan.platform()` raised where
 * `demand` needs more, default deny, DNS egress).
 */
export function addMonitoringNamespace(scope: Construct, name: string, demand: readonly QuotaDemand[]): PlatformNamespace {
  const plan = Plan.platform();
  return new PlatformNamespace(scope, 'Namespace', {
    name,
    concern: MONITORING_CONCERN,
    plan,
    quotaOverrides: quotaFor(plan, demand),
    tier: NamespaceTier.observability(),
  });
}

/**
 * Quota entries the stack's own pods need beyond `plan`'s (large retention, big resource overrides), or undefined
 * when the plan admits them all: the quota guards the namespace against runaway workloads, never against the stack.
 */
export function quotaFor(plan: Plan, demand: readonly QuotaDemand[]): QuotaOverrides | undefined {
  const q = (s: string | undefined) => (s === undefined ? 0 : (parseQuantity(s) ?? 0));
  const total = (f: (d: QuotaDemand) => number) => demand.reduce((sum, d) => sum + f(d), 0);
  const need = {
    requestsCpu: total((d) => d.pods * q(d.resources.cpu)),
    requestsMemory: total((d) => d.pods * q(d.resources.memory)),
    limitsMemory: total((d) => d.pods * q(d.resources.memoryLimit)),
    pods: total((d) => d.pods),
    persistentVolumeClaims: total((d) => d.claims ?? 0),
    requestsStorage: total((d) => (d.claims ?? 0) * q(d.claimSize)),
  };
  const quota = plan.quota;
  const overrides: Record<string, string | number> = {};
  const gi = (bytes: number) => `${Math.ceil(bytes / 2 ** 30)}Gi`;
  // An entry the plan leaves out is not limited, so only entries the plan sets can be too small.
  if (quota.requestsCpu !== undefined && need.requestsCpu > q(quota.requestsCpu)) overrides.requestsCpu = String(Math.ceil(need.requestsCpu));
  if (quota.requestsMemory !== undefined && need.requestsMemory > q(quota.requestsMemory)) overrides.requestsMemory = gi(need.requestsMemory);
  if (quota.limitsMemory !== undefined && need.limitsMemory > q(quota.limitsMemory)) overrides.limitsMemory = gi(need.limitsMemory);
  if (quota.pods !== undefined && need.pods > quota.pods) overrides.pods = need.pods;
  if (quota.persistentVolumeClaims !== undefined && need.persistentVolumeClaims > quota.persistentVolumeClaims)
    overrides.persistentVolumeClaims = need.persistentVolumeClaims;
  if (quota.requestsStorage !== undefined && need.requestsStorage > q(quota.requestsStorage)) overrides.requestsStorage = gi(need.requestsStorage);
  return Object.keys(overrides).length > 0 ? (overrides as QuotaOverrides) : undefined;
}
