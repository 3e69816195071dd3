/**
 * Flow.declare: flows the library cannot see are admitted at the library's end and proved like any other.
 */
import { App } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { KubeNetworkPolicy } from '../../imports/k8s';
import { EnvironmentChart, EnvironmentOutput, ImageReference, MicroserviceDeployment, synthesizeToJson } from '../../src';
import { Flow, FlowEndpoint, flowText, proveFlows } from '../../src/policy/flows';
import { development } from '../helpers';

function build(declare: (chart: EnvironmentChart, api: MicroserviceDeployment) => void): EnvironmentOutput {
  const app = new App();
  const chart = new EnvironmentChart(app, { profile: development });
  const api = new MicroserviceDeployment(chart, 'api', {
    name: 'api',
    namespace: 'shop',
    image: ImageReference.fromTag('ghcr.io/acme/api', '1.0.0'),
    ports: [{ name: 'http', port: 8080 }],
  });
  declare(chart, api);
  return synthesizeToJson(app).envs[0]!;
}

function policy(env: EnvironmentOutput, name: string): Record<string, any> {
  return env.documents.find((d) => d.object.kind === 'NetworkPolicy' && d.object.metadata.name === name)!.object;
}

function flow(env: EnvironmentOutput, text: string) {
  return proveFlows(env).flows.find((f) => flowText(f) === text);
}

describe('Flow.declare', () => {
  it('GIVEN a service calling a SaaS API THEN its egress admits the CIDRs on the port and the proof lists the flow as admitted', () => {
    const env = build((chart, api) => {
      Flow.declare(chart, 'api-to-stripe', {
        from: api,
        to: FlowEndpoint.external('stripe', { cidrs: ['203.0.113.0/24'], ports: [{ name: 'https', port: 443 }] }),
      });
    });
    expect(policy(env, 'api').spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '203.0.113.0/24' } }], ports: [{ protocol: 'TCP', port: 443 }] });
    const f = flow(env, 'shop/api -> external/stripe:443/TCP');
    expect(f).toMatchObject({ origins: ['Flow.declare api-to-stripe'], admitted: true, egress: { admittedBy: ['shop/api'] } });
    expect(proveFlows(env).violations).toEqual([]);
  });

  it('GIVEN pods outside the library calling a service THEN the service admits them and the proof checks it', () => {
    const env = build((chart, api) => {
      Flow.declare(chart, 'agent-to-api', {
        from: FlowEndpoint.pods('agent', { namespace: 'vendor', podSelector: { app: 'agent' } }),
        to: api,
        ports: ['http'],
      });
    });
    expect(policy(env, 'api').spec.ingress).toContainEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'vendor' } }, podSelector: { matchLabels: { app: 'agent' } } }],
      ports: [{ protocol: 'TCP', port: 8080 }],
    });
    expect(flow(env, 'vendor/agent -> shop/api:8080/TCP')).toMatchObject({
      origins: ['Flow.declare agent-to-api'],
      admitted: true,
      ingress: { admittedBy: ['shop/api'] },
    });
  });

  it('GIVEN addresses outside the cluster calling a service THEN its ingress admits them by ipBlock', () => {
    const env = build((chart, api) => {
      Flow.declare(chart, 'office', { from: FlowEndpoint.external('office', { cidrs: ['198.51.100.0/24'] }), to: api });
    });
    expect(policy(env, 'api').spec.ingress).toContainEqual({ from: [{ ipBlock: { cidr: '198.51.100.0/24' } }], ports: [{ protocol: 'TCP', port: 8080 }] });
    expect(flow(env, 'external/office -> shop/api:8080/TCP')?.admitted).toBe(true);
  });

  it('GIVEN a declared flow to pods whose namespace denies by default in dist/ THEN the proof reports the far end', () => {
    const env = build((chart, api) => {
      new KubeNetworkPolicy(chart, 'deny', { metadata: { name: 'default-deny', namespace: 'shop' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } });
      Flow.declare(chart, 'api-to-inventory', {
        from: api,
        to: FlowEndpoint.pods('inventory', { namespace: 'shop', podSelector: { app: 'inventory' }, ports: [{ name: 'grpc', port: 9000 }] }),
      });
    });
    expect(flow(env, 'shop/api -> shop/inventory:9000/TCP')).toMatchObject({ admitted: false, egress: { admittedBy: ['shop/api'] } });
    expect(proveFlows(env).violations).toEqual([
      'development: shop/api -> shop/inventory:9000/TCP: blocked by shop/default-deny (ingress of shop/inventory: default-deny admits no ingress (default deny))',
    ]);
  });

  it('GIVEN bad input THEN it fails early with the construct path, the field and what is allowed', () => {
    expect(() =>
      build((chart) => {
        Flow.declare(chart, 'nothing', {
          from: FlowEndpoint.pods('a', { namespace: 'x', podSelector: {} }),
          to: FlowEndpoint.external('b', { ports: [{ name: 'https', port: 443 }] }),
        });
      }),
    ).toThrow(
      'development/nothing: to: got "b"; one end must be a workload of this library (a MicroserviceDeployment, a StatefulDatastore, ...): only those write NetworkPolicies',
    );
    expect(() =>
      build((chart, api) => {
        Flow.declare(chart, 'bad-cidr', { from: api, to: FlowEndpoint.external('saas', { cidrs: ['10.0.0.0/33'], ports: [{ name: 'https', port: 443 }] }) });
      }),
    ).toThrow('development/bad-cidr: to.cidrs[0]: got "10.0.0.0/33"; must be a CIDR such as "203.0.113.0/24"');
    expect(() =>
      build((chart, api) => {
        Flow.declare(chart, 'no-port', { from: api, to: FlowEndpoint.external('saas', { ports: [] }) });
      }),
    ).toThrow('development/no-port: to.ports: got []; an external target needs at least one port (NetworkPolicies open egress per port)');
    expect(() =>
      build((chart, api) => {
        Flow.declare(chart, 'wrong-port', {
          from: FlowEndpoint.pods('agent', { namespace: 'vendor', podSelector: { app: 'agent' } }),
          to: api,
          ports: ['grpc'],
        });
      }),
    ).toThrow('development/wrong-port: ports[0]: got "grpc"; "api" accepts connections on http (8080)');
  });
});
