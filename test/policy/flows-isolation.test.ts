/**
 * The isolation proof on the flow proof's evaluator: tenants against each other, and against platform workloads
 * they are not entitled to (entitlements are their connections in the graph).
 */
import { describe, expect, it } from 'vitest';
import { ConnectionRecord, checkTenantIsolation } from '../../src';

const ns = (name: string, tenant?: string) => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels: tenant ? { 'platform.io/tenant': tenant } : {} },
});
const deny = (namespace: string) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'default-deny', namespace },
  spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
});
const byName = (n: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': n } } });
const db = {
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'pg', namespace: 'data' },
  spec: {
    selector: { matchLabels: { app: 'pg' } },
    template: {
      metadata: { labels: { app: 'pg' } },
      spec: {
        containers: [
          {
            name: 'pg',
            image: 'x',
            ports: [
              { name: 'pg', containerPort: 5432 },
              { name: 'metrics', containerPort: 9187 },
            ],
          },
        ],
      },
    },
  },
};
const base = [ns('data'), ns('tenant-a', 'a'), ns('tenant-b', 'b'), deny('data'), deny('tenant-a'), deny('tenant-b'), db];
const grant: ConnectionRecord = {
  from: { namespace: 'tenant-a', name: 'tenant-a', podSelector: {} },
  to: { namespace: 'data', name: 'pg', podSelector: { app: 'pg' } },
  ports: [{ name: 'pg', port: 5432 }],
  field: 'sharedServices[0]',
  path: 'test/tenant-a',
};
const pgIngress = (rules: unknown[]) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'pg', namespace: 'data' },
  spec: { podSelector: { matchLabels: { app: 'pg' } }, policyTypes: ['Ingress'], ingress: rules },
});

describe('isolation proof: tenants and the workloads they are entitled to', () => {
  it('GIVEN a datastore admitting the entitled tenant on the granted port THEN it is isolated', () => {
    expect(
      checkTenantIsolation([...base, pgIngress([{ from: [byName('tenant-a')], ports: [{ protocol: 'TCP', port: 5432 }] }])], { connections: [grant] }),
    ).toEqual([]);
  });

  it('GIVEN a datastore admitting a tenant that is not entitled THEN its rule is reported, naming the tenant, the workload and the port', () => {
    const docs = [...base, pgIngress([{ from: [byName('tenant-a'), byName('tenant-b')], ports: [{ protocol: 'TCP', port: 5432 }] }])];
    expect(checkTenantIsolation(docs, { connections: [grant] })).toEqual([
      'NetworkPolicy data/pg: ingress[0].from[1] admits tenant namespace(s) tenant-b to data/pg on 5432/TCP, which they are not entitled to',
    ]);
    // Without the graph there are no entitlements to compare with: only tenant-to-tenant is checked (as before).
    expect(checkTenantIsolation(docs)).toEqual([]);
  });

  it('GIVEN an entitled tenant admitted on more ports than granted (a named port, then every port) THEN the extra ports are reported', () => {
    expect(
      checkTenantIsolation([...base, pgIngress([{ from: [byName('tenant-a')], ports: [{ protocol: 'TCP', port: 'metrics' }] }])], { connections: [grant] }),
    ).toEqual(['NetworkPolicy data/pg: ingress[0].from[0] admits tenant namespace(s) tenant-a to data/pg on 9187/TCP, which they are not entitled to']);
    expect(
      checkTenantIsolation(
        [...base, pgIngress([{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'platform.io/tenant', operator: 'Exists' }] } }] }])],
        { connections: [grant] },
      ),
    ).toEqual([
      'NetworkPolicy data/pg: ingress[0].from[0] admits tenant namespace(s) tenant-a, tenant-b to data/pg on every port, which they are not entitled to',
    ]);
  });

  it('GIVEN a tenant whose own egress reaches a platform workload beyond its grant THEN that rule is reported', () => {
    const egress = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-shared-services', namespace: 'tenant-a' },
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            to: [{ ...byName('data'), podSelector: { matchLabels: { app: 'pg' } } }],
            ports: [
              { protocol: 'TCP', port: 5432 },
              { protocol: 'TCP', port: 9187 },
            ],
          },
        ],
      },
    };
    expect(checkTenantIsolation([...base, egress], { connections: [grant] })).toEqual([
      'NetworkPolicy tenant-a/allow-shared-services: egress[0].to[0] admits traffic to data/pg on 9187/TCP, which tenant-a is not entitled to',
    ]);
  });

  it('GIVEN a tenant policy admitting the other tenant THEN both directions are reported on their own', () => {
    const leak = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'leak', namespace: 'tenant-a' },
      spec: {
        podSelector: { matchLabels: { app: 'x' } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [byName('tenant-b')] }],
        egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }],
      },
    };
    expect(checkTenantIsolation([...base, leak], { podCidrs: ['10.244.0.0/16'] })).toEqual([
      "NetworkPolicy tenant-a/leak: ingress[0].from[0] admits traffic from other tenants' namespace(s) tenant-b",
      "NetworkPolicy tenant-a/leak: egress[0].to[0] is an ipBlock (10.0.0.0/8), which may cover other tenants' pod IPs",
    ]);
    // The ipBlock cannot reach pods when the pod CIDRs are elsewhere.
    expect(checkTenantIsolation([...base, leak], { podCidrs: ['100.64.0.0/16'] })).toEqual([
      "NetworkPolicy tenant-a/leak: ingress[0].from[0] admits traffic from other tenants' namespace(s) tenant-b",
    ]);
  });
});
