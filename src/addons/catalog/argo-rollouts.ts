/** Argo Rollouts: canary and blue-green Rollouts with Prometheus analysis, optionally routing through Gateway API. */
import { catalogChart } from '../chart';
import { AddOnDefinition } from '../definition';
import {
  CLUSTER_RBAC_KINDS,
  controllerReplicas,
  CRD_KEEP_ANNOTATIONS,
  CRD_KIND,
  NON_ROOT_POD,
  NonRootPod,
  RESTRICTED_CONTAINER_ONLY,
  RestrictedContainerOnly,
} from './common';

/** Port of Prometheus's HTTP API. */
export const PROMETHEUS_PORT = 9090;

/** Labels of the Argo Rollouts controller's pods. */
export const ARGO_ROLLOUTS_CONTROLLER_LABELS: Readonly<Record<string, string>> = {
  'app.kubernetes.io/name': 'argo-rollouts',
  'app.kubernetes.io/component': 'rollouts-controller',
};

/** Name Argo Rollouts knows the Gateway API traffic-router plugin by (`trafficRouting.plugins.<name>` in a Rollout). */
export const GATEWAY_API_PLUGIN_NAME = 'argoproj-labs/gatewayAPI';
/** Release of rollouts-plugin-trafficrouter-gatewayapi used unless the option names another. */
export const DEFAULT_GATEWAY_API_PLUGIN_VERSION = 'v0.5.0';

/** The feature an Argo Rollouts add-on has when it loads the traffic-router plugin `name` (see `AddOn.hasFeature`). */
export function trafficRouterFeature(name: string): string {
  return `traffic-router:${name}`;
}

/** A traffic-router plugin the Argo Rollouts controller loads. */
export class TrafficRouterPlugin {
  /**
   * The Gateway API plugin (argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi): canary steps set HTTPRoute
   * backend weights. The controller downloads the binary from its GitHub release at start.
   */
  public static gatewayApi(
    props: {
      /** @default DEFAULT_GATEWAY_API_PLUGIN_VERSION */
      readonly version?: string;
      /** @default 'amd64' */
      readonly arch?: 'amd64' | 'arm64';
      /** SHA-256 of the binary; the controller refuses a download that differs. @default - not checked */
      readonly sha256?: string;
    } = {},
  ): TrafficRouterPlugin {
    const version = props.version ?? DEFAULT_GATEWAY_API_PLUGIN_VERSION;
    const location = `https://github.com/argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi/releases/download/${version}/gatewayapi-plugin-linux-${props.arch ?? 'amd64'}`;
    return new TrafficRouterPlugin(GATEWAY_API_PLUGIN_NAME, location, props.sha256);
  }
  private constructor(
    public readonly name: string,
    public readonly location: string,
    public readonly sha256?: string,
  ) {}
}

/** Options of {@link AddOn.argoRollouts}. */
export interface ArgoRolloutsOptions {
  /** Traffic-router plugins (Gateway API). @default none: canaries split traffic by pod count or through nginx */
  readonly trafficRouterPlugins?: readonly TrafficRouterPlugin[];
}

/** The values of the argo-rollouts chart the platform sets. */
export interface ArgoRolloutsValues {
  readonly installCRDs: true;
  readonly keepCRDs: true;
  readonly crdAnnotations: Readonly<Record<string, string>>;
  readonly controller: {
    readonly replicas: number;
    readonly pdb: { readonly enabled: boolean; readonly minAvailable?: number };
    readonly trafficRouterPlugins?: readonly { readonly name: string; readonly location: string; readonly sha256?: string }[];
  };
  readonly podSecurityContext: NonRootPod;
  readonly containerSecurityContext: RestrictedContainerOnly;
  readonly dashboard: { readonly enabled: false };
  /** The controller's rights on traffic providers' kinds: only the routers it loads (the chart grants all by default). */
  readonly providerRBAC: { readonly enabled: boolean; readonly providers: Readonly<Record<ChartProvider, boolean>> };
}

/** The traffic providers the chart can grant the controller rights for (`providerRBAC.providers`). */
type ChartProvider =
  'istio' | 'smi' | 'ambassador' | 'awsLoadBalancerController' | 'awsAppMesh' | 'traefik' | 'apisix' | 'contour' | 'glooPlatform' | 'gatewayAPI';
const CHART_PROVIDERS: readonly ChartProvider[] = [
  'istio',
  'smi',
  'ambassador',
  'awsLoadBalancerController',
  'awsAppMesh',
  'traefik',
  'apisix',
  'contour',
  'glooPlatform',
  'gatewayAPI',
];

/** The Argo Rollouts add-on definition. */
export function argoRolloutsDefinition(options: ArgoRolloutsOptions, namespace: string): AddOnDefinition {
  const plugins = options.trafficRouterPlugins ?? [];
  const gatewayApi = plugins.some((p) => p.name === GATEWAY_API_PLUGIN_NAME);
  return {
    name: 'argo-rollouts',
    purpose: 'canary and blue-green Rollouts, analysis against Prometheus',
    chart: catalogChart('argo-rollouts'),
    releaseName: 'argo-rollouts',
    namespace,
    // argoproj.io is shared with Argo CD (Application, AppProject, ApplicationSet): only Rollouts' kinds.
    serves: {
      kinds: [
        'argoproj.io/Rollout',
        'argoproj.io/AnalysisTemplate',
        'argoproj.io/ClusterAnalysisTemplate',
        'argoproj.io/AnalysisRun',
        'argoproj.io/Experiment',
      ],
    },
    installsCrds: true,
    clusterKinds: [CRD_KIND, ...CLUSTER_RBAC_KINDS],
    features: plugins.map((p) => trafficRouterFeature(p.name)),
    values: (ctx) => {
      const replicas = controllerReplicas(ctx.profile.highAvailability);
      const values: ArgoRolloutsValues = {
        installCRDs: true,
        keepCRDs: true,
        crdAnnotations: CRD_KEEP_ANNOTATIONS,
        controller: {
          replicas,
          pdb: replicas > 1 ? { enabled: true, minAvailable: 1 } : { enabled: false },
          ...(plugins.length > 0
            ? { trafficRouterPlugins: plugins.map((p) => ({ name: p.name, location: p.location, ...(p.sha256 ? { sha256: p.sha256 } : {}) })) }
            : {}),
        },
        podSecurityContext: NON_ROOT_POD,
        containerSecurityContext: RESTRICTED_CONTAINER_ONLY,
        dashboard: { enabled: false },
        // Least privilege: the Gateway API plugin patches HTTPRoutes and GRPCRoutes (the chart's gatewayAPI rules);
        // no other provider's kinds.
        providerRBAC: {
          enabled: gatewayApi,
          providers: Object.fromEntries(CHART_PROVIDERS.map((p) => [p, p === 'gatewayAPI' && gatewayApi])) as Record<ChartProvider, boolean>,
        },
      };
      return values as unknown as Record<string, unknown>;
    },
    controllers: (ctx) => [
      {
        component: 'controller',
        // Rollouts with analysis connect it to their Prometheus (clusterServiceConnects): its policy carries that.
        clusterService: 'argoRollouts',
        namespace: ctx.namespace,
        podLabels: ARGO_ROLLOUTS_CONTROLLER_LABELS,
        // The traffic-router plugins' downloads.
        egress: plugins.length > 0 ? [{ peers: ['anywhere'], ports: [443] }] : [],
      },
    ],
    clusterServices: (ctx) => ({ argoRollouts: { namespace: ctx.namespace, podLabels: ARGO_ROLLOUTS_CONTROLLER_LABELS } }),
    prerequisites: () =>
      plugins.length > 0 ? ['egress from the Argo Rollouts controller to github.com (it downloads its traffic-router plugins at start)'] : [],
  };
}
