/** Adds the GitOps entry points (Argo CD and/or Flux) of one environment to an app, from one delivery model. */
import { ApiObject, App } from 'cdk8s';
import { ClusterAddOns } from '../addons/cluster-add-ons';
import { addOnsUnitName, ArgoCdAddOns, FluxAddOns } from '../addons/delivery';
import { EnvironmentChart } from '../core/environment-chart';
import { fail } from '../core/errors';
import { SchemaRegistry } from '../synth/schema-registry';
import { CLUSTER_CONFIG_DIR, deliveryFolderOf } from '../synth/synthesizer';
import { ArgoCdDelivery, DEFAULT_DELIVERY_ARGOCD_NAMESPACE } from './argo-cd-delivery';
import { ArgoCdRoot } from './argo-cd-root';
import { isArgoCdKind, isFluxKind } from './argo-cd-projects';
import { DeliveryGroup, planDeliveryGroups, TieredNamespace } from './delivery-group';
import { deriveNamespaceTiers } from './namespace-tiers';
import { DEFAULT_FLUX_NAMESPACE, FluxAddOnsUnit, FluxDelivery, fluxUnits } from './flux-delivery';
import { FluxRoot } from './flux-root';
import { GitSource, resolveGitSource } from './git-source';
import { deferToSynth } from '../core/deferred';
import { shareAddOns } from '../addons/resolution';
import { resolveDelivery } from './sync-policy';

/** Which GitOps controller applies the environment. */
export class DeliveryTool {
  /** Argo CD: AppProject, Applications with sync waves (ApplicationSets for several clusters), root app-of-apps. */
  public static argoCd(): DeliveryTool {
    return new DeliveryTool('argocd');
  }
  /** Flux: GitRepository, Kustomizations with dependsOn, root Kustomization. */
  public static flux(): DeliveryTool {
    return new DeliveryTool('flux');
  }
  private constructor(
    /** Also the top folder of its files under dist/ (`dist/argocd/<env>/...`, `dist/flux/<env>/...`). */
    public readonly name: 'argocd' | 'flux',
  ) {}
}

/** Default GitOps tools: Argo CD only. */
export const DEFAULT_DELIVERY_TOOLS: readonly DeliveryTool[] = [DeliveryTool.argoCd()];

export interface GitOpsDeliveryProps {
  /** The environment chart to deliver (its constructs may be declared before or after this call). */
  readonly environment: EnvironmentChart;
  /** Repository, revision and dist folder Argo CD / Flux read. */
  readonly source: GitSource;
  /**
   * Tiers (which decide sync waves and stateful groups) and groups of namespaces, over the derived ones: not needed
   * for correctness, every namespace's tier is derived from what it holds (see {@link deriveNamespaceTiers}). An
   * entry that puts a namespace holding data into a tier that is not stateful is an error.
   * @default - every namespace the environment creates or uses, with its derived tier
   */
  readonly namespaces?: readonly TieredNamespace[];
  /**
   * GitOps tools to emit entry points for.
   * @default DEFAULT_DELIVERY_TOOLS (Argo CD only)
   */
  readonly tools?: readonly DeliveryTool[];
}

/** What {@link addGitOpsDelivery} created. */
export interface GitOpsDelivery {
  readonly groups: readonly DeliveryGroup[];
  /**
   * Charts created per tool: `<tool>/<env>/apps` (group objects, Argo CD's add-on Applications), `<tool>/<env>/root`
   * (bootstrap) and, for Flux with add-ons, `flux/<env>/addons` (HelmRepositories and HelmReleases).
   */
  readonly charts: readonly EnvironmentChart[];
  /** The environment's add-ons (namespaces, configuration, checked values). */
  readonly addOns: ClusterAddOns;
}

/** Folder (under `flux/<env>/`) of the add-ons' Flux objects, applied by the Kustomization `<env>-addons`. */
export const FLUX_ADD_ONS_DIRECTORY = 'add-ons';

/**
 * Adds the environment's add-ons ({@link ClusterAddOns}: their namespaces, configuration and values) to the
 * environment chart and, per tool, these charts to `app`:
 * - `<tool>/<env>/apps`: Argo CD AppProjects, one Application per add-on (Helm source, waves 1..n) and per group
 *   (later waves), or Flux Kustomizations (dependsOn), the first after the namespaces applying the add-ons;
 * - `flux/<env>/addons`: the add-ons' HelmRepositories/OCIRepositories and HelmReleases (Flux only);
 * - `<tool>/<env>/root`: what one `kubectl apply -f dist/<tool>/<env>/root/<namespace>/` bootstraps: the root
 *   app-of-apps (Argo CD) or GitRepository + root Kustomization (Flux).
 * Every chart carries the environment's profile, so sync policy and clusters come from `profile.delivery`.
 *
 * The props are checked at once; the delivery itself is built when synth starts (it reads the whole environment:
 * its namespaces, and the kinds that decide which add-ons it derives), so constructs declared after this call are
 * delivered too. Reading a field of the result builds it at that point instead.
 */
export function addGitOpsDelivery(app: App, props: GitOpsDeliveryProps): GitOpsDelivery {
  const env = props.environment;
  const where = `${env.node.path}/delivery`;
  const tools = props.tools ?? DEFAULT_DELIVERY_TOOLS;
  const names = tools.map((t) => t.name);
  if (names.length === 0) fail(where, 'tools', [], 'must list at least one tool (DeliveryTool.argoCd() or DeliveryTool.flux())');
  if (new Set(names).size !== names.length) fail(where, 'tools', names, 'each tool may be listed once');
  resolveGitSource(where, props.source);
  // The add-on charts of the tools read back the environment's add-ons (one set per environment).
  let built: GitOpsDelivery | undefined;
  const build = (): GitOpsDelivery => (built ??= buildGitOpsDelivery(app, props, where, tools));
  deferToSynth(app, build);
  return {
    get groups() {
      return build().groups;
    },
    get charts() {
      return build().charts;
    },
    get addOns() {
      return build().addOns;
    },
  };
}

function buildGitOpsDelivery(app: App, props: GitOpsDeliveryProps, where: string, tools: readonly DeliveryTool[]): GitOpsDelivery {
  const env = props.environment;
  // The add-ons first: their namespaces (tier add-on) and configuration are part of what is planned.
  const addOns = ClusterAddOns.of(env);
  const layers = addOns.resolved.layers;
  const namespaces = deriveNamespaceTiers(env, props.namespaces, where);
  const clusterConfig = environmentFolders(env).has(CLUSTER_CONFIG_DIR);
  const groups = assignTools(where, env, planDeliveryGroups(where, namespaces, { addOnLayers: layers, clusterConfig }));
  const delivery = resolveDelivery(env.profile);
  const charts: EnvironmentChart[] = [];
  for (const tool of tools) {
    const appsDirectory = `${tool.name}/${env.outputDirectory}/apps`;
    const apps = deliveryChart(app, env, appsDirectory);
    const root = deliveryChart(app, env, `${tool.name}/${env.outputDirectory}/root`);
    if (tool.name === 'argocd') {
      new ArgoCdDelivery(apps, 'argocd', { source: props.source, groups: groups.filter((g) => g.tool !== 'flux'), environment: env });
      if (layers > 0) new ArgoCdAddOns(apps, 'add-ons', { environment: env, addOns, delivery, argoCdNamespace: DEFAULT_DELIVERY_ARGOCD_NAMESPACE });
      new ArgoCdRoot(root, 'argocd-root', { source: props.source, appsDirectory });
      charts.push(apps, root);
    } else {
      let addOnsUnit: FluxAddOnsUnit | undefined;
      const extra: EnvironmentChart[] = [];
      if (layers > 0) {
        const directory = `${tool.name}/${env.outputDirectory}/${FLUX_ADD_ONS_DIRECTORY}`;
        const chart = deliveryChart(app, env, directory);
        new FluxAddOns(chart, 'add-ons', { environment: env, addOns, delivery, fluxNamespace: DEFAULT_FLUX_NAMESPACE });
        addOnsUnit = { name: addOnsUnitName(env.profile.name), path: `./${resolveGitSource(where, props.source).distPath}/${directory}`, wave: layers };
        extra.push(chart);
      }
      const fluxGroups = groups.filter((g) => g.tool !== 'argocd');
      const units = fluxUnits(env.profile.name, fluxGroups);
      const rootConstruct = new FluxRoot(root, 'flux-root', {
        source: props.source,
        appsDirectory,
        units,
        extraHealthChecks: addOnsUnit ? [addOnsUnit.name] : [],
      });
      new FluxDelivery(apps, 'flux', {
        source: props.source,
        groups: fluxGroups,
        environment: env,
        gitRepositoryName: rootConstruct.gitRepositoryName,
        addOns: addOnsUnit,
      });
      charts.push(apps, ...extra, root);
    }
  }
  return { groups, charts, addOns };
}

/** A chart of the environment's delivery: its profile, and its add-ons read from the environment chart. */
function deliveryChart(app: App, env: EnvironmentChart, outputDirectory: string): EnvironmentChart {
  const chart = new EnvironmentChart(app, { profile: env.profile, outputDirectory });
  shareAddOns(chart, env);
  return chart;
}

/** The folders of `env` that hold objects (namespaces, `_cluster`, `_cluster-config`), as the synthesizer writes them. */
function environmentFolders(env: EnvironmentChart, registry = SchemaRegistry.default()): Set<string> {
  const out = new Set<string>();
  for (const c of env.node.findAll()) {
    if (!(c instanceof ApiObject)) continue;
    out.add(deliveryFolderOf(registry.lookup(c.apiVersion, c.kind), c.metadata.namespace));
  }
  return out;
}

/**
 * Marks groups whose objects are all of one tool's own kinds (see {@link DeliveryGroup.tool}). A group mixing
 * such objects with others could be applied by neither tool alone: that is a configuration error.
 */
function assignTools(where: string, env: EnvironmentChart, groups: readonly DeliveryGroup[], registry = SchemaRegistry.default()): DeliveryGroup[] {
  const byFolder = new Map<string, { tool: 'argocd' | 'flux' | 'any'; what: string }[]>();
  for (const c of env.node.findAll()) {
    if (!(c instanceof ApiObject)) continue;
    const folder = deliveryFolderOf(registry.lookup(c.apiVersion, c.kind), c.metadata.namespace);
    const tool = isArgoCdKind(c.apiVersion, c.kind) ? 'argocd' : isFluxKind(c.apiVersion) ? 'flux' : 'any';
    const list = byFolder.get(folder) ?? [];
    list.push({ tool, what: `${c.kind}/${c.metadata.name}` });
    byFolder.set(folder, list);
  }
  return groups.map((g) => {
    const objects = g.directories.flatMap((d) => byFolder.get(d) ?? []);
    const tools = new Set(objects.map((o) => o.tool));
    const [first] = objects;
    if (tools.size <= 1 && !tools.has('any') && first) return { ...g, tool: first.tool as 'argocd' | 'flux' };
    const [firstSpecific] = objects.filter((o) => o.tool !== 'any');
    if (firstSpecific) {
      const other = objects.find((o) => o.tool !== firstSpecific.tool)!;
      const name = firstSpecific.tool === 'argocd' ? 'Argo CD' : 'Flux';
      fail(
        where,
        `groups.${g.name}`,
        g.directories,
        `mixes ${name} objects (${firstSpecific.what}) with ${other.what}: a cluster without ${name} could not apply the group; give ${name}'s objects a namespace of their own`,
      );
    }
    return g;
  });
}
