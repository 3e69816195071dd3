/**
 * Pure resolution of how a service is exposed (`ingress`) and how its canary splits traffic, against the
 * environment's traffic layer: hosts, paths, port, gRPC, rate limit, preview. The same resolved exposure becomes
 * Gateway API routes or an Ingress (exposure.ts, routes.ts), so switching the layer keeps the exposure.
 */
import { fail } from '../core/errors';
import { ResolvedTraffic, trafficOf } from '../core/traffic-layer';
import type { EnvironmentProfile } from '../core/environment-profile';
import { hostnameProblem } from '../traffic/hostnames';
import type { IngressPath } from './networking';
import type { IngressOptions, ServicePortSpec } from './props';
import type { RolloutStrategy } from './strategy';

/** Where an error is reported: the construct, or a construct path. */
type Scope = Parameters<typeof fail>[0];

/** A port with its Service port, protocol and application protocol defaulted. */
export interface ExposedPort extends ServicePortSpec {
  readonly servicePort: number;
  readonly protocol: 'TCP' | 'UDP';
  readonly appProtocol: 'http' | 'grpc';
}

/** One host of the exposure with its paths. */
export interface ResolvedHost {
  readonly host: string;
  /** The field it came from, for messages (`ingress.hosts[1]`). */
  readonly field: string;
  readonly paths: readonly Required<IngressPath>[];
}

/** How the service is exposed, resolved. */
export interface ResolvedExposure {
  readonly traffic: ResolvedTraffic;
  readonly hosts: readonly ResolvedHost[];
  /** The Service port traffic goes to. */
  readonly port: ExposedPort;
  /** A gRPC port: a GRPCRoute (Gateway API), `backend-protocol: GRPC` (nginx). */
  readonly grpc: boolean;
  readonly rateLimitRps?: number;
  /** Plain HTTP redirects to HTTPS (with TLS). */
  readonly sslRedirect: boolean;
  /** Ingress only. */
  readonly className?: string;
  /** Ingress only. */
  readonly annotations: Readonly<Record<string, string>>;
  /** The blue-green preview from outside. */
  readonly preview?: { readonly kind: 'host'; readonly host: ResolvedHost } | { readonly kind: 'header'; readonly header: string; readonly value: string };
}

/** How a canary's traffic is split: by route weights (Gateway API plugin, nginx), or by replicas. */
export type CanaryRouting = 'gatewayApi' | 'nginx' | undefined;

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]{1,256}$/;
const DEFAULT_PATHS: readonly Required<IngressPath>[] = [{ path: '/', pathType: 'Prefix' }];

/** The application protocol of a port: explicit, else gRPC by name (`grpc`, `grpc-*`), else HTTP. */
export function appProtocolOf(p: ServicePortSpec): 'http' | 'grpc' {
  return p.appProtocol ?? (p.name === 'grpc' || p.name.startsWith('grpc-') ? 'grpc' : 'http');
}

/** Resolves and checks `ingress` against the traffic layer (undefined when the service is not exposed). */
export function resolveExposure(
  scope: Scope,
  i: IngressOptions | undefined,
  ports: readonly ExposedPort[],
  strategy: RolloutStrategy,
  profile: EnvironmentProfile,
): ResolvedExposure | undefined {
  const o = strategy.options;
  if (!i) {
    if (o.kind === 'blueGreen' && o.preview)
      fail(scope, 'strategy.preview', o.preview.spec.kind, "reaches the preview through the service's exposure: set `ingress`");
    return undefined;
  }
  const traffic = trafficOf(profile);
  const gateway = traffic.kind === 'gatewayApi';
  if (ports.length === 0) fail(scope, 'ingress', 'set', 'an Ingress routes to the Service: declare `ports`');
  if (i.hosts.length === 0) fail(scope, 'ingress.hosts', [], 'must list at least one host');
  const port = i.port === undefined ? ports[0] : ports.find((p) => p.name === i.port);
  if (!port) fail(scope, 'ingress.port', i.port, `must name one of the ports: ${ports.map((p) => p.name).join(', ')}`);
  if (i.rateLimitRps !== undefined && (!Number.isInteger(i.rateLimitRps) || i.rateLimitRps < 1)) {
    fail(scope, 'ingress.rateLimitRps', i.rateLimitRps, 'must be an integer >= 1');
  }
  const grpc = port.appProtocol === 'grpc';
  const tls = profile.tlsIssuer !== undefined;
  if (gateway) {
    if (i.className !== undefined)
      fail(
        scope,
        'ingress.className',
        i.className,
        `is an Ingress setting; under Gateway API the routes bind the environment's Gateway (class "${traffic.className}" from profile.traffic): remove it`,
      );
    if (i.annotations !== undefined && Object.keys(i.annotations).length > 0) {
      fail(
        scope,
        'ingress.annotations',
        Object.keys(i.annotations).sort(),
        'no annotation configures a Gateway API route: use the typed options (rateLimitRps, port, hosts, strategy.preview), or keep Ingress for this environment with profile.traffic = TrafficLayer.ingress(...)',
      );
    }
    if (tls && i.sslRedirect === false)
      fail(
        scope,
        'ingress.sslRedirect',
        false,
        "under Gateway API plain HTTP only redirects to HTTPS (the Gateway's HTTP listener) in an environment with TLS: remove it",
      );
  } else if (traffic.controller.kind === 'generic') {
    if (i.rateLimitRps !== undefined)
      fail(
        scope,
        'ingress.rateLimitRps',
        i.rateLimitRps,
        `needs a controller that rate-limits: the Ingress controller of class "${traffic.className}" is IngressController.generic(); use Gateway API (Envoy Gateway's BackendTrafficPolicy) or IngressController.nginx()`,
      );
    if (grpc)
      fail(
        scope,
        'ingress.port',
        port.name,
        `is a gRPC port, which IngressController.generic() cannot route; use Gateway API (a GRPCRoute) or IngressController.nginx()`,
      );
  }
  const hosts = i.hosts.map((h, idx) => resolveHost(scope, `ingress.hosts[${idx}]`, h.hostname(profile.domain), h.paths, grpc));
  const seen = new Map<string, string>();
  for (const h of hosts) {
    if (seen.has(h.host)) fail(scope, h.field, h.host, 'hosts must be unique');
    seen.set(h.host, h.field);
  }

  let preview: ResolvedExposure['preview'];
  if (o.kind === 'blueGreen' && o.preview) {
    const previewPort = o.previewPort ?? port.name;
    if (previewPort !== port.name) {
      fail(
        scope,
        'strategy.preview',
        o.preview.spec.kind,
        `routes to the preview Service's port "${previewPort}" (strategy.previewPort), which must be the exposed port "${port.name}" (ingress.port)`,
      );
    }
    const p = o.preview.spec;
    if (p.kind === 'host') {
      const h = resolveHost(scope, 'strategy.preview', p.host.hostname(profile.domain), p.host.paths, grpc);
      if (seen.has(h.host))
        fail(scope, 'strategy.preview', h.host, `is also ${seen.get(h.host)}: the preview needs a host of its own (or PreviewRoute.header())`);
      preview = { kind: 'host', host: h };
    } else {
      if (!gateway)
        fail(
          scope,
          'strategy.preview',
          'header',
          'a header-matched preview needs Gateway API (an HTTPRoute rule); under Ingress give the preview its own host with PreviewRoute.host(...)',
        );
      if (grpc)
        fail(scope, 'strategy.preview', 'header', 'a header-matched preview is an HTTPRoute rule: the exposed port is gRPC; use PreviewRoute.host(...)');
      if (!HEADER_NAME.test(p.header)) fail(scope, 'strategy.preview.header', p.header, 'must be an HTTP header name (RFC 7230 token characters)');
      if (p.value === '' || p.value.length > 4096 || hasControlCharacter(p.value))
        fail(scope, 'strategy.preview.value', p.value, 'must be 1-4096 characters without control characters');
      preview = { kind: 'header', header: p.header.toLowerCase(), value: p.value };
    }
  }

  return {
    traffic,
    hosts,
    port,
    grpc,
    ...(i.rateLimitRps !== undefined ? { rateLimitRps: i.rateLimitRps } : {}),
    sslRedirect: i.sslRedirect ?? true,
    ...(!gateway ? { className: i.className ?? traffic.className } : {}),
    annotations: { ...(i.annotations ?? {}) },
    ...(preview ? { preview } : {}),
  };
}

/** Whether `s` holds a control character (C0 or DEL): never part of a header value. */
function hasControlCharacter(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

function resolveHost(scope: Scope, field: string, host: string, paths: readonly IngressPath[] | undefined, grpc: boolean): ResolvedHost {
  const problem = hostnameProblem(host, true);
  if (problem) fail(scope, field, host, problem);
  const only = paths?.length === 1 ? paths[0] : undefined;
  if (grpc && paths !== undefined && !(only !== undefined && only.path === '/' && (only.pathType ?? 'Prefix') === 'Prefix')) {
    fail(
      scope,
      `${field}.paths`,
      paths.map((p) => p.path),
      'the exposed port is gRPC, routed whole (a GRPCRoute matches services and methods, not paths): leave paths out',
    );
  }
  const resolved = (paths ?? DEFAULT_PATHS).map((p, j) => {
    if (!p.path.startsWith('/')) fail(scope, `${field}.paths[${j}].path`, p.path, 'must start with "/"');
    return { path: p.path, pathType: p.pathType ?? 'Prefix' };
  });
  if (resolved.length === 0) fail(scope, `${field}.paths`, [], 'must list at least one path (or be left out for "/")');
  return { host, field, paths: resolved };
}

/**
 * How the canary of `strategy` splits traffic: by route weights where the service is exposed (or where asked),
 * checked against the traffic layer.
 */
export function canaryRouting(scope: Scope, strategy: RolloutStrategy, exposure: ResolvedExposure | undefined, profile: EnvironmentProfile): CanaryRouting {
  const o = strategy.options;
  if (o.kind !== 'canary') return undefined;
  const asked = o.trafficRouting ?? o.nginxTrafficRouting;
  const field = o.trafficRouting !== undefined ? 'strategy.trafficRouting' : 'strategy.nginxTrafficRouting';
  if (asked === true && !exposure) {
    fail(
      scope,
      field,
      true,
      o.trafficRouting !== undefined
        ? "traffic routing splits the requests of the service's routes: set `ingress`"
        : "nginx traffic routing splits traffic at the service's Ingress: set `ingress`",
    );
  }
  if (!(asked ?? exposure !== undefined) || !exposure) return undefined;
  const traffic = trafficOf(profile);
  if (traffic.kind === 'gatewayApi') return 'gatewayApi';
  if (traffic.controller.kind === 'nginx') return 'nginx';
  if (asked === true)
    fail(
      scope,
      field,
      true,
      `the Ingress controller of class "${traffic.className}" is IngressController.generic(), which cannot split traffic by weight; use Gateway API or IngressController.nginx()`,
    );
  return undefined;
}
