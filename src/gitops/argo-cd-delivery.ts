/** Argo CD objects of one environment: its AppProject and one Application (or ApplicationSet) per delivery group. */
import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import {
  AppProject,
  AppProjectSpecClusterResourceWhitelist,
  AppProjectSpecNamespaceResourceWhitelist,
  Application,
  ApplicationSet,
  ApplicationSetSpecTemplateSpec,
  ApplicationSpec,
  ApplicationSpecIgnoreDifferences,
  ApplicationSpecSyncPolicy,
} from '../../imports/argoproj.io';
import { EnvironmentChart } from '../core/environment-chart';
import { ClusterTarget } from '../core/environment-profile';
import { fail } from '../core/errors';
import { traceInput } from '../synth/provenance';
import { requestedArgoCdProjects } from './argo-cd-projects';
import { DeliveryGroup } from './delivery-group';
import { environmentFacts } from './environment-scan';
import { GitSource, ResolvedGitSource, resolveGitSource } from './git-source';
import { resolveDelivery, SyncPolicy } from './sync-policy';

/** Namespace Argo CD runs in (where Applications and AppProjects live). */
export const DEFAULT_DELIVERY_ARGOCD_NAMESPACE = 'argocd';
/** Finalizer that makes deleting an Application delete its resources (cascade). */
export const ARGOCD_CASCADE_FINALIZER = 'resources-finalizer.argocd.argoproj.io';
export const ANNOTATION_SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
export const LABEL_DELIVERY_GROUP = 'platform.io/delivery-group';

/**
 * Sync options of every group: server-side apply (no 256 KiB last-applied annotation, fields owned by
 * controllers stay theirs); namespaces are created by the cluster group, never implicitly; ignored differences
 * (HPA replicas) are respected during sync too; deletions happen after everything else is healthy.
 */
export const GROUP_SYNC_OPTIONS: readonly string[] = [
  'ServerSideApply=true',
  'CreateNamespace=false',
  'RespectIgnoreDifferences=true',
  'PruneLast=true',
  'ApplyOutOfSyncOnly=true',
];
/** Retry with exponential backoff: 10s, 20s, 40s ... capped at 5m, 5 attempts (namespaces or CRDs may lag). */
export const SYNC_RETRY = { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } } as const;

export interface ArgoCdDeliveryProps {
  /** The repository Argo CD reads. */
  readonly source: GitSource;
  /** Groups of the environment (see `planDeliveryGroups`). */
  readonly groups: readonly DeliveryGroup[];
  /**
   * The environment chart these groups deliver: its kinds make the AppProject's least-privilege whitelists and
   * its HPAs the `ignoreDifferences` entries. Read at synth time.
   */
  readonly environment: EnvironmentChart;
  /**
   * Namespace Argo CD runs in.
   * @default DEFAULT_DELIVERY_ARGOCD_NAMESPACE ('argocd')
   */
  readonly argoCdNamespace?: string;
}

/**
 * The AppProject `<env>` (only our repository, only our namespaces on the environment's clusters, only the
 * kinds the environment emits) and one Application `<env>-<group>` per group, ordered by sync waves. With more
 * than one cluster in `profile.delivery.clusters`, each group is an ApplicationSet with a list generator.
 * Sync policy, clusters and prune rules come from the profile (`delivery`), never from the environment's name.
 */
export class ArgoCdDelivery extends Construct {
  /** Name of the AppProject (the environment name). */
  public readonly projectName: string;
  public readonly argoCdNamespace: string;

  public constructor(scope: Construct, id: string, props: ArgoCdDeliveryProps) {
    super(scope, id);
    const profile = EnvironmentChart.of(this).profile;
    const delivery = resolveDelivery(profile);
    const source = resolveGitSource(this, props.source);
    this.argoCdNamespace = props.argoCdNamespace ?? DEFAULT_DELIVERY_ARGOCD_NAMESPACE;
    this.projectName = profile.name;
    if (props.groups.length === 0) fail(this, 'groups', [], 'must list at least one group (see planDeliveryGroups)');
    if (delivery.clusters.length === 0) fail(this, 'profile.delivery.clusters', [], 'must list at least one cluster');
    const envDir = props.environment.outputDirectory;
    const facts = () => environmentFacts(props.environment);
    for (const group of props.groups) {
      if (group.tool === 'argocd') {
        fail(
          this,
          `groups.${group.name}`,
          group.directories,
          'holds Argo CD objects (AppProject, Application, ApplicationSet) in the environment folder: the environment project must never create projects or applications (a commit under the environment folder could then deploy anything anywhere); ask for an AppProject with requestArgoCdProject() so that the bootstrap project creates it',
        );
      }
    }

    new AppProject(this, 'Resource', {
      metadata: { name: this.projectName, namespace: this.argoCdNamespace },
      spec: {
        description: `Platform environment ${profile.name}: only ${source.url}, only the platform's namespaces and kinds.`,
        sourceRepos: [source.url],
        destinations: destinationsOf(delivery.clusters, props.groups),
        // Lazy: the kinds are known only once the environment's constructs are all added.
        clusterResourceWhitelist: Lazy.any({ produce: () => facts().clusterKinds }) as unknown as AppProjectSpecClusterResourceWhitelist[],
        namespaceResourceWhitelist: Lazy.any({ produce: () => facts().namespacedKinds }) as unknown as AppProjectSpecNamespaceResourceWhitelist[],
        orphanedResources: { warn: true },
      },
    });

    // Requested projects (tenants') live in the bootstrap folder: only the root project, which may create nothing
    // but Argo CD objects in Argo CD's namespace, applies them.
    for (const p of requestedArgoCdProjects(props.environment)) {
      if (p.namespace !== this.argoCdNamespace) {
        fail(
          p.requestedBy,
          'argocdNamespace',
          p.namespace,
          `must be the namespace Argo CD runs in ("${this.argoCdNamespace}"): the bootstrap project creates AppProjects only there`,
        );
      }
      const project = new AppProject(this, `project-${p.name}`, { metadata: { name: p.name, namespace: p.namespace, labels: { ...p.labels } }, spec: p.spec });
      for (const [field, origin] of Object.entries(p.origins ?? {})) traceInput(project, field, origin);
    }

    for (const group of props.groups) {
      const spec = (server: string): ApplicationSpec => ({
        project: this.projectName,
        source: {
          repoUrl: source.url,
          targetRevision: source.targetRevision,
          ...sourcePath(source, envDir, group),
        },
        destination: { server, ...(group.namespaces.length === 1 ? { namespace: group.namespaces[0] } : {}) },
        syncPolicy: groupSyncPolicy(delivery.syncPolicy, group),
        ignoreDifferences: Lazy.any({ produce: () => ignoreDifferencesOf(facts(), group) }) as unknown as ApplicationSpecIgnoreDifferences[],
        revisionHistoryLimit: 10,
      });
      const name = `${profile.name}-${group.name}`;
      const annotations = { [ANNOTATION_SYNC_WAVE]: String(group.wave) };
      const labels = { [LABEL_DELIVERY_GROUP]: group.name };
      // Deleting the Application of a stateful group must orphan its data, never cascade-delete it.
      const finalizers = group.stateful ? undefined : [ARGOCD_CASCADE_FINALIZER];
      const single = delivery.clusters.length === 1 ? delivery.clusters[0] : undefined;
      if (single) {
        new Application(this, `group-${group.name}`, {
          metadata: { name, namespace: this.argoCdNamespace, annotations, labels, finalizers },
          spec: spec(single.server),
        });
        continue;
      }
      new ApplicationSet(this, `group-${group.name}`, {
        metadata: { name, namespace: this.argoCdNamespace, annotations, labels },
        spec: {
          generators: [{ list: { elements: delivery.clusters.map((c) => ({ cluster: c.name, url: c.server, region: c.region })) } }],
          template: {
            // The cluster goes in an annotation: a template placeholder is not a valid label value until rendered.
            metadata: {
              name: `${name}-{{cluster}}`,
              namespace: this.argoCdNamespace,
              labels,
              annotations: { ...annotations, 'platform.io/cluster': '{{cluster}}' },
              finalizers,
            },
            spec: spec('{{url}}') as ApplicationSetSpecTemplateSpec,
          },
          syncPolicy: { preserveResourcesOnDeletion: group.stateful },
        },
      });
    }
  }
}

function destinationsOf(clusters: readonly ClusterTarget[], groups: readonly DeliveryGroup[]) {
  const namespaces = [...new Set(groups.flatMap((g) => g.namespaces))].sort();
  // A destination without namespace admits the cluster group's Application, which holds only cluster-scoped objects.
  return clusters.flatMap((c) => [{ server: c.server }, ...namespaces.map((namespace) => ({ server: c.server, namespace }))]);
}

/** One folder: its path. Several: the environment folder restricted to their files by an include glob. */
function sourcePath(source: ResolvedGitSource, envDir: string, group: DeliveryGroup) {
  if (group.directories.length === 1) {
    return { path: `${source.distPath}/${envDir}/${group.directories[0]}`, directory: { recurse: false } };
  }
  return {
    path: `${source.distPath}/${envDir}`,
    directory: { recurse: true, include: `{${group.directories.map((d) => `${d}/*.yaml`).join(',')}}` },
  };
}

/** The sync policy of one group under the environment's {@link SyncPolicy}. */
export function groupSyncPolicy(policy: SyncPolicy, group: DeliveryGroup): ApplicationSpecSyncPolicy {
  return {
    ...(policy.groupsAutomated ? { automated: { prune: policy.prunes(group.stateful), selfHeal: true } } : {}),
    syncOptions: [...GROUP_SYNC_OPTIONS],
    retry: { limit: SYNC_RETRY.limit, backoff: { ...SYNC_RETRY.backoff } },
  };
}

/**
 * What the group's Application leaves to controllers: replicas an HPA owns, and the backend weights of routes Argo
 * Rollouts' Gateway API plugin moves during a canary (self-heal would otherwise reset a running canary to 100/0).
 */
function ignoreDifferencesOf(facts: ReturnType<typeof environmentFacts>, group: DeliveryGroup) {
  const entries: Record<string, unknown>[] = [
    ...facts.scaledWorkloads
      .filter((w) => group.namespaces.includes(w.namespace))
      .map((w) => ({ group: w.group, kind: w.kind, name: w.name, namespace: w.namespace, jsonPointers: ['/spec/replicas'] })),
    ...facts.weightedRoutes
      .filter((r) => group.namespaces.includes(r.namespace))
      .map((r) => ({
        group: 'gateway.networking.k8s.io',
        kind: r.kind,
        name: r.name,
        namespace: r.namespace,
        jqPathExpressions: ['.spec.rules[].backendRefs[].weight'],
      })),
  ];
  return entries.length > 0 ? entries : undefined;
}
