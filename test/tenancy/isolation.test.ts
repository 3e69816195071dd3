import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS } from '../../charts';
import {
  Engine,
  EnvironmentOutput,
  EnvironmentProfile,
  Plan,
  PlatformNamespace,
  StatefulDatastore,
  TenantNamespace,
  checkNamespaceGuardrails,
  checkTenantIsolation,
  defaultPlans,
  loadTenantsFile,
  tenancyChecksPlugin,
} from '../../src';
import { namespaceSelectorMatches } from '../../src/tenancy/isolation';
import { development, production, synthEnv } from '../helpers';

const TENANTS = loadTenantsFile(path.resolve(__dirname, '..', '..', 'tenants.yaml'), { environments: ENVIRONMENTS.map((e) => e.name), plans: defaultPlans() });

/** n tenants across the plans, some entitled to a shared service, plus platform namespaces: a realistic environment. */
function environment(n: number, profile: EnvironmentProfile = development) {
  return synthEnv((chart) => {
    for (let i = 0; i < n; i++) {
      new TenantNamespace(chart, `t${i}`, {
        tenant: `t${i}`,
        plan: [Plan.free(), Plan.standard(), Plan.enterprise()][i % 3]!,
        owners: { admin: [`t${i}-admins`] },
        sourceRepos: [`https://git.example.com/t${i}.git`],
        sharedServices: i % 2 === 0 ? [{ name: 'postgres', namespace: 'db-postgres', ports: [{ port: 5432 }] }] : [],
      });
    }
    new PlatformNamespace(chart, 'db-postgres', { name: 'db-postgres', concern: 'database' });
    new PlatformNamespace(chart, 'logging', { name: 'logging', exemptFromRestricted: { reason: 'Fluent Bit mounts /var/log (hostPath)' } });
  }, profile);
}

/** A tenant-namespace NetworkPolicy document for negative tests. */
function policy(ns: string, name: string, spec: Record<string, any>) {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec };
}

/**
 * Brute force over every ordered pair of tenant namespaces (a, b): no policy in b admits ingress from a, and no
 * policy in a admits egress to b. Independent of checkTenantIsolation's indexing, so it cross-checks it.
 */
function pairwiseLeaks(docs: Record<string, any>[]): string[] {
  const tenants = docs.filter((d) => d.kind === 'Namespace' && d.metadata.labels?.['platform.io/tenant']);
  const labelsOf = (ns: any) => ({ ...ns.metadata.labels, 'kubernetes.io/metadata.name': ns.metadata.name });
  const policiesIn = new Map<string, any[]>();
  for (const d of docs.filter((x) => x.kind === 'NetworkPolicy')) policiesIn.set(d.metadata.namespace, [...(policiesIn.get(d.metadata.namespace) ?? []), d]);
  const admits = (np: any, key: 'ingress' | 'egress', peerKey: 'from' | 'to', other: any) =>
    (np.spec[key] ?? []).some(
      (rule: any) =>
        (rule[peerKey] ?? []).length === 0 ||
        rule[peerKey].some((p: any) => p.ipBlock || (p.namespaceSelector && namespaceSelectorMatches(p.namespaceSelector, labelsOf(other)))),
    );
  const leaks: string[] = [];
  for (const a of tenants) {
    for (const b of tenants) {
      if (a === b) continue;
      for (const np of policiesIn.get(b.metadata.name) ?? [])
        if (admits(np, 'ingress', 'from', a)) leaks.push(`${b.metadata.name}/${np.metadata.name} admits from ${a.metadata.name}`);
      for (const np of policiesIn.get(a.metadata.name) ?? [])
        if (admits(np, 'egress', 'to', b)) leaks.push(`${a.metadata.name}/${np.metadata.name} admits to ${b.metadata.name}`);
    }
  }
  return leaks;
}

describe('tenant isolation (static proof)', () => {
  for (const profile of ENVIRONMENTS) {
    it(`GIVEN tenants.yaml in ${profile.name} WHEN synthesized THEN no pair of tenant namespaces can reach each other and every namespace denies by default`, () => {
      const env = synthEnv((chart) => {
        TenantNamespace.forEnvironment(chart, TENANTS);
        // tenants.yaml entitles tenants to the Redis workload by name: it must exist (its policy admits them).
        new StatefulDatastore(chart, 'redis', { name: 'redis', namespace: 'db-redis', engine: Engine.redis() });
      }, profile);
      expect(env.all('Namespace').length).toBeGreaterThan(0);
      expect(checkTenantIsolation(env.docs)).toEqual([]);
      expect(pairwiseLeaks(env.docs)).toEqual([]);
      expect(checkNamespaceGuardrails(env.docs)).toEqual([]);
    });
  }

  it('GIVEN 30 tenants and platform namespaces WHEN checked pair by pair THEN no NetworkPolicy admits traffic between two tenants', () => {
    const env = environment(30);
    const tenants = env.all('Namespace').filter((n) => n.metadata.labels['platform.io/tenant']);
    expect(tenants).toHaveLength(30);
    expect(pairwiseLeaks(env.docs)).toEqual([]);
    expect(checkTenantIsolation(env.docs)).toEqual([]);
  });

  it('GIVEN every namespace WHEN checked THEN each has a default deny for both directions', () => {
    const env = environment(5);
    for (const ns of env.all('Namespace')) {
      const deny = env
        .all('NetworkPolicy')
        .filter((p) => p.metadata.namespace === ns.metadata.name && Object.keys(p.spec.podSelector).length === 0 && !p.spec.ingress && !p.spec.egress);
      expect(deny.flatMap((p) => p.spec.policyTypes).sort()).toEqual(['Egress', 'Ingress']);
    }
  });

  describe('checkTenantIsolation finds leaks', () => {
    const docs = environment(3).docs;

    it('GIVEN a policy admitting another tenant namespace by name THEN it is reported', () => {
      const leak = policy('tenant-t0', 'leak', {
        podSelector: {},
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'tenant-t1' } } }] }],
      });
      expect(checkTenantIsolation([...docs, leak])).toEqual([
        "NetworkPolicy tenant-t0/leak: ingress[0].from[0] admits traffic from other tenants' namespace(s) tenant-t1",
      ]);
      // The brute-force cross-check sees the same leak, so its empty results above are meaningful.
      expect(pairwiseLeaks([...docs, leak])).toEqual(['tenant-t0/leak admits from tenant-t1']);
    });

    it('GIVEN an egress to every tenant by label THEN every other tenant is named', () => {
      const leak = policy('tenant-t0', 'leak', {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{ to: [{ namespaceSelector: { matchExpressions: [{ key: 'platform.io/tenant', operator: 'Exists' }] } }] }],
      });
      expect(checkTenantIsolation([...docs, leak])).toEqual([
        "NetworkPolicy tenant-t0/leak: egress[0].to[0] admits traffic to other tenants' namespace(s) tenant-t1, tenant-t2",
      ]);
    });

    it('GIVEN a rule without peers or an ipBlock THEN it is reported', () => {
      const open = policy('tenant-t1', 'open', {
        podSelector: {},
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ ports: [{ port: 80 }] }],
        egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }],
      });
      expect(checkTenantIsolation([...docs, open])).toEqual([
        'NetworkPolicy tenant-t1/open: ingress[0] has no "from" and admits traffic from every namespace, including other tenants\'',
        "NetworkPolicy tenant-t1/open: egress[0].to[0] is an ipBlock (0.0.0.0/0), which may cover other tenants' pod IPs",
      ]);
    });

    it('GIVEN an empty namespaceSelector THEN it is reported', () => {
      const open = policy('tenant-t2', 'all-ns', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }] }] });
      expect(checkTenantIsolation([...docs, open])).toEqual([
        "NetworkPolicy tenant-t2/all-ns: ingress[0].from[0] admits traffic from other tenants' namespace(s) tenant-t0, tenant-t1",
      ]);
    });

    it('GIVEN a policy admitting a platform namespace or its own namespace THEN nothing is reported', () => {
      const ok = policy('tenant-t0', 'ok', {
        podSelector: {},
        ingress: [
          {
            from: [
              { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'logging' } } },
              { namespaceSelector: { matchLabels: { 'platform.io/tenant': 't0' } } },
              { podSelector: {} },
            ],
          },
        ],
      });
      expect(checkTenantIsolation([...docs, ok])).toEqual([]);
    });

    it('GIVEN a namespace without a default deny THEN both missing directions are reported', () => {
      const bare = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bare' } };
      const egressOnly = policy('half', 'deny-egress', { podSelector: {}, policyTypes: ['Egress'] });
      const half = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'half' } };
      expect(checkTenantIsolation([...docs, bare, half, egressOnly])).toEqual([
        'Namespace bare: no default-deny NetworkPolicy for Ingress (podSelector {} with policyTypes Ingress and no ingress rules)',
        'Namespace bare: no default-deny NetworkPolicy for Egress (podSelector {} with policyTypes Egress and no egress rules)',
        'Namespace half: no default-deny NetworkPolicy for Ingress (podSelector {} with policyTypes Ingress and no ingress rules)',
      ]);
    });
  });

  describe('namespaceSelectorMatches', () => {
    const labels = { a: '1', b: '2' };
    it('GIVEN each operator THEN it follows Kubernetes semantics', () => {
      expect(namespaceSelectorMatches({}, labels)).toBe(true);
      expect(namespaceSelectorMatches({ matchLabels: { a: '1' } }, labels)).toBe(true);
      expect(namespaceSelectorMatches({ matchLabels: { a: '2' } }, labels)).toBe(false);
      expect(namespaceSelectorMatches({ matchExpressions: [{ key: 'a', operator: 'In', values: ['1', '3'] }] }, labels)).toBe(true);
      expect(namespaceSelectorMatches({ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, labels)).toBe(false);
      expect(namespaceSelectorMatches({ matchExpressions: [{ key: 'c', operator: 'NotIn', values: ['1'] }] }, labels)).toBe(true);
      expect(namespaceSelectorMatches({ matchExpressions: [{ key: 'c', operator: 'Exists' }] }, labels)).toBe(false);
      expect(namespaceSelectorMatches({ matchExpressions: [{ key: 'c', operator: 'DoesNotExist' }] }, labels)).toBe(true);
    });
  });

  describe('checkNamespaceGuardrails', () => {
    it('GIVEN tenant and platform namespaces WHEN checked THEN all have PSA labels, quota and LimitRange', () => {
      expect(checkNamespaceGuardrails(environment(3).docs)).toEqual([]);
    });

    it('GIVEN a bare namespace and an unexplained privileged one THEN each gap is reported', () => {
      const bare = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bare' } };
      const priv = {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name: 'priv',
          labels: Object.fromEntries(
            ['enforce', 'audit', 'warn'].flatMap((m) => [
              [`pod-security.kubernetes.io/${m}`, 'privileged'],
              [`pod-security.kubernetes.io/${m}-version`, 'v1.27'],
            ]),
          ),
        },
      };
      const quota = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q', namespace: 'priv' } };
      const lr = { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'l', namespace: 'priv' } };
      expect(checkNamespaceGuardrails([bare, priv, quota, lr])).toEqual([
        'Namespace bare: missing Pod Security Admission labels pod-security.kubernetes.io/enforce and pod-security.kubernetes.io/enforce-version',
        'Namespace bare: missing Pod Security Admission labels pod-security.kubernetes.io/audit and pod-security.kubernetes.io/audit-version',
        'Namespace bare: missing Pod Security Admission labels pod-security.kubernetes.io/warn and pod-security.kubernetes.io/warn-version',
        'Namespace bare: no ResourceQuota',
        'Namespace bare: no LimitRange',
        'Namespace priv: enforces "privileged" instead of "restricted" without a platform.io/pss-exemption-reason annotation',
      ]);
    });
  });

  describe('tenancyChecksPlugin', () => {
    const bare = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bare' } };
    const output = (profile: EnvironmentProfile): EnvironmentOutput => ({
      name: profile.name,
      directory: profile.name,
      profile,
      documents: [{ object: bare, id: `${profile.name}/_cluster/Namespace/bare`, file: 'x', source: 'x', namespaced: false }],
    });

    it('GIVEN an environment that enforces policies THEN violations are errors', () => {
      const r = tenancyChecksPlugin().check!(output(production), { outdir: '/tmp' });
      expect(r.warnings).toEqual([]);
      expect(r.errors[0]).toBe(
        'production: Namespace bare: no default-deny NetworkPolicy for Ingress (podSelector {} with policyTypes Ingress and no ingress rules)',
      );
      expect(r.errors).toHaveLength(7);
    });

    it('GIVEN an environment that does not enforce policies THEN violations are warnings', () => {
      const r = tenancyChecksPlugin().check!(output(development), { outdir: '/tmp' });
      expect(r.errors).toEqual([]);
      expect(r.warnings).toHaveLength(7);
    });
  });
});

describe('ipBlock rules and the cluster pod CIDRs', () => {
  const docs = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tenant-a', labels: { 'platform.io/tenant': 'a' } } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tenant-b', labels: { 'platform.io/tenant': 'b' } } },
    ...['tenant-a', 'tenant-b'].map((ns) => ({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'default-deny-all', namespace: ns },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    })),
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-shared-services', namespace: 'tenant-a' },
      spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.20.0.0/16' } }], ports: [{ port: 6379, protocol: 'TCP' }] }] },
    },
  ];

  it('GIVEN no pod CIDRs THEN an ipBlock may reach other tenants and is reported', () => {
    expect(checkTenantIsolation(docs as any)).toEqual([
      "NetworkPolicy tenant-a/allow-shared-services: egress[0].to[0] is an ipBlock (10.20.0.0/16), which may cover other tenants' pod IPs",
    ]);
  });

  it('GIVEN pod CIDRs that the ipBlock does not overlap THEN it cannot reach pods and passes', () => {
    expect(checkTenantIsolation(docs as any, { podCidrs: ['100.64.0.0/16'] })).toEqual([]);
  });

  it('GIVEN pod CIDRs that the ipBlock overlaps THEN it is reported', () => {
    expect(checkTenantIsolation(docs as any, { podCidrs: ['10.20.128.0/17'] })).toHaveLength(1);
  });
});
