/**
 * Prune guard: synth fails when an environment whose profile sets `delivery.pruneGuard` (production, dr) would
 * lose a resource that holds data. Argo CD and Flux apply dist/ as it is, so a file that disappears is a
 * resource that gets pruned (or, where pruning is off, orphaned and silently unmanaged).
 */
import * as path from 'path';
import { resolveDelivery } from '../../gitops/sync-policy';
import { baselinesOf, DistBaseline, workingTreeBaseline } from '../baseline';
import { parseInputYaml } from '../input-yaml';
import { CheckResult, DEFAULT_SYNTH_COMMAND, EnvironmentOutput, outputLabel, SynthContext, SynthPlugin } from '../synthesizer';
import { DocObject } from '../../core/documents';

/** Command-line flag that lets synth remove protected resources (read by `runSynth`). */
export const ALLOW_PRUNE_FLAG = '--allow-prune';

/**
 * Kinds that always hold data or own it: namespaces (deleting one deletes everything in it), StatefulSets and
 * claims (volumes), and CRD-backed datastores.
 */
export const PROTECTED_KINDS: readonly string[] = [
  'Namespace',
  'StatefulSet',
  'PersistentVolumeClaim',
  'PersistentVolume',
  'Kafka',
  'KafkaNodePool',
  'KafkaTopic',
  'Cluster',
];

/** Text that marks any other manifest as PVC-bearing (volume claim templates, Strimzi persistent storage). */
const PVC_BEARING = /^\s*(volumeClaimTemplates|persistentVolumeClaim):|type:\s*persistent-claim\b/m;

export interface PruneGuardOptions {
  /**
   * Let synth remove protected resources (the user passed `--allow-prune`): they are reported as warnings.
   * @default false
   */
  readonly allowPrune?: boolean;
}

/** A protected resource present in the committed dist/ but missing from the new synth. */
export interface ProtectedRemoval {
  /** `<env>/<namespace or _cluster>/<Kind>/<name>`, like synth document ids. */
  readonly id: string;
  readonly kind: string;
  /** Why it is protected. */
  readonly reason: string;
}

/**
 * Protected resources of `env` that are in `baseline` (the committed dist/, or a folder path) but not in
 * `env.documents`. Reads only the removed files (file names give the kind, so unchanged files are never opened).
 */
export function protectedRemovals(env: EnvironmentOutput, baseline: string | DistBaseline): ProtectedRemoval[] {
  const source = typeof baseline === 'string' ? workingTreeBaseline(baseline) : baseline;
  const current = new Set(env.documents.map((d) => d.file));
  const protectedPrefixes = new Set(PROTECTED_KINDS.map((k) => k.toLowerCase()));
  const out: ProtectedRemoval[] = [];
  for (const file of source.files(env.directory)) {
    if (current.has(file)) continue;
    const base = path.posix.basename(file, '.yaml');
    const kindPrefix = base.slice(0, base.indexOf('-'));
    const byKind = protectedPrefixes.has(kindPrefix);
    // Only files whose name says protected, or (others) whose text mentions volume claims, are parsed.
    const text = source.read(file);
    if (!byKind && !PVC_BEARING.test(text)) continue;
    const doc = (parseInputYaml(text, `${source.label}${file}`) ?? {}) as DocObject;
    const kind = String(doc.kind ?? kindPrefix);
    const ns = file.split('/').slice(-2)[0];
    out.push({
      id: `${env.name}/${ns}/${kind}/${doc.metadata?.name ?? base.slice(kindPrefix.length + 1)}`,
      kind,
      reason: byKind ? `a ${kind} holds persistent data or everything in it` : `it owns persistent volume claims`,
    });
  }
  return out;
}

/** The prune guard plugin; `options.allowPrune` comes from the `--allow-prune` flag. */
export function pruneGuard(options: PruneGuardOptions = {}): SynthPlugin {
  const allowPrune = options.allowPrune ?? false;
  return {
    name: 'prune-guard',
    check(env: EnvironmentOutput, ctx: SynthContext): CheckResult {
      if (!resolveDelivery(env.profile).pruneGuard) return { errors: [], warnings: [] };
      const messages: string[] = [];
      const seen = new Set<string>();
      const folder = `${outputLabel(ctx.outdir)}${env.directory}`;
      const command = ctx.command ?? DEFAULT_SYNTH_COMMAND;
      baselinesOf(ctx).forEach((baseline, i) => {
        // The folder on disk first; the last commit only adds what the folder no longer shows.
        const where = i === 0 && baseline.label === `${path.basename(ctx.outdir)}/` ? '' : ` (it is in ${baseline.label})`;
        for (const r of protectedRemovals(env, baseline)) {
          if (seen.has(r.id)) continue;
          seen.add(r.id);
          messages.push(
            allowPrune
              ? `${r.id}: will be removed from ${folder} (${r.reason})${where}; allowed by ${ALLOW_PRUNE_FLAG}`
              : `${r.id}: would be removed from ${folder}${where}, but ${r.reason} and environment "${env.name}" protects it (profile.delivery.pruneGuard); if the removal is intended, run synth with ${ALLOW_PRUNE_FLAG} (${command} ${ALLOW_PRUNE_FLAG})`,
          );
        }
      });
      return allowPrune ? { errors: [], warnings: messages } : { errors: messages, warnings: [] };
    },
  };
}
