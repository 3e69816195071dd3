/**
 * What one add-on is, as data the catalog files fill in and the rest of the library reads: its chart, its
 * namespace, the kinds it serves, the values it sets, the cluster-scoped objects it configures, who its
 * controllers are and what the cluster must already have. Internal: users choose add-ons with `AddOn.*()`.
 */
import { Construct } from 'constructs';
import type { EnvironmentChart } from '../core/environment-chart';
import type { EnvironmentProfile } from '../core/environment-profile';
import type { ClusterServiceName, ClusterServicesOverrides } from '../core/cluster-services';
import type { WorkloadPort, WorkloadRef } from '../core/connections';
import type { QuotaOverrides } from '../tenancy/plan';
import type { HelmChartRef } from './chart';
import type { AddOn } from './add-on';
import type { ClusterAdminDeclaration } from './cluster-admin';

/** An API group and kind, as Argo CD's AppProject whitelists spell them. */
export interface AddOnGroupKind {
  readonly group: string;
  readonly kind: string;
}

/** What an add-on's definition sees when it describes itself from the profile alone. */
export interface AddOnProfileContext {
  readonly profile: EnvironmentProfile;
  /** The add-on's namespace. */
  readonly namespace: string;
}

/** What an add-on's definition sees when it computes values or configuration. */
export interface AddOnContext extends AddOnProfileContext {
  /** The environment chart; its constructs all exist when values and configuration are computed. */
  readonly environment: EnvironmentChart;
  /** Every add-on of the environment. */
  readonly addOns: readonly AddOn[];
}

/** A namespace an add-on's pods run in, with the reason when its pods cannot run PSS restricted. */
export interface AddOnNamespaceSpec {
  readonly name: string;
  /** Why PSS restricted cannot be enforced (written to the namespace); undefined when it is. */
  readonly exemption?: string;
  /** Quota entries over the platform plan's (a LoadBalancer Service needs node ports). @default - the plan's */
  readonly quota?: QuotaOverrides;
}

/** Where a controller's traffic comes from or goes to, beyond the API server and DNS every add-on pod gets. */
export type AddOnPeer =
  /** Any address: the API server calling a webhook (its source address is unknown), the internet. */
  | 'anywhere'
  /** Every pod of the cluster (an ingress controller's backends). */
  | 'cluster'
  /** Pods of a namespace (all of them, or those with `podLabels`). */
  | { readonly namespace: string; readonly podLabels?: Readonly<Record<string, string>> };

/** One NetworkPolicy rule of a controller: peers and TCP ports (every port when empty). */
export interface AddOnTraffic {
  readonly peers: readonly AddOnPeer[];
  readonly ports: readonly number[];
  /** @default 'TCP' */
  readonly protocol?: 'TCP' | 'UDP';
}

/** Pods of an add-on's controller: how NetworkPolicies and the flow proof recognise them, and what they may do. */
export interface AddOnControllerPods {
  /** Short name of the component, e.g. `controller`, `operator`. */
  readonly component: string;
  /**
   * Its name in the connection graph and of its NetworkPolicy (what other workloads connect to).
   * @default `<add-on>-<component>`
   */
  readonly workloadName?: string;
  /**
   * The cluster service it is (the Argo Rollouts controller, the ingress controller, ...): the platform's constructs
   * connect to it by that name (`clusterServiceConnects`), and its NetworkPolicy carries those connections.
   * @default - none
   */
  readonly clusterService?: ClusterServiceName;
  readonly namespace: string;
  readonly podLabels: Readonly<Record<string, string>>;
  /** Ports it accepts connections on. @default [] */
  readonly ports?: readonly WorkloadPort[];
  /** Connections it accepts (besides Prometheus scraping it). @default none */
  readonly ingress?: readonly AddOnTraffic[];
  /** Connections it opens (besides the API server and DNS). @default none */
  readonly egress?: readonly AddOnTraffic[];
  /**
   * Workloads of the environment it connects to (Prometheus, for analysis and scalers): the NetworkPolicies at
   * both ends admit the connection. Left out when no such workload is in the environment.
   */
  readonly connectsTo?: readonly WorkloadRef[];
}

/** Objects an add-on's chart creates that the platform's objects may refer to. */
export interface AddOnProvides {
  readonly ingressClasses?: readonly string[];
  readonly gatewayClasses?: readonly string[];
  /** `<namespace>/<name>` */
  readonly serviceAccounts?: readonly string[];
  /** `<namespace>/<name>` */
  readonly secrets?: readonly string[];
  readonly priorityClasses?: readonly string[];
  /** ClusterIssuers it configures (emitted into the environment by {@link AddOnDefinition.configure}). */
  readonly clusterIssuers?: readonly string[];
  /** ClusterSecretStores it configures. */
  readonly clusterSecretStores?: readonly string[];
  /** Namespaced objects it configures, `<Kind>/<namespace>/<name>` (Velero's locations). */
  readonly objects?: readonly string[];
}

/** The data of one add-on; see the files in `catalog/`. */
export interface AddOnDefinition {
  /** DNS label naming the add-on: its Argo CD Application is `<env>-addon-<name>`. */
  readonly name: string;
  /** One line for README tables: what it is for. */
  readonly purpose: string;
  readonly chart: HelmChartRef;
  /** Helm release name. */
  readonly releaseName: string;
  readonly namespace: string;
  /**
   * API groups whose every vendored CRD kind the add-on serves (`cert-manager.io`), and single kinds
   * (`argoproj.io/Rollout`) where a group is shared with another controller.
   */
  readonly serves: { readonly groups?: readonly string[]; readonly kinds?: readonly string[] };
  /** Whether the chart installs CRDs (then it is never pruned, and CRDs are created and replaced on upgrade). */
  readonly installsCrds: boolean;
  /** Cluster-scoped kinds the chart creates (the add-on AppProject's whitelist). */
  readonly clusterKinds: readonly AddOnGroupKind[];
  /**
   * Features the options enabled, for constructs that need them (`requireAddOn(..., (a) => a.hasFeature(...))`),
   * e.g. `traffic-router:argoproj-labs/gatewayAPI`. @default none
   */
  readonly features?: readonly string[];
  /**
   * To whom the chart binds the built-in ClusterRole cluster-admin and why the add-on cannot work with less. An
   * add-on whose values bind cluster-admin (the chart's default, or a value naming it) without this fails synth;
   * with it, the binding is listed in the environment's README.md and POLICY.md.
   * @default - none: the add-on's chart must not bind cluster-admin
   */
  readonly clusterAdmin?: ClusterAdminDeclaration;
  /** Maps the chart's templates pass through whole, so their keys are not checked (`podSecurityContext`). */
  readonly openValuePaths?: readonly string[];
  /** The values the platform sets (typed in each catalog file). */
  values(ctx: AddOnContext): Record<string, unknown>;
  /** Other add-ons that must be installed first (kinds it creates, webhooks it needs). @default none */
  readonly needs?: readonly string[];
  /** Namespaces its pods run in. @default [{ name: namespace }] */
  namespaces?(ctx: AddOnProfileContext): readonly AddOnNamespaceSpec[];
  /** Other namespaces the chart writes objects into (its Argo CD destinations). @default none */
  destinations?(ctx: AddOnContext): readonly string[];
  /** Its controllers' pods. @default none */
  controllers?(ctx: AddOnContext): readonly AddOnControllerPods[];
  /** Objects its chart creates that others refer to. @default nothing */
  provides?(ctx: AddOnProfileContext): AddOnProvides;
  /** The cluster services its controllers are (namespace and pod labels for NetworkPolicies and the flow proof). @default none */
  clusterServices?(ctx: AddOnProfileContext): ClusterServicesOverrides;
  /**
   * Emits the cluster configuration it is responsible for into the environment chart (ClusterIssuers,
   * ClusterSecretStores, BackupStorageLocations, ...). Runs once, after the environment's constructs.
   */
  configure?(scope: Construct, ctx: AddOnContext): void;
  /** What must exist outside dist/ for it to work (IAM roles, Vault roles, registries), for the README. */
  prerequisites?(ctx: AddOnProfileContext): readonly string[];
}
