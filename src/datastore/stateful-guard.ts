import * as path from 'path';
import { compareQuantities } from '../core/quantity';
import { baselinesOf, DistBaseline, workingTreeBaseline } from '../synth/baseline';
import { parseInputYaml } from '../synth/input-yaml';
import { CheckResult, EnvironmentOutput, SynthPlugin } from '../synth/synthesizer';

/**
 * StatefulSet spec fields the API server lets an update change; every other field is immutable, and changing it
 * makes Argo CD's sync fail (or, with Replace=true, recreate the StatefulSet).
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/
 */
const MUTABLE_SPEC_FIELDS = new Set(['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds']);

/** One change between the committed and the fresh StatefulSet that risks data or a failed sync. */
export interface StatefulChange {
  /** `<namespace>/<name>` of the StatefulSet. */
  readonly statefulSet: string;
  /** `shrunk`: a volume got smaller; `immutable`: an immutable field changed; `removed`: the StatefulSet is gone. */
  readonly kind: 'shrunk' | 'immutable' | 'removed';
  /** Path of the field, e.g. `spec.volumeClaimTemplates[data].spec.resources.requests.storage`. */
  readonly field: string;
  readonly message: string;
}

type Obj = Record<string, any>;

function key(o: Obj): string {
  return `${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** Key-sorted copy, so that key order (which YAML files need not keep) never counts as a change. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v as Obj).sort().map((k) => [k, canonical((v as Obj)[k])]));
  }
  return v;
}

/** Changes from `before` to `after` of one StatefulSet that the API server rejects or that lose data. */
export function compareStatefulSet(before: Obj, after: Obj): StatefulChange[] {
  const id = key(after);
  const out: StatefulChange[] = [];
  const b = before.spec ?? {};
  const a = after.spec ?? {};
  for (const field of [...new Set([...Object.keys(b), ...Object.keys(a)])].sort()) {
    if (MUTABLE_SPEC_FIELDS.has(field) || field === 'volumeClaimTemplates') continue;
    if (!same(b[field], a[field])) {
      out.push({ statefulSet: id, kind: 'immutable', field: `spec.${field}`, message: `${id}: spec.${field} is immutable: changed from ${JSON.stringify(b[field])} to ${JSON.stringify(a[field])}` });
    }
  }
  const claims = (s: Obj) => new Map<string, Obj>(((s.volumeClaimTemplates ?? []) as Obj[]).map((c) => [c.metadata?.name, c]));
  const bc = claims(b);
  const ac = claims(a);
  for (const [name, old] of bc) {
    const now = ac.get(name);
    const field = `spec.volumeClaimTemplates[${name}]`;
    if (!now) {
      out.push({ statefulSet: id, kind: 'immutable', field, message: `${id}: ${field} was removed: its volumes would be orphaned` });
      continue;
    }
    const oldSize = old.spec?.resources?.requests?.storage;
    const newSize = now.spec?.resources?.requests?.storage;
    const cmp = oldSize && newSize ? compareQuantities(newSize, oldSize) : 0;
    if (cmp !== undefined && cmp < 0) {
      out.push({ statefulSet: id, kind: 'shrunk', field: `${field}.spec.resources.requests.storage`, message: `${id}: ${field}: volume shrunk from ${oldSize} to ${newSize}; volumes can never shrink (data would not fit)` });
    } else if (!same(old, now)) {
      out.push({
        statefulSet: id,
        kind: 'immutable',
        field,
        message: `${id}: ${field} is immutable: changed from ${JSON.stringify(canonical(old))} to ${JSON.stringify(canonical(now))}; `
          + 'to grow a volume, expand each PVC and recreate the StatefulSet with `kubectl delete --cascade=orphan`',
      });
    }
  }
  for (const name of ac.keys()) {
    if (!bc.has(name)) out.push({ statefulSet: id, kind: 'immutable', field: `spec.volumeClaimTemplates[${name}]`, message: `${id}: spec.volumeClaimTemplates[${name}] was added; volumeClaimTemplates are immutable` });
  }
  return out;
}

/** Compares every StatefulSet of `previous` (e.g. the committed dist/) with `current` (a fresh synth). */
export function compareStatefulSets(previous: readonly Obj[], current: readonly Obj[]): StatefulChange[] {
  const isSts = (o: Obj) => o?.kind === 'StatefulSet';
  const now = new Map(current.filter(isSts).map((o) => [key(o), o]));
  const out: StatefulChange[] = [];
  for (const old of previous.filter(isSts)) {
    const k = key(old);
    const fresh = now.get(k);
    if (!fresh) {
      out.push({ statefulSet: k, kind: 'removed', field: 'metadata.name', message: `${k}: StatefulSet was removed or renamed: its volumes would be orphaned (rename it back, or remove it on purpose by hand)` });
    } else {
      out.push(...compareStatefulSet(old, fresh));
    }
  }
  return out;
}

/** StatefulSets committed under `<outdir>/<directory>/` (only `statefulset-*.yaml` files are read). */
export function readCommittedStatefulSets(baseline: string | DistBaseline, directory: string): Obj[] {
  const source = typeof baseline === 'string' ? workingTreeBaseline(baseline) : baseline;
  return source.files(directory)
    .filter((f) => path.posix.basename(f).startsWith('statefulset-'))
    .map((f) => parseInputYaml(source.read(f), `${source.label}${f}`) as Obj)
    .filter((o) => o !== null && typeof o === 'object');
}

/** Changes of one synthesized environment against `baseline` (the dist/ folder, or a {@link DistBaseline}). */
export function statefulDrift(env: EnvironmentOutput, baseline: string | DistBaseline): StatefulChange[] {
  return compareStatefulSets(readCommittedStatefulSets(baseline, env.directory), env.documents.map((d) => d.object));
}

/**
 * Synth plugin: fails synth when a StatefulSet would shrink a volume, change an immutable field, or disappear,
 * compared with the committed dist/. Register it in `defaultPlugins()`.
 */
export function statefulGuardPlugin(options: { readonly allowPrune?: boolean } = {}): SynthPlugin {
  return {
    name: 'stateful-guard',
    check(env, ctx): CheckResult {
      // Removals are the prune guard's business (it honours --allow-prune); shrinking a volume or changing an
      // immutable field fails at apply time in every environment, so those always fail synth.
      const errors: string[] = [];
      const seen = new Set<string>();
      baselinesOf(ctx).forEach((baseline, i) => {
        // The folder on disk first; the last commit only adds what the folder no longer shows.
        const where = i === 0 && baseline.label === `${path.basename(ctx.outdir)}/` ? '' : ` (compared with ${baseline.label})`;
        for (const c of statefulDrift(env, baseline)) {
          if (c.kind === 'removed' && (options.allowPrune ?? false)) continue;
          const key = `${c.statefulSet} ${c.field}`;
          if (seen.has(key)) continue;
          seen.add(key);
          errors.push(`${env.name}/${c.message}${where}`);
        }
      });
      return { errors, warnings: [] };
    },
  };
}
