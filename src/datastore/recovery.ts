/**
 * Recovery objectives as data, proven at synth: every datastore states what its backup plans achieve (continuous
 * WAL archiving: minutes; a dump or snapshot schedule: its longest gap; Velero: its schedule), and an environment
 * that declares an RPO fails synth (where policies are enforced) when a datastore cannot meet it. The same data is
 * the recovery table of `dist/<env>/README.md`.
 */
import { IConstruct } from 'constructs';
import { cronMaxIntervalMinutes } from '../core/cron';
import { formatDuration, parseDuration } from '../core/duration';
import { fail } from '../core/errors';
import type { CheckResult, EnvironmentOutput, SynthPlugin } from '../synth/synthesizer';
import type { StatefulDatastoreProps } from './props';
import type { ResolvedDatastore } from './resolve';
import { RecoveryEntry, RecoveryObjective, RecoveryPlan } from '../core/recovery-registry';
import { RestoreSource } from './types';

/** The best (smallest) RPO of a set of plans, in seconds; Infinity when there is none. */
export function achievedRpoSeconds(plans: readonly RecoveryPlan[]): number {
  return plans.reduce((best, p) => Math.min(best, p.rpoSeconds), Number.POSITIVE_INFINITY);
}

/** The plan with the smallest RPO (the first of equals). */
export function bestPlan(plans: readonly RecoveryPlan[]): RecoveryPlan | undefined {
  return plans.reduce<RecoveryPlan | undefined>((best, p) => (best === undefined || p.rpoSeconds < best.rpoSeconds ? p : best), undefined);
}

/** A schedule as a plan: what it is, and its longest gap. */
function schedulePlan(what: string, cron: string): RecoveryPlan {
  const seconds = cronMaxIntervalMinutes(cron) * 60;
  return { method: `${what} every ${formatDuration(seconds)} ("${cron}")`, rpoSeconds: seconds };
}

/** Every plan of a resolved datastore: the engine's own, its dump or snapshot schedule, the Velero snapshots. */
export function recoveryPlans(r: ResolvedDatastore): RecoveryPlan[] {
  const ctx = r.ctx;
  const plans = [...(r.def.recoveryPlans?.(ctx) ?? [])];
  if (ctx.backup && r.def.backup) plans.push(schedulePlan(r.def.backupMethod ?? 'dump', ctx.backup.schedule));
  if (ctx.backup) plans.push(schedulePlan('Velero volume snapshots', ctx.backup.veleroSchedule));
  return plans;
}

/** How a datastore is restored, in one line for the README. */
export function restorePath(r: ResolvedDatastore): string {
  const { ctx, def } = r;
  if (r.external) return 'through the managed service (its snapshots and point-in-time recovery)';
  if (def.restorePath) return def.restorePath(ctx);
  const url = (s: { readonly bucket: string; readonly prefix: string }) => `s3://${s.bucket}/${s.prefix}`;
  if (def.restore) {
    const source: RestoreSource | undefined =
      ctx.restore ??
      (ctx.backup
        ? { bucket: ctx.backup.bucket, prefix: ctx.backup.prefix, endpoint: ctx.backup.endpoint, credentialsSecret: ctx.backup.credentialsSecret }
        : undefined);
    if (source) {
      const how = def.restore(ctx, source).mode === 'init' ? 'init containers load' : `the Job ${ctx.name}-restore loads`;
      return ctx.restore
        ? `${how} the newest backup below ${url(source)} into an empty datastore`
        : `an empty datastore with \`restore.from\` (a DR environment's \`restoreFrom\`): ${how} the newest backup below ${url(source)}`;
    }
  }
  return ctx.backup ? 'Velero restore of the volume snapshots' : 'none: backups are off';
}

/**
 * The objective a datastore is held to where the profile declares objectives: its own (with a reason) or the
 * profile's. Checked even where the profile declares none, so a typo fails in every environment.
 */
export function resolveObjective(scope: IConstruct, props: StatefulDatastoreProps, r: ResolvedDatastore): RecoveryObjective | undefined {
  const p = r.profile.recoveryObjectives;
  if (p) {
    if (parseDuration(p.rpo) === undefined) fail(scope, 'profile.recoveryObjectives.rpo', p.rpo, 'must be a duration such as "15m", "1h" or "1h30m"');
    if (parseDuration(p.rto) === undefined) fail(scope, 'profile.recoveryObjectives.rto', p.rto, 'must be a duration such as "15m", "1h" or "1h30m"');
  }
  const own = props.recovery;
  if (own) {
    if (parseDuration(own.rpo) === undefined) fail(scope, 'recovery.rpo', own.rpo, 'must be a duration such as "15m", "1h" or "1h30m"');
    if (own.rto !== undefined && parseDuration(own.rto) === undefined)
      fail(scope, 'recovery.rto', own.rto, 'must be a duration such as "15m", "1h" or "1h30m"');
    if (typeof own.reason !== 'string' || own.reason.trim() === '')
      fail(scope, 'recovery.reason', own.reason, 'must say why this datastore has an objective of its own');
  }
  if (!p) return undefined;
  if (own) return { rpo: own.rpo, rpoSeconds: parseDuration(own.rpo)!, rto: own.rto ?? p.rto, reason: own.reason.trim() };
  return { rpo: p.rpo, rpoSeconds: parseDuration(p.rpo)!, rto: p.rto };
}

/** The entry of one datastore. */
export function recoveryEntry(scope: IConstruct, props: StatefulDatastoreProps, r: ResolvedDatastore): RecoveryEntry {
  return {
    path: scope.node.path,
    datastore: `${r.ctx.namespace}/${r.ctx.name}`,
    engine: r.def.displayName,
    plans: r.external ? [] : recoveryPlans(r),
    restorePath: restorePath(r),
    objective: resolveObjective(scope, props, r),
    managed: r.external !== undefined,
  };
}

/** One problem per datastore whose best plan cannot meet its objective (managed services are the provider's). */
export function recoveryProblems(entries: readonly RecoveryEntry[]): string[] {
  const out: string[] = [];
  for (const e of entries) {
    if (!e.objective || e.managed) continue;
    const best = bestPlan(e.plans);
    const fix = "back it up more often, or declare the datastore's own objective with a reason (recovery: { rpo, reason })";
    const head = `${e.path}: recovery: datastore ${e.datastore} (${e.engine}) cannot meet the recovery point objective of ${e.objective.rpo}`;
    if (!best) {
      out.push(
        `${head}: it has no backup plan (backups are off); enable backups, or declare the datastore's own objective with a reason (recovery: { rpo, reason })`,
      );
    } else if (best.rpoSeconds > e.objective.rpoSeconds) {
      out.push(
        `${head}: its best backup plan, ${best.method}, can lose up to ${formatDuration(best.rpoSeconds)} of writes, ${formatDuration(best.rpoSeconds - e.objective.rpoSeconds)} more than the objective; ${fix}`,
      );
    }
  }
  return out;
}

/** Escapes text for a Markdown table cell. */
function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The README section: declared objectives, then datastore, engine, backup methods, achieved RPO, objective, restore path. */
export function recoveryTable(entries: readonly RecoveryEntry[], declared: { readonly rpo: string; readonly rto: string } | undefined): string {
  if (entries.length === 0) return '';
  const lines = [
    '## Recovery',
    '',
    declared
      ? `Declared objectives: RPO ${declared.rpo}, RTO ${declared.rto}. Synth checks every datastore's best backup plan against its RPO (docs/stateful-datastore.md says what each restore path takes).`
      : 'No recovery objectives are declared for this environment; the table says what each plan achieves.',
    '',
    '| Datastore | Engine | Backup methods | Achieved RPO | Objective | Restore path |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const e of entries) {
    const best = achievedRpoSeconds(e.plans);
    const methods = e.managed ? "the provider's backups" : e.plans.length > 0 ? e.plans.map((p) => p.method).join('; ') : 'none (backups are off)';
    const achieved = e.managed ? "the provider's" : Number.isFinite(best) ? formatDuration(best) : 'none';
    let objective = '-';
    if (e.objective) {
      objective = `RPO ${e.objective.rpo}, RTO ${e.objective.rto}${e.objective.reason ? ` (own: ${e.objective.reason})` : ''}`;
      if (!e.managed) objective += best <= e.objective.rpoSeconds ? ': met' : ': NOT met';
    }
    lines.push(`| ${cell(e.datastore)} | ${cell(e.engine)} | ${cell(methods)} | ${achieved} | ${cell(objective)} | ${cell(e.restorePath)} |`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Synth plugin: a datastore that cannot meet its recovery point objective fails synth where the profile enforces
 * policies, and is a warning elsewhere. Register it in `defaultPlugins()`.
 */
export function recoveryObjectivesPlugin(): SynthPlugin {
  return {
    name: 'recovery-objectives',
    check(env: EnvironmentOutput): CheckResult {
      const problems = recoveryProblems(env.recovery ?? []);
      return env.profile.enforcePolicies ? { errors: problems, warnings: [] } : { errors: [], warnings: problems };
    },
  };
}
