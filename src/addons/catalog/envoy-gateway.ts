/**
 * Envoy Gateway: the reference Gateway API implementation. Its controller watches Gateways and routes and runs, per
 * Gateway, a fleet of Envoy proxies in its own namespace (the default "controller namespace" mode: proxies and
 * controller talk over mTLS there). The proxies are the environment's ingress peer; the controller is not.
 * Serves `gateway.networking.k8s.io` (the chart installs the Gateway API CRDs) and `gateway.envoyproxy.io`
 * (BackendTrafficPolicy, ClientTrafficPolicy, SecurityPolicy, EnvoyProxy).
 */
import { ApiObject } from 'cdk8s';
import { GatewayClass } from '../../../imports/gateway.networking.k8s.io';
import { EnvoyProxy } from '../../../imports/gateway.envoyproxy.io';
import { DEFAULT_GATEWAY_CLASS, envoyProxyLabels, ENVOY_PROXY_LABELS, trafficOf } from '../../core/traffic-layer';

export { ENVOY_PROXY_LABELS, OWNING_GATEWAY_NAME_LABEL, OWNING_GATEWAY_NAMESPACE_LABEL } from '../../core/traffic-layer';
import type { EnvironmentProfile } from '../../core/environment-profile';
import { catalogChart } from '../chart';
import { AddOnDefinition, AddOnProfileContext } from '../definition';
import { CLUSTER_RBAC_KINDS, controllerReplicas, CRD_KIND, MUTATING_WEBHOOK_KIND, RESTRICTED_POD, RestrictedPodSecurity } from './common';

/** Controller name of Envoy Gateway's GatewayClasses (the chart's default `config.envoyGateway.gateway.controllerName`). */
export const ENVOY_GATEWAY_CONTROLLER_NAME = 'gateway.envoyproxy.io/gatewayclass-controller';
/** Labels of the Envoy Gateway controller's pods. */
export const ENVOY_GATEWAY_CONTROLLER_LABELS: Readonly<Record<string, string>> = { 'control-plane': 'envoy-gateway' };
/** Ports Envoy listens on for the Gateway's listener ports 80 and 443 (Envoy Gateway maps ports below 1024 up by 10000: no privileged port). */
export const ENVOY_HTTP_CONTAINER_PORT = 10080;
export const ENVOY_HTTPS_CONTAINER_PORT = 10443;
/** Ports of the controller the proxies use: xDS configuration, and Wasm modules. */
export const ENVOY_GATEWAY_XDS_PORT = 18000;
export const ENVOY_GATEWAY_WASM_PORT = 18002;
/** Port of the controller's topology-injector webhook (the API server calls it). */
export const ENVOY_GATEWAY_WEBHOOK_PORT = 9443;
/** uid and gid of Envoy Gateway's images (the chart's and the proxies' defaults). */
export const ENVOY_GATEWAY_UID = 65532;

/** Options of {@link AddOn.envoyGateway}. */
export interface EnvoyGatewayOptions {
  /**
   * GatewayClass it creates and serves.
   * @default - the class of `profile.traffic` when it is Gateway API, else DEFAULT_GATEWAY_CLASS ('eg')
   */
  readonly className?: string;
}

interface RestrictedNonRootPod extends RestrictedPodSecurity {
  readonly runAsUser: number;
  readonly runAsGroup: number;
  readonly fsGroup: number;
}

interface EnvoyGatewayContainerSecurity {
  readonly allowPrivilegeEscalation: false;
  readonly capabilities: { readonly drop: readonly ['ALL'] };
  readonly privileged: false;
  readonly readOnlyRootFilesystem: true;
  readonly runAsNonRoot: true;
  readonly runAsUser: number;
  readonly runAsGroup: number;
  readonly seccompProfile: { readonly type: 'RuntimeDefault' };
}

/** The values of the gateway-helm chart the platform sets. */
export interface EnvoyGatewayValues {
  readonly crds: { readonly enabled: true };
  readonly deployment: {
    readonly replicas: number;
    readonly pod: { readonly securityContext: RestrictedNonRootPod };
    readonly envoyGateway: { readonly securityContext: EnvoyGatewayContainerSecurity };
  };
  readonly podDisruptionBudget: { readonly minAvailable: number };
  readonly certgen: {
    readonly job: { readonly pod: { readonly securityContext: RestrictedNonRootPod }; readonly securityContext: EnvoyGatewayContainerSecurity };
  };
}

const NON_ROOT_POD: RestrictedNonRootPod = { ...RESTRICTED_POD, runAsUser: ENVOY_GATEWAY_UID, runAsGroup: ENVOY_GATEWAY_UID, fsGroup: ENVOY_GATEWAY_UID };
const CONTAINER: EnvoyGatewayContainerSecurity = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  privileged: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  runAsUser: ENVOY_GATEWAY_UID,
  runAsGroup: ENVOY_GATEWAY_UID,
  seccompProfile: { type: 'RuntimeDefault' },
};

/** The Envoy container of the proxies: PSS restricted. */
const PROXY_CONTAINER = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  privileged: false,
  runAsNonRoot: true,
  runAsUser: ENVOY_GATEWAY_UID,
  runAsGroup: ENVOY_GATEWAY_UID,
  seccompProfile: { type: 'RuntimeDefault' },
};

/** The class the add-on serves in `profile`. */
export function envoyGatewayClass(options: EnvoyGatewayOptions, profile: EnvironmentProfile): string {
  const traffic = trafficOf(profile);
  return options.className ?? (traffic.kind === 'gatewayApi' ? traffic.className : DEFAULT_GATEWAY_CLASS);
}

/** Labels of the proxy pods of the environment's Gateway, when this add-on serves it; undefined otherwise. */
export function environmentProxyLabels(options: EnvoyGatewayOptions, profile: EnvironmentProfile): Readonly<Record<string, string>> | undefined {
  const traffic = trafficOf(profile);
  if (traffic.kind !== 'gatewayApi' || traffic.className !== envoyGatewayClass(options, profile)) return undefined;
  return envoyProxyLabels(traffic);
}

/** The Envoy Gateway add-on definition. */
export function envoyGatewayDefinition(options: EnvoyGatewayOptions, namespace: string): AddOnDefinition {
  const proxies = (ctx: AddOnProfileContext) => environmentProxyLabels(options, ctx.profile);
  return {
    name: 'envoy-gateway',
    purpose: "the Gateway API implementation: the environment's Gateway, its routes and traffic policies (rate limits, TLS)",
    chart: catalogChart('envoy-gateway'),
    releaseName: 'envoy-gateway',
    namespace,
    serves: { groups: ['gateway.networking.k8s.io', 'gateway.envoyproxy.io'] },
    installsCrds: true,
    clusterKinds: [
      CRD_KIND,
      ...CLUSTER_RBAC_KINDS,
      MUTATING_WEBHOOK_KIND,
      // The chart's "safe upgrade" policy for the Gateway API CRDs.
      { group: 'admissionregistration.k8s.io', kind: 'ValidatingAdmissionPolicy' },
      { group: 'admissionregistration.k8s.io', kind: 'ValidatingAdmissionPolicyBinding' },
    ],
    values: (ctx) => {
      const replicas = controllerReplicas(ctx.profile.highAvailability);
      const values: EnvoyGatewayValues = {
        crds: { enabled: true },
        deployment: { replicas, pod: { securityContext: NON_ROOT_POD }, envoyGateway: { securityContext: CONTAINER } },
        podDisruptionBudget: { minAvailable: replicas > 1 ? 1 : 0 },
        certgen: { job: { pod: { securityContext: NON_ROOT_POD }, securityContext: CONTAINER } },
      };
      return values as unknown as Record<string, unknown>;
    },
    controllers: (ctx) => {
      const labels = proxies(ctx);
      const proxyPeer = { namespace: ctx.namespace, podLabels: ENVOY_PROXY_LABELS };
      return [
        {
          component: 'controller',
          namespace: ctx.namespace,
          podLabels: ENVOY_GATEWAY_CONTROLLER_LABELS,
          ports: [
            { name: 'grpc', port: ENVOY_GATEWAY_XDS_PORT },
            { name: 'wasm', port: ENVOY_GATEWAY_WASM_PORT },
            { name: 'webhook', port: ENVOY_GATEWAY_WEBHOOK_PORT },
          ],
          ingress: [
            // Every proxy fleet it configures, over mTLS.
            { peers: [proxyPeer], ports: [ENVOY_GATEWAY_XDS_PORT, ENVOY_GATEWAY_WASM_PORT] },
            { peers: ['anywhere'], ports: [ENVOY_GATEWAY_WEBHOOK_PORT] },
          ],
        },
        {
          component: 'proxy',
          // The proxies of the environment's Gateway are what forwards outside traffic to exposed ports.
          ...(labels ? { clusterService: 'ingressController' as const } : {}),
          namespace: ctx.namespace,
          podLabels: labels ?? ENVOY_PROXY_LABELS,
          ports: [
            { name: 'http', port: ENVOY_HTTP_CONTAINER_PORT },
            { name: 'https', port: ENVOY_HTTPS_CONTAINER_PORT },
          ],
          ingress: [{ peers: ['anywhere'], ports: [ENVOY_HTTP_CONTAINER_PORT, ENVOY_HTTPS_CONTAINER_PORT] }],
          // Their configuration from the controller; the routes' backends (exposed services admit them on their ports).
          egress: [
            { peers: [{ namespace: ctx.namespace, podLabels: ENVOY_GATEWAY_CONTROLLER_LABELS }], ports: [ENVOY_GATEWAY_XDS_PORT, ENVOY_GATEWAY_WASM_PORT] },
            { peers: ['cluster'], ports: [] },
          ],
        },
      ];
    },
    // The proxies' Service of type LoadBalancer allocates a node port per listener port (80, 443).
    namespaces: (ctx) => [{ name: ctx.namespace, quota: { nodePorts: 2, loadBalancers: 1 } }],
    provides: (ctx) => ({ gatewayClasses: [envoyGatewayClass(options, ctx.profile)] }),
    clusterServices: (ctx) => {
      const labels = proxies(ctx);
      return labels ? { ingressController: { namespace: ctx.namespace, podLabels: labels } } : {};
    },
    configure: (scope, ctx) => {
      const className = envoyGatewayClass(options, ctx.profile);
      const replicas = controllerReplicas(ctx.profile.highAvailability);
      // The proxies' Deployment: restricted pods (Envoy Gateway's own container contexts drop every capability and
      // escalation; the pod adds non-root and seccomp), two replicas and a PDB where the profile asks for HA.
      new ApiObject(scope, 'EnvoyProxy', {
        ...EnvoyProxy.GVK,
        metadata: { name: className, namespace: ctx.namespace },
        spec: {
          provider: {
            type: 'Kubernetes',
            kubernetes: {
              envoyDeployment: {
                replicas,
                pod: { securityContext: { ...RESTRICTED_POD, runAsUser: ENVOY_GATEWAY_UID, runAsGroup: ENVOY_GATEWAY_UID } },
                // PSS restricted for the Envoy container, stated rather than left to the controller's defaults. The
                // listeners' ports are mapped above 1024 (10080, 10443): no capability needed. The root filesystem
                // stays writable (Envoy writes its admin socket and hot-restart state).
                container: { securityContext: PROXY_CONTAINER },
              },
              ...(replicas > 1 ? { envoyPDB: { minAvailable: 1 } } : {}),
            },
          },
        },
      });
      new ApiObject(scope, 'GatewayClass', {
        ...GatewayClass.GVK,
        metadata: { name: className },
        spec: {
          controllerName: ENVOY_GATEWAY_CONTROLLER_NAME,
          description: `Envoy Gateway of environment ${ctx.profile.name}`,
          parametersRef: { group: EnvoyProxy.GVK.apiVersion.split('/')[0], kind: 'EnvoyProxy', name: className, namespace: ctx.namespace },
        },
      });
    },
    prerequisites: () => [
      "a load balancer for Services of type LoadBalancer (the Envoy proxies' Service)",
      "Kubernetes 1.30 or newer for the Gateway API CRDs' safe-upgrade ValidatingAdmissionPolicy the chart installs (Envoy Gateway v1.9 supports the Kubernetes releases of its compatibility matrix)",
    ],
  };
}
