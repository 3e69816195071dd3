import * as path from 'path';
import { compareQuantities } from '../core/quantity';
import { baselinesOf, DistBaseline, workingTreeBaseline } from '../synth/baseline';
import { parseInputYaml } from '../synth/input-yaml';
import { toYaml } from '../synth/yaml';
import { isRenderedAs } from '../synth/verdict-cache';
import { CheckResult, EnvironmentOutput, SynthPlugin } from '../synth/synthesizer';
import { DocObject } from '../core/documents';

/**
 * StatefulSet spec fields the API server lets an update change; every other field is immutable, and changing it
 * makes Argo CD's sync fail (or, with Replace=true, recreate the StatefulSet).
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/
 */
const MUTABLE_SPEC_FIELDS = new Set(['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds']);

/** One change between the committed and the fresh StatefulSet (or CloudNativePG Cluster, Strimzi node pool) that risks data or a failed sync. */
export interface StatefulChange {
  /** `<namespace>/<name>` of the StatefulSet, Cluster or KafkaNodePool. */
  readonly statefulSet: string;
  /** Kind of the resource (`StatefulSet`, `Cluster`, `KafkaNodePool`). */
  readonly resourceKind: string;
  /** `shrunk`: a volume got smaller; `immutable`: an immutable field changed; `removed`: the StatefulSet is gone. */
  readonly kind: 'shrunk' | 'immutable' | 'removed';
  /** Path of the field, e.g. `spec.volumeClaimTemplates[data].spec.resources.requests.storage`. */
  readonly field: string;
  readonly message: string;
}

type Obj = DocObject;

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
    return Object.fromEntries(
      Object.keys(v as Obj)
        .sort()
        .map((k) => [k, canonical((v as Obj)[k])]),
    );
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
      out.push({
        statefulSet: id,
        resourceKind: 'StatefulSet',
        kind: 'immutable',
        field: `spec.${field}`,
        message: `${id}: spec.${field} is immutable: changed from ${JSON.stringify(b[field])} to ${JSON.stringify(a[field])}`,
      });
    }
  }
  const claims = (s: Obj) => new Map<string, Obj>(((s.volumeClaimTemplates ?? []) as Obj[]).map((c) => [c.metadata?.name, c]));
  const bc = claims(b);
  const ac = claims(a);
  for (const [name, old] of bc) {
    const now = ac.get(name);
    const field = `spec.volumeClaimTemplates[${name}]`;
    if (!now) {
      out.push({
        statefulSet: id,
        resourceKind: 'StatefulSet',
        kind: 'immutable',
        field,
        message: `${id}: ${field} was removed: its volumes would be orphaned`,
      });
      continue;
    }
    const oldSize = old.spec?.resources?.requests?.storage;
    const newSize = now.spec?.resources?.requests?.storage;
    const cmp = oldSize && newSize ? compareQuantities(newSize, oldSize) : 0;
    if (cmp !== undefined && cmp < 0) {
      out.push({
        statefulSet: id,
        resourceKind: 'StatefulSet',
        kind: 'shrunk',
        field: `${field}.spec.resources.requests.storage`,
        message: `${id}: ${field}: volume shrunk from ${oldSize} to ${newSize}; volumes can never shrink (data would not fit)`,
      });
    } else if (!same(old, now)) {
      out.push({
        statefulSet: id,
        resourceKind: 'StatefulSet',
        kind: 'immutable',
        field,
        message:
          `${id}: ${field} is immutable: changed from ${JSON.stringify(canonical(old))} to ${JSON.stringify(canonical(now))}; ` +
          'to grow a volume, expand each PVC and recreate the StatefulSet with `kubectl delete --cascade=orphan`',
      });
    }
  }
  for (const name of ac.keys()) {
    if (!bc.has(name))
      out.push({
        statefulSet: id,
        resourceKind: 'StatefulSet',
        kind: 'immutable',
        field: `spec.volumeClaimTemplates[${name}]`,
        message: `${id}: spec.volumeClaimTemplates[${name}] was added; volumeClaimTemplates are immutable`,
      });
  }
  return out;
}

/**
 * Changes to a CloudNativePG Cluster's volumes: the size may grow (the operator expands the claims) but never shrink;
 * the storage class and the WAL volume apply to new instances only, so changing them leaves instances that differ;
 * the postgres uid and gid own every file on the volumes.
 */
export function compareCluster(before: Obj, after: Obj): StatefulChange[] {
  const id = key(after);
  const out: StatefulChange[] = [];
  const change = (kind: StatefulChange['kind'], field: string, message: string) =>
    out.push({ statefulSet: id, resourceKind: 'Cluster', kind, field, message: `${id}: Cluster ${field}: ${message}` });
  for (const volume of ['storage', 'walStorage'] as const) {
    const b = before.spec?.[volume];
    const a = after.spec?.[volume];
    if (b && !a) {
      change('immutable', `spec.${volume}`, 'was removed; CloudNativePG cannot take a volume away from running instances');
      continue;
    }
    if (!b || !a) continue;
    const cmp = b.size && a.size ? compareQuantities(a.size, b.size) : 0;
    if (cmp !== undefined && cmp < 0)
      change('shrunk', `spec.${volume}.size`, `volume shrunk from ${b.size} to ${a.size}; volumes can never shrink (data would not fit)`);
    if ((b.storageClass ?? null) !== (a.storageClass ?? null)) {
      change(
        'immutable',
        `spec.${volume}.storageClass`,
        `changed from ${JSON.stringify(b.storageClass)} to ${JSON.stringify(a.storageClass)}; existing volumes keep their class (to move, add a replica cluster on the new class and switch over)`,
      );
    }
  }
  for (const field of ['postgresUID', 'postgresGID']) {
    const b = before.spec?.[field];
    const a = after.spec?.[field];
    if (b !== undefined && b !== a)
      change('immutable', `spec.${field}`, `changed from ${JSON.stringify(b)} to ${JSON.stringify(a)}; the files on the volumes belong to the old id`);
  }
  return out;
}

/**
 * Changes to a Strimzi node pool's volumes: a volume (by id) may grow but never shrink, change class or type, or
 * disappear (its partitions would be lost); `deleteClaim` must stay false.
 */
export function compareNodePool(before: Obj, after: Obj): StatefulChange[] {
  const id = key(after);
  const out: StatefulChange[] = [];
  const change = (kind: StatefulChange['kind'], field: string, message: string) =>
    out.push({ statefulSet: id, resourceKind: 'KafkaNodePool', kind, field, message: `${id}: KafkaNodePool ${field}: ${message}` });
  const bs = before.spec?.storage ?? {};
  const as = after.spec?.storage ?? {};
  if (bs.type !== as.type) {
    change(
      'immutable',
      'spec.storage.type',
      `changed from ${JSON.stringify(bs.type)} to ${JSON.stringify(as.type)}; Strimzi cannot convert a broker's storage in place`,
    );
    return out;
  }
  const volumes = (st: Obj) => new Map<string, Obj>((st.type === 'jbod' ? ((st.volumes ?? []) as Obj[]) : [st]).map((v) => [String(v.id ?? 0), v]));
  const bv = volumes(bs);
  const av = volumes(as);
  for (const [vid, old] of bv) {
    const now = av.get(vid);
    const field = bs.type === 'jbod' ? `spec.storage.volumes[${vid}]` : 'spec.storage';
    if (!now) {
      change('immutable', field, 'was removed; the partitions on it would be lost (reassign them with Cruise Control first, then remove it by hand)');
      continue;
    }
    const cmp = old.size && now.size ? compareQuantities(now.size, old.size) : 0;
    if (cmp !== undefined && cmp < 0)
      change('shrunk', `${field}.size`, `volume shrunk from ${old.size} to ${now.size}; volumes can never shrink (data would not fit)`);
    if ((old.class ?? null) !== (now.class ?? null))
      change('immutable', `${field}.class`, `changed from ${JSON.stringify(old.class)} to ${JSON.stringify(now.class)}; existing claims keep their class`);
    if (old.type !== now.type) change('immutable', `${field}.type`, `changed from ${JSON.stringify(old.type)} to ${JSON.stringify(now.type)}`);
    if (now.deleteClaim === true && old.deleteClaim !== true)
      change('immutable', `${field}.deleteClaim`, 'became true: the claims would be deleted with the pool');
  }
  return out;
}

/** The resources whose volumes the guard protects, with how each kind is compared. */
const GUARDED: ReadonlyArray<{
  readonly kind: string;
  readonly group?: string;
  readonly compare: (b: Obj, a: Obj) => StatefulChange[];
  readonly removed: string;
}> = [
  {
    kind: 'StatefulSet',
    compare: compareStatefulSet,
    removed: 'StatefulSet was removed or renamed: its volumes would be orphaned (rename it back, or remove it on purpose by hand)',
  },
  {
    kind: 'Cluster',
    group: 'postgresql.cnpg.io',
    compare: compareCluster,
    removed: 'Cluster was removed or renamed: CloudNativePG deletes its volumes with it (rename it back, or remove it on purpose by hand)',
  },
  {
    kind: 'KafkaNodePool',
    group: 'kafka.strimzi.io',
    compare: compareNodePool,
    removed:
      'KafkaNodePool was removed or renamed: its brokers and the partitions on their volumes go with it (rename it back, or scale it down on purpose by hand)',
  },
];

function guardOf(o: Obj) {
  // `Cluster` is a common kind name: only CloudNativePG's is guarded.
  return GUARDED.find((g) => g.kind === o?.kind && (g.group === undefined || String(o?.apiVersion ?? '').split('/')[0] === g.group));
}

/** Compares every guarded resource of `previous` (e.g. the committed dist/) with `current` (a fresh synth). */
export function compareStatefulSets(previous: readonly Obj[], current: readonly Obj[]): StatefulChange[] {
  const now = new Map(current.filter((o) => guardOf(o)).map((o) => [`${o.kind}/${key(o)}`, o]));
  const out: StatefulChange[] = [];
  for (const old of previous) {
    const g = guardOf(old);
    if (!g) continue;
    const k = key(old);
    const fresh = now.get(`${old.kind}/${k}`);
    if (!fresh) {
      out.push({ statefulSet: k, resourceKind: g.kind, kind: 'removed', field: 'metadata.name', message: `${k}: ${g.removed}` });
    } else {
      out.push(...g.compare(old, fresh));
    }
  }
  return out;
}

/** The guarded files of a baseline under `<directory>/` (only `statefulset-*`, `cluster-*` and `kafkanodepool-*`). */
function guardedFiles(source: DistBaseline, directory: string): string[] {
  return source.files(directory).filter((f) => /^(statefulset|cluster|kafkanodepool)-.*\.yaml$/.test(path.posix.basename(f)));
}

/** Guarded resources committed under `<outdir>/<directory>/` (only `statefulset-*`, `cluster-*` and `kafkanodepool-*` files are read). */
export function readCommittedStatefulSets(baseline: string | DistBaseline, directory: string): Obj[] {
  const source = typeof baseline === 'string' ? workingTreeBaseline(baseline) : baseline;
  return guardedFiles(source, directory)
    .map((f) => parseInputYaml(source.read(f), `${source.label}${f}`) as Obj)
    .filter((o) => o !== null && typeof o === 'object');
}

/** Changes of one synthesized environment against `baseline` (the dist/ folder, or a {@link DistBaseline}). */
export function statefulDrift(env: EnvironmentOutput, baseline: string | DistBaseline): StatefulChange[] {
  const source = typeof baseline === 'string' ? workingTreeBaseline(baseline) : baseline;
  const byFile = new Map(env.documents.map((d) => [d.file, d]));
  const previous: Obj[] = [];
  for (const f of guardedFiles(source, env.directory)) {
    const text = source.read(f);
    const doc = byFile.get(f);
    // The same bytes synth writes for it now: nothing of it changed, so there is nothing to parse or compare.
    if (doc !== undefined && isRenderedAs(doc.object, text, toYaml)) continue;
    const o = parseInputYaml(text, `${source.label}${f}`) as Obj;
    if (o !== null && typeof o === 'object') previous.push(o);
  }
  return compareStatefulSets(
    previous,
    env.documents.map((d) => d.object),
  );
}

/**
 * Synth plugin: fails synth when a StatefulSet, a CloudNativePG Cluster or a Strimzi node pool would shrink a volume,
 * change an immutable field, or disappear, compared with the committed dist/. Register it in `defaultPlugins()`.
 */
export function statefulGuardPlugin(options: { readonly allowPrune?: boolean } = {}): SynthPlugin {
  return {
    name: 'stateful-guard',
    // It compares committed files with the digests of what the worker wrote (src/synth/verdict-cache.ts): run after the
    // other checks, by when the worker has written the documents. Run earlier, synth would wait for the worker, or
    // write documents itself that the worker is about to write.
    checkLast: true,
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
