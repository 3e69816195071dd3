/**
 * The Ingress implementation of the traffic layer (`TrafficLayer.ingress(...)`): ingress-nginx.
 *
 * An ingress add-on `provides` the class its routes name (`ingressClasses` for Ingress, `gatewayClasses` for
 * Gateway API) and, when it serves the environment's class, is the ingress controller cluster service exposed
 * services admit. ingress-nginx stays an explicit choice for clusters that still run it (the project is retired:
 * no more releases). Gateway API's implementation is Envoy Gateway (`envoy-gateway.ts`, `AddOn.envoyGateway()`).
 */
import { trafficOf } from '../../core/traffic-layer';
import type { EnvironmentProfile } from '../../core/environment-profile';
import { AddOnDefinition } from '../definition';
import { CLUSTER_RBAC_KINDS, controllerReplicas, RESTRICTED_POD, RestrictedPodSecurity, VALIDATING_WEBHOOK_KIND } from './common';

/**
 * ingress-nginx's chart, pinned here: no chart data is vendored for it, so its values are checked only by the
 * types below. 4.14.3 (controller v1.14.3, February 2026) is the last release line before the retirement.
 */
export const INGRESS_NGINX_CHART = {
  chart: 'ingress-nginx',
  version: '4.14.3',
  repository: 'https://kubernetes.github.io/ingress-nginx',
  oci: false,
} as const;

/** Labels of ingress-nginx's controller pods. */
export const INGRESS_NGINX_CONTROLLER_LABELS: Readonly<Record<string, string>> = {
  'app.kubernetes.io/name': 'ingress-nginx',
  'app.kubernetes.io/component': 'controller',
};

/** Controller value of ingress-nginx's IngressClass. */
export const INGRESS_NGINX_CONTROLLER = 'k8s.io/ingress-nginx';

/** Options of {@link AddOn.ingressNginx}. */
export interface IngressNginxOptions {
  /**
   * IngressClass it creates and serves.
   * @default - the class of `profile.traffic` when it is Ingress, else 'nginx'
   */
  readonly className?: string;
}

/** The values of the ingress-nginx chart the platform sets (typed here only: no vendored chart data). */
export interface IngressNginxValues {
  readonly controller: {
    readonly ingressClass: string;
    readonly ingressClassResource: { readonly name: string; readonly enabled: true; readonly default: false; readonly controllerValue: string };
    readonly replicaCount: number;
    readonly minAvailable: number;
    /** Snippet annotations run arbitrary nginx configuration from any namespace (CVE-2025-1974 and kin). */
    readonly allowSnippetAnnotations: false;
    readonly podSecurityContext: RestrictedPodSecurity;
    readonly image: { readonly allowPrivilegeEscalation: false; readonly runAsNonRoot: true; readonly seccompProfile: { readonly type: 'RuntimeDefault' } };
  };
}

/** The ingress-nginx add-on definition (its namespace must be the profile's ingress controller namespace). */
export function ingressNginxDefinition(options: IngressNginxOptions, namespace: string): AddOnDefinition {
  const className = (ctx: { readonly profile: EnvironmentProfile }) => {
    const traffic = trafficOf(ctx.profile);
    return options.className ?? (traffic.kind === 'ingress' ? traffic.className : 'nginx');
  };
  // The environment's ingress controller only when it serves the environment's Ingress class.
  const servesEnvironment = (ctx: { readonly profile: EnvironmentProfile }) => {
    const traffic = trafficOf(ctx.profile);
    return traffic.kind === 'ingress' && traffic.className === className(ctx);
  };
  return {
    name: 'ingress-nginx',
    purpose: "the ingress controller serving the environment's Ingresses",
    chart: { ...INGRESS_NGINX_CHART },
    releaseName: 'ingress-nginx',
    namespace,
    serves: {},
    installsCrds: false,
    clusterKinds: [...CLUSTER_RBAC_KINDS, VALIDATING_WEBHOOK_KIND, { group: 'networking.k8s.io', kind: 'IngressClass' }],
    values: (ctx) => {
      const replicas = controllerReplicas(ctx.profile.highAvailability);
      const values: IngressNginxValues = {
        controller: {
          ingressClass: className(ctx),
          ingressClassResource: { name: className(ctx), enabled: true, default: false, controllerValue: INGRESS_NGINX_CONTROLLER },
          replicaCount: replicas,
          minAvailable: replicas > 1 ? 1 : 0,
          allowSnippetAnnotations: false,
          podSecurityContext: RESTRICTED_POD,
          // The controller binds 80/443 as uid 101 with NET_BIND_SERVICE only: allowed by PSS restricted.
          image: { allowPrivilegeEscalation: false, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        },
      };
      return values as unknown as Record<string, unknown>;
    },
    controllers: (ctx) => [
      {
        component: 'controller',
        ...(servesEnvironment(ctx) ? { clusterService: 'ingressController' as const } : {}),
        namespace: ctx.namespace,
        podLabels: INGRESS_NGINX_CONTROLLER_LABELS,
        ports: [
          { name: 'http', port: 80 },
          { name: 'https', port: 443 },
        ],
        // Clients anywhere (through the load balancer), the admission webhook (8443) from the API server.
        ingress: [{ peers: ['anywhere'], ports: [80, 443, 8443] }],
        // The exposed services' pods; they admit this namespace on their ports.
        egress: [{ peers: ['cluster'], ports: [] }],
      },
    ],
    // Its Service of type LoadBalancer allocates a node port per port (http, https).
    namespaces: (ctx) => [{ name: ctx.namespace, quota: { nodePorts: 2, loadBalancers: 1 } }],
    provides: (ctx) => ({ ingressClasses: [className(ctx)] }),
    clusterServices: (ctx) => (servesEnvironment(ctx) ? { ingressController: { namespace: ctx.namespace, podLabels: INGRESS_NGINX_CONTROLLER_LABELS } } : {}),
    prerequisites: () => ["a load balancer for Services of type LoadBalancer (the ingress controller's Service)"],
  };
}
