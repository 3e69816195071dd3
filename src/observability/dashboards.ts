/**
 * Grafana dashboards as JSON models: the platform overview (the seeds' request rate, p95 response time and
 * error rate by service) and one dashboard per registered service or datastore.
 */
import { IConstruct } from 'constructs';
import { fail } from '../core/errors';
import { MonitoredTarget } from '../core/monitoring-registry';
import { checksum } from './common';

/** Datasource uids provisioned by the stack, referenced by every panel. */
export const PROMETHEUS_DATASOURCE_UID = 'prometheus';
export const LOGS_DATASOURCE_UID = 'logs';
export const TRACES_DATASOURCE_UID = 'jaeger';

/** One time-series panel. */
export interface DashboardPanel {
  readonly title: string;
  /** PromQL. */
  readonly expr: string;
  /** @default '{{ pod }}' */
  readonly legendFormat?: string;
  /** Grafana unit id (`reqps`, `s`, `percentunit`, `bytes`, ...). @default 'short' */
  readonly unit?: string;
}

/** Extra panels for the generated dashboard of one registered workload. */
export interface ServiceDashboard {
  /** Workload name as registered in the MonitoringRegistry. */
  readonly service: string;
  /** @default - the only registered workload with that name, in any namespace */
  readonly namespace?: string;
  readonly panels: readonly DashboardPanel[];
}

/** The seeds' three overview queries. */
export const OVERVIEW_PANELS: readonly DashboardPanel[] = [
  { title: 'Request Rate', expr: 'sum(rate(http_requests_total[5m])) by (service)', legendFormat: '{{ service }}', unit: 'reqps' },
  {
    title: 'Response Time',
    expr: 'histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket[5m])) by (le, service))',
    legendFormat: '95th percentile - {{ service }}',
    unit: 's',
  },
  {
    title: 'Error Rate',
    expr: 'sum(rate(http_requests_total{status=~"5.."}[5m])) by (service) / sum(rate(http_requests_total[5m])) by (service)',
    legendFormat: 'Error rate - {{ service }}',
    unit: 'percentunit',
  },
];

function panels(list: readonly DashboardPanel[]) {
  return list.map((p, i) => ({
    id: i + 1,
    type: 'timeseries',
    title: p.title,
    datasource: { type: 'prometheus', uid: PROMETHEUS_DATASOURCE_UID },
    gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
    fieldConfig: { defaults: { unit: p.unit ?? 'short' }, overrides: [] },
    targets: [{ refId: 'A', expr: p.expr, legendFormat: p.legendFormat ?? '{{ pod }}', datasource: { type: 'prometheus', uid: PROMETHEUS_DATASOURCE_UID } }],
  }));
}

function dashboard(uid: string, title: string, tags: string[], list: readonly DashboardPanel[]) {
  return {
    uid,
    title,
    tags,
    editable: false,
    schemaVersion: 39,
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
    panels: panels(list),
  };
}

/** The panels of one workload's dashboard (HTTP panels only when it exposes HTTP metrics). */
export function servicePanels(t: MonitoredTarget): DashboardPanel[] {
  const sel = `namespace="${t.namespace}", service="${t.name}"`;
  const pods = `namespace="${t.namespace}", pod=~"${t.name}-([a-z0-9]{5,10}-[a-z0-9]{5}|[0-9]+)", container!="", container!="POD"`;
  const http: DashboardPanel[] = t.httpMetrics
    ? [
        { title: 'Request Rate', expr: `sum(rate(http_requests_total{${sel}}[5m]))`, legendFormat: 'requests/s', unit: 'reqps' },
        {
          title: 'Response Time (p95)',
          expr: `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{${sel}}[5m])))`,
          legendFormat: 'p95',
          unit: 's',
        },
        {
          title: 'Error Rate',
          expr: `sum(rate(http_requests_total{${sel}, status=~"5.."}[5m])) / sum(rate(http_requests_total{${sel}}[5m]))`,
          legendFormat: '5xx ratio',
          unit: 'percentunit',
        },
      ]
    : [];
  return [
    ...http,
    { title: 'Targets Up', expr: `sum(up{${sel}})`, legendFormat: 'up', unit: 'short' },
    { title: 'CPU Usage', expr: `sum by (pod) (rate(container_cpu_usage_seconds_total{${pods}}[5m]))`, unit: 'short' },
    { title: 'Memory Working Set', expr: `sum by (pod) (container_memory_working_set_bytes{${pods}})`, unit: 'bytes' },
  ];
}

/** Dashboard file name (key of the dashboards ConfigMap) of a workload. */
export function dashboardFile(t: MonitoredTarget): string {
  return `${t.namespace}-${t.name}.json`;
}

/** Every dashboard of the environment, keyed by file name. `extra` panels were checked against the registry. */
export function renderDashboards(targets: readonly MonitoredTarget[], extra: ReadonlyMap<MonitoredTarget, readonly DashboardPanel[]>): Record<string, string> {
  const out: Record<string, string> = {
    'platform-overview.json': JSON.stringify(dashboard('platform-overview', 'Application Services Overview', ['platform'], OVERVIEW_PANELS), null, 2),
  };
  for (const t of targets) {
    if (t.kind === 'platform') continue;
    const list = [...servicePanels(t), ...(extra.get(t) ?? [])];
    // Grafana uids are at most 40 characters; longer ones keep a hash so two long names cannot collide.
    const full = `${t.namespace}-${t.name}`;
    const uid = full.length <= 40 ? full : `${full.slice(0, 31)}-${checksum(full).slice(0, 8)}`;
    out[dashboardFile(t)] = JSON.stringify(dashboard(uid, `${t.namespace} / ${t.name}`, [t.kind, t.namespace], list), null, 2);
  }
  return out;
}

/**
 * Every dashboard of the environment for the registered `targets`, with the extra panels of `serviceDashboards`;
 * extra panels for a workload that is not registered, or whose name is ambiguous, are an error.
 */
export function dashboardsFor(scope: IConstruct, targets: readonly MonitoredTarget[], serviceDashboards: readonly ServiceDashboard[]): Record<string, string> {
  const extra = new Map<MonitoredTarget, DashboardPanel[]>();
  serviceDashboards.forEach((d, i) => {
    const matches = targets.filter((t) => t.kind !== 'platform' && t.name === d.service && (d.namespace === undefined || t.namespace === d.namespace));
    const known =
      targets
        .filter((t) => t.kind !== 'platform')
        .map((t) => `${t.namespace}/${t.name}`)
        .join(', ') || 'none';
    const ref = d.namespace === undefined ? d.service : `${d.namespace}/${d.service}`;
    const [match, another] = matches;
    if (!match) fail(scope, `serviceDashboards[${i}].service`, ref, `no registered service or datastore has that name; registered: ${known}`);
    if (another)
      fail(
        scope,
        `serviceDashboards[${i}].namespace`,
        undefined,
        `"${d.service}" exists in several namespaces (${matches.map((t) => t.namespace).join(', ')}); say which`,
      );
    extra.set(match, [...(extra.get(match) ?? []), ...d.panels]);
  });
  return renderDashboards(targets, extra);
}
