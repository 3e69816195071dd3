/**
 * The Gateway API traffic layer: weighted canaries, blue-green previews, gRPC routes, rate limits, tenant domains,
 * and what is refused (annotations, Ingress settings, conflicting host names).
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  AddOn,
  CanaryStep,
  ClusterAddOns,
  DeliveryTool,
  EnvironmentProfile,
  ImageReference,
  IngressHost,
  loadTenants,
  MicroserviceDeployment,
  MicroserviceDeploymentProps,
  PreviewRoute,
  PlatformNamespace,
  RolloutStrategy,
  TenantNamespace,
  TrafficRouterPlugin,
  defaultPlans,
} from '../../src';
import { evaluatePolicies } from '../../src/policy';
import { development, production, synthEnv } from '../helpers';
import { cleanup, deliverEnvironment } from '../addons/helpers';

afterEach(cleanup);

const DIGEST = `sha256:${'a'.repeat(64)}`;
const GW = 'gateway.networking.k8s.io';

/** Production, whose Argo Rollouts loads the Gateway API plugin (the reference profile does). */
const PRODUCTION: EnvironmentProfile = production;

function service(overrides: Partial<MicroserviceDeploymentProps> = {}): MicroserviceDeploymentProps {
  return {
    name: 'api',
    namespace: 'backend',
    image: ImageReference.fromDigest('ghcr.io/acme/api', DIGEST, '1.0.0'),
    ports: [{ name: 'http', port: 8080, servicePort: 80 }],
    ingress: { hosts: [IngressHost.subdomain('api')] },
    ...overrides,
  };
}

function build(props: MicroserviceDeploymentProps, profile: EnvironmentProfile = PRODUCTION) {
  return synthEnv((chart) => new MicroserviceDeployment(chart, props.name, props), profile);
}

describe("weighted canaries (Argo Rollouts' Gateway API plugin)", () => {
  it("GIVEN the production canary steps THEN each setWeight is a share of the requests the plugin writes into the HTTPRoute's backend weights", () => {
    const env = build(
      service({
        strategy: RolloutStrategy.canary({ steps: [CanaryStep.setWeight(10), CanaryStep.pause('5m'), CanaryStep.setWeight(50), CanaryStep.pause('10m')] }),
      }),
    );
    const canary = env.find('Rollout', 'api').spec.strategy.canary;
    expect(canary.steps.filter((s: any) => s.setWeight !== undefined).map((s: any) => s.setWeight)).toEqual([10, 50]);
    expect(canary.stableService).toBe('api');
    expect(canary.canaryService).toBe('api-canary');
    expect(canary.trafficRouting).toEqual({ plugins: { 'argoproj-labs/gatewayAPI': { namespace: 'backend', httpRoutes: [{ name: 'api' }] } } });
    // In Git: everything to stable; the plugin moves the weights during a rollout and back after it.
    expect(env.find('HTTPRoute', 'api').spec.rules[0].backendRefs).toEqual([
      { group: '', kind: 'Service', name: 'api', port: 80, weight: 100 },
      { group: '', kind: 'Service', name: 'api-canary', port: 80, weight: 0 },
    ]);
    expect(env.find('Service', 'api-canary').spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
  });

  it("GIVEN a weighted canary delivered by Argo CD THEN its Application ignores the route's backend weights, which the plugin moves", () => {
    const d = deliverEnvironment(
      PRODUCTION,
      (chart) => {
        new PlatformNamespace(chart, 'ns-backend', { name: 'backend' });
        new MicroserviceDeployment(chart, 'api', service({ strategy: RolloutStrategy.canary() }));
      },
      [DeliveryTool.argoCd()],
    );
    expect(d.find('argocd/production/apps', 'Application', 'production-backend').spec.ignoreDifferences).toContainEqual({
      group: GW,
      kind: 'HTTPRoute',
      name: 'api',
      namespace: 'backend',
      jqPathExpressions: ['.spec.rules[].backendRefs[].weight'],
    });
    expect(d.find('argocd/production/apps', 'Application', 'production-backend').spec.syncPolicy.syncOptions).toContain('RespectIgnoreDifferences=true');
  });

  it('GIVEN a canary with traffic routing and an Argo Rollouts add-on without the plugin THEN synth names the plugin to load', () => {
    const profile = { ...PRODUCTION, addOns: [...(PRODUCTION.addOns ?? []).filter((a) => a.name !== 'argo-rollouts'), AddOn.argoRollouts()] };
    expect(() => build(service({ strategy: RolloutStrategy.canary() }), profile)).toThrow(
      "production/api: a canary with traffic routing on Gateway API (strategy.trafficRouting) needs the argo-rollouts add-on with Argo Rollouts' Gateway API plugin: AddOn.argoRollouts({ trafficRouterPlugins: [TrafficRouterPlugin.gatewayApi()] }) (or set strategy.trafficRouting to false to split by replicas)",
    );
  });

  it('GIVEN trafficRouting false THEN the canary splits by replicas: one backend, no plugin', () => {
    const env = build(service({ strategy: RolloutStrategy.canary({ trafficRouting: false }) }));
    expect(env.find('Rollout', 'api').spec.strategy.canary.trafficRouting).toBeUndefined();
    expect(env.find('HTTPRoute', 'api').spec.rules[0].backendRefs).toEqual([{ group: '', kind: 'Service', name: 'api', port: 80 }]);
  });

  it('GIVEN a gRPC port THEN a GRPCRoute, and the canary names it as grpcRoutes', () => {
    const env = build(service({ ports: [{ name: 'grpc', port: 9090 }], strategy: RolloutStrategy.canary() }));
    expect(env.all('HTTPRoute').filter((r) => r.metadata.namespace === 'backend')).toEqual([]);
    const route = env.find('GRPCRoute', 'api');
    expect(route.spec.parentRefs).toEqual([{ group: GW, kind: 'Gateway', name: 'public', namespace: 'gateway', sectionName: 'https.api.example.com' }]);
    expect(route.spec.rules).toEqual([
      {
        backendRefs: [
          { group: '', kind: 'Service', name: 'api', port: 9090, weight: 100 },
          { group: '', kind: 'Service', name: 'api-canary', port: 9090, weight: 0 },
        ],
      },
    ]);
    expect(env.find('Rollout', 'api').spec.strategy.canary.trafficRouting.plugins['argoproj-labs/gatewayAPI']).toEqual({
      namespace: 'backend',
      grpcRoutes: [{ name: 'api' }],
    });
    expect(env.find('Service', 'api').spec.ports[0].appProtocol).toBe('kubernetes.io/h2c');
  });
});

describe('blue-green previews', () => {
  it("GIVEN a preview on its own host THEN a second HTTPRoute to the preview Service on that host's listener", () => {
    const env = build(
      service({
        strategy: RolloutStrategy.blueGreen({ autoPromotion: false, preview: PreviewRoute.host(IngressHost.subdomain('preview-api')) }),
      }),
    );
    const bg = env.find('Rollout', 'api').spec.strategy.blueGreen;
    expect([bg.activeService, bg.previewService]).toEqual(['api', 'api-preview']);
    expect(env.find('HTTPRoute', 'api').spec.rules[0].backendRefs).toEqual([{ group: '', kind: 'Service', name: 'api', port: 80 }]);
    expect(env.find('HTTPRoute', 'api-preview').spec).toEqual({
      parentRefs: [{ group: GW, kind: 'Gateway', name: 'public', namespace: 'gateway', sectionName: 'https.preview-api.example.com' }],
      hostnames: ['preview-api.example.com'],
      rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ group: '', kind: 'Service', name: 'api-preview', port: 80 }] }],
    });
    expect(env.find('Gateway', 'public', 'gateway').spec.listeners.map((l: any) => l.name)).toEqual([
      'http',
      'https.api.example.com',
      'https.preview-api.example.com',
    ]);
  });

  it("GIVEN a header-matched preview THEN the service's route sends requests with the header to the preview first", () => {
    const env = build(service({ strategy: RolloutStrategy.blueGreen({ preview: PreviewRoute.header('X-Preview', 'yes') }) }));
    expect(env.find('HTTPRoute', 'api').spec.rules).toEqual([
      {
        matches: [{ path: { type: 'PathPrefix', value: '/' }, headers: [{ type: 'Exact', name: 'x-preview', value: 'yes' }] }],
        backendRefs: [{ group: '', kind: 'Service', name: 'api-preview', port: 80 }],
      },
      { matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ group: '', kind: 'Service', name: 'api', port: 80 }] },
    ]);
  });
});

describe('what Gateway API refuses, and what it shares', () => {
  it('GIVEN free-form annotations THEN synth names the typed options instead', () => {
    expect(() =>
      build(service({ ingress: { hosts: [IngressHost.subdomain('api')], annotations: { 'nginx.ingress.kubernetes.io/proxy-body-size': '1m' } } })),
    ).toThrow(
      'production/api: ingress.annotations: got ["nginx.ingress.kubernetes.io/proxy-body-size"]; no annotation configures a Gateway API route: use the typed options (rateLimitRps, port, hosts, strategy.preview), or keep Ingress for this environment with profile.traffic = TrafficLayer.ingress(...)',
    );
  });

  it('GIVEN a rate limit without Envoy Gateway among the add-ons THEN synth says which add-on writes it', () => {
    const profile = {
      ...PRODUCTION,
      addOns: (PRODUCTION.addOns ?? []).filter((a) => a.name !== 'envoy-gateway'),
      clusterProvides: { ...PRODUCTION.clusterProvides, gatewayClasses: ['eg'] },
    };
    expect(() => build(service({ ingress: { hosts: [IngressHost.subdomain('api')], rateLimitRps: 5 } }), profile)).toThrow(
      'production/api: ingress.rateLimitRps: got 5; is written as Envoy Gateway\'s BackendTrafficPolicy, and no envoy-gateway add-on of this environment serves GatewayClass "eg": add AddOn.envoyGateway() to profile.addOns',
    );
  });

  it('GIVEN two platform services on one host with different paths THEN they share its listener', () => {
    const env = synthEnv((chart) => {
      new MicroserviceDeployment(chart, 'a', service({ name: 'a', ingress: { hosts: [IngressHost.subdomain('api', [{ path: '/a' }])] } }));
      new MicroserviceDeployment(chart, 'b', service({ name: 'b', ingress: { hosts: [IngressHost.subdomain('api', [{ path: '/b' }])] } }));
    }, PRODUCTION);
    expect(env.find('Gateway', 'public', 'gateway').spec.listeners.map((l: any) => l.name)).toEqual(['http', 'https.api.example.com']);
    expect(env.find('HTTPRoute', 'b').spec.parentRefs[0].sectionName).toBe('https.api.example.com');
  });
});

describe('tenant domains', () => {
  const TENANTS = `tenants:
  - id: acme
    plan: standard
    owners: { admin: [acme-admins] }
    environments: [production]
    sourceRepos: [https://github.com/acme/deploy.git]
    hostnames: [shop.acme.com, acme.example.com]
  - id: globex
    plan: standard
    owners: { admin: [globex-admins] }
    environments: [production]
    sourceRepos: [https://github.com/globex/deploy.git]
    hostnames: [globex.example.com]
`;
  const tenants = (text = TENANTS) => loadTenants(text, { environments: ['production'], plans: defaultPlans() });

  it('GIVEN a tenant with a custom domain THEN its listener admits only its namespace, with a certificate of its own, and its routes bind it', () => {
    const env = synthEnv((chart) => TenantNamespace.forEnvironment(chart, tenants()), PRODUCTION);
    const gw = env.find('Gateway', 'public', 'gateway');
    expect(gw.metadata.annotations).toEqual({ 'cert-manager.io/cluster-issuer': 'letsencrypt-prod' });
    const shop = gw.spec.listeners.find((l: any) => l.hostname === 'shop.acme.com');
    expect(shop).toEqual({
      name: 'https.shop.acme.com',
      hostname: 'shop.acme.com',
      protocol: 'HTTPS',
      port: 443,
      tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: 'tls.shop.acme.com' }] },
      allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { 'kubernetes.io/metadata.name': 'tenant-acme' } } } },
    });
    expect(gw.spec.listeners.map((l: any) => l.name)).toEqual(['http', 'https.acme.example.com', 'https.globex.example.com', 'https.shop.acme.com']);

    // A route the tenant deploys binds its listener; the same route from another tenant's namespace is not admitted.
    const route = (namespace: string) => ({
      object: {
        apiVersion: `${GW}/v1`,
        kind: 'HTTPRoute',
        metadata: { name: 'shop', namespace },
        spec: {
          parentRefs: [{ name: 'public', namespace: 'gateway', sectionName: 'https.shop.acme.com' }],
          hostnames: ['shop.acme.com'],
          rules: [{ backendRefs: [{ name: 'shop', port: 80 }] }],
        },
      },
      id: `production/${namespace}/HTTPRoute/shop`,
      file: `production/${namespace}/httproute-shop.yaml`,
      source: 'test',
      namespaced: true,
    });
    const svc = (namespace: string) => ({
      object: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'shop', namespace }, spec: { selector: { app: 'shop' }, ports: [{ port: 80 }] } },
      id: `production/${namespace}/Service/shop`,
      file: `production/${namespace}/service-shop.yaml`,
      source: 'test',
      namespaced: true,
    });
    const routeFindings = (namespace: string) =>
      evaluatePolicies({ name: 'production', directory: 'production', profile: PRODUCTION, documents: [...env.documents, route(namespace), svc(namespace)] })
        .violations.filter((v) => v.checkId.startsWith('route-'))
        .map((v) => v.text);
    expect(routeFindings('tenant-acme')).toEqual([]);
    expect(routeFindings('tenant-globex')).toEqual([
      'production/tenant-globex/HTTPRoute/shop: spec.parentRefs[0]: no listener of Gateway gateway/public named "https.shop.acme.com" admits HTTPRoutes from namespace "tenant-globex" (allowedRoutes) [route-targets-service]',
    ]);
  });

  it("GIVEN a tenant claiming a name under the platform's domain that is not its subdomain THEN synth names the entry and what is allowed", () => {
    const text = TENANTS.replace('hostnames: [globex.example.com]', 'hostnames: [www.example.com]');
    expect(() => synthEnv((chart) => TenantNamespace.forEnvironment(chart, tenants(text)), PRODUCTION)).toThrow(
      'tenants.yaml:13:17: tenants[1].hostnames[0]: got "www.example.com"; is under the platform\'s domain example.com (environment production); a tenant may claim there only its own subdomain globex.example.com and names below it, or domains of its own',
    );
  });

  it('GIVEN a tenant claiming a host a platform service exposes THEN synth names the tenant entry and the service', () => {
    const text = TENANTS.replace('hostnames: [globex.example.com]', 'hostnames: [globex.example.com, "*.globex.example.com"]');
    expect(() =>
      synthEnv((chart) => {
        new MicroserviceDeployment(chart, 'api', service({ ingress: { hosts: [IngressHost.exact('shop.globex.example.com')] } }));
        TenantNamespace.forEnvironment(chart, tenants(text));
      }, PRODUCTION),
    ).toThrow(
      'tenants.yaml:13:37: tenants[1].hostnames[1]: got "*.globex.example.com"; overlaps "shop.globex.example.com", which is already claimed by the platform (production/api) in environment production: a host name belongs to one tenant, or to the platform\'s services',
    );
  });

  it('GIVEN an environment that keeps Ingress THEN tenant hostnames are refused there', () => {
    const profile: EnvironmentProfile = {
      ...development,
      name: 'production',
      traffic: undefined,
      ingress: { className: 'nginx', controllerNamespace: 'ingress-nginx' },
    };
    expect(() => synthEnv((chart) => TenantNamespace.forEnvironment(chart, tenants()), profile)).toThrow(
      'tenants.yaml:7:17: tenants[0].hostnames[0]: got "shop.acme.com"; is bound on the environment\'s Gateway, and environment production keeps Ingress (profile.traffic, class "nginx"): remove the tenant\'s hostnames there, or move the environment to TrafficLayer.gatewayApi()',
    );
  });
});

describe('the Envoy Gateway add-on', () => {
  it('GIVEN production THEN the GatewayClass names an EnvoyProxy whose proxy pods are PSS restricted, two replicas with a PDB', () => {
    const env = synthEnv((chart) => {
      ClusterAddOns.of(chart);
    }, PRODUCTION);
    expect(env.find('GatewayClass', 'eg').spec).toEqual({
      controllerName: 'gateway.envoyproxy.io/gatewayclass-controller',
      description: 'Envoy Gateway of environment production',
      parametersRef: { group: 'gateway.envoyproxy.io', kind: 'EnvoyProxy', name: 'eg', namespace: 'envoy-gateway-system' },
    });
    const k8s = env.find('EnvoyProxy', 'eg', 'envoy-gateway-system').spec.provider.kubernetes;
    expect(k8s.envoyDeployment.replicas).toBe(2);
    expect(k8s.envoyPDB).toEqual({ minAvailable: 1 });
    expect(k8s.envoyDeployment.pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(k8s.envoyDeployment.container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      privileged: false,
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(env.find('Namespace', 'envoy-gateway-system').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });
});

describe('the reference profiles', () => {
  it('GIVEN every reference environment THEN Envoy Gateway serves the Gateway and cert-manager has Gateway API support', () => {
    for (const p of [development, production]) {
      const names = (p.addOns ?? []).map((a) => a.name);
      expect(names, p.name).toContain('envoy-gateway');
      expect(names, p.name).not.toContain('ingress-nginx');
      expect((p.addOns ?? []).find((a) => a.name === 'cert-manager')!.hasFeature('gateway-api'), p.name).toBe(true);
    }
    expect((production.addOns ?? []).find((a) => a.name === 'argo-rollouts')!.hasFeature('traffic-router:argoproj-labs/gatewayAPI')).toBe(true);
    expect(TrafficRouterPlugin.gatewayApi().name).toBe('argoproj-labs/gatewayAPI');
  });
});
