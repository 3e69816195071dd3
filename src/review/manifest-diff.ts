/**
 * Resource-level and field-level differences between two dist/ trees, per environment folder. Files with the
 * same text are never parsed, so the cost is proportional to what changed.
 */
import * as yaml from 'js-yaml';
import { ManifestTree } from './manifest-tree';
import { DocObject } from '../core/documents';

/** One field that differs; `before`/`after` undefined means absent on that side. */
export interface FieldChange {
  /** JSON path, e.g. `spec.template.spec.containers[name=api].image`. */
  readonly path: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

export interface ResourceChange {
  readonly kind: string;
  /** Namespace, or `_cluster` for cluster-scoped objects. */
  readonly namespace: string;
  readonly name: string;
  /** File path relative to dist/. */
  readonly file: string;
  /** Field changes (changed resources only). */
  readonly fields: readonly FieldChange[];
}

export interface EnvironmentDiff {
  /** Environment folder relative to dist/ (`production`, `argocd/production/apps`, ...). */
  readonly environment: string;
  readonly added: readonly ResourceChange[];
  readonly removed: readonly ResourceChange[];
  readonly changed: readonly ResourceChange[];
}

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

function child(path: string, key: string): string {
  if (KEY.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Arrays of objects with unique `name`s (containers, ports, env) are compared by name, others by index. */
function keyedByName(a: unknown[]): Map<string, unknown> | undefined {
  const m = new Map<string, unknown>();
  for (const x of a) {
    if (!isObject(x) || typeof x.name !== 'string' || m.has(x.name)) return undefined;
    m.set(x.name, x);
  }
  return m;
}

/** Every leaf-level difference between `before` and `after`, in document order. */
export function fieldChanges(before: unknown, after: unknown, path = '', out: FieldChange[] = []): FieldChange[] {
  if (before === after) return out;
  if (isObject(before) && isObject(after)) {
    const keys = [...Object.keys(before), ...Object.keys(after).filter((k) => !(k in before))];
    for (const k of keys) fieldChanges(before[k], after[k], child(path, k), out);
    return out;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const a = keyedByName(before);
    const b = keyedByName(after);
    if (a && b) {
      const names = [...a.keys(), ...[...b.keys()].filter((k) => !a.has(k))];
      for (const n of names) fieldChanges(a.get(n), b.get(n), `${path}[name=${n}]`, out);
      return out;
    }
    // Lists of unnamed objects whose length changed (an item inserted or removed, e.g. an AppProject whitelist):
    // comparing by index would report every later item as changed, so report the items added and removed.
    if (before.length !== after.length && [...before, ...after].every(isObject)) {
      const count = (xs: unknown[]) => {
        const m = new Map<string, number>();
        for (const x of xs) m.set(JSON.stringify(x), (m.get(JSON.stringify(x)) ?? 0) + 1);
        return m;
      };
      const a = count(before);
      const b = count(after);
      for (const [k, n] of a) for (let i = b.get(k) ?? 0; i < n; i++) out.push({ path: `${path}[-]`, before: JSON.parse(k), after: undefined });
      for (const [k, n] of b) for (let i = a.get(k) ?? 0; i < n; i++) out.push({ path: `${path}[+]`, before: undefined, after: JSON.parse(k) });
      return out;
    }
    for (let i = 0; i < Math.max(before.length, after.length); i++) fieldChanges(before[i], after[i], `${path}[${i}]`, out);
    return out;
  }
  if (JSON.stringify(before) !== JSON.stringify(after)) out.push({ path, before, after });
  return out;
}

interface Located {
  readonly environment: string;
  readonly key: string;
}

/** `<env folder>/<namespace>/<kind>-<name>.yaml` → its environment folder; undefined for other files. */
function locate(file: string): Located | undefined {
  if (!file.endsWith('.yaml')) return undefined;
  const parts = file.split('/');
  if (parts.length < 3) return undefined;
  return { environment: parts.slice(0, -2).join('/'), key: parts.slice(-2).join('/') };
}

function describe(file: string, text: string | undefined, fields: FieldChange[] = []): ResourceChange {
  // Files located as `<env folder>/<namespace>/<kind>-<name>.yaml`.
  const parts = file.split('/');
  const namespace = parts.at(-2) ?? '';
  const base = (parts.at(-1) ?? '').replace(/\.yaml$/, '');
  let kind = base.slice(0, base.indexOf('-'));
  let name = base.slice(base.indexOf('-') + 1);
  if (text !== undefined) {
    const doc = yaml.load(text) as DocObject | undefined;
    kind = String(doc?.kind ?? kind);
    name = String(doc?.metadata?.name ?? name);
  }
  return { kind, namespace, name, file, fields };
}

/** Differences per environment folder (sorted), leaving out environments without changes. */
export function diffTrees(before: ManifestTree, after: ManifestTree): EnvironmentDiff[] {
  const envs = new Map<string, { added: ResourceChange[]; removed: ResourceChange[]; changed: ResourceChange[] }>();
  const bucket = (env: string) => {
    let b = envs.get(env);
    if (!b) envs.set(env, (b = { added: [], removed: [], changed: [] }));
    return b;
  };
  const files = [...new Set([...before.keys(), ...after.keys()])].sort();
  for (const file of files) {
    const where = locate(file);
    if (!where) continue;
    const a = before.get(file);
    const b = after.get(file);
    if (a === b) continue;
    if (a === undefined) bucket(where.environment).added.push(describe(file, b));
    else if (b === undefined) bucket(where.environment).removed.push(describe(file, a));
    else {
      const fields = fieldChanges(yaml.load(a), yaml.load(b));
      if (fields.length > 0) bucket(where.environment).changed.push(describe(file, b, fields));
    }
  }
  return [...envs.entries()].sort(([x], [y]) => (x < y ? -1 : 1)).map(([environment, d]) => ({ environment, ...d }));
}
