/**
 * The isolation proof, on the same NetworkPolicy evaluator as the flow proof but in `may` mode (could any pod a
 * tenant runs, whatever its labels and ports, get through?):
 *
 * - no NetworkPolicy of a tenant namespace admits ingress from, or egress to, another tenant's pods;
 * - no NetworkPolicy of the platform admits a tenant into a workload, or a tenant's policy lets it out to a
 *   workload, on a port the tenant is not entitled to (entitlements are the tenant's connections in the graph:
 *   `sharedServices` of tenants.yaml);
 * - every namespace has a default deny for Ingress and for Egress.
 *
 * Each direction is checked on its own: a tenant may change its own egress (it owns its namespace), so another
 * tenant's or a datastore's ingress must hold alone.
 */
import type { ConnectionRecord } from '../../core/connections';
import { LABEL_TENANT } from '../../core/labels';
import type { SynthDocument } from '../../synth/synthesizer';
import { PolicyIndex, labelsOf, nameOf } from '../policy-index';
import { IpSet } from './cidr';
import { PodEndpoint, Protocol } from './model';
import { CompiledPeer, CompiledPolicy, CompiledRule, Direction, PolicySet, PolicyWorld, peerMatches, policySelects } from './network-policy';
import { LabelSelector, NAMESPACE_NAME_LABEL, Labels, isEmptySelector, labelSelectorMatches } from './selector';
import { declaredPorts } from './world';

export interface TenantIsolationOptions {
  /**
   * The cluster's pod CIDRs: an ipBlock that overlaps none of them cannot reach pods.
   * @default - unknown: every ipBlock in a tenant's policy may cover other tenants' pods
   */
  readonly podCidrs?: readonly string[];
  /**
   * The environment's connection graph: a tenant's connections are its entitlements. When given, platform
   * workloads are checked too (no policy admits a tenant to a port it is not entitled to).
   * @default - tenants are only checked against each other
   */
  readonly connections?: readonly ConnectionRecord[];
}

interface Tenant {
  readonly namespace: string;
  readonly tenant: string;
  /** Any pod the tenant may run: labels and ports unknown. */
  readonly pods: PodEndpoint;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function describe(names: readonly string[]): string {
  const shown = names.slice(0, 3).join(', ');
  return names.length > 3 ? `${shown} and ${names.length - 3} more` : shown;
}

/** Port numbers (with protocol) a rule admits on a pod with known ports, or 'all' for every port. */
function rulePortsOn(rule: CompiledRule, pod: PodEndpoint): 'all' | { port: number; endPort?: number; protocol: Protocol }[] {
  if (rule.ports === undefined) return 'all';
  const out: { port: number; endPort?: number; protocol: Protocol }[] = [];
  for (const p of rule.ports) {
    if (p.port === undefined) return 'all';
    if (typeof p.port === 'number') out.push({ port: p.port, ...(p.endPort !== undefined ? { endPort: p.endPort } : {}), protocol: p.protocol });
    else for (const d of pod.ports ?? []) if (d.name === p.port && d.protocol === p.protocol) out.push({ port: d.port, protocol: p.protocol });
  }
  return out;
}

/**
 * Violations of tenant isolation in `documents`, one line each (empty when isolated). Linear in the documents.
 * `index` lets synth share the environment's index (and parsed policies) with the other checks.
 */
export function tenantIsolationViolations(
  documents: readonly SynthDocument[],
  options: TenantIsolationOptions = {},
  index = new PolicyIndex(documents),
): string[] {
  const namespaces = new Map<string, Labels>();
  for (const ns of index.ofKind('Namespace')) {
    if (ns.object.apiVersion !== 'v1') continue;
    namespaces.set(nameOf(ns), { ...labelsOf(ns), [NAMESPACE_NAME_LABEL]: nameOf(ns) });
  }
  const world: PolicyWorld = {
    labelsOfNamespace: (ns) => namespaces.get(ns) ?? { [NAMESPACE_NAME_LABEL]: ns },
    podAddresses: options.podCidrs !== undefined && options.podCidrs.length > 0 ? IpSet.of(options.podCidrs) : IpSet.ALL,
  };
  const policies = PolicySet.forIndex(index, world);

  const tenants: Tenant[] = [];
  const tenantByNamespace = new Map<string, Tenant>();
  for (const [name, labels] of namespaces) {
    const tenant = labels[LABEL_TENANT];
    if (tenant === undefined) continue;
    const t: Tenant = { namespace: name, tenant, pods: { kind: 'pods', key: `${name}/Tenant/*`, namespace: name, name: '*', source: 'tenant', inDist: false } };
    tenants.push(t);
    tenantByNamespace.set(name, t);
  }
  const violations: string[] = [];

  /** Other tenants whose pods `peer` (of a policy of `self`) may match. */
  const otherTenants = (peer: CompiledPeer, self: Tenant | undefined, policyNamespace: string): Tenant[] => {
    const others = (candidates: readonly Tenant[]) => candidates.filter((t) => t.tenant !== self?.tenant);
    // Linear in the tenants only for selectors that must be evaluated against each namespace's labels.
    if (peer.ipBlock) return peerMatches(peer, policyNamespace, tenants[0]?.pods ?? self!.pods, world, 'may') ? others(tenants) : [];
    if (peer.namespaceSelector === undefined) return others(tenantByNamespace.has(policyNamespace) ? [tenantByNamespace.get(policyNamespace)!] : []);
    const byName = peer.namespaceSelector.matchLabels?.[NAMESPACE_NAME_LABEL];
    const candidates = byName !== undefined ? [tenantByNamespace.get(byName)].filter((t): t is Tenant => t !== undefined) : tenants;
    return others(candidates).filter((t) => peerMatches(peer, policyNamespace, t.pods, world, 'may'));
  };
  const distinctTenants = new Set(tenants.map((t) => t.tenant)).size;

  // Tenant namespaces: no policy admits another tenant, in either direction.
  for (const self of tenants) {
    if (distinctTenants < 2) continue;
    for (const p of policies.inNamespace(self.namespace)) {
      if (!policySelects(p, self.pods, 'may')) continue;
      for (const [direction, rules, key, verb] of [
        ['ingress', p.ingress, 'from', 'admits traffic from'],
        ['egress', p.egress, 'to', 'admits traffic to'],
      ] as const) {
        for (const rule of rules ?? []) {
          const where = `NetworkPolicy ${p.id}: ${direction}[${rule.index}]`;
          if (rule.peers === undefined) {
            violations.push(`${where} has no "${key}" and ${verb} every namespace, including other tenants'`);
            continue;
          }
          for (const peer of rule.peers) {
            const hit = otherTenants(peer, self, p.namespace);
            if (hit.length === 0) continue;
            if (peer.ipBlock) violations.push(`${where}.${key}[${peer.index}] is an ipBlock (${peer.ipBlock.cidr}), which may cover other tenants' pod IPs`);
            else violations.push(`${where}.${key}[${peer.index}] ${verb} other tenants' namespace(s) ${describe(hit.map((t) => t.namespace).sort(compare))}`);
          }
        }
      }
    }
  }

  if (options.connections !== undefined)
    violations.push(...entitlementViolations(index, policies, world, tenants, tenantByNamespace, options.connections, otherTenants));

  // Every namespace has a default deny for each direction: a policy selecting all pods, with that type and no rules.
  for (const ns of namespaces.keys()) {
    const denied = new Set<Direction>();
    for (const p of policies.inNamespace(ns)) {
      if (!isEmptySelector(p.podSelector)) continue;
      if (p.ingress !== undefined && p.ingress.length === 0) denied.add('ingress');
      if (p.egress !== undefined && p.egress.length === 0) denied.add('egress');
    }
    for (const [dir, type] of [
      ['ingress', 'Ingress'],
      ['egress', 'Egress'],
    ] as const) {
      if (!denied.has(dir))
        violations.push(`Namespace ${ns}: no default-deny NetworkPolicy for ${type} (podSelector {} with policyTypes ${type} and no ${dir} rules)`);
    }
  }
  return violations;
}

/** Platform workloads a tenant reaches (ingress of the workload, or egress of the tenant) on ports it is not entitled to. */
function entitlementViolations(
  index: PolicyIndex,
  policies: PolicySet,
  world: PolicyWorld,
  tenants: readonly Tenant[],
  tenantByNamespace: ReadonlyMap<string, Tenant>,
  connections: readonly ConnectionRecord[],
  otherTenants: (peer: CompiledPeer, self: Tenant | undefined, ns: string) => Tenant[],
): string[] {
  const out: string[] = [];
  const platformPods: PodEndpoint[] = index.pods
    .filter((v) => !tenantByNamespace.has(v.namespace))
    .map((v) => ({
      kind: 'pods',
      key: `${v.namespace}/${v.kind}/${v.name}`,
      namespace: v.namespace,
      name: v.name,
      labels: v.labels,
      ports: declaredPorts(v),
      source: v.kind,
      pod: v,
      inDist: true,
    }));
  const podsByNamespace = new Map<string, PodEndpoint[]>();
  for (const p of platformPods) podsByNamespace.set(p.namespace, [...(podsByNamespace.get(p.namespace) ?? []), p]);
  const grants = new Map<string, ConnectionRecord[]>();
  for (const c of connections) {
    if (!tenantByNamespace.has(c.from.namespace)) continue;
    grants.set(c.from.namespace, [...(grants.get(c.from.namespace) ?? []), c]);
  }
  const entitled = (t: Tenant, pod: PodEndpoint, port: number, protocol: Protocol): boolean =>
    (grants.get(t.namespace) ?? []).some(
      (c) =>
        c.to.namespace === pod.namespace &&
        labelSelectorMatches({ matchLabels: c.to.podSelector } as LabelSelector, pod.labels ?? {}) &&
        c.ports.some((p) => p.port === port && (p.protocol ?? 'TCP') === protocol),
    );
  const excess = (rule: CompiledRule, t: Tenant, pod: PodEndpoint): string[] => {
    const ports = rulePortsOn(rule, pod);
    if (ports === 'all') return ['every port'];
    return ports
      .filter((p) => {
        if (p.endPort !== undefined) {
          for (let x = p.port; x <= p.endPort; x++) if (!entitled(t, pod, x, p.protocol)) return true;
          return false;
        }
        return !entitled(t, pod, p.port, p.protocol);
      })
      .map((p) => `${p.port}${p.endPort !== undefined ? `-${p.endPort}` : ''}/${p.protocol}`);
  };
  const report = (p: CompiledPolicy, direction: Direction, rule: CompiledRule, peer: CompiledPeer | undefined, text: string) => {
    const key = direction === 'ingress' ? 'from' : 'to';
    out.push(`NetworkPolicy ${p.id}: ${direction}[${rule.index}]${peer ? `.${key}[${peer.index}]` : ''} ${text}`);
  };

  // Ingress of platform workloads: which tenants get in, on which ports.
  for (const pod of platformPods) {
    for (const p of policies.isolating(pod, 'ingress')) {
      for (const rule of p.ingress ?? []) {
        for (const peer of rule.peers ?? [undefined]) {
          const admitted = peer === undefined ? tenants : otherTenants(peer, undefined, p.namespace);
          const byPorts = new Map<string, string[]>();
          for (const t of admitted) {
            const extra = excess(rule, t, pod);
            if (extra.length > 0) byPorts.set(extra.join(', '), [...(byPorts.get(extra.join(', ')) ?? []), t.namespace]);
          }
          for (const [ports, names] of [...byPorts].sort(([a], [b]) => compare(a, b))) {
            report(
              p,
              'ingress',
              rule,
              peer,
              `admits tenant namespace(s) ${describe(names.sort(compare))} to ${pod.namespace}/${pod.name} on ${ports}, which they are not entitled to`,
            );
          }
        }
      }
    }
  }
  // Egress of tenants: which platform workloads they may open connections to.
  for (const t of tenants) {
    for (const p of policies.inNamespace(t.namespace)) {
      if (!policySelects(p, t.pods, 'may')) continue;
      for (const rule of p.egress ?? []) {
        for (const peer of rule.peers ?? []) {
          if (peer.ipBlock || peer.namespaceSelector === undefined) continue;
          const byName = peer.namespaceSelector.matchLabels?.[NAMESPACE_NAME_LABEL];
          const candidates = byName !== undefined ? (podsByNamespace.get(byName) ?? []) : platformPods;
          for (const pod of candidates) {
            if (!peerMatches(peer, p.namespace, pod, world, 'may')) continue;
            const extra = excess(rule, t, pod);
            if (extra.length > 0)
              report(p, 'egress', rule, peer, `admits traffic to ${pod.namespace}/${pod.name} on ${extra.join(', ')}, which ${t.namespace} is not entitled to`);
          }
        }
      }
    }
  }
  return out;
}
