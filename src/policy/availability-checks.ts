/** Availability and lifecycle: disruption budgets, autoscalers, spreading, selectors, Job and CronJob hygiene. */
import { SynthDocument } from '../synth/synthesizer';
import { LabelSelector, PodView, SCALABLE_KINDS, nameOf, labelSelectorMatches } from './policy-index';
import { PolicyCheck, PolicyContext, PolicyFinding } from './types';
import { DocValue } from '../core/documents';

const KUBE_SCORE = 'https://github.com/zegl/kube-score/blob/master/README_CHECKS.md';

/** How many pods a scalable workload runs: its replicas, or its autoscaler's range. */
export interface WorkloadScale {
  readonly min: number;
  readonly max: number;
  readonly hpa?: SynthDocument;
}

const autoscalers = new WeakMap<object, Map<string, SynthDocument>>();

/** The autoscalers of an environment: HPAs and KEDA ScaledObjects (which own an HPA). */
function autoscalersOf(ctx: PolicyContext): SynthDocument[] {
  return [
    ...ctx.index.ofKind('HorizontalPodAutoscaler'),
    ...ctx.index.ofKind('ScaledObject').filter((d) => String(d.object.apiVersion).startsWith('keda.sh/')),
  ];
}

/** Replica range of an HPA or ScaledObject. */
function rangeOf(a: SynthDocument): { min: number; max: number } {
  const spec = a.object.spec ?? {};
  const keda = a.object.kind === 'ScaledObject';
  const minV = keda ? spec.minReplicaCount : spec.minReplicas;
  const maxV = keda ? spec.maxReplicaCount : spec.maxReplicas;
  // KEDA's defaults: 0 to 100 replicas.
  const min = typeof minV === 'number' ? minV : keda ? 0 : 1;
  const max = typeof maxV === 'number' ? maxV : keda ? 100 : min;
  return { min, max };
}

/** Autoscalers by `<namespace>/<kind>/<name>` of their target, computed once per environment. */
function hpaByTarget(ctx: PolicyContext): Map<string, SynthDocument> {
  let m = autoscalers.get(ctx.index);
  if (!m) {
    m = new Map();
    for (const hpa of autoscalersOf(ctx)) {
      const ref = hpa.object.spec?.scaleTargetRef ?? {};
      m.set(`${hpa.object.metadata?.namespace ?? ''}/${ref.kind ?? 'Deployment'}/${ref.name}`, hpa);
    }
    autoscalers.set(ctx.index, m);
  }
  return m;
}

/** Replica range of a pod-bearing workload; undefined for kinds without replicas (DaemonSet, Job, Pod). */
export function scaleOf(ctx: PolicyContext, pod: PodView): WorkloadScale | undefined {
  if (!SCALABLE_KINDS.has(pod.kind)) return undefined;
  const hpa = hpaByTarget(ctx).get(`${pod.namespace}/${pod.kind}/${pod.name}`);
  if (hpa) return { ...rangeOf(hpa), hpa };
  const r = pod.doc.object.spec?.replicas;
  const replicas = typeof r === 'number' ? r : 1;
  return { min: replicas, max: replicas };
}

function describe(pod: PodView, scale: WorkloadScale): string {
  const range = scale.hpa ? `${scale.min}-${scale.max} replicas with its autoscaler` : `${scale.max} replicas`;
  return `${pod.kind} ${JSON.stringify(pod.name)} (${range})`;
}

/** An int-or-percent of `total`, rounded up as the disruption controller does. */
function scaled(v: unknown, total: number): number | undefined {
  if (typeof v === 'number') return v;
  const m = typeof v === 'string' ? /^([0-9]+)%$/.exec(v) : null;
  return m ? Math.ceil((Number(m[1]) * total) / 100) : undefined;
}

function selectsOwnPods(selector: LabelSelector | undefined, pod: PodView): boolean {
  return selector !== undefined && labelSelectorMatches(selector, pod.labels);
}

/** True when the pod spec spreads replicas over nodes or zones (anti-affinity or topology spread on its own labels). */
function spreads(pod: PodView): boolean {
  const s = pod.spec;
  const anti = s.affinity?.podAntiAffinity ?? {};
  const terms = [
    ...(Array.isArray(anti.requiredDuringSchedulingIgnoredDuringExecution) ? anti.requiredDuringSchedulingIgnoredDuringExecution : []),
    ...(Array.isArray(anti.preferredDuringSchedulingIgnoredDuringExecution)
      ? anti.preferredDuringSchedulingIgnoredDuringExecution.map((t: DocValue) => t?.podAffinityTerm)
      : []),
    ...(Array.isArray(s.topologySpreadConstraints) ? s.topologySpreadConstraints : []),
  ];
  return terms.some((t: DocValue) => selectsOwnPods(t?.labelSelector, pod));
}

export const AVAILABILITY_CHECKS: readonly PolicyCheck[] = [
  {
    id: 'pdb-present',
    severity: 'high',
    rationale: 'Without a PodDisruptionBudget a node drain can evict every replica of a workload at once.',
    docs: 'https://kubernetes.io/docs/tasks/run-application/configure-pdb/',
    coverage: { kubeScore: ['deployment-has-poddisruptionbudget', 'statefulset-has-poddisruptionbudget'], polaris: ['missingPodDisruptionBudget'] },
    run: (ctx) => {
      const covered = new Set<PodView>();
      for (const pdb of ctx.index.ofKind('PodDisruptionBudget')) {
        for (const p of ctx.index.selectPods(pdb.object.metadata?.namespace ?? '', pdb.object.spec?.selector)) covered.add(p);
      }
      const out: PolicyFinding[] = [];
      for (const p of ctx.index.pods) {
        const scale = scaleOf(ctx, p);
        if (!scale || scale.max < 2 || covered.has(p)) continue;
        out.push({
          doc: p.doc,
          field: `${p.specPath.replace(/spec$/, 'metadata')}.labels`,
          message: `no PodDisruptionBudget selects the pods of ${describe(p, scale)}; add one that allows one eviction (maxUnavailable: 1)`,
        });
      }
      return out;
    },
  },
  {
    id: 'pdb-allows-eviction',
    severity: 'high',
    rationale: 'A PodDisruptionBudget that allows no eviction blocks node drains and cluster upgrades.',
    docs: 'https://kubernetes.io/docs/concepts/workloads/pods/disruptions/',
    coverage: { kubeScore: ['poddisruptionbudget-has-policy'], polaris: ['pdbDisruptionsIsZero', 'pdbMinAvailableGreaterThanHPAMinReplicas'] },
    run: (ctx) => {
      const out: PolicyFinding[] = [];
      for (const pdb of ctx.index.ofKind('PodDisruptionBudget')) {
        const spec = pdb.object.spec ?? {};
        const { minAvailable, maxUnavailable } = spec;
        if (minAvailable === undefined && maxUnavailable === undefined) {
          out.push({ doc: pdb, field: 'spec', message: 'sets neither minAvailable nor maxUnavailable; set maxUnavailable: 1' });
          continue;
        }
        if (maxUnavailable !== undefined && scaled(maxUnavailable, 100) === 0) {
          out.push({ doc: pdb, field: 'spec.maxUnavailable', message: `maxUnavailable ${JSON.stringify(maxUnavailable)} allows no eviction; use at least 1` });
          continue;
        }
        if (minAvailable === '100%') {
          out.push({ doc: pdb, field: 'spec.minAvailable', message: 'minAvailable "100%" allows no eviction; use maxUnavailable: 1' });
          continue;
        }
        // Total pods are known only when every selected workload has replicas; the worst case is its minimum.
        const pods = ctx.index.selectPods(pdb.object.metadata?.namespace ?? '', spec.selector);
        const scales = pods.map((p) => scaleOf(ctx, p));
        if (pods.length === 0 || scales.some((s) => s === undefined)) continue;
        const total = scales.reduce((n, s) => n + (s as WorkloadScale).min, 0);
        const allowed = maxUnavailable !== undefined ? scaled(maxUnavailable, total) : total - (scaled(minAvailable, total) ?? total);
        if (allowed !== undefined && allowed < 1) {
          const field = maxUnavailable !== undefined ? 'spec.maxUnavailable' : 'spec.minAvailable';
          const value = maxUnavailable !== undefined ? maxUnavailable : minAvailable;
          out.push({
            doc: pdb,
            field,
            message: `${field.slice(5)} ${JSON.stringify(value)} allows no eviction when ${pods.map((p) => `${p.kind} ${JSON.stringify(p.name)}`).join(', ')} run${pods.length === 1 ? 's' : ''} ${total} pod(s); use maxUnavailable: 1 (or more replicas)`,
          });
        }
      }
      return out;
    },
  },
  {
    id: 'pdb-matches-pods',
    severity: 'medium',
    rationale: 'A PodDisruptionBudget that selects no pod protects nothing and usually hides a label typo.',
    docs: 'https://kubernetes.io/docs/tasks/run-application/configure-pdb/',
    coverage: {},
    run: (ctx) =>
      ctx.index
        .ofKind('PodDisruptionBudget')
        .filter((pdb) => ctx.index.selectPods(pdb.object.metadata?.namespace ?? '', pdb.object.spec?.selector).length === 0)
        .map((pdb) => ({
          doc: pdb,
          field: 'spec.selector',
          message: `selects no pod template in namespace ${JSON.stringify(pdb.object.metadata?.namespace ?? '')}; fix the selector`,
        })),
  },
  {
    id: 'hpa-target-exists',
    severity: 'high',
    rationale: 'An autoscaler whose target does not exist scales nothing.',
    docs: KUBE_SCORE,
    coverage: { kubeScore: ['horizontalpodautoscaler-has-target'] },
    run: (ctx) =>
      autoscalersOf(ctx)
        .filter((hpa) => {
          const ref = hpa.object.spec?.scaleTargetRef ?? {};
          const kind = ref.kind ?? 'Deployment';
          return !SCALABLE_KINDS.has(kind) || !ctx.index.find(hpa.object.metadata?.namespace ?? '', kind, ref.name);
        })
        .map((hpa) => {
          const ref = hpa.object.spec?.scaleTargetRef ?? {};
          return {
            doc: hpa,
            field: 'spec.scaleTargetRef',
            message: `targets ${ref.kind ?? 'Deployment'} ${JSON.stringify(ref.name)}, which is not in namespace ${JSON.stringify(hpa.object.metadata?.namespace ?? '')} of this environment`,
          };
        }),
  },
  {
    id: 'hpa-owns-replicas',
    severity: 'high',
    rationale: 'When an autoscaler owns replicas, a replicas field in Git resets the scale on every sync.',
    docs: 'https://argo-cd.readthedocs.io/en/stable/user-guide/best_practices/#leaving-room-for-imperativeness',
    coverage: { kubeScore: ['deployment-targeted-by-hpa-does-not-have-replicas-configured'] },
    run: (ctx) => {
      const out: PolicyFinding[] = [];
      for (const hpa of autoscalersOf(ctx)) {
        const ref = hpa.object.spec?.scaleTargetRef ?? {};
        const target = ctx.index.find(hpa.object.metadata?.namespace ?? '', ref.kind ?? 'Deployment', ref.name);
        if (target && target.object.spec?.replicas !== undefined) {
          out.push({
            doc: target,
            field: 'spec.replicas',
            message: `is scaled by ${hpa.object.kind} ${JSON.stringify(nameOf(hpa))}; remove spec.replicas so a sync does not reset the scale`,
          });
        }
      }
      return out;
    },
  },
  {
    id: 'ha-spread',
    severity: 'medium',
    rationale: 'Replicas that may land on one node or zone fail together.',
    docs: 'https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/',
    coverage: {
      kubeScore: ['deployment-has-host-podantiaffinity', 'statefulset-has-host-podantiaffinity', 'pod-topology-spread-constraints'],
      polaris: ['topologySpreadConstraint'],
    },
    run: (ctx) => {
      const out: PolicyFinding[] = [];
      for (const p of ctx.index.pods) {
        const scale = scaleOf(ctx, p);
        if (!scale || scale.max < 2 || spreads(p)) continue;
        out.push({
          doc: p.doc,
          field: `${p.specPath}.topologySpreadConstraints`,
          message: `${describe(p, scale)} does not spread its replicas; add topologySpreadConstraints or podAntiAffinity selecting its own pod labels`,
        });
      }
      return out;
    },
  },
  {
    id: 'selector-matches-labels',
    severity: 'critical',
    rationale: 'A controller selector that does not match its template is rejected; an empty one adopts other pods.',
    docs: KUBE_SCORE,
    coverage: {
      kubeScore: ['deployment-pod-selector-labels-match-template-metadata-labels', 'statefulset-pod-selector-labels-match-template-metadata-labels'],
    },
    run: (ctx) => {
      const out: PolicyFinding[] = [];
      for (const p of ctx.index.pods) {
        const selector = p.kind === 'Pod' || p.kind === 'CronJob' ? undefined : p.doc.object.spec?.selector;
        if (selector === undefined) continue;
        const empty = Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
        if (empty)
          out.push({
            doc: p.doc,
            field: 'spec.selector',
            message: 'the selector is empty and would select every pod in the namespace; select name and instance labels',
          });
        else if (!labelSelectorMatches(selector, p.labels))
          out.push({
            doc: p.doc,
            field: 'spec.selector',
            message: `the selector ${JSON.stringify(selector)} does not match the template labels ${JSON.stringify(p.labels)}`,
          });
      }
      return out;
    },
  },
  {
    id: 'cronjob-limits',
    severity: 'medium',
    rationale: 'A CronJob needs a starting deadline and history limits, or missed runs pile up and finished Jobs never go.',
    docs: 'https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/',
    coverage: { kubeScore: ['cronjob-has-deadline'] },
    run: (ctx) =>
      ctx.index.ofKind('CronJob').flatMap((cj) => {
        const missing = ['startingDeadlineSeconds', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit'].filter(
          (f) => typeof cj.object.spec?.[f] !== 'number',
        );
        return missing.length > 0 ? [{ doc: cj, field: `spec.${missing[0]}`, message: `sets no ${missing.join(', ')}` }] : [];
      }),
  },
  {
    id: 'job-ttl',
    severity: 'low',
    rationale: 'Finished Jobs and their pods are kept forever unless ttlSecondsAfterFinished is set.',
    docs: 'https://kubernetes.io/docs/concepts/workloads/controllers/ttlafterfinished/',
    coverage: {},
    run: (ctx) =>
      ctx.index
        .ofKind('Job')
        .filter((job) => typeof job.object.spec?.ttlSecondsAfterFinished !== 'number')
        .map((job) => ({ doc: job, field: 'spec.ttlSecondsAfterFinished', message: 'is not set; finished Jobs are never cleaned up' })),
  },
];
