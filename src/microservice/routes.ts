/**
 * A service's exposure on Gateway API: an HTTPRoute `<name>` (a GRPCRoute for a gRPC port) bound to the listener of
 * each of its hosts on the environment's Gateway, the canary's stable and canary backends with their weights (Argo
 * Rollouts' Gateway API plugin moves them), the blue-green preview's route, and the rate limit as Envoy Gateway's
 * BackendTrafficPolicy.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { GrpcRoute, HttpRoute } from '../../imports/gateway.networking.k8s.io';
import { BackendTrafficPolicy } from '../../imports/gateway.envoyproxy.io';
import { fail } from '../core/errors';
import { EnvironmentGateway, GATEWAY_API_GROUP } from '../traffic/environment-gateway';
import { ResolvedExposure, ResolvedHost } from './exposure-resolve';
import { ResolvedMicroservice } from './resolve';

/** Weights of the stable and canary backends in Git: all traffic to stable until a rollout moves them. */
export const STABLE_WEIGHT = 100;
export const CANARY_WEIGHT = 0;

/** The routes of one service: their kind and names (the Rollout's traffic routing lists them). */
export interface ServiceRoutes {
  readonly kind: 'HTTPRoute' | 'GRPCRoute';
  readonly names: readonly string[];
}

const PATH_TYPE = { Prefix: 'PathPrefix', Exact: 'Exact' } as const;

/** Hosts grouped by identical paths (a route's rules apply to all its hosts), in the order of their first host. */
function groupByPaths(hosts: readonly ResolvedHost[]): ResolvedHost[][] {
  const groups = new Map<string, ResolvedHost[]>();
  for (const h of hosts) {
    const key = JSON.stringify(h.paths);
    const g = groups.get(key);
    if (g) g.push(h);
    else groups.set(key, [h]);
  }
  return [...groups.values()];
}

/** Name of the `i`-th route of the service `name`: `<name>`, then `<name>-2`, ... */
function routeName(name: string, i: number): string {
  return i === 0 ? name : `${name}-${i + 1}`;
}

/** Names of the routes `e` becomes for the service `name`: one per group of paths (one GRPCRoute for gRPC). */
export function serviceRoutes(name: string, e: ResolvedExposure): ServiceRoutes {
  const count = e.grpc ? 1 : groupByPaths(e.hosts).length;
  return { kind: e.grpc ? 'GRPCRoute' : 'HTTPRoute', names: Array.from({ length: count }, (_, i) => routeName(name, i)) };
}

/** The routes, preview route and rate limit of `r` on the environment's Gateway. */
export function addGatewayRoutes(scope: Construct, r: ResolvedMicroservice, e: ResolvedExposure): void {
  const gateway = EnvironmentGateway.of(scope, 'ingress');
  const claim = (h: ResolvedHost) =>
    gateway.claim({ host: h.host, namespace: r.namespace, owner: scope.node.path }, (allowed) => fail(scope, h.field, h.host, allowed));
  for (const h of e.hosts) claim(h);
  if (e.preview?.kind === 'host') claim(e.preview.host);

  const port = e.port.servicePort;
  const backend = (name: string, weight?: number) => ({ group: '', kind: 'Service', name, port, ...(weight !== undefined ? { weight } : {}) });
  // A weighted canary routes to both Services; Argo Rollouts' plugin moves the weights during a rollout.
  const backends = r.canaryRouting === 'gatewayApi' ? [backend(r.name, STABLE_WEIGHT), backend(`${r.name}-canary`, CANARY_WEIGHT)] : [backend(r.name)];
  const metadata = (name: string) => ({ name, namespace: r.namespace, labels: { ...r.labels } });
  const routes = serviceRoutes(r.name, e);

  if (e.grpc) {
    new ApiObject(scope, 'GRPCRoute', {
      ...GrpcRoute.GVK,
      metadata: metadata(r.name),
      spec: { parentRefs: e.hosts.map((h) => gateway.parentRef(h.host)), hostnames: e.hosts.map((h) => h.host), rules: [{ backendRefs: backends }] },
    });
  } else {
    groupByPaths(e.hosts).forEach((hosts, i) => {
      // Hosts of a group share their paths (groupByPaths): the first host's are the group's.
      const matches = hosts[0]!.paths.map((p) => ({ path: { type: PATH_TYPE[p.pathType], value: p.path } }));
      const rules: Record<string, unknown>[] = [];
      // A header-matched preview: more specific than the same paths without the header, so it wins when present.
      if (e.preview?.kind === 'header') {
        const header = { type: 'Exact', name: e.preview.header, value: e.preview.value };
        rules.push({ matches: matches.map((m) => ({ ...m, headers: [header] })), backendRefs: [backend(`${r.name}-preview`)] });
      }
      rules.push({ matches, backendRefs: backends });
      new ApiObject(scope, i === 0 ? 'HTTPRoute' : `HTTPRoute-${i + 1}`, {
        ...HttpRoute.GVK,
        metadata: metadata(routeName(r.name, i)),
        spec: { parentRefs: hosts.map((h) => gateway.parentRef(h.host)), hostnames: hosts.map((h) => h.host), rules },
      });
    });
  }

  if (e.preview?.kind === 'host') {
    const h = e.preview.host;
    const previewBackends = [backend(`${r.name}-preview`)];
    new ApiObject(scope, 'PreviewRoute', {
      ...(e.grpc ? GrpcRoute.GVK : HttpRoute.GVK),
      metadata: metadata(`${r.name}-preview`),
      spec: {
        parentRefs: [gateway.parentRef(h.host)],
        hostnames: [h.host],
        rules: [
          e.grpc
            ? { backendRefs: previewBackends }
            : { matches: h.paths.map((p) => ({ path: { type: PATH_TYPE[p.pathType], value: p.path } })), backendRefs: previewBackends },
        ],
      },
    });
  }

  if (e.rateLimitRps !== undefined) {
    if (!gateway.envoyGateway) {
      fail(
        scope,
        'ingress.rateLimitRps',
        e.rateLimitRps,
        `is written as Envoy Gateway's BackendTrafficPolicy, and no envoy-gateway add-on of this environment serves GatewayClass "${gateway.traffic.className}": add AddOn.envoyGateway() to profile.addOns`,
      );
    }
    // Envoy Gateway's local rate limit: a token bucket per Envoy replica and route (local limits cannot count per
    // client address; a global limit needs a Redis-backed rate-limit service).
    new ApiObject(scope, 'BackendTrafficPolicy', {
      ...BackendTrafficPolicy.GVK,
      metadata: metadata(r.name),
      spec: {
        targetRefs: routes.names.map((name) => ({ group: GATEWAY_API_GROUP, kind: routes.kind, name })),
        rateLimit: { type: 'Local', local: { rules: [{ limit: { requests: e.rateLimitRps, unit: 'Second' } }] } },
      },
    });
  }
}
