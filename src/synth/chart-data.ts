/**
 * The add-on Helm charts' data, compiled by `npm run import` from ../shared/charts into
 * imports/chart-values.json: per chart folder, the published chart version, where to install it from, the chart's
 * values.schema.json when upstream ships one, and otherwise the key tree of its default values. Add-on constructs
 * check the values they pass against it at synth; a user's install needs nothing outside the package.
 */

/** The type of a default value where the key tree stops: below 'map' and 'any' every key is accepted. */
export type ValueKeyLeaf =
  /** a string, number or boolean default */
  | 'string'
  | 'number'
  | 'boolean'
  /** a list default (items are not described) */
  | 'list'
  /** an empty object default (`nodeSelector: {}`): a free-form map */
  | 'map'
  /** a null default (`affinity: null`): anything */
  | 'any';

/** Keys of a default-values object, each with its subtree or leaf type. */
export interface ValueKeyTree {
  readonly [key: string]: ValueKeyNode;
}

export type ValueKeyNode = ValueKeyTree | ValueKeyLeaf;

/** Where the chart's files were taken from (release tag and commit of the source repository). */
export interface ChartSource {
  /** `owner/name` on GitHub. */
  readonly repo: string;
  /** Folder of the chart in that repository. */
  readonly path: string;
  readonly tag: string;
  readonly commit: string;
}

/** One add-on chart. */
export interface ChartData {
  /** The folder name under ../shared/charts, e.g. `cert-manager`; the key callers look charts up by. */
  readonly folder: string;
  /** The chart's name in its repository, e.g. `cert-manager` (`gateway-helm` for Envoy Gateway). */
  readonly chart: string;
  /** The published chart version to pin (not the placeholder some source Chart.yaml files carry). */
  readonly version: string;
  /**
   * The Helm repository URL (`https://charts.jetstack.io`), or for an OCI chart the full chart reference
   * (`oci://docker.io/envoyproxy/gateway-helm`).
   */
  readonly repository: string;
  /** True when the chart is served from an OCI registry. */
  readonly oci: boolean;
  readonly source: ChartSource;
  /**
   * The Kubernetes versions the chart installs on, as its Chart.yaml says (`kubeVersion`, Helm's Masterminds semver
   * constraint syntax, e.g. `>=1.29.0-0`); Helm refuses to install it elsewhere. Undefined when the chart says none.
   */
  readonly kubeVersion?: string;
  /** The chart's values.schema.json (documentation keywords dropped), or undefined when upstream ships none. */
  readonly valuesSchema?: Readonly<Record<string, unknown>>;
  /**
   * Dotted paths of the default values that name the built-in ClusterRole `cluster-admin` (Velero's
   * `rbac.clusterAdministratorName`): the chart binds it unless the values say otherwise.
   */
  readonly clusterAdminDefaults: readonly string[];
  /** The key tree of the chart's default values (always present, also when a schema exists). */
  readonly defaultValueKeys: ValueKeyTree;
}

/** The layout of imports/chart-values.json. */
export interface ChartValuesFile {
  readonly charts: Readonly<
    Record<
      string,
      Omit<ChartData, 'folder' | 'valuesSchema' | 'kubeVersion'> & {
        readonly valuesSchema: Record<string, unknown> | null;
        readonly kubeVersion: string | null;
      }
    >
  >;
}

/** Loaded through the module system like the bindings (see schema-registry.ts), never by searching folders. */
function loadChartValues(): ChartValuesFile {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('../../imports/chart-values.json') as ChartValuesFile;
}

/** The add-on charts, by folder name. */
export class ChartCatalog {
  private static instance: ChartCatalog | undefined;

  /** The catalog compiled into this package by `npm run import`. */
  public static default(): ChartCatalog {
    ChartCatalog.instance ??= new ChartCatalog(loadChartValues());
    return ChartCatalog.instance;
  }

  private readonly charts = new Map<string, ChartData>();

  public constructor(file: ChartValuesFile) {
    for (const folder of Object.keys(file.charts).sort()) {
      const { valuesSchema, kubeVersion, ...rest } = file.charts[folder]!;
      this.charts.set(folder, { folder, ...rest, ...(valuesSchema ? { valuesSchema } : {}), ...(kubeVersion ? { kubeVersion } : {}) });
    }
  }

  /** Every chart folder, sorted. */
  public folders(): string[] {
    return [...this.charts.keys()];
  }

  /** The chart in `folder`, or undefined. */
  public find(folder: string): ChartData | undefined {
    return this.charts.get(folder);
  }

  /** The chart in `folder`; throws naming the known folders when there is none. */
  public get(folder: string): ChartData {
    const c = this.charts.get(folder);
    if (!c)
      throw new Error(
        `no add-on chart "${folder}" in imports/chart-values.json; known charts: ${this.folders().join(', ')} (add the chart to ../shared/charts and run npm run import)`,
      );
    return c;
  }
}

/** A key of the values passed to a chart that its default values do not have. */
export interface UnknownValueKey {
  /** Path of the object holding the key, `` for the top level, e.g. `controller.resources`. */
  readonly path: string;
  readonly key: string;
  /** Up to three known keys at that path, closest first (edit distance, then name). */
  readonly nearest: readonly string[];
}

const SIMPLE_KEY = /^[A-Za-z_$][\w$-]*$/;

function childPath(parent: string, key: string): string {
  if (SIMPLE_KEY.test(key)) return parent ? `${parent}.${key}` : key;
  return `${parent}[${JSON.stringify(key)}]`;
}

/** Levenshtein distance, case-insensitive (a key that differs only in case is the nearest). */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[y.length]! + (a === b ? 0 : a.toLowerCase() === b.toLowerCase() ? 0.5 : 0);
}

/** The `max` known keys closest to `key`: smallest edit distance first, then by name. */
export function nearestKeys(key: string, known: readonly string[], max = 3): string[] {
  return known
    .map((k) => ({ k, d: distance(key, k) }))
    .sort((a, b) => a.d - b.d || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
    .slice(0, max)
    .map((e) => e.k);
}

/**
 * Keys of `values` that the chart's default values do not have, in a deterministic order (depth first, keys in
 * name order). Below a 'map' or 'any' default everything is accepted; lists are not looked into.
 */
export function unknownValueKeys(tree: ValueKeyTree, values: Readonly<Record<string, unknown>>): UnknownValueKey[] {
  const out: UnknownValueKey[] = [];
  const walk = (node: ValueKeyTree, value: Readonly<Record<string, unknown>>, path: string): void => {
    const known = Object.keys(node);
    for (const key of Object.keys(value).sort()) {
      const sub = node[key];
      if (sub === undefined) {
        out.push({ path, key, nearest: nearestKeys(key, known) });
        continue;
      }
      const v = value[key];
      if (typeof sub === 'object' && v !== null && typeof v === 'object' && !Array.isArray(v)) {
        walk(sub, v as Record<string, unknown>, childPath(path, key));
      }
    }
  };
  walk(tree, values, '');
  return out;
}
