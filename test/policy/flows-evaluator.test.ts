/**
 * NetworkPolicy semantics of the flow proof, one rule at a time. Each case is built so that the opposite verdict
 * is what a plausible mistake would give (e.g. treating a podSelector-only peer as cluster-wide).
 */
import { describe, expect, it } from 'vitest';
import { SynthDocument } from '../../src';
import {
  AddressEndpoint,
  IpSet,
  PodEndpoint,
  PolicySet,
  PolicyWorld,
  Protocol,
  effectivePolicyTypes,
  labelSelectorMatches,
  selectorSatisfiable,
  selectorText,
} from '../../src/policy/flows';

const NS_LABELS: Record<string, Record<string, string>> = {
  shop: { 'kubernetes.io/metadata.name': 'shop', tier: 'app' },
  data: { 'kubernetes.io/metadata.name': 'data', tier: 'data', team: 'platform' },
  other: { 'kubernetes.io/metadata.name': 'other' },
};

function world(podCidrs?: string[]): PolicyWorld {
  return { labelsOfNamespace: (ns) => NS_LABELS[ns] ?? { 'kubernetes.io/metadata.name': ns }, podAddresses: podCidrs ? IpSet.of(podCidrs) : IpSet.ALL };
}

function pod(namespace: string, name: string, labels: Record<string, string>, ports: { name?: string; port: number; protocol?: Protocol }[] = []): PodEndpoint {
  return {
    kind: 'pods',
    key: `${namespace}/Deployment/${name}`,
    namespace,
    name,
    labels,
    ports: ports.map((p) => ({ ...p, protocol: p.protocol ?? 'TCP' })),
    source: 'Deployment',
    inDist: true,
  };
}

function address(name: string, cidrs: string[]): AddressEndpoint {
  return { kind: 'address', key: `address/${name}`, name, addresses: IpSet.of(cidrs) };
}

function np(namespace: string, name: string, spec: Record<string, any>): SynthDocument {
  return {
    object: { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec },
    id: `t/${namespace}/NetworkPolicy/${name}`,
    file: '',
    source: '',
    namespaced: true,
  };
}

const api = pod('shop', 'api', { app: 'api' }, [
  { name: 'http', port: 8080 },
  { name: 'metrics', port: 9090 },
  { name: 'dns', port: 53, protocol: 'UDP' },
]);
const web = pod('shop', 'web', { app: 'web' });
const db = pod('data', 'db', { app: 'db' }, [{ name: 'pg', port: 5432 }]);
const webInOther = pod('other', 'web', { app: 'web' });

function ingress(policies: SynthDocument[], from: PodEndpoint | AddressEndpoint, to: PodEndpoint, port: number, protocol: Protocol = 'TCP', w = world()) {
  return new PolicySet(policies, w).evaluate('ingress', to, from, port, protocol);
}

function egress(policies: SynthDocument[], from: PodEndpoint, to: PodEndpoint | AddressEndpoint, port: number, protocol: Protocol = 'TCP', w = world()) {
  return new PolicySet(policies, w).evaluate('egress', from, to, port, protocol);
}

describe('policyTypes and their defaulting', () => {
  it('GIVEN no policyTypes and only ingress rules THEN only ingress is isolated', () => {
    const p = np('shop', 'p', { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }] }] });
    expect(egress([p], api, db, 5432).isolated).toBe(false);
    expect(ingress([p], web, api, 8080).admitted).toBe(true);
    expect(ingress([p], db, api, 8080).admitted).toBe(false);
  });

  it('GIVEN no policyTypes and egress rules THEN egress is isolated too', () => {
    const p = np('shop', 'p', { podSelector: {}, egress: [{ to: [{ podSelector: {} }] }] });
    expect(effectivePolicyTypes(p.object.spec)).toEqual({ ingress: true, egress: true });
    expect(egress([p], api, db, 5432).admitted).toBe(false);
    expect(egress([p], api, web, 80).admitted).toBe(true);
  });

  it('GIVEN no policyTypes and an empty egress list THEN egress is not isolated (Kubernetes adds Egress only for rules)', () => {
    const p = np('shop', 'p', { podSelector: {}, egress: [] });
    expect(effectivePolicyTypes(p.object.spec)).toEqual({ ingress: true, egress: false });
    expect(egress([p], api, db, 5432)).toEqual({ admitted: true, isolated: false, admittedBy: [] });
  });

  it('GIVEN policyTypes [Egress] with ingress rules THEN ingress is not isolated by it', () => {
    const p = np('shop', 'p', { podSelector: {}, policyTypes: ['Egress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'nobody' } } }] }] });
    expect(ingress([p], db, api, 8080).isolated).toBe(false);
  });

  it('GIVEN policyTypes [Ingress, Egress] and no rules THEN both directions deny everything', () => {
    const p = np('shop', 'deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    expect(ingress([p], web, api, 8080)).toMatchObject({
      admitted: false,
      blockedBy: ['shop/deny'],
      why: 'ingress of shop/api: deny admits no ingress (default deny)',
    });
    expect(egress([p], api, web, 8080)).toMatchObject({ admitted: false, why: 'egress of shop/api: deny admits no egress (default deny)' });
  });
});

describe('podSelector of the policy', () => {
  const allow = np('shop', 'only-api', { podSelector: { matchLabels: { app: 'api' } }, policyTypes: ['Ingress'] });
  it('GIVEN a podSelector THEN only matching pods of the policy namespace are isolated', () => {
    expect(ingress([allow], web, api, 8080).admitted).toBe(false);
    expect(ingress([allow], api, web, 8080).isolated).toBe(false);
    expect(ingress([allow], api, webInOther, 8080).isolated).toBe(false);
  });

  it('GIVEN podSelector {} THEN every pod of the namespace, and of no other, is isolated', () => {
    const all = np('shop', 'all', { podSelector: {}, policyTypes: ['Ingress'] });
    expect(ingress([all], api, web, 8080).isolated).toBe(true);
    expect(ingress([all], api, webInOther, 8080).isolated).toBe(false);
  });

  it('GIVEN no policy selecting a pod THEN it is not isolated and admits everything', () => {
    expect(ingress([], address('x', ['8.8.8.8/32']), api, 1)).toEqual({ admitted: true, isolated: false, admittedBy: [] });
  });
});

describe('peers: podSelector, namespaceSelector, both, and lists', () => {
  const rule = (peer: Record<string, any>) =>
    np('shop', 'p', { podSelector: { matchLabels: { app: 'api' } }, policyTypes: ['Ingress'], ingress: [{ from: [peer] }] });

  it('GIVEN a podSelector alone THEN it selects pods of the policy namespace only', () => {
    const p = rule({ podSelector: { matchLabels: { app: 'web' } } });
    expect(ingress([p], web, api, 8080).admitted).toBe(true);
    expect(ingress([p], webInOther, api, 8080).admitted).toBe(false);
  });

  it('GIVEN a namespaceSelector alone THEN it selects every pod of the matching namespaces', () => {
    const p = rule({ namespaceSelector: { matchLabels: { tier: 'data' } } });
    expect(ingress([p], db, api, 8080).admitted).toBe(true);
    expect(ingress([p], web, api, 8080).admitted).toBe(false);
  });

  it('GIVEN namespaceSelector and podSelector in one peer THEN both must match (AND)', () => {
    const p = rule({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'other' } }, podSelector: { matchLabels: { app: 'web' } } });
    expect(ingress([p], webInOther, api, 8080).admitted).toBe(true);
    expect(ingress([p], web, api, 8080).admitted).toBe(false);
    expect(ingress([p], pod('other', 'x', { app: 'x' }), api, 8080).admitted).toBe(false);
  });

  it('GIVEN the two selectors as two peers THEN either matches (OR)', () => {
    const p = np('shop', 'p', {
      podSelector: { matchLabels: { app: 'api' } },
      policyTypes: ['Ingress'],
      ingress: [
        { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'other' } } }, { podSelector: { matchLabels: { app: 'web' } } }] },
      ],
    });
    expect(ingress([p], pod('other', 'x', { app: 'x' }), api, 8080).admitted).toBe(true);
    expect(ingress([p], web, api, 8080).admitted).toBe(true);
    expect(ingress([p], db, api, 8080).admitted).toBe(false);
  });

  it('GIVEN a rule without from (or an empty one) THEN every source is admitted, inside or outside the cluster', () => {
    for (const r of [{}, { from: [] }]) {
      const p = np('shop', 'p', { podSelector: {}, policyTypes: ['Ingress'], ingress: [r] });
      expect(ingress([p], address('internet', ['1.2.3.4/32']), api, 8080).admitted).toBe(true);
      expect(ingress([p], db, api, 8080).admitted).toBe(true);
    }
  });

  it('GIVEN an empty namespaceSelector THEN pods of every namespace match', () => {
    const p = rule({ namespaceSelector: {}, podSelector: { matchLabels: { app: 'web' } } });
    expect(ingress([p], webInOther, api, 8080).admitted).toBe(true);
  });
});

describe('label selectors: matchLabels and matchExpressions', () => {
  const labels = { a: '1', b: '2' };
  it('GIVEN each operator THEN it has Kubernetes semantics', () => {
    expect(labelSelectorMatches({}, labels)).toBe(true);
    expect(labelSelectorMatches({ matchLabels: { a: '1' } }, labels)).toBe(true);
    expect(labelSelectorMatches({ matchLabels: { a: '2' } }, labels)).toBe(false);
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'a', operator: 'In', values: ['1', '3'] }] }, labels)).toBe(true);
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'c', operator: 'In', values: ['1'] }] }, labels)).toBe(false);
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, labels)).toBe(false);
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'c', operator: 'NotIn', values: ['1'] }] }, labels)).toBe(true);
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'b', operator: 'Exists' }] }, labels)).toBe(true);
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'c', operator: 'Exists' }] }, labels)).toBe(false);
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'c', operator: 'DoesNotExist' }] }, labels)).toBe(true);
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }] }, labels)).toBe(false);
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['0'] }] }, labels)).toBe(false);
    // matchLabels and matchExpressions are ANDed.
    expect(labelSelectorMatches({ matchLabels: { a: '1' }, matchExpressions: [{ key: 'b', operator: 'In', values: ['3'] }] }, labels)).toBe(false);
  });

  it('GIVEN expressions in a namespaceSelector and a podSelector THEN a policy admits by them', () => {
    const p = np('shop', 'p', {
      podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['api', 'web'] }] },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [
            {
              namespaceSelector: {
                matchExpressions: [
                  { key: 'team', operator: 'Exists' },
                  { key: 'tier', operator: 'NotIn', values: ['app'] },
                ],
              },
              podSelector: { matchExpressions: [{ key: 'legacy', operator: 'DoesNotExist' }] },
            },
          ],
        },
      ],
    });
    expect(ingress([p], db, api, 8080).admitted).toBe(true);
    expect(ingress([p], pod('data', 'old', { app: 'db', legacy: 'yes' }), api, 8080).admitted).toBe(false);
    expect(ingress([p], web, api, 8080).admitted).toBe(false);
    expect(ingress([p], db, pod('shop', 'job', { app: 'job' }), 8080).isolated).toBe(false);
  });

  it("GIVEN unknown labels (a tenant's pods) THEN only contradictory selectors are unsatisfiable", () => {
    expect(selectorSatisfiable({ matchLabels: { a: '1' }, matchExpressions: [{ key: 'b', operator: 'Exists' }] })).toBe(true);
    expect(selectorSatisfiable({ matchLabels: { a: '1' }, matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] })).toBe(false);
    expect(
      selectorSatisfiable({
        matchExpressions: [
          { key: 'a', operator: 'Exists' },
          { key: 'a', operator: 'DoesNotExist' },
        ],
      }),
    ).toBe(false);
    expect(selectorSatisfiable({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] })).toBe(false);
    expect(
      selectorText({
        matchLabels: { b: '2', a: '1' },
        matchExpressions: [
          { key: 'c', operator: 'DoesNotExist' },
          { key: 'd', operator: 'In', values: ['x', 'y'] },
        ],
      }),
    ).toBe('a=1,b=2,!c,d In (x,y)');
  });
});

describe('ports: numbers, names, ranges, protocols', () => {
  const onPorts = (ports: unknown[]) => np('shop', 'p', { podSelector: { matchLabels: { app: 'api' } }, policyTypes: ['Ingress'], ingress: [{ ports }] });

  it('GIVEN a numeric port THEN only that port (TCP by default) is admitted', () => {
    const p = onPorts([{ port: 8080 }]);
    expect(ingress([p], web, api, 8080).admitted).toBe(true);
    expect(ingress([p], web, api, 8081).admitted).toBe(false);
    expect(ingress([p], web, api, 8080, 'UDP').admitted).toBe(false);
  });

  it('GIVEN a named ingress port THEN it resolves against the container ports of the selected pod', () => {
    const p = onPorts([{ port: 'metrics' }]);
    expect(ingress([p], web, api, 9090).admitted).toBe(true);
    expect(ingress([p], web, api, 8080).admitted).toBe(false);
    const other = pod('shop', 'api2', { app: 'api' }, [{ name: 'metrics', port: 9100 }]);
    expect(ingress([p], web, other, 9100).admitted).toBe(true);
    expect(ingress([p], web, other, 9090).admitted).toBe(false);
  });

  it('GIVEN a named port with another protocol than the container port THEN it does not match', () => {
    expect(ingress([onPorts([{ port: 'dns', protocol: 'UDP' }])], web, api, 53, 'UDP').admitted).toBe(true);
    expect(ingress([onPorts([{ port: 'dns', protocol: 'TCP' }])], web, api, 53, 'TCP').admitted).toBe(false);
  });

  it('GIVEN a named egress port THEN it resolves against the destination pod, and never matches an address outside the cluster', () => {
    const p = np('data', 'p', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'http' }] }] });
    expect(egress([p], db, api, 8080).admitted).toBe(true);
    expect(egress([p], db, api, 9090).admitted).toBe(false);
    expect(egress([p], db, address('saas', ['1.2.3.4/32']), 8080).admitted).toBe(false);
  });

  it('GIVEN port with endPort THEN the whole range is admitted, bounds included', () => {
    const p = onPorts([{ port: 30000, endPort: 30010 }]);
    for (const [port, ok] of [
      [29999, false],
      [30000, true],
      [30005, true],
      [30010, true],
      [30011, false],
    ] as const)
      expect(ingress([p], web, api, port).admitted, String(port)).toBe(ok);
  });

  it('GIVEN a port entry with a protocol and no number THEN every port of that protocol is admitted', () => {
    const p = onPorts([{ protocol: 'UDP' }]);
    expect(ingress([p], web, api, 12345, 'UDP').admitted).toBe(true);
    expect(ingress([p], web, api, 12345, 'TCP').admitted).toBe(false);
  });

  it('GIVEN a blocked port THEN the message says which ports the policy admits', () => {
    expect(ingress([onPorts([{ port: 8080 }])], web, api, 9090).why).toBe('ingress of shop/api: p admits shop/web only on 8080/TCP');
  });
});

describe('ipBlock with except', () => {
  const fromBlock = (cidr: string, except?: string[]) =>
    np('shop', 'p', {
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ ipBlock: { cidr, ...(except ? { except } : {}) } }] }],
      egress: [{ to: [{ ipBlock: { cidr, ...(except ? { except } : {}) } }] }],
    });

  it('GIVEN an address outside the cluster THEN the ipBlock must cover all of it, minus except', () => {
    const saas = address('saas', ['203.0.113.0/24']);
    expect(egress([fromBlock('203.0.0.0/16')], api, saas, 443).admitted).toBe(true);
    expect(egress([fromBlock('203.0.113.0/25')], api, saas, 443).admitted).toBe(false);
    expect(egress([fromBlock('0.0.0.0/0', ['203.0.113.128/25'])], api, saas, 443).admitted).toBe(false);
    expect(egress([fromBlock('0.0.0.0/0', ['10.0.0.0/8'])], api, saas, 443).admitted).toBe(true);
  });

  it("GIVEN pod endpoints THEN their addresses are the profile's pod CIDRs", () => {
    const w = world(['100.64.0.0/16']);
    expect(ingress([fromBlock('100.64.0.0/10')], web, api, 8080, 'TCP', w).admitted).toBe(true);
    expect(ingress([fromBlock('100.64.0.0/10', ['100.64.128.0/17'])], web, api, 8080, 'TCP', w).admitted).toBe(false);
    expect(ingress([fromBlock('10.0.0.0/8')], web, api, 8080, 'TCP', w).admitted).toBe(false);
    // Unknown pod CIDRs: a pod may have any address, so only 0.0.0.0/0 surely covers it.
    expect(ingress([fromBlock('100.64.0.0/10')], web, api, 8080).admitted).toBe(false);
    expect(ingress([fromBlock('0.0.0.0/0')], web, api, 8080).admitted).toBe(true);
  });

  it('GIVEN CIDR sets THEN union, minus, within and text are exact', () => {
    const s = IpSet.block('10.0.0.0/8', ['10.1.0.0/16', '10.2.0.0/15']);
    expect(s.toString()).toBe('10.0.0.0/16, 10.4.0.0-10.255.255.255');
    expect(IpSet.of(['10.4.0.0/14']).within(s)).toBe(true);
    expect(IpSet.of(['10.1.2.0/24']).within(s)).toBe(false);
    expect(IpSet.of(['10.1.2.0/24']).overlaps(s)).toBe(false);
    expect(IpSet.of(['10.0.0.0/9', '10.128.0.0/9']).toString()).toBe('10.0.0.0/8');
    expect(IpSet.of(['10.0.0.7/8']).toString()).toBe('10.0.0.0/8');
    expect(IpSet.unparsable(['fd00::/8', '10.0.0.0/33', '10.0.0.0/8'])).toEqual(['fd00::/8', '10.0.0.0/33']);
  });
});

describe('several policies selecting one pod', () => {
  const deny = np('shop', 'default-deny', { podSelector: {}, policyTypes: ['Ingress'] });
  const allowWeb = np('shop', 'allow-web', {
    podSelector: { matchLabels: { app: 'api' } },
    ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 8080 }] }],
  });
  const allowData = np('shop', 'allow-data', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { tier: 'data' } } }] }] });

  it('GIVEN a default deny and allow policies THEN they add up: one admitting policy is enough', () => {
    expect(ingress([deny, allowWeb, allowData], web, api, 8080)).toEqual({ admitted: true, isolated: true, admittedBy: ['shop/allow-web'] });
    expect(ingress([deny, allowWeb, allowData], db, api, 8080).admittedBy).toEqual(['shop/allow-data']);
  });

  it('GIVEN nothing admits THEN every isolating policy is named, with what it admits', () => {
    expect(ingress([deny, allowWeb, allowData], webInOther, api, 8080)).toEqual({
      admitted: false,
      isolated: true,
      admittedBy: [],
      blockedBy: ['shop/allow-data', 'shop/allow-web', 'shop/default-deny'],
      why: 'ingress of shop/api: allow-data admits 8080/TCP only from namespaces {tier=data} (any pod); allow-web admits 8080/TCP only from namespace shop pods {app=web}; default-deny admits no ingress (default deny)',
    });
  });
});
