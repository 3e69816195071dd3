/** The Flux entry point of one environment: the GitRepository and the root Kustomization `kubectl apply` bootstraps. */
import { Construct } from 'constructs';
import { GitRepository, GitRepositorySpecRef } from '../../imports/source.toolkit.fluxcd.io';
import { Kustomization, KustomizationSpecSourceRefKind } from '../../imports/kustomize.toolkit.fluxcd.io';
import { EnvironmentChart } from '../core/environment-chart';
import { DEFAULT_FLUX_NAMESPACE, FLUX_INTERVAL, FLUX_RETRY_INTERVAL, FLUX_TIMEOUT, FluxUnit } from './flux-delivery';
import { GitSource, resolveGitSource } from './git-source';
import { resolveDelivery } from './sync-policy';

/** How often Flux polls the repository. */
export const FLUX_GIT_INTERVAL = '1m';

export interface FluxRootProps {
  readonly source: GitSource;
  /** Folder (relative to the dist folder) holding the environment's group Kustomizations. */
  readonly appsDirectory: string;
  /** The group Kustomizations: the root reports ready only when all of them are. */
  readonly units: readonly FluxUnit[];
  /** Other Kustomizations the root waits for (the add-ons'). @default none */
  readonly extraHealthChecks?: readonly string[];
  /**
   * Namespace Flux runs in.
   * @default DEFAULT_FLUX_NAMESPACE ('flux-system')
   */
  readonly fluxNamespace?: string;
}

/** Maps an Argo-CD-style target revision to a Flux ref: 40 hex digits = commit, `refs/...` = name, else branch. */
export function fluxRef(targetRevision: string): GitRepositorySpecRef {
  if (/^[0-9a-f]{40}$/.test(targetRevision)) return { commit: targetRevision };
  if (targetRevision.startsWith('refs/')) return { name: targetRevision };
  return { branch: targetRevision };
}

/**
 * GitRepository `<env>-platform` (only the dist folder is fetched) and Kustomization `<env>-root` applying the
 * group Kustomizations, with health checks on each. Suspended when the profile's sync policy keeps the root
 * manual: failover is then one `flux resume kustomization <env>-root`.
 */
export class FluxRoot extends Construct {
  public readonly gitRepositoryName: string;

  public constructor(scope: Construct, id: string, props: FluxRootProps) {
    super(scope, id);
    const profile = EnvironmentChart.of(this).profile;
    const policy = resolveDelivery(profile).syncPolicy;
    const source = resolveGitSource(this, props.source);
    const namespace = props.fluxNamespace ?? DEFAULT_FLUX_NAMESPACE;
    this.gitRepositoryName = `${profile.name}-platform`;

    new GitRepository(this, 'Repository', {
      metadata: { name: this.gitRepositoryName, namespace },
      spec: {
        url: source.url,
        ref: fluxRef(source.targetRevision),
        interval: FLUX_GIT_INTERVAL,
        // Fetch only the rendered manifests: smaller artifacts, and source code never reaches the cluster.
        ignore: `/*\n!/${source.distPath}/\n`,
      },
    });

    new Kustomization(this, 'Resource', {
      metadata: { name: `${profile.name}-root`, namespace },
      spec: {
        sourceRef: { kind: KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: this.gitRepositoryName },
        path: `./${source.distPath}/${props.appsDirectory}`,
        interval: FLUX_INTERVAL,
        retryInterval: FLUX_RETRY_INTERVAL,
        timeout: FLUX_TIMEOUT,
        prune: true,
        // wait would ignore healthChecks; the explicit checks make the root ready only when every group is.
        wait: false,
        healthChecks: [...(props.extraHealthChecks ?? []), ...props.units.map((u) => u.name)].map((name) => ({
          apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
          kind: 'Kustomization',
          name,
          namespace,
        })),
        ...(policy.rootManual ? { suspend: true } : {}),
      },
    });
  }
}
