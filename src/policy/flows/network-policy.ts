/**
 * NetworkPolicy semantics (networking.k8s.io/v1), evaluated over endpoints:
 *
 * - A policy selects the pods of its namespace that its `podSelector` matches (`{}`: all of them) and isolates them
 *   for the directions of `policyTypes`; without `policyTypes`, Ingress always and Egress when `egress` has rules.
 * - A pod no policy isolates in a direction admits everything in that direction; an isolated pod admits what at
 *   least one of its isolating policies admits (policies add up).
 * - A rule admits when one of its ports matches (no ports: every port) and one of its peers matches (no peers:
 *   every source or destination). A port has a protocol (default TCP) and a number (with `endPort`, a range) or a
 *   name, resolved against the container ports of the destination pod (ingress: the selected pod; egress: the peer).
 * - A peer is `podSelector` alone (pods of the policy's namespace), `namespaceSelector` alone (every pod of the
 *   matching namespaces), both (matching pods in matching namespaces), or `ipBlock` (a CIDR minus `except`).
 *
 * Two modes: `must` proves a needed flow (an ipBlock must cover every address the endpoint may have; pods get
 * theirs from `profile.cluster.podCidrs`), `may` finds possible leaks for isolation (an ipBlock that overlaps
 * counts, a selector may match pods whose labels are unknown, a named port may match unknown ports).
 */
import type { SynthDocument } from '../../synth/synthesizer';
import { PolicyIndex, nameOf, namespaceOf } from '../policy-index';
import { IpSet } from './cidr';
import { Endpoint, EndVerdict, PodEndpoint, Protocol, endpointName } from './model';
import { LabelSelector, NAMESPACE_NAME_LABEL, isEmptySelector, labelSelectorMatches, selectorSatisfiable, selectorText } from './selector';
import { DocObject, DocValue } from '../../core/documents';

export type Direction = 'ingress' | 'egress';
export type Mode = 'must' | 'may';

/** What the evaluator needs to know about the environment. */
export interface PolicyWorld {
  labelsOfNamespace(namespace: string): Readonly<Record<string, string>>;
  readonly podAddresses: IpSet;
}

export interface CompiledPort {
  readonly protocol: Protocol;
  /** undefined: every port of the protocol. */
  readonly port?: number | string;
  readonly endPort?: number;
}

export interface CompiledPeer {
  readonly index: number;
  /** undefined: pods of the policy's own namespace. */
  readonly namespaceSelector?: LabelSelector;
  /** undefined: every pod of the selected namespaces. */
  readonly podSelector?: LabelSelector;
  readonly ipBlock?: { readonly cidr: string; readonly except: readonly string[]; readonly set: IpSet; readonly ipv4: boolean };
}

export interface CompiledRule {
  readonly index: number;
  /** undefined: every port. */
  readonly ports?: readonly CompiledPort[];
  /** undefined: every peer (also outside the cluster). */
  readonly peers?: readonly CompiledPeer[];
}

/** One NetworkPolicy, parsed once. */
export interface CompiledPolicy {
  readonly doc?: SynthDocument;
  readonly namespace: string;
  readonly name: string;
  /** `<namespace>/<name>`. */
  readonly id: string;
  readonly podSelector: LabelSelector;
  /** undefined when the policy does not isolate ingress. */
  readonly ingress?: readonly CompiledRule[];
  readonly egress?: readonly CompiledRule[];
}

function obj(v: unknown): DocObject | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as DocObject) : undefined;
}

function arr(v: unknown): DocValue[] {
  return Array.isArray(v) ? v : [];
}

/** The policy types after Kubernetes' defaulting: Ingress always, Egress when `egress` has at least one rule. */
export function effectivePolicyTypes(spec: DocObject): { ingress: boolean; egress: boolean } {
  const explicit = arr(spec.policyTypes);
  const types = explicit.length > 0 ? explicit : ['Ingress', ...(arr(spec.egress).length > 0 ? ['Egress'] : [])];
  return { ingress: types.includes('Ingress'), egress: types.includes('Egress') };
}

function compilePeer(p: DocObject, index: number): CompiledPeer {
  const ipBlock = obj(p.ipBlock);
  if (ipBlock) {
    const cidr = String(ipBlock.cidr ?? '');
    const except = arr(ipBlock.except).map(String);
    const ipv4 = IpSet.unparsable([cidr]).length === 0;
    return { index, ipBlock: { cidr, except, set: IpSet.block(cidr, except), ipv4 } };
  }
  const ns = obj(p.namespaceSelector);
  const pod = obj(p.podSelector);
  return { index, ...(ns ? { namespaceSelector: ns as LabelSelector } : {}), ...(pod ? { podSelector: pod as LabelSelector } : {}) };
}

function compileRules(rules: unknown, peersKey: 'from' | 'to'): CompiledRule[] {
  return arr(rules).map((r, index) => {
    const rule = obj(r) ?? {};
    const ports = arr(rule.ports).map((x): CompiledPort => {
      const p = obj(x) ?? {};
      return {
        protocol: p.protocol === 'UDP' || p.protocol === 'SCTP' ? p.protocol : 'TCP',
        ...(typeof p.port === 'number' || typeof p.port === 'string' ? { port: p.port } : {}),
        ...(typeof p.endPort === 'number' ? { endPort: p.endPort } : {}),
      };
    });
    const peers = arr(rule[peersKey]).map((p, i) => compilePeer(obj(p) ?? {}, i));
    return { index, ...(ports.length > 0 ? { ports } : {}), ...(peers.length > 0 ? { peers } : {}) };
  });
}

/** Parses one NetworkPolicy object. */
export function compilePolicy(o: DocObject, doc?: SynthDocument): CompiledPolicy {
  const spec = obj(o.spec) ?? {};
  const types = effectivePolicyTypes(spec);
  const namespace = doc ? namespaceOf(doc) : String(o.metadata?.namespace ?? '');
  const name = doc ? nameOf(doc) : String(o.metadata?.name ?? '');
  return {
    ...(doc ? { doc } : {}),
    namespace,
    name,
    id: `${namespace}/${name}`,
    // An absent podSelector is rejected by the API server; treat it as selecting nothing.
    podSelector: (obj(spec.podSelector) as LabelSelector | undefined) ?? { matchExpressions: [{ key: '', operator: 'In', values: [] }] },
    ...(types.ingress ? { ingress: compileRules(spec.ingress, 'from') } : {}),
    ...(types.egress ? { egress: compileRules(spec.egress, 'to') } : {}),
  };
}

/** True when a port of a rule matches `port`/`protocol` on `dest` (the pod the packets go to). */
export function portMatches(p: CompiledPort, port: number, protocol: Protocol, dest: Endpoint, mode: Mode): boolean {
  if (p.protocol !== protocol) return false;
  if (p.port === undefined) return true;
  if (typeof p.port === 'number') return p.endPort !== undefined ? port >= p.port && port <= p.endPort : port === p.port;
  // A named port exists only on pods, resolved against their container ports.
  if (dest.kind !== 'pods') return false;
  if (dest.ports === undefined) return mode === 'may';
  return dest.ports.some((d) => d.name === p.port && d.port === port && d.protocol === protocol);
}

function portsMatch(rule: CompiledRule, port: number, protocol: Protocol, dest: Endpoint, mode: Mode): boolean {
  return rule.ports === undefined || rule.ports.some((p) => portMatches(p, port, protocol, dest, mode));
}

/** True when `peer` (in a policy of `policyNamespace`) matches endpoint `e`. */
export function peerMatches(peer: CompiledPeer, policyNamespace: string, e: Endpoint, world: PolicyWorld, mode: Mode): boolean {
  const addresses = e.kind === 'pods' ? world.podAddresses : e.addresses;
  if (peer.ipBlock) {
    if (!peer.ipBlock.ipv4) return mode === 'may';
    return mode === 'must' ? !addresses.isEmpty && addresses.within(peer.ipBlock.set) : addresses.overlaps(peer.ipBlock.set);
  }
  if (e.kind !== 'pods') return false;
  const nsOk =
    peer.namespaceSelector === undefined ? e.namespace === policyNamespace : labelSelectorMatches(peer.namespaceSelector, world.labelsOfNamespace(e.namespace));
  if (!nsOk) return false;
  if (peer.podSelector === undefined) return true;
  if (e.labels === undefined) return mode === 'may' ? selectorSatisfiable(peer.podSelector) : isEmptySelector(peer.podSelector);
  return labelSelectorMatches(peer.podSelector, e.labels);
}

/** True when the policy's podSelector selects the pods of `e` (unknown labels: only `{}` surely does). */
export function policySelects(policy: CompiledPolicy, e: PodEndpoint, mode: Mode = 'must'): boolean {
  if (e.namespace !== policy.namespace) return false;
  if (e.labels === undefined) return mode === 'may' ? selectorSatisfiable(policy.podSelector) : isEmptySelector(policy.podSelector);
  return labelSelectorMatches(policy.podSelector, e.labels);
}

/** The rules of `policy` in `direction` that admit a connection between `self` (selected) and `peer`. */
export function admittingRules(
  policy: CompiledPolicy,
  direction: Direction,
  peer: Endpoint,
  port: number,
  protocol: Protocol,
  dest: Endpoint,
  world: PolicyWorld,
  mode: Mode,
): CompiledRule[] {
  const rules = direction === 'ingress' ? policy.ingress : policy.egress;
  return (rules ?? []).filter(
    (r) => portsMatch(r, port, protocol, dest, mode) && (r.peers === undefined || r.peers.some((p) => peerMatches(p, policy.namespace, peer, world, mode))),
  );
}

/** All NetworkPolicies of an environment by namespace, with the policies isolating each pod endpoint cached. */
export class PolicySet {
  private static readonly compiled = new WeakMap<PolicyIndex, readonly CompiledPolicy[]>();

  /** The NetworkPolicies of an indexed environment, parsed once and shared by every check that reads them. */
  public static forIndex(index: PolicyIndex, world: PolicyWorld): PolicySet {
    let policies = PolicySet.compiled.get(index);
    if (!policies) PolicySet.compiled.set(index, (policies = index.ofKind('NetworkPolicy').map((d) => compilePolicy(d.object, d))));
    return new PolicySet(policies, world);
  }

  public readonly policies: readonly CompiledPolicy[];
  private readonly byNamespace = new Map<string, CompiledPolicy[]>();
  private readonly selecting = new Map<string, { ingress: CompiledPolicy[]; egress: CompiledPolicy[] }>();

  /** `policies`: NetworkPolicy documents, or policies already parsed. */
  public constructor(
    policies: readonly (SynthDocument | CompiledPolicy)[],
    private readonly world: PolicyWorld,
  ) {
    this.policies = policies.map((d) => ('object' in d ? compilePolicy(d.object, d) : d));
    for (const p of this.policies) {
      const list = this.byNamespace.get(p.namespace);
      if (list) list.push(p);
      else this.byNamespace.set(p.namespace, [p]);
    }
  }

  public inNamespace(namespace: string): readonly CompiledPolicy[] {
    return this.byNamespace.get(namespace) ?? [];
  }

  /** Policies that isolate the pods of `e` in `direction`, sorted by name. */
  public isolating(e: PodEndpoint, direction: Direction): readonly CompiledPolicy[] {
    let s = this.selecting.get(e.key);
    if (!s) {
      const sel = this.inNamespace(e.namespace)
        .filter((p) => policySelects(p, e))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      s = { ingress: sel.filter((p) => p.ingress !== undefined), egress: sel.filter((p) => p.egress !== undefined) };
      this.selecting.set(e.key, s);
    }
    return s[direction];
  }

  /**
   * How one end of a connection fares: the egress of `from` (direction `egress`, `self` = from, `peer` = to) or the
   * ingress of `to` (`self` = to, `peer` = from). Ends outside the pod network are not isolated.
   */
  public evaluate(direction: Direction, self: Endpoint, peer: Endpoint, port: number, protocol: Protocol): EndVerdict {
    if (self.kind !== 'pods') return { admitted: true, isolated: false, admittedBy: [] };
    const isolating = this.isolating(self, direction);
    if (isolating.length === 0) return { admitted: true, isolated: false, admittedBy: [] };
    const dest = direction === 'ingress' ? self : peer;
    const admittedBy = isolating.filter((p) => admittingRules(p, direction, peer, port, protocol, dest, this.world, 'must').length > 0).map((p) => p.id);
    if (admittedBy.length > 0) return { admitted: true, isolated: true, admittedBy };
    return {
      admitted: false,
      isolated: true,
      admittedBy: [],
      blockedBy: isolating.map((p) => p.id),
      why: `${direction} of ${endpointName(self)}: ${isolating.map((p) => explain(p, direction, peer, port, protocol, dest, this.world)).join('; ')}`,
    };
  }
}

function portText(p: CompiledPort): string {
  if (p.port === undefined) return `any/${p.protocol}`;
  return `${p.port}${p.endPort !== undefined ? `-${p.endPort}` : ''}/${p.protocol}`;
}

/** A peer as people read it: `monitoring/grafana pods`, `namespace ingress-nginx`, `ipBlock 0.0.0.0/0 except 10.0.0.0/8`. */
export function peerText(peer: CompiledPeer, policyNamespace: string): string {
  if (peer.ipBlock) return `ipBlock ${peer.ipBlock.cidr}${peer.ipBlock.except.length > 0 ? ` except ${peer.ipBlock.except.join(', ')}` : ''}`;
  let ns: string;
  if (peer.namespaceSelector === undefined) ns = `namespace ${policyNamespace}`;
  else {
    const byName = peer.namespaceSelector.matchLabels?.[NAMESPACE_NAME_LABEL];
    const onlyName =
      byName !== undefined &&
      Object.keys(peer.namespaceSelector.matchLabels ?? {}).length === 1 &&
      (peer.namespaceSelector.matchExpressions ?? []).length === 0;
    ns = onlyName
      ? `namespace ${byName}`
      : isEmptySelector(peer.namespaceSelector)
        ? 'every namespace'
        : `namespaces {${selectorText(peer.namespaceSelector)}}`;
  }
  if (peer.podSelector === undefined || isEmptySelector(peer.podSelector)) return `${ns} (any pod)`;
  return `${ns} pods {${selectorText(peer.podSelector)}}`;
}

/** What a policy admits near a connection it does not admit, for the message. */
function explain(policy: CompiledPolicy, direction: Direction, peer: Endpoint, port: number, protocol: Protocol, dest: Endpoint, world: PolicyWorld): string {
  const rules = (direction === 'ingress' ? policy.ingress : policy.egress) ?? [];
  const name = policy.name;
  if (rules.length === 0) return `${name} admits no ${direction} (default deny)`;
  const onPort = rules.filter((r) => portsMatch(r, port, protocol, dest, 'must'));
  const word = direction === 'ingress' ? 'from' : 'to';
  if (onPort.length === 0) {
    const ports = [...new Set(rules.flatMap((r) => (r.ports ?? [{ protocol: 'TCP' as Protocol }]).map(portText)))];
    const peerRules = rules.filter((r) => r.peers === undefined || r.peers.some((p) => peerMatches(p, policy.namespace, peer, world, 'must')));
    const peerPorts = [...new Set(peerRules.flatMap((r) => (r.ports ?? []).map(portText)))];
    if (peerPorts.length > 0) return `${name} admits ${endpointName(peer)} only on ${peerPorts.join(', ')}`;
    return `${name} admits ${direction} only on ${ports.join(', ')}`;
  }
  const peers = [...new Set(onPort.flatMap((r) => (r.peers ?? []).map((p) => peerText(p, policy.namespace))))];
  return `${name} admits ${port}/${protocol} only ${word} ${peers.join(', ')}`;
}
