/**
 * Cluster add-ons as data: each `AddOn` is an upstream Helm chart at a pinned version with the values the platform
 * sets, chosen per environment in `profile.addOns`. Argo CD installs each as an Application with a Helm source,
 * Flux as a HelmRepository/OCIRepository and a HelmRelease, in the waves before anything that uses their kinds.
 */
import type { EnvironmentProfile } from '../core/environment-profile';
import { ENVOY_GATEWAY_NAMESPACE, trafficOf } from '../core/traffic-layer';
import { HelmChartRef } from './chart';
import { AddOnDefinition } from './definition';
import { ArgoRolloutsOptions, argoRolloutsDefinition } from './catalog/argo-rollouts';
import { CertManagerOptions, certManagerDefinition } from './catalog/cert-manager';
import { EnvoyGatewayOptions, envoyGatewayDefinition } from './catalog/envoy-gateway';
import { barmanCloudPluginDefinition, cloudNativePgDefinition } from './catalog/cloudnative-pg';
import { ExternalSecretsOptions, externalSecretsDefinition } from './catalog/external-secrets';
import { IngressNginxOptions, ingressNginxDefinition } from './catalog/ingress';
import { kedaDefinition } from './catalog/keda';
import { KubePrometheusStackOptions, kubePrometheusStackDefinition } from './catalog/kube-prometheus-stack';
import { StrimziOptions, strimziDefinition } from './catalog/strimzi';
import { VeleroOptions, veleroDefinition } from './catalog/velero';

/** Options every add-on takes. */
export interface AddOnOptions {
  /**
   * Chart version to install instead of the one pinned by the chart data (a staged upgrade: one environment
   * first). Values are still checked against the vendored chart data of the pinned version.
   * @default - the pinned version (`npm run import` from ../shared/charts, or the constant beside the add-on)
   */
  readonly version?: string;
  /**
   * Extra chart values, deep-merged over the platform's (lists replace). Checked at synth like the platform's:
   * against the chart's values.schema.json and the keys of its default values.
   * @default - none
   */
  readonly values?: Readonly<Record<string, unknown>>;
  /** Namespace of the release. @default - the add-on's usual namespace (see each factory) */
  readonly namespace?: string;
}

/** Default namespaces of the add-ons. */
export const ADD_ON_NAMESPACES = {
  certManager: 'cert-manager',
  externalSecrets: 'external-secrets',
  argoRollouts: 'argo-rollouts',
  strimzi: 'strimzi',
  cloudNativePg: 'cnpg-system',
  velero: 'velero',
  keda: 'keda',
  ingressNginx: 'ingress-nginx',
  envoyGateway: ENVOY_GATEWAY_NAMESPACE,
  kubePrometheusStack: 'monitoring',
} as const;

/** One cluster add-on of an environment. */
export class AddOn {
  /** cert-manager, with the ClusterIssuers the environment's certificates name. Namespace `cert-manager`. */
  public static certManager(options: CertManagerOptions & AddOnOptions = {}): AddOn {
    return new AddOn(certManagerDefinition(options, options.namespace ?? ADD_ON_NAMESPACES.certManager), options);
  }
  /** External Secrets Operator, with the ClusterSecretStores ExternalSecrets name. Namespace `external-secrets`. */
  public static externalSecrets(options: ExternalSecretsOptions & AddOnOptions = {}): AddOn {
    return new AddOn(externalSecretsDefinition(options, options.namespace ?? ADD_ON_NAMESPACES.externalSecrets), options);
  }
  /** Argo Rollouts (canary, blue-green, analysis), optionally with traffic-router plugins. Namespace `argo-rollouts`. */
  public static argoRollouts(options: ArgoRolloutsOptions & AddOnOptions = {}): AddOn {
    return new AddOn(argoRolloutsDefinition(options, options.namespace ?? ADD_ON_NAMESPACES.argoRollouts), options);
  }
  /** Strimzi, the Kafka operator. Namespace `strimzi`. */
  public static strimzi(options: StrimziOptions & AddOnOptions = {}): AddOn {
    return new AddOn(strimziDefinition(options, options.namespace ?? ADD_ON_NAMESPACES.strimzi), options);
  }
  /** CloudNativePG, the PostgreSQL operator. Namespace `cnpg-system`. */
  public static cloudNativePg(options: AddOnOptions = {}): AddOn {
    return new AddOn(cloudNativePgDefinition(options.namespace ?? ADD_ON_NAMESPACES.cloudNativePg), options);
  }
  /**
   * CloudNativePG's Barman Cloud plugin (WAL archiving, base backups). Installed in the operator's namespace
   * after cert-manager and CloudNativePG.
   */
  public static barmanCloudPlugin(options: AddOnOptions = {}): AddOn {
    return new AddOn(barmanCloudPluginDefinition(options.namespace ?? ADD_ON_NAMESPACES.cloudNativePg), options);
  }
  /** Velero with the environment's backup destination as its BackupStorageLocation. Namespace `velero`. */
  public static velero(options: VeleroOptions & AddOnOptions = {}): AddOn {
    return new AddOn(veleroDefinition(options, options.namespace ?? ADD_ON_NAMESPACES.velero), options);
  }
  /** KEDA: ScaledObjects, and external metrics for HPAs (a service's Pods metrics scale through it). Namespace `keda`. */
  public static keda(options: AddOnOptions = {}): AddOn {
    return new AddOn(kedaDefinition(options.namespace ?? ADD_ON_NAMESPACES.keda), options);
  }
  /**
   * ingress-nginx serving the IngressClass of `TrafficLayer.ingress(...)`, in its controller namespace (which must be
   * the add-on's). Retired upstream: an explicit choice for clusters that still run it.
   */
  public static ingressNginx(options: IngressNginxOptions & AddOnOptions = {}): AddOn {
    return new AddOn(ingressNginxDefinition(options, options.namespace ?? ADD_ON_NAMESPACES.ingressNginx), options);
  }
  /**
   * Envoy Gateway, the Gateway API implementation: the GatewayClass of `TrafficLayer.gatewayApi(...)` (with an
   * EnvoyProxy configuration: restricted proxy pods, two replicas and a PDB where the profile is HA), the Gateway
   * API CRDs and its policy kinds (BackendTrafficPolicy, ClientTrafficPolicy). Namespace `envoy-gateway-system`,
   * where it runs the Envoy proxies of every Gateway.
   */
  public static envoyGateway(options: EnvoyGatewayOptions & AddOnOptions = {}): AddOn {
    return new AddOn(envoyGatewayDefinition(options, options.namespace ?? ADD_ON_NAMESPACES.envoyGateway), options);
  }
  /** kube-prometheus-stack for operator monitoring mode, in `profile.monitoring.namespace` (which must be its namespace). */
  public static kubePrometheusStack(options: KubePrometheusStackOptions & AddOnOptions = {}): AddOn {
    return new AddOn(kubePrometheusStackDefinition(options, options.namespace ?? ADD_ON_NAMESPACES.kubePrometheusStack), options);
  }
  /**
   * An add-on from a definition of this library's catalog format (for add-ons built on this model, e.g. the
   * Gateway API implementation).
   * @internal
   */
  public static fromDefinition(definition: AddOnDefinition, options: AddOnOptions = {}): AddOn {
    return new AddOn(definition, options);
  }

  /** Unique name in an environment (`cert-manager`): the Argo CD Application is `<env>-addon-<name>`. */
  public readonly name: string;
  public readonly namespace: string;
  /** The chart installed, at the version installed. */
  public readonly chart: HelmChartRef;
  /** Extra values of the options (merged over the platform's). */
  public readonly extraValues: Readonly<Record<string, unknown>>;
  /** @internal */
  public readonly definition: AddOnDefinition;

  private constructor(definition: AddOnDefinition, options: AddOnOptions) {
    this.definition = definition;
    this.name = definition.name;
    this.namespace = definition.namespace;
    this.chart = options.version !== undefined ? { ...definition.chart, version: options.version } : definition.chart;
    this.extraValues = options.values ?? {};
  }

  /**
   * Whether the options enabled `feature` (see each add-on: `TrafficRouterPlugin.gatewayApi()` gives Argo Rollouts
   * `traffic-router:argoproj-labs/gatewayAPI`, `gatewayApi: true` gives cert-manager `gateway-api`).
   */
  public hasFeature(feature: string): boolean {
    return (this.definition.features ?? []).includes(feature);
  }

  /** Whether the chart installs CRDs (never pruned; CRDs created and replaced on install and upgrade). */
  public get installsCrds(): boolean {
    return this.definition.installsCrds;
  }
}

/**
 * Add-ons of a profile that sets none: what every environment of this library emits kinds of. The traffic layer's
 * implementation is added by {@link defaultAddOns}: Envoy Gateway for Gateway API, ingress-nginx for Ingress.
 */
export const DEFAULT_ADD_ONS: readonly AddOn[] = [AddOn.certManager({ gatewayApi: true }), AddOn.externalSecrets()];

/**
 * What every environment whose profile sets no `addOns` has: {@link DEFAULT_ADD_ONS}, the traffic layer's
 * implementation (Envoy Gateway, or ingress-nginx where the profile keeps Ingress), plus Velero where backups are on
 * (the datastores' Schedules need it; its location is `profile.backups.destination`). Synth adds the add-ons
 * serving what the environment uses (`environmentAddOns`).
 */
export function defaultAddOns(profile: EnvironmentProfile): readonly AddOn[] {
  const traffic = trafficOf(profile);
  const ingress = traffic.kind === 'gatewayApi' ? AddOn.envoyGateway() : AddOn.ingressNginx({ namespace: traffic.controllerNamespace });
  return [...DEFAULT_ADD_ONS, ingress, ...(profile.backups.enabled ? [AddOn.velero()] : [])];
}
