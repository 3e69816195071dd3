/**
 * The add-ons in the GitOps entry points: for Argo CD an AppProject `<env>-addons` and one Application per add-on
 * with a Helm source (`valuesObject`) in the sync wave of its layer; for Flux a HelmRepository (or OCIRepository)
 * and a HelmRelease per add-on with `dependsOn`, applied by the Kustomization `<env>-addons` that every later
 * group depends on. CRD-carrying add-ons are never pruned: deleting a CRD deletes every object of its kind.
 */
import { Construct } from 'constructs';
import { AppProject, Application, ApplicationSet, ApplicationSetSpecTemplateSpec, ApplicationSpec } from '../../imports/argoproj.io';
import {
  HelmRelease,
  HelmReleaseSpecChartRefKind,
  HelmReleaseSpecChartSpecSourceRefKind,
  HelmReleaseSpecInstallCrds,
  HelmReleaseSpecUpgradeCrds,
} from '../../imports/helm.toolkit.fluxcd.io';
import { HelmRepository, OciRepository, OciRepositorySpecLayerSelectorOperation } from '../../imports/source.toolkit.fluxcd.io';
import { EnvironmentChart } from '../core/environment-chart';
import { ResolvedDelivery } from '../gitops/sync-policy';
import { AddOn } from './add-on';
import { argoCdHelmSource } from './chart';
import { ClusterAddOns, LABEL_ADD_ON } from './cluster-add-ons';

/** Sync options of add-on Applications (as the groups': server-side apply for large CRDs, no implicit namespaces). */
export const ADD_ON_SYNC_OPTIONS: readonly string[] = [
  'ServerSideApply=true',
  'CreateNamespace=false',
  'RespectIgnoreDifferences=true',
  'ApplyOutOfSyncOnly=true',
];
/** Annotation on an Application or object that Argo CD must never prune or delete. */
export const ARGOCD_NEVER_PRUNE = { 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' } as const;
/** How often Flux reconciles a HelmRelease and refreshes its chart source. */
export const FLUX_ADD_ON_INTERVAL = '1h';
/** How long Flux waits for an add-on's install or upgrade (CRDs, webhooks, hooks). */
export const FLUX_ADD_ON_TIMEOUT = '10m';
/** Retries of a failed install or upgrade before Flux gives up until the next change. */
export const FLUX_REMEDIATION_RETRIES = 3;
/** Media type of a Helm chart layer in an OCI artifact. */
export const HELM_CHART_MEDIA_TYPE = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';

/** Name of an add-on's Argo CD Application and Flux objects. */
export function addOnObjectName(environment: string, addOn: AddOn): string {
  return `${environment}-addon-${addOn.name}`;
}

/** Group name the add-ons take in the delivery plan (reserved: no namespace group may use it). */
export const ADD_ONS_GROUP = 'add-ons';

/** Name of the add-ons' AppProject and of the Flux Kustomization applying the HelmReleases. */
export function addOnsUnitName(environment: string): string {
  return `${environment}-${ADD_ONS_GROUP}`;
}

export interface ArgoCdAddOnsProps {
  readonly environment: EnvironmentChart;
  readonly addOns: ClusterAddOns;
  readonly delivery: ResolvedDelivery;
  readonly argoCdNamespace: string;
}

/** The AppProject `<env>-addons` and one Application (ApplicationSet with several clusters) per add-on. */
export class ArgoCdAddOns extends Construct {
  public constructor(scope: Construct, id: string, props: ArgoCdAddOnsProps) {
    super(scope, id);
    const env = props.environment.profile.name;
    const resolved = props.addOns.resolved;
    const clusters = props.delivery.clusters;
    const project = addOnsUnitName(env);
    const namespaces = [...new Set(resolved.addOns.flatMap((a) => props.addOns.destinationsOf(a)))].sort();
    const clusterKinds = new Map<string, { group: string; kind: string }>();
    for (const a of resolved.addOns) for (const gk of a.definition.clusterKinds) clusterKinds.set(`${gk.group}/${gk.kind}`, { ...gk });

    new AppProject(this, 'Project', {
      metadata: { name: project, namespace: props.argoCdNamespace },
      spec: {
        description: `Cluster add-ons of ${env}: only their Helm repositories, only their namespaces.`,
        sourceRepos: [...new Set(resolved.addOns.map((a) => argoCdHelmSource(a.chart).repoUrl))].sort(),
        destinations: clusters.flatMap((c) => namespaces.map((namespace) => ({ server: c.server, namespace }))),
        clusterResourceWhitelist: [...clusterKinds.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => v),
        // A chart's namespaced objects vary between versions; the destinations confine them to the add-ons' namespaces,
        // and no chart may create Argo CD's own kinds (a project or application of its own).
        namespaceResourceWhitelist: [{ group: '*', kind: '*' }],
        namespaceResourceBlacklist: ['AppProject', 'Application', 'ApplicationSet'].map((kind) => ({ group: 'argoproj.io', kind })),
        orphanedResources: { warn: false },
      },
    });

    for (const a of resolved.addOns) {
      const source = argoCdHelmSource(a.chart);
      const prune = !a.installsCrds && props.delivery.syncPolicy.prunes(false);
      const spec = (server: string): ApplicationSpec => ({
        project,
        source: {
          repoUrl: source.repoUrl,
          chart: source.chart,
          targetRevision: a.chart.version,
          helm: { releaseName: a.definition.releaseName, valuesObject: props.addOns.valuesOf(a) },
        },
        destination: { server, namespace: a.namespace },
        syncPolicy: {
          ...(props.delivery.syncPolicy.groupsAutomated ? { automated: { prune, selfHeal: true } } : {}),
          syncOptions: [...ADD_ON_SYNC_OPTIONS],
          retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
        },
        revisionHistoryLimit: 10,
      });
      const name = addOnObjectName(env, a);
      const annotations = {
        'argocd.argoproj.io/sync-wave': String(resolved.layer.get(a.name)),
        // The root app-of-apps never prunes or deletes a CRD-carrying add-on, even when it leaves the profile.
        ...(a.installsCrds ? ARGOCD_NEVER_PRUNE : {}),
      };
      const labels = { [LABEL_ADD_ON]: a.name };
      // No cascade finalizer: deleting the Application leaves the controller and its CRDs running.
      const single = clusters.length === 1 ? clusters[0] : undefined;
      if (single) {
        new Application(this, `addon-${a.name}`, { metadata: { name, namespace: props.argoCdNamespace, annotations, labels }, spec: spec(single.server) });
        continue;
      }
      new ApplicationSet(this, `addon-${a.name}`, {
        metadata: { name, namespace: props.argoCdNamespace, annotations, labels },
        spec: {
          generators: [{ list: { elements: clusters.map((c) => ({ cluster: c.name, url: c.server, region: c.region })) } }],
          template: {
            metadata: {
              name: `${name}-{{cluster}}`,
              namespace: props.argoCdNamespace,
              labels,
              annotations: { ...annotations, 'platform.io/cluster': '{{cluster}}' },
            },
            spec: spec('{{url}}') as ApplicationSetSpecTemplateSpec,
          },
          syncPolicy: { preserveResourcesOnDeletion: true },
        },
      });
    }
  }
}

export interface FluxAddOnsProps {
  readonly environment: EnvironmentChart;
  readonly addOns: ClusterAddOns;
  readonly delivery: ResolvedDelivery;
  readonly fluxNamespace: string;
}

/** A HelmRepository or OCIRepository and a HelmRelease per add-on (in Flux's namespace, released into the add-on's). */
export class FluxAddOns extends Construct {
  public constructor(scope: Construct, id: string, props: FluxAddOnsProps) {
    super(scope, id);
    const env = props.environment.profile.name;
    const ns = props.fluxNamespace;
    const suspend = props.delivery.syncPolicy.groupsAutomated ? {} : { suspend: true };
    for (const a of props.addOns.resolved.addOns) {
      const name = addOnObjectName(env, a);
      const labels = { [LABEL_ADD_ON]: a.name };
      if (a.chart.oci) {
        new OciRepository(this, `source-${a.name}`, {
          metadata: { name, namespace: ns, labels },
          spec: {
            url: a.chart.repository,
            ref: { tag: a.chart.version },
            interval: FLUX_ADD_ON_INTERVAL,
            layerSelector: { mediaType: HELM_CHART_MEDIA_TYPE, operation: OciRepositorySpecLayerSelectorOperation.COPY },
          },
        });
      } else {
        new HelmRepository(this, `source-${a.name}`, {
          metadata: { name, namespace: ns, labels },
          spec: { url: a.chart.repository, interval: FLUX_ADD_ON_INTERVAL },
        });
      }
      const crds = a.installsCrds
        ? { install: { crds: HelmReleaseSpecInstallCrds.CREATE_REPLACE }, upgrade: { crds: HelmReleaseSpecUpgradeCrds.CREATE_REPLACE } }
        : { install: {}, upgrade: {} };
      new HelmRelease(this, `release-${a.name}`, {
        metadata: { name, namespace: ns, labels },
        spec: {
          interval: FLUX_ADD_ON_INTERVAL,
          timeout: FLUX_ADD_ON_TIMEOUT,
          releaseName: a.definition.releaseName,
          targetNamespace: a.namespace,
          storageNamespace: a.namespace,
          ...(a.chart.oci
            ? { chartRef: { kind: HelmReleaseSpecChartRefKind.OCI_REPOSITORY, name } }
            : {
                chart: {
                  spec: { chart: a.chart.chart, version: a.chart.version, sourceRef: { kind: HelmReleaseSpecChartSpecSourceRefKind.HELM_REPOSITORY, name } },
                },
              }),
          install: { ...crds.install, remediation: { retries: FLUX_REMEDIATION_RETRIES } },
          upgrade: { ...crds.upgrade, remediation: { retries: FLUX_REMEDIATION_RETRIES } },
          ...((a.definition.needs ?? []).length > 0 ? { dependsOn: [...(a.definition.needs ?? [])].sort().map((n) => ({ name: `${env}-addon-${n}` })) } : {}),
          values: props.addOns.valuesOf(a),
          ...suspend,
        },
      });
    }
  }
}
