/**
 * Static proofs over synthesized documents: tenant namespaces cannot reach each other, and every namespace has
 * its guard rails. Pure functions of the documents, linear in their number, so the policy engine and the
 * environment tests can run them on whole environments.
 */
import type { ConnectionRecord } from '../core/connections';
import { IpSet } from '../policy/flows/cidr';
import { tenantIsolationViolations } from '../policy/flows/isolation';
import { PolicyIndex } from '../policy/policy-index';
import { labelSelectorMatches } from '../policy/flows/selector';
import type { EnvironmentOutput, SynthContext, SynthDocument, SynthPlugin, CheckResult } from '../synth/synthesizer';
import { documentsDigest, isStringList, memoKey, recall } from '../synth/result-memo';
import { PSS_EXEMPTION_ANNOTATION } from './guardrails';
import { DocObject } from '../core/documents';

type Doc = DocObject;
type Selector = { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> };

/** Whether a label selector matches a label set (an empty selector matches everything): the policy gate's one matcher. */
export function namespaceSelectorMatches(selector: Selector, labels: Readonly<Record<string, string>>): boolean {
  return labelSelectorMatches(selector, labels);
}

export interface IsolationOptions {
  /**
   * The cluster's pod CIDRs. An ipBlock that overlaps none of them (and none of its `except` entries matter)
   * cannot reach pods, so it cannot admit another tenant.
   * @default - unknown: every ipBlock in a tenant's policy may cover other tenants' pods
   */
  readonly podCidrs?: readonly string[];
  /**
   * The environment's connection graph (`EnvironmentOutput.connections`): a tenant's connections are its
   * entitlements, and platform workloads are then checked too.
   * @default - tenants are only checked against each other
   */
  readonly connections?: readonly ConnectionRecord[];
}

/** True when two CIDRs may share an address (unparsable ones are assumed to). */
export function cidrsOverlap(a: string, b: string): boolean {
  if (IpSet.unparsable([a, b]).length > 0) return true;
  return IpSet.of([a]).overlaps(IpSet.of([b]));
}

/**
 * Violations of tenant isolation, one line each (empty when isolated), proved with the policy gate's NetworkPolicy
 * evaluator (src/policy/flows): every Namespace has a default deny for Ingress and for Egress; no NetworkPolicy of a
 * tenant namespace (label `platform.io/tenant`) admits ingress from, or egress to, another tenant's pods (a rule with
 * no peers admits everything; an ipBlock that may cover pod IPs counts); with `connections`, no policy admits a
 * tenant to a platform workload on a port it is not entitled to.
 */
export function checkTenantIsolation(docs: readonly Doc[], options: IsolationOptions = {}): string[] {
  const documents: SynthDocument[] = docs.map((object) => ({ object, id: '', file: '', source: '', namespaced: object.kind !== 'Namespace' }));
  return tenantIsolationViolations(documents, options);
}

/**
 * Namespaces without their guard rails, one line each: every Namespace carries PSA enforce/audit/warn labels with
 * pinned versions, has a ResourceQuota and a LimitRange, and enforces `restricted` unless the
 * `platform.io/pss-exemption-reason` annotation says why not.
 */
export function checkNamespaceGuardrails(docs: readonly Doc[]): string[] {
  const quotas = new Set<string>();
  const limitRanges = new Set<string>();
  for (const d of docs) {
    if (d.kind === 'ResourceQuota') quotas.add(d.metadata.namespace);
    if (d.kind === 'LimitRange') limitRanges.add(d.metadata.namespace);
  }
  const out: string[] = [];
  for (const d of docs) {
    if (d.kind !== 'Namespace' || d.apiVersion !== 'v1') continue;
    const name = d.metadata.name as string;
    const labels: Record<string, string> = d.metadata.labels ?? {};
    for (const mode of ['enforce', 'audit', 'warn']) {
      const key = `pod-security.kubernetes.io/${mode}`;
      if (labels[key] === undefined || labels[`${key}-version`] === undefined)
        out.push(`Namespace ${name}: missing Pod Security Admission labels ${key} and ${key}-version`);
    }
    const enforce = labels['pod-security.kubernetes.io/enforce'];
    if (enforce !== undefined && enforce !== 'restricted' && !d.metadata.annotations?.[PSS_EXEMPTION_ANNOTATION]) {
      out.push(`Namespace ${name}: enforces "${enforce}" instead of "restricted" without a ${PSS_EXEMPTION_ANNOTATION} annotation`);
    }
    if (!quotas.has(name)) out.push(`Namespace ${name}: no ResourceQuota`);
    if (!limitRanges.has(name)) out.push(`Namespace ${name}: no LimitRange`);
  }
  return out;
}

/**
 * A synth plugin running both checks on every environment: errors when the profile enforces policies,
 * warnings otherwise. Registered in `defaultPlugins()` (src/synth/plugins.ts).
 */
export function tenancyChecksPlugin(): SynthPlugin {
  return {
    name: 'tenancy',
    // Its key reads the digests the worker computes: with the last checks, by when the worker has them.
    checkLast: true,
    check(env: EnvironmentOutput, ctx?: SynthContext): CheckResult {
      // Both checks read the documents, the pod CIDRs and the connection records, nothing else: an earlier successful
      // synth's messages for the same inputs are reused (src/synth/result-memo.ts).
      const podCidrs = env.profile.cluster.podCidrs;
      const connections = env.connections ?? [];
      const documents = documentsDigest(env.documents, ctx);
      const key = documents === undefined ? undefined : memoKey('tenancy', env.name, podCidrs ?? null, connections, documents);
      const found = recall(ctx?.memo, key, isStringList, () => {
        const isolation = tenantIsolationViolations(env.documents, { podCidrs, connections }, PolicyIndex.of(env));
        const guardrails = checkNamespaceGuardrails(env.documents.map((d) => d.object));
        return [...isolation, ...guardrails].map((m) => `${env.name}: ${m}`);
      });
      return env.profile.enforcePolicies ? { errors: found, warnings: [] } : { errors: [], warnings: found };
    },
  };
}
