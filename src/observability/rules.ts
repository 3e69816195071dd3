/**
 * The alert rules the platform adds to every registered workload: the seeds' thresholds (error rate, p95
 * latency, CPU, memory), multi-window multi-burn-rate alerts for an availability SLO, and a target-down alert.
 * Rules registered by the workloads themselves (datastore rules, custom service rules) are kept as they are.
 */
import { AlertRule, AlertSeverity, MonitoredTarget } from '../core/monitoring-registry';
import { fail } from '../core/errors';
import { IConstruct } from 'constructs';
import { isPrometheusDuration } from './common';

/** Default thresholds: the seeds' "error rate > 1 %, p95 > 500 ms, CPU > 80 %, memory > 80 %" and a 99.9 % SLO. */
export const DEFAULT_ERROR_RATE_PERCENT = 1;
export const DEFAULT_LATENCY_P95_MS = 500;
export const DEFAULT_CPU_PERCENT = 80;
export const DEFAULT_MEMORY_PERCENT = 80;
export const DEFAULT_SLO_AVAILABILITY_PERCENT = 99.9;
/** Lowest SLO accepted: the fastest burn-rate alert needs 14.4 × the error budget to stay below 100 %. */
export const MIN_SLO_AVAILABILITY_PERCENT = 95;

/** Alert thresholds applied to every registered workload. */
export interface AlertThresholds {
  /** Percentage of 5xx responses over 5 minutes above which `HttpErrorRateHigh` fires. @default DEFAULT_ERROR_RATE_PERCENT (1) */
  readonly errorRatePercent?: number;
  /** p95 request duration in milliseconds above which `HttpLatencyP95High` fires. @default DEFAULT_LATENCY_P95_MS (500) */
  readonly latencyP95Ms?: number;
  /** CPU usage as a percentage of the container's CPU request. @default DEFAULT_CPU_PERCENT (80) */
  readonly cpuPercent?: number;
  /** Working-set memory as a percentage of the container's memory limit. @default DEFAULT_MEMORY_PERCENT (80) */
  readonly memoryPercent?: number;
  /** Availability SLO of HTTP services, for the burn-rate alerts. @default DEFAULT_SLO_AVAILABILITY_PERCENT (99.9) */
  readonly sloAvailabilityPercent?: number;
}

/** Thresholds with defaults applied and checked. */
export interface ResolvedThresholds {
  readonly errorRatePercent: number;
  readonly latencyP95Ms: number;
  readonly cpuPercent: number;
  readonly memoryPercent: number;
  readonly sloAvailabilityPercent: number;
}

/** Applies defaults and rejects values that would make an alert never (or always) fire. */
export function resolveThresholds(scope: IConstruct, t: AlertThresholds = {}): ResolvedThresholds {
  const r: ResolvedThresholds = {
    errorRatePercent: t.errorRatePercent ?? DEFAULT_ERROR_RATE_PERCENT,
    latencyP95Ms: t.latencyP95Ms ?? DEFAULT_LATENCY_P95_MS,
    cpuPercent: t.cpuPercent ?? DEFAULT_CPU_PERCENT,
    memoryPercent: t.memoryPercent ?? DEFAULT_MEMORY_PERCENT,
    sloAvailabilityPercent: t.sloAvailabilityPercent ?? DEFAULT_SLO_AVAILABILITY_PERCENT,
  };
  for (const key of ['errorRatePercent', 'cpuPercent', 'memoryPercent'] as const) {
    const v = r[key];
    if (!Number.isFinite(v) || v <= 0 || v >= 100) fail(scope, `thresholds.${key}`, v, 'must be a percentage greater than 0 and less than 100');
  }
  if (!Number.isFinite(r.latencyP95Ms) || r.latencyP95Ms <= 0)
    fail(scope, 'thresholds.latencyP95Ms', r.latencyP95Ms, 'must be a number of milliseconds greater than 0');
  const slo = r.sloAvailabilityPercent;
  if (!Number.isFinite(slo) || slo < MIN_SLO_AVAILABILITY_PERCENT || slo >= 100) {
    fail(
      scope,
      'thresholds.sloAvailabilityPercent',
      slo,
      `must be at least ${MIN_SLO_AVAILABILITY_PERCENT} and less than 100 (the fastest burn-rate alert fires at 14.4 x the error budget)`,
    );
  }
  return r;
}

/** A rule as written into a Prometheus rule file (and a PrometheusRule). */
export interface RenderedRule {
  readonly alert?: string;
  readonly record?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly RenderedRule[];
}

/** Windows of the multi-window multi-burn-rate alerts (Google SRE workbook, chapter 5). */
export const BURN_RATE_WINDOWS = [
  { severity: 'critical' as AlertSeverity, long: '1h', short: '5m', factor: 14.4, for: '2m', name: 'SloErrorBudgetBurnFast' },
  { severity: 'critical' as AlertSeverity, long: '6h', short: '30m', factor: 6, for: '15m', name: 'SloErrorBudgetBurnFast' },
  { severity: 'warning' as AlertSeverity, long: '1d', short: '2h', factor: 3, for: '1h', name: 'SloErrorBudgetBurnSlow' },
  { severity: 'warning' as AlertSeverity, long: '3d', short: '6h', factor: 1, for: '3h', name: 'SloErrorBudgetBurnSlow' },
];

/** Recording rule name of the 5xx ratio over `window`, by namespace and service. */
export function errorRatioRecord(window: string): string {
  return `namespace_service:http_requests_errors:ratio_rate${window}`;
}

/**
 * Recording rules shared by every HTTP service: the error ratio per window, so the burn-rate alerts of N
 * services cost N cheap lookups instead of N long-range rate() evaluations each.
 */
export function platformRecordingRules(): RuleGroup {
  const windows = [...new Set(BURN_RATE_WINDOWS.flatMap((w) => [w.short, w.long]))];
  return {
    name: 'platform-slo-recording',
    rules: windows.map((w) => ({
      record: errorRatioRecord(w),
      expr: `sum by (namespace, service) (rate(http_requests_total{status=~"5.."}[${w}])) / sum by (namespace, service) (rate(http_requests_total[${w}]))`,
    })),
  };
}

function selector(t: MonitoredTarget, extra = ''): string {
  return `{namespace="${t.namespace}", service="${t.name}"${extra}}`;
}

/**
 * Pods of a workload: `<name>-<replicaset hash>-<suffix>` (Deployment) or `<name>-<ordinal>` (StatefulSet).
 * Anchored so `api` does not match the pods of `api-gateway`.
 */
function podSelector(t: MonitoredTarget): string {
  return `{namespace="${t.namespace}", pod=~"${t.name}-([a-z0-9]{5,10}-[a-z0-9]{5}|[0-9]+)", container!="", container!="POD"}`;
}

function fmt(n: number): string {
  return String(Number(n.toPrecision(12)));
}

/** True when a registered rule already alerts on the 5xx ratio (e.g. the MicroserviceDeployment's own). */
function alertsOnErrorRate(r: AlertRule): boolean {
  return r.expr.includes('http_requests_total') && r.expr.includes('5..');
}

/** True when a registered rule already alerts on request latency. */
function alertsOnLatency(r: AlertRule): boolean {
  return r.expr.includes('http_request_duration_seconds_bucket');
}

/**
 * The platform's rules for one target. A workload that registers its own alert with the same name, or its
 * own error-rate or latency alert (the MicroserviceDeployment does, with per-service thresholds), keeps it
 * and the platform's equivalent is left out, so nobody is paged twice for one problem.
 */
export function platformRulesFor(t: MonitoredTarget, th: ResolvedThresholds, runbookBaseUrl: string): AlertRule[] {
  const own = new Set(t.rules.map((r) => r.alert));
  if (t.rules.some(alertsOnErrorRate)) own.add('HttpErrorRateHigh');
  if (t.rules.some(alertsOnLatency)) own.add('HttpLatencyP95High');
  const id = `${t.namespace}/${t.name}`;
  const runbook = (alert: string) => `${runbookBaseUrl.replace(/\/+$/, '')}/${kebab(alert)}`;
  const rules: AlertRule[] = [
    {
      alert: 'MetricsTargetDown',
      expr: `max(up${selector(t)}) == 0 or absent(up${selector(t)})`,
      for: '5m',
      severity: t.kind === 'service' ? 'warning' : 'critical',
      summary: `${id} cannot be scraped`,
      description: `Prometheus has not scraped any ${id} target for 5 minutes: the workload is down or its metrics endpoint is unreachable.`,
      runbookUrl: runbook('MetricsTargetDown'),
    },
    {
      alert: 'ContainerCpuHigh',
      expr: `sum by (pod, container) (rate(container_cpu_usage_seconds_total${podSelector(t)}[5m])) / (sum by (pod, container) (container_spec_cpu_shares${podSelector(t)}) / 1024) > ${fmt(th.cpuPercent / 100)}`,
      for: '15m',
      severity: 'warning',
      summary: `${id} uses more than ${fmt(th.cpuPercent)}% of its CPU request`,
      description: `Container {{ $labels.container }} of pod {{ $labels.pod }} has used more than ${fmt(th.cpuPercent)}% of its CPU request for 15 minutes; raise the request or scale out.`,
      runbookUrl: runbook('ContainerCpuHigh'),
    },
    {
      alert: 'ContainerMemoryHigh',
      expr: `sum by (pod, container) (container_memory_working_set_bytes${podSelector(t)}) / (sum by (pod, container) (container_spec_memory_limit_bytes${podSelector(t)}) > 0) > ${fmt(th.memoryPercent / 100)}`,
      for: '15m',
      severity: 'warning',
      summary: `${id} uses more than ${fmt(th.memoryPercent)}% of its memory limit`,
      description: `Container {{ $labels.container }} of pod {{ $labels.pod }} has used more than ${fmt(th.memoryPercent)}% of its memory limit for 15 minutes; it will be OOM-killed at 100%.`,
      runbookUrl: runbook('ContainerMemoryHigh'),
    },
  ];
  if (t.httpMetrics) {
    rules.push(
      {
        alert: 'HttpErrorRateHigh',
        expr: `sum(rate(http_requests_total${selector(t, ', status=~"5.."')}[5m])) / sum(rate(http_requests_total${selector(t)}[5m])) > ${fmt(th.errorRatePercent / 100)}`,
        for: '5m',
        severity: 'critical',
        summary: `${id} error rate is above ${fmt(th.errorRatePercent)}%`,
        description: `More than ${fmt(th.errorRatePercent)}% of the requests to ${id} have failed with a 5xx status for 5 minutes.`,
        runbookUrl: runbook('HttpErrorRateHigh'),
      },
      {
        alert: 'HttpLatencyP95High',
        expr: `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket${selector(t)}[5m]))) > ${fmt(th.latencyP95Ms / 1000)}`,
        for: '5m',
        severity: 'warning',
        summary: `${id} p95 latency is above ${fmt(th.latencyP95Ms)}ms`,
        description: `The 95th percentile of request durations of ${id} has been above ${fmt(th.latencyP95Ms)}ms for 5 minutes.`,
        runbookUrl: runbook('HttpLatencyP95High'),
      },
    );
    const budget = 1 - th.sloAvailabilityPercent / 100;
    for (const severity of ['critical', 'warning'] as AlertSeverity[]) {
      const windows = BURN_RATE_WINDOWS.filter((w) => w.severity === severity);
      // BURN_RATE_WINDOWS holds windows of both severities.
      const first = windows[0]!;
      const name = first.name;
      rules.push({
        alert: name,
        expr: windows
          .map(
            (w) =>
              `(${errorRatioRecord(w.long)}${selector(t)} > ${fmt(w.factor * budget)} and ${errorRatioRecord(w.short)}${selector(t)} > ${fmt(w.factor * budget)})`,
          )
          .join(' or '),
        for: first.for,
        severity,
        summary: `${id} is burning its ${fmt(th.sloAvailabilityPercent)}% availability error budget ${severity === 'critical' ? 'fast' : 'slowly'}`,
        description:
          severity === 'critical'
            ? `At the current error rate ${id} exhausts its monthly error budget in less than 5 days (burn rate 14.4 over 1h/5m or 6 over 6h/30m).`
            : `At the current error rate ${id} exhausts its monthly error budget within the month (burn rate 3 over 1d/2h or 1 over 3d/6h).`,
        runbookUrl: runbook(name),
      });
    }
  }
  return rules.filter((r) => !own.has(r.alert));
}

/** Checks a registered rule has everything routing and on-call need (severity, summary, description, runbook). */
export function checkRule(scope: IConstruct, t: MonitoredTarget, r: AlertRule, i: number): void {
  const field = `rules[${t.namespace}/${t.name}][${i}]`;
  if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(r.alert ?? '')) fail(scope, `${field}.alert`, r.alert, 'must be a Prometheus alert name ([a-zA-Z_][a-zA-Z0-9_]*)');
  if (!isPrometheusDuration(r.for)) fail(scope, `${field}.for`, r.for, 'must be a Prometheus duration such as "5m"');
  if (!['critical', 'warning', 'info'].includes(r.severity)) fail(scope, `${field}.severity`, r.severity, 'must be one of critical, warning, info');
  for (const key of ['summary', 'description', 'runbookUrl', 'expr'] as const) {
    if (typeof r[key] !== 'string' || r[key].trim() === '')
      fail(scope, `${field}.${key}`, r[key], 'every alert needs a non-empty summary, description, runbook URL and expression');
  }
}

/** Renders one alert with its routing labels (severity, team, namespace, service) and annotations. */
export function renderAlert(t: MonitoredTarget, r: AlertRule): RenderedRule {
  const labels: Record<string, string> = { severity: r.severity, namespace: t.namespace, service: t.name };
  if (t.team) labels.team = t.team;
  Object.assign(labels, r.labels ?? {});
  return {
    alert: r.alert,
    expr: r.expr,
    for: r.for,
    labels,
    annotations: { summary: r.summary, description: r.description, runbook_url: r.runbookUrl },
  };
}

/** Rule groups of the environment: the shared recording rules, then one group per target. */
export function ruleGroupsFor(
  scope: IConstruct,
  targets: readonly MonitoredTarget[],
  th: ResolvedThresholds,
  runbookBaseUrl: string,
): { file: string; group: RuleGroup; target?: MonitoredTarget }[] {
  const out: { file: string; group: RuleGroup; target?: MonitoredTarget }[] = [];
  if (targets.some((t) => t.httpMetrics)) out.push({ file: 'platform-slo.rules.yml', group: platformRecordingRules() });
  for (const t of targets) {
    t.rules.forEach((r, i) => checkRule(scope, t, r, i));
    const rules = [...t.rules, ...platformRulesFor(t, th, runbookBaseUrl)].map((r) => renderAlert(t, r));
    out.push({ file: `${t.namespace}.${t.name}.rules.yml`, group: { name: `${t.namespace}/${t.name}`, rules }, target: t });
  }
  return out;
}

function kebab(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}
