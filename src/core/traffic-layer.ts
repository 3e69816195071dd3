/**
 * How an environment takes traffic from outside the cluster: Gateway API (the default; the successor of the
 * retired ingress-nginx) or Ingress objects of a named class. A choice of the profile (`profile.traffic`), never
 * annotation strings: services say what they expose (hosts, paths, rate limit) and the layer says how.
 */
import { fail } from './errors';
import type { EnvironmentProfile } from './environment-profile';
import { isDns1123Label } from '../synth/schema-validator';

/** GatewayClass of the default traffic layer (the Envoy Gateway add-on creates it). */
export const DEFAULT_GATEWAY_CLASS = 'eg';
/** Namespace of the environment's Gateway (its listeners' certificates live there too). */
export const DEFAULT_GATEWAY_NAMESPACE = 'gateway';
/** Name of the environment's Gateway. */
export const DEFAULT_GATEWAY_NAME = 'public';
/** Lowest TLS version the Gateway's HTTPS listeners accept. */
export const DEFAULT_MIN_TLS_VERSION = '1.2';

/**
 * Namespace of Envoy Gateway (`AddOn.envoyGateway()`'s default): in its default deployment mode the controller runs
 * the Envoy proxies of every Gateway here, not in the Gateway's namespace.
 */
export const ENVOY_GATEWAY_NAMESPACE = 'envoy-gateway-system';
/** Labels every Envoy proxy pod of Envoy Gateway carries (besides the owning Gateway's name and namespace). */
export const ENVOY_PROXY_LABELS: Readonly<Record<string, string>> = {
  'app.kubernetes.io/name': 'envoy',
  'app.kubernetes.io/component': 'proxy',
  'app.kubernetes.io/managed-by': 'envoy-gateway',
};
/** Labels naming the Gateway a proxy pod serves. */
export const OWNING_GATEWAY_NAME_LABEL = 'gateway.envoyproxy.io/owning-gateway-name';
export const OWNING_GATEWAY_NAMESPACE_LABEL = 'gateway.envoyproxy.io/owning-gateway-namespace';

/** Labels of the Envoy proxy pods serving the Gateway of `traffic` (what exposed services admit). */
export function envoyProxyLabels(traffic: GatewayApiTraffic): Readonly<Record<string, string>> {
  return { ...ENVOY_PROXY_LABELS, [OWNING_GATEWAY_NAME_LABEL]: traffic.gatewayName, [OWNING_GATEWAY_NAMESPACE_LABEL]: traffic.namespace };
}

/** Which Ingress controller reads the environment's Ingresses: what the typed options are written as. */
export class IngressController {
  /**
   * ingress-nginx (or a compatible controller reading `nginx.ingress.kubernetes.io/*`): the HTTPS redirect, the rate
   * limit, gRPC backends and canary traffic splitting are written as its annotations.
   */
  public static nginx(): IngressController {
    return new IngressController('nginx');
  }
  /**
   * Any other controller: plain Ingress objects with TLS. Options that need a controller's own annotations (a rate
   * limit, gRPC backends, weighted canaries) are refused at synth rather than silently dropped.
   */
  public static generic(): IngressController {
    return new IngressController('generic');
  }
  private constructor(public readonly kind: 'nginx' | 'generic') {}
}

/** Options of {@link TrafficLayer.gatewayApi}. */
export interface GatewayApiTrafficProps {
  /** GatewayClass of the environment's Gateway. @default DEFAULT_GATEWAY_CLASS ('eg', created by AddOn.envoyGateway()) */
  readonly className?: string;
  /** Namespace of the Gateway and of its listeners' certificates (created by the platform). @default DEFAULT_GATEWAY_NAMESPACE ('gateway') */
  readonly namespace?: string;
  /** Name of the Gateway. @default DEFAULT_GATEWAY_NAME ('public') */
  readonly gatewayName?: string;
  /** Lowest TLS version the HTTPS listeners accept (an Envoy Gateway ClientTrafficPolicy). @default DEFAULT_MIN_TLS_VERSION ('1.2') */
  readonly minTlsVersion?: '1.2' | '1.3';
}

/** Options of {@link TrafficLayer.ingress}. */
export interface IngressTrafficProps {
  /** IngressClass of the environment's Ingresses. */
  readonly className: string;
  /** Namespace of the ingress controller: exposed services admit it. */
  readonly controllerNamespace: string;
  /** @default IngressController.nginx() */
  readonly controller?: IngressController;
}

/** The resolved Gateway API layer. */
export interface GatewayApiTraffic {
  readonly kind: 'gatewayApi';
  readonly className: string;
  readonly namespace: string;
  readonly gatewayName: string;
  readonly minTlsVersion: '1.2' | '1.3';
}

/** The resolved Ingress layer. */
export interface IngressTraffic {
  readonly kind: 'ingress';
  readonly className: string;
  readonly controllerNamespace: string;
  readonly controller: IngressController;
}

export type ResolvedTraffic = GatewayApiTraffic | IngressTraffic;

/** The environment's traffic layer: `profile.traffic`. */
export class TrafficLayer {
  /**
   * Gateway API: one Gateway per environment (HTTPS listeners for the hosts services and tenants expose,
   * certificates from cert-manager's Gateway support, an HTTP listener that only redirects), an HTTPRoute (or
   * GRPCRoute) per exposed service, weighted canaries through Argo Rollouts' Gateway API plugin.
   */
  public static gatewayApi(props: GatewayApiTrafficProps = {}): TrafficLayer {
    return new TrafficLayer({
      kind: 'gatewayApi',
      className: props.className ?? DEFAULT_GATEWAY_CLASS,
      namespace: props.namespace ?? DEFAULT_GATEWAY_NAMESPACE,
      gatewayName: props.gatewayName ?? DEFAULT_GATEWAY_NAME,
      minTlsVersion: props.minTlsVersion ?? DEFAULT_MIN_TLS_VERSION,
    });
  }

  /** Ingress objects of `className`, for clusters that still run an Ingress controller. */
  public static ingress(props: IngressTrafficProps): TrafficLayer {
    return new TrafficLayer({
      kind: 'ingress',
      className: props.className,
      controllerNamespace: props.controllerNamespace,
      controller: props.controller ?? IngressController.nginx(),
    });
  }

  private constructor(
    /** The resolved settings. */
    public readonly settings: ResolvedTraffic,
  ) {}
}

/**
 * The traffic layer of `profile`: `profile.traffic`; else, for profiles written before it existed, Ingress from
 * the deprecated `profile.ingress`; else Gateway API with its defaults. Checked once per profile.
 */
export function trafficOf(profile: Pick<EnvironmentProfile, 'name' | 'traffic' | 'ingress'>): ResolvedTraffic {
  const cached = resolved.get(profile);
  if (cached) return cached;
  const where = `profile ${JSON.stringify(profile.name)}`;
  if (profile.traffic !== undefined && profile.ingress !== undefined) {
    fail(
      where,
      'ingress',
      profile.ingress,
      'is replaced by profile.traffic: set only traffic (TrafficLayer.ingress({ className, controllerNamespace }) keeps Ingress)',
    );
  }
  if (profile.traffic !== undefined && !(profile.traffic instanceof TrafficLayer) && (profile.traffic as { settings?: unknown }).settings === undefined) {
    fail(where, 'traffic', profile.traffic, 'must be a TrafficLayer (TrafficLayer.gatewayApi(...) or TrafficLayer.ingress(...))');
  }
  const t: ResolvedTraffic =
    profile.traffic?.settings ?? (profile.ingress !== undefined ? TrafficLayer.ingress(profile.ingress).settings : TrafficLayer.gatewayApi().settings);
  const names: [string, string][] =
    t.kind === 'gatewayApi'
      ? [
          ['traffic.namespace', t.namespace],
          ['traffic.gatewayName', t.gatewayName],
        ]
      : [['traffic.controllerNamespace', t.controllerNamespace]];
  for (const [field, value] of names) {
    if (!isDns1123Label(value)) fail(where, field, value, 'must be a DNS-1123 label (lowercase letters, digits and "-", at most 63 characters)');
  }
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(t.className) || t.className.length > 253) {
    fail(where, 'traffic.className', t.className, 'must be a DNS subdomain (the name of a GatewayClass or IngressClass)');
  }
  resolved.set(profile, t);
  return t;
}

const resolved = new WeakMap<object, ResolvedTraffic>();
