/**
 * Where a generated field came from in an input file. A check that fails on a generated object (schema
 * validation at synth) is then reported at the input's line and field, with the object as context:
 *
 *   `tenants.yaml:7:18: tenants[0].displayName: longer than 255 characters (in argocd/production/apps/argocd/AppProject/tenant-acme spec.description)`
 */
import { IConstruct } from 'constructs';

/** An input location: `file:line:col: field`, as input-file messages start. */
export type InputOrigin = string;

/**
 * An input location, or a function that finds it: locating a field parses its file with positions, which is only
 * worth doing when a message needs it.
 */
export type LazyInputOrigin = InputOrigin | (() => InputOrigin);

/** The location itself. */
export function resolveInputOrigin(origin: LazyInputOrigin): InputOrigin {
  return typeof origin === 'function' ? origin() : origin;
}

const traces = new WeakMap<IConstruct, { readonly path: string; readonly origin: LazyInputOrigin }[]>();

/**
 * Records that the field at `path` of `object` (as synth messages write paths: `spec.description`,
 * `metadata.annotations["platform.io/display-name"]`) and everything below it came from `origin`.
 */
export function traceInput(object: IConstruct, path: string, origin: LazyInputOrigin): void {
  const list = traces.get(object) ?? [];
  list.push({ path, origin });
  traces.set(object, list);
}

/** The origin of the deepest traced path that contains `path`, or undefined. */
export function inputOriginOf(object: IConstruct, path: string): InputOrigin | undefined {
  let best: { readonly path: string; readonly origin: LazyInputOrigin } | undefined;
  for (const t of traces.get(object) ?? []) {
    const contains = path === t.path || path.startsWith(`${t.path}.`) || path.startsWith(`${t.path}[`);
    if (contains && (!best || t.path.length > best.path.length)) best = t;
  }
  return best === undefined ? undefined : resolveInputOrigin(best.origin);
}
