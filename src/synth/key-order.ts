/**
 * Canonical key order for emitted documents: what Kubernetes users expect to read in a pull request.
 * Top level: apiVersion, kind, metadata, then the body (spec, data, ...). metadata: name, namespace, labels,
 * annotations. Everywhere else `name` comes first and the rest is alphabetical, so output never depends on the
 * order in which a construct happened to set fields.
 */
const TOP_LEVEL = ['apiVersion', 'kind', 'metadata', 'spec', 'type', 'immutable', 'data', 'stringData', 'binaryData'];
const METADATA = ['name', 'generateName', 'namespace', 'labels', 'annotations'];

const topRank = rankOf(TOP_LEVEL);
const metaRank = rankOf(METADATA);

function rankOf(keys: string[]): Map<string, number> {
  return new Map(keys.map((k, i) => [k, i]));
}

function sortedKeys(obj: Record<string, unknown>, rank: Map<string, number> | undefined): string[] {
  const keys = Object.keys(obj);
  return keys.sort((a, b) => {
    const ra = rank ? rank.get(a) : a === 'name' ? -1 : undefined;
    const rb = rank ? rank.get(b) : b === 'name' ? -1 : undefined;
    if (ra !== undefined || rb !== undefined) {
      if (ra === undefined) return 1;
      if (rb === undefined) return -1;
      return ra - rb;
    }
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

function order(value: unknown, rank: Map<string, number> | undefined, depth: number): unknown {
  if (Array.isArray(value)) return value.map((v) => order(v, undefined, depth + 1));
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of sortedKeys(obj, rank)) {
    const v = obj[k];
    if (v === undefined) continue;
    // labels/annotations/data are maps whose keys are user data: alphabetical, no `name` promotion.
    const childRank = depth === 0 && k === 'metadata' ? metaRank : undefined;
    out[k] = isStringMap(k, depth) ? orderMap(v) : order(v, childRank, depth + 1);
  }
  return out;
}

function isStringMap(key: string, depth: number): boolean {
  return (depth <= 1 && (key === 'labels' || key === 'annotations')) || (depth === 0 && (key === 'data' || key === 'stringData'));
}

function orderMap(v: unknown): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
  const obj = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(obj).sort()) out[k] = obj[k];
  return out;
}

/** Returns a copy of a Kubernetes document with keys in canonical order. */
export function canonicalOrder<T>(doc: T): T {
  return order(doc, topRank, 0) as T;
}
