/** Flux alternative: one Kustomization per group folder, ordered with `dependsOn` like Argo CD's sync waves. */
import { Construct } from 'constructs';
import { Kustomization, KustomizationSpecDeletionPolicy, KustomizationSpecSourceRefKind } from '../../imports/kustomize.toolkit.fluxcd.io';
import { EnvironmentChart } from '../core/environment-chart';
import { fail } from '../core/errors';
import { DeliveryGroup } from './delivery-group';
import { GitSource, resolveGitSource } from './git-source';
import { resolveDelivery } from './sync-policy';

/** Namespace Flux runs in. */
export const DEFAULT_FLUX_NAMESPACE = 'flux-system';
/** How often Flux re-applies (drift correction), how soon it retries a failure, and how long it waits for health. */
export const FLUX_INTERVAL = '10m';
export const FLUX_RETRY_INTERVAL = '1m';
export const FLUX_TIMEOUT = '5m';

export interface FluxDeliveryProps {
  readonly source: GitSource;
  readonly groups: readonly DeliveryGroup[];
  /** The environment chart these groups deliver (its folder under the dist folder). */
  readonly environment: EnvironmentChart;
  /** Name of the GitRepository the Kustomizations read (created by {@link FluxRoot}). */
  readonly gitRepositoryName: string;
  /**
   * Namespace Flux runs in.
   * @default DEFAULT_FLUX_NAMESPACE ('flux-system')
   */
  readonly fluxNamespace?: string;
  /** The Kustomization applying the add-ons' HelmReleases, ordered like a group of wave `wave`. @default - no add-ons */
  readonly addOns?: FluxAddOnsUnit;
}

/** The Kustomization that applies the add-ons' HelmRepositories and HelmReleases. */
export interface FluxAddOnsUnit {
  readonly name: string;
  /** Path in the repository (`./dist/flux/<env>/addons`). */
  readonly path: string;
  /** The wave it takes (the last add-on layer): later groups depend on it, it depends on the earlier ones. */
  readonly wave: number;
}

/** How long the add-ons' Kustomization waits for every HelmRelease to be ready (CRDs, webhooks, hooks). */
export const FLUX_ADD_ONS_TIMEOUT = '15m';

/** One Kustomization: a Flux Kustomization applies exactly one folder, so a group of n folders gives n of them. */
export interface FluxUnit {
  readonly name: string;
  readonly directory: string;
  readonly group: DeliveryGroup;
}

/** The Kustomizations of `groups`, named `<env>-<group>` (or `<env>-<group>-<folder>` for multi-folder groups). */
export function fluxUnits(environment: string, groups: readonly DeliveryGroup[]): FluxUnit[] {
  return groups.flatMap((group) =>
    group.directories.map((directory) => ({
      name: group.directories.length === 1 ? `${environment}-${group.name}` : `${environment}-${group.name}-${directory}`,
      directory,
      group,
    })),
  );
}

/**
 * One Kustomization per group folder: `dependsOn` every Kustomization of the previous wave, `wait` for all its
 * resources to be ready within `timeout`, prune as the profile's sync policy allows (stateful groups orphan their
 * resources when protected), suspended when the policy is manual.
 */
export class FluxDelivery extends Construct {
  public readonly units: readonly FluxUnit[];

  public constructor(scope: Construct, id: string, props: FluxDeliveryProps) {
    super(scope, id);
    const profile = EnvironmentChart.of(this).profile;
    const policy = resolveDelivery(profile).syncPolicy;
    const source = resolveGitSource(this, props.source);
    const namespace = props.fluxNamespace ?? DEFAULT_FLUX_NAMESPACE;
    if (props.groups.length === 0) fail(this, 'groups', [], 'must list at least one group (see planDeliveryGroups)');
    this.units = fluxUnits(profile.name, props.groups);
    // Everything that orders: the group units and the add-ons' unit.
    const ordered: { readonly name: string; readonly wave: number }[] = [
      ...this.units.map((u) => ({ name: u.name, wave: u.group.wave })),
      ...(props.addOns ? [{ name: props.addOns.name, wave: props.addOns.wave }] : []),
    ];
    const dependsOnOf = (wave: number) => {
      const earlier = ordered.filter((u) => u.wave < wave);
      const previousWave = Math.max(-1, ...earlier.map((u) => u.wave));
      return earlier.filter((u) => u.wave === previousWave).map((u) => ({ name: u.name }));
    };

    if (props.addOns) {
      const dependsOn = dependsOnOf(props.addOns.wave);
      new Kustomization(this, `unit-${props.addOns.name}`, {
        metadata: { name: props.addOns.name, namespace, labels: { 'platform.io/delivery-group': 'add-ons' } },
        spec: {
          sourceRef: { kind: KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: props.gitRepositoryName },
          path: props.addOns.path,
          interval: FLUX_INTERVAL,
          retryInterval: FLUX_RETRY_INTERVAL,
          timeout: FLUX_ADD_ONS_TIMEOUT,
          // Never pruned: a HelmRelease leaving Git would uninstall its chart and, with it, CRDs and their objects.
          prune: false,
          wait: true,
          ...(dependsOn.length > 0 ? { dependsOn } : {}),
          ...(policy.groupsAutomated ? {} : { suspend: true }),
          deletionPolicy: KustomizationSpecDeletionPolicy.ORPHAN,
        },
      });
    }

    for (const unit of this.units) {
      const dependsOn = dependsOnOf(unit.group.wave);
      const prune = policy.prunes(unit.group.stateful);
      new Kustomization(this, `unit-${unit.name}`, {
        metadata: { name: unit.name, namespace, labels: { 'platform.io/delivery-group': unit.group.name } },
        spec: {
          sourceRef: { kind: KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: props.gitRepositoryName },
          path: `./${source.distPath}/${props.environment.outputDirectory}/${unit.directory}`,
          interval: FLUX_INTERVAL,
          retryInterval: FLUX_RETRY_INTERVAL,
          timeout: FLUX_TIMEOUT,
          prune,
          wait: true,
          ...(dependsOn.length > 0 ? { dependsOn } : {}),
          ...(policy.groupsAutomated ? {} : { suspend: true }),
          // Deleting the Kustomization of a protected stateful group must orphan its data.
          ...(unit.group.stateful && !prune ? { deletionPolicy: KustomizationSpecDeletionPolicy.ORPHAN } : {}),
        },
      });
    }
  }
}
