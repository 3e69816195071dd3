/**
 * Static proofs over synthesized documents: tenant namespaces cannot reach each other, and every namespace has
 * its guard rails. Pure functions of the documents, linear in their number, so the policy engine and the
 * environment tests can run them on whole environments.
 */
import { LABEL_TENANT, selectorMatchesLabels } from '../core/labels';
import type { EnvironmentOutput, SynthPlugin, CheckResult } from '../synth/synthesizer';
import { LABEL_NAMESPACE_NAME, PSS_EXEMPTION_ANNOTATION } from './guardrails';

type Doc = Record<string, any>;
type Selector = { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> };

interface NamespaceInfo {
  readonly name: string;
  /** The namespace's labels plus `kubernetes.io/metadata.name`, which the API server always sets. */
  readonly labels: Readonly<Record<string, string>>;
  /** Tenant id for tenant namespaces (label `platform.io/tenant`). */
  readonly tenant?: string;
}

/** Whether a label selector matches a label set (an empty selector matches everything). */
export function namespaceSelectorMatches(selector: Selector, labels: Readonly<Record<string, string>>): boolean {
  return selectorMatchesLabels(selector, labels);
}

function isEmptySelector(s: Selector | undefined): boolean {
  return s !== undefined && Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0;
}

function policyTypes(np: Doc): string[] {
  const spec = np.spec ?? {};
  // Kubernetes' defaulting: Ingress always, Egress when egress rules are present.
  return spec.policyTypes ?? ['Ingress', ...(spec.egress ? ['Egress'] : [])];
}

function namespacesOf(docs: readonly Doc[]): Map<string, NamespaceInfo> {
  const out = new Map<string, NamespaceInfo>();
  for (const d of docs) {
    if (d.kind !== 'Namespace' || d.apiVersion !== 'v1') continue;
    const name = d.metadata.name as string;
    const labels = { ...(d.metadata.labels ?? {}), [LABEL_NAMESPACE_NAME]: name };
    out.set(name, { name, labels, tenant: labels[LABEL_TENANT] });
  }
  return out;
}

/**
 * Violations of tenant isolation, one line each (empty when isolated):
 * - every Namespace has a default deny for Ingress and for Egress (a policy selecting all pods with that policy
 *   type and no rules for it);
 * - for every pair of tenant namespaces (label `platform.io/tenant`, different tenants), no NetworkPolicy of one
 *   admits ingress from, or egress to, the other. A rule with no peers admits everything; an ipBlock may cover
 *   pod IPs, so both count as admitting every other tenant.
 * Selectors on `kubernetes.io/metadata.name` are looked up directly; other namespace selectors are evaluated
 * against every tenant namespace.
 */
export interface IsolationOptions {
  /**
   * The cluster's pod CIDRs. An ipBlock that overlaps none of them (and none of its `except` entries matter)
   * cannot reach pods, so it cannot admit another tenant.
   * @default - unknown: every ipBlock in a tenant's policy may cover other tenants' pods
   */
  readonly podCidrs?: readonly string[];
}

/** [first, last] IPv4 address of a CIDR as numbers, or undefined for anything else (IPv6 is treated as overlapping). */
function ipv4Range(cidr: string): [number, number] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!m) return undefined;
  const ip = ((Number(m[1]) << 24) >>> 0) + (Number(m[2]) << 16) + (Number(m[3]) << 8) + Number(m[4]);
  const bits = Number(m[5]);
  const size = 2 ** (32 - bits);
  const first = Math.floor(ip / size) * size;
  return [first, first + size - 1];
}

/** True when two CIDRs may share an address (unparsable ones are assumed to). */
export function cidrsOverlap(a: string, b: string): boolean {
  const x = ipv4Range(a);
  const y = ipv4Range(b);
  if (!x || !y) return true;
  return x[0] <= y[1] && y[0] <= x[1];
}

export function checkTenantIsolation(docs: readonly Doc[], options: IsolationOptions = {}): string[] {
  const podCidrs = options.podCidrs;
  const mayReachPods = (cidr: string): boolean => podCidrs === undefined || podCidrs.some((p) => cidrsOverlap(cidr, p));
  const namespaces = namespacesOf(docs);
  const tenantNamespaces = [...namespaces.values()].filter((n) => n.tenant !== undefined);
  const denied = new Map<string, Set<string>>();
  const violations: string[] = [];

  const othersMatched = (self: NamespaceInfo, sel: Selector): NamespaceInfo[] => {
    const byName = sel.matchLabels?.[LABEL_NAMESPACE_NAME];
    const candidates = byName !== undefined ? [namespaces.get(byName)].filter((n): n is NamespaceInfo => n !== undefined) : tenantNamespaces;
    return candidates.filter((n) => n.tenant !== undefined && n.tenant !== self.tenant && namespaceSelectorMatches(sel, n.labels));
  };
  const describe = (ns: NamespaceInfo[]): string => {
    const names = ns.slice(0, 3).map((n) => n.name).join(', ');
    return ns.length > 3 ? `${names} and ${ns.length - 3} more` : names;
  };
  const otherTenantsExist = (self: NamespaceInfo): boolean => tenantNamespaces.some((n) => n.tenant !== self.tenant);

  for (const np of docs) {
    if (np.kind !== 'NetworkPolicy') continue;
    const nsName = np.metadata.namespace as string;
    const spec = np.spec ?? {};
    const types = policyTypes(np);
    if (isEmptySelector(spec.podSelector)) {
      let set = denied.get(nsName);
      if (!set) denied.set(nsName, (set = new Set()));
      if (types.includes('Ingress') && (spec.ingress ?? []).length === 0) set.add('Ingress');
      if (types.includes('Egress') && (spec.egress ?? []).length === 0) set.add('Egress');
    }
    const self = namespaces.get(nsName);
    if (!self?.tenant) continue;
    const id = `NetworkPolicy ${nsName}/${np.metadata.name}`;
    const directions: Array<['Ingress' | 'Egress', 'ingress' | 'egress', 'from' | 'to', string]> = [
      ['Ingress', 'ingress', 'from', 'admits traffic from'],
      ['Egress', 'egress', 'to', 'admits traffic to'],
    ];
    for (const [type, key, peersKey, verb] of directions) {
      if (!types.includes(type)) continue;
      (spec[key] ?? []).forEach((rule: Doc, r: number) => {
        const peers: Doc[] = rule[peersKey] ?? [];
        if (peers.length === 0) {
          if (otherTenantsExist(self)) violations.push(`${id}: ${key}[${r}] has no "${peersKey}" and ${verb} every namespace, including other tenants'`);
          return;
        }
        peers.forEach((peer, p) => {
          const where = `${id}: ${key}[${r}].${peersKey}[${p}]`;
          if (peer.ipBlock) {
            if (otherTenantsExist(self) && mayReachPods(peer.ipBlock.cidr)) {
              violations.push(`${where} is an ipBlock (${peer.ipBlock.cidr}), which may cover other tenants' pod IPs`);
            }
            return;
          }
          // No namespaceSelector: pods of the policy's own namespace only.
          if (!peer.namespaceSelector) return;
          const hit = othersMatched(self, peer.namespaceSelector);
          if (hit.length > 0) violations.push(`${where} ${verb} other tenants' namespace(s) ${describe(hit)}`);
        });
      });
    }
  }

  for (const ns of namespaces.values()) {
    const set = denied.get(ns.name);
    for (const dir of ['Ingress', 'Egress']) {
      if (!set?.has(dir)) violations.push(`Namespace ${ns.name}: no default-deny NetworkPolicy for ${dir} (podSelector {} with policyTypes ${dir} and no ${dir.toLowerCase()} rules)`);
    }
  }
  return violations;
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
      if (labels[key] === undefined || labels[`${key}-version`] === undefined) out.push(`Namespace ${name}: missing Pod Security Admission labels ${key} and ${key}-version`);
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
    check(env: EnvironmentOutput): CheckResult {
      const docs = env.documents.map((d) => d.object);
      const found = [...checkTenantIsolation(docs, { podCidrs: env.profile.cluster.podCidrs }), ...checkNamespaceGuardrails(docs)].map((m) => `${env.name}: ${m}`);
      return env.profile.enforcePolicies ? { errors: found, warnings: [] } : { errors: [], warnings: found };
    },
  };
}
