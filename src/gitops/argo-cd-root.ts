/** The root app-of-apps of one environment: what `kubectl apply` bootstraps Argo CD with. */
import { Construct } from 'constructs';
import { AppProject, Application } from '../../imports/argoproj.io';
import { EnvironmentChart } from '../core/environment-chart';
import { fail } from '../core/errors';
import { DEFAULT_DELIVERY_ARGOCD_NAMESPACE, GROUP_SYNC_OPTIONS, SYNC_RETRY } from './argo-cd-delivery';
import { GitSource, resolveGitSource } from './git-source';
import { resolveDelivery } from './sync-policy';

/** The API server of the cluster Argo CD runs in. */
export const IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';

export interface ArgoCdRootProps {
  readonly source: GitSource;
  /** Folder (relative to the dist folder) holding the environment's AppProject and group Applications. */
  readonly appsDirectory: string;
  /**
   * Namespace Argo CD runs in.
   * @default DEFAULT_DELIVERY_ARGOCD_NAMESPACE ('argocd')
   */
  readonly argoCdNamespace?: string;
}

/**
 * The AppProject `<env>-root`, allowed to manage only Argo CD's own kinds in Argo CD's namespace, and the
 * Application `<env>-root` that syncs the folder of group Applications. It lives outside that folder, so it
 * never manages (or prunes) itself. Manual when the profile's sync policy says so: then failover is one
 * `argocd app sync <env>-root`.
 */
export class ArgoCdRoot extends Construct {
  public readonly applicationName: string;

  public constructor(scope: Construct, id: string, props: ArgoCdRootProps) {
    super(scope, id);
    const profile = EnvironmentChart.of(this).profile;
    const delivery = resolveDelivery(profile);
    const source = resolveGitSource(this, props.source);
    const namespace = props.argoCdNamespace ?? DEFAULT_DELIVERY_ARGOCD_NAMESPACE;
    if (props.appsDirectory.startsWith('/') || props.appsDirectory.split('/').includes('..')) {
      fail(this, 'appsDirectory', props.appsDirectory, 'must be a folder relative to the dist folder, without ".."');
    }
    this.applicationName = `${profile.name}-root`;

    new AppProject(this, 'Project', {
      metadata: { name: this.applicationName, namespace },
      spec: {
        description: `Bootstrap of ${profile.name}: creates its AppProject and Applications, nothing else.`,
        sourceRepos: [source.url],
        destinations: [{ server: IN_CLUSTER_SERVER, namespace }],
        clusterResourceWhitelist: [],
        namespaceResourceWhitelist: [
          { group: 'argoproj.io', kind: 'AppProject' },
          { group: 'argoproj.io', kind: 'Application' },
          { group: 'argoproj.io', kind: 'ApplicationSet' },
        ],
      },
    });

    new Application(this, 'Resource', {
      // No cascade finalizer: deleting the root must never delete the environment.
      metadata: { name: this.applicationName, namespace },
      spec: {
        project: this.applicationName,
        source: {
          repoUrl: source.url,
          targetRevision: source.targetRevision,
          path: `${source.distPath}/${props.appsDirectory}`,
          directory: { recurse: true },
        },
        destination: { server: IN_CLUSTER_SERVER, namespace },
        syncPolicy: {
          ...(delivery.syncPolicy.rootManual ? {} : { automated: { prune: true, selfHeal: true } }),
          syncOptions: GROUP_SYNC_OPTIONS.filter((o) => o !== 'ApplyOutOfSyncOnly=true'),
          retry: { limit: SYNC_RETRY.limit, backoff: { ...SYNC_RETRY.backoff } },
        },
      },
    });
  }
}
