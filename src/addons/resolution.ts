/**
 * Which add-ons an environment has: `profile.addOns` when the profile lists them (exactly those), otherwise derived
 * from what the environment uses: {@link defaultAddOns}, every add-on serving a kind the environment emits or that
 * a construct requires (`requireAddOn`, `EngineDefinition.requires`), and the add-ons those need, each with its
 * default options. One set per environment chart, resolved once when synth first asks (the delivery is built at
 * synth, so every construct exists by then) and shared with the environment's delivery charts: the add-on
 * Applications and HelmReleases, the requires check, the README and the references check all read this set.
 */
import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { EnvironmentChart } from '../core/environment-chart';
import type { EnvironmentProfile } from '../core/environment-profile';
import { fail } from '../core/errors';
import type { EnvironmentOutput } from '../synth/synthesizer';
import { isDns1123Label } from '../synth/schema-validator';
import { AddOn, defaultAddOns } from './add-on';
import { catalogAddOn, catalogAddOns, groupOf, kindServer } from './kinds';

/** Construct id of the environment's add-ons (`ClusterAddOns`) in its chart; also the `where` of the set's errors. */
export const CLUSTER_ADD_ONS_ID = 'add-ons';

/** The add-ons of an environment with their install layer (1 = no dependency on another add-on). */
export interface ResolvedAddOns {
  readonly addOns: readonly AddOn[];
  /** Layer of each add-on by name: 1 + the highest layer of the add-ons it needs. */
  readonly layer: ReadonlyMap<string, number>;
  /** Number of layers (0 without add-ons). */
  readonly layers: number;
  /** Whether the set was derived (`profile.addOns` unset) rather than listed. */
  readonly derived: boolean;
  /**
   * Why each add-on beyond the defaults was derived, by name: the kinds it serves that the environment emits,
   * `required by <construct path>`, `needed by <add-on>`. Empty for a listed set.
   */
  readonly reasons: ReadonlyMap<string, readonly string[]>;
}

/** A construct's declaration that it needs an add-on. */
export interface AddOnUse {
  readonly name: string;
  /** Construct path of who needs it. */
  readonly by: string;
}

/** What an environment uses that add-ons serve, for deriving its add-ons. */
export interface AddOnUses {
  /** `apiVersion` and `kind` of every object the environment emits. */
  readonly objects: Iterable<{ readonly apiVersion: string; readonly kind: string }>;
  /** Add-ons constructs declared they need. @default none */
  readonly required?: readonly AddOnUse[];
}

/**
 * The add-ons of `profile`, checked (unique DNS-label names and namespaces, every needed add-on present, no
 * cycle): `profile.addOns` as listed, or, when unset, derived from `uses` (without `uses`: the defaults alone).
 * Errors are PlatformConfigErrors naming `where`. Synth uses {@link environmentAddOns}, which passes the uses of
 * the environment chart.
 */
export function resolveAddOns(where: string, profile: EnvironmentProfile, uses?: AddOnUses): ResolvedAddOns {
  const derived = profile.addOns === undefined;
  const { addOns, reasons } = derived ? deriveAddOns(profile, uses) : { addOns: profile.addOns!, reasons: new Map<string, string[]>() };
  const byName = new Map<string, AddOn>();
  addOns.forEach((a, i) => {
    if (!isDns1123Label(a.name)) fail(where, `profile.addOns[${i}].name`, a.name, 'must be a DNS-1123 label');
    if (!isDns1123Label(a.namespace))
      fail(where, `profile.addOns[${i}].namespace`, a.namespace, 'must be a DNS-1123 label (lowercase letters, digits and "-", at most 63 characters)');
    if (byName.has(a.name)) fail(where, `profile.addOns[${i}]`, a.name, 'each add-on may be listed once');
    byName.set(a.name, a);
  });
  const layer = new Map<string, number>();
  const visiting = new Set<string>();
  const visit = (a: AddOn, path: readonly string[]): number => {
    const known = layer.get(a.name);
    if (known !== undefined) return known;
    if (visiting.has(a.name)) fail(where, 'profile.addOns', [...path, a.name].join(' -> '), 'add-ons may not need each other in a cycle');
    visiting.add(a.name);
    let l = 1;
    for (const n of a.definition.needs ?? []) {
      const dep = byName.get(n);
      if (!dep) fail(where, 'profile.addOns', a.name, `needs the ${n} add-on; add AddOn.${camel(n)}() to the profile's addOns`);
      l = Math.max(l, visit(dep, [...path, a.name]) + 1);
    }
    visiting.delete(a.name);
    layer.set(a.name, l);
    return l;
  };
  for (const a of addOns) visit(a, []);
  return { addOns, layer, layers: Math.max(0, ...layer.values()), derived, reasons };
}

/**
 * The defaults plus the catalog add-ons that serve a kind of `uses` (kinds `profile.clusterProvides.kinds` declares
 * served are left to the cluster) or that a construct requires, plus what those need, in catalog order after the
 * defaults. A required name the catalog does not know is left out (the requires check reports it).
 */
function deriveAddOns(profile: EnvironmentProfile, uses: AddOnUses | undefined): { addOns: AddOn[]; reasons: Map<string, string[]> } {
  const base = [...defaultAddOns(profile)];
  const have = new Set(base.map((a) => a.name));
  const reasons = new Map<string, string[]>();
  const want = (name: string, why: string) => {
    if (have.has(name)) return;
    const list = reasons.get(name) ?? [];
    if (!list.includes(why)) list.push(why);
    reasons.set(name, list);
  };
  const provided = new Set(profile.clusterProvides?.kinds ?? []);
  const seen = new Set<string>();
  for (const o of uses?.objects ?? []) {
    const key = `${o.apiVersion}/${o.kind}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (provided.has(`${groupOf(o.apiVersion)}/${o.kind}`)) continue;
    const server = kindServer(o.apiVersion, o.kind);
    if (server.by === 'add-on') want(server.addOn, o.kind);
  }
  for (const u of uses?.required ?? []) want(u.name, `required by ${u.by}`);
  const catalog = catalogAddOns();
  const known = new Set(catalog.map((a) => a.name));
  // What the wanted add-ons need, transitively (the Barman Cloud plugin needs cert-manager and CloudNativePG).
  const pending = [...base.map((a) => a.name), ...reasons.keys()];
  while (pending.length > 0) {
    const name = pending.pop()!;
    const a = base.find((x) => x.name === name) ?? (known.has(name) ? catalogAddOn(name, profile) : undefined);
    for (const n of a?.definition.needs ?? []) {
      if (!have.has(n) && !reasons.has(n)) pending.push(n);
      want(n, `needed by ${name}`);
    }
  }
  const extra = catalog.filter((a) => reasons.has(a.name)).map((a) => catalogAddOn(a.name, profile)!);
  // In catalog order with sorted reasons: the README lists them, and the order constructs were declared in must not show.
  const ordered = new Map(extra.map((a) => [a.name, [...reasons.get(a.name)!].sort()]));
  return { addOns: [...base, ...extra], reasons: ordered };
}

function camel(name: string): string {
  const special: Record<string, string> = { 'cloudnative-pg': 'cloudNativePg', 'plugin-barman-cloud': 'barmanCloudPlugin' };
  return special[name] ?? name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

const USES = 'cdk8s-platform.AddOnUses';
const RESOLVED = 'cdk8s-platform.ResolvedAddOns';
const OWNER = 'cdk8s-platform.AddOnsOwner';

/**
 * Records that `scope` needs the add-on `name`, so an environment without `profile.addOns` derives it. Use
 * {@link requireAddOn} to have synth check it too.
 */
export function recordAddOnUse(scope: IConstruct, name: string): void {
  EnvironmentChart.of(scope)
    ._service<AddOnUse[]>(USES, () => [])
    .push({ name, by: scope.node.path });
}

/** Makes `chart` (a delivery chart of `environment`) read `environment`'s add-ons. */
export function shareAddOns(chart: EnvironmentChart, environment: EnvironmentChart): void {
  chart._service(OWNER, () => ownerOf(environment));
}

function ownerOf(chart: EnvironmentChart): EnvironmentChart {
  return chart._service<EnvironmentChart>(OWNER, () => chart);
}

/** `apiVersion` and `kind` of the objects directly in `chart` (not in charts nested in it). */
function objectsOf(chart: Chart): { apiVersion: string; kind: string }[] {
  const out: { apiVersion: string; kind: string }[] = [];
  const visit = (c: IConstruct): void => {
    if (c instanceof ApiObject) out.push({ apiVersion: c.apiVersion, kind: c.kind });
    for (const child of c.node.children) if (!(child instanceof Chart)) visit(child);
  };
  visit(chart);
  return out;
}

/**
 * The add-ons of the environment `chart` belongs to (a delivery chart reads its environment's), resolved on first
 * use from the objects and recorded uses of the environment chart, then kept: call it at synth, when every
 * construct exists (the delivery, the requires check and the plugins do).
 */
export function environmentAddOns(chart: EnvironmentChart): ResolvedAddOns {
  const owner = ownerOf(chart);
  return owner._service<ResolvedAddOns>(RESOLVED, () =>
    resolveAddOns(`${owner.node.path}/${CLUSTER_ADD_ONS_ID}`, owner.profile, {
      objects: objectsOf(owner),
      required: owner._service<AddOnUse[]>(USES, () => []),
    }),
  );
}

/** Whether `env` is its environment's own chart (not one of its delivery charts, which share its add-ons). */
export function ownsAddOns(env: EnvironmentOutput): boolean {
  return env.chart ? ownerOf(env.chart) === env.chart : env.directory === env.name;
}

const byOutput = new WeakMap<EnvironmentOutput, ResolvedAddOns>();

/**
 * The add-ons of a synthesized environment: its chart's ({@link environmentAddOns}), or for documents built
 * without constructs, derived from the documents' kinds.
 */
export function addOnsOfOutput(env: EnvironmentOutput): ResolvedAddOns {
  if (env.chart) return environmentAddOns(env.chart);
  let r = byOutput.get(env);
  if (!r) {
    r = resolveAddOns(`${env.directory}/${CLUSTER_ADD_ONS_ID}`, env.profile, {
      objects: env.documents.map((d) => ({ apiVersion: String(d.object.apiVersion ?? ''), kind: String(d.object.kind ?? '') })),
    });
    byOutput.set(env, r);
  }
  return r;
}
