/**
 * Backends named in the configuration files pods mount: Fluent Bit outputs (and its Kubernetes filter's API
 * server), OpenTelemetry Collector (and Jaeger v2) exporters, Grafana datasources, Alertmanager receivers, and the
 * object store of Elasticsearch snapshots.
 */
import { PodEndpoint } from '../model';
import { MountedFile, Needs, mountedFiles, parseAddress, parsedConfigText } from './common';
import { DocObject, DocValue } from '../../../core/documents';

function obj(v: unknown): DocObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as DocObject) : {};
}

function arr(v: unknown): DocValue[] {
  return Array.isArray(v) ? v : [];
}

function loadYaml(text: string): DocObject | undefined {
  const v = parsedConfigText(text);
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as DocObject) : undefined;
}

/** Default ports of Fluent Bit outputs that take `Host` and `Port`. */
const FLUENT_BIT_PORTS: Readonly<Record<string, number>> = {
  es: 9200,
  elasticsearch: 9200,
  opensearch: 9200,
  forward: 24224,
  http: 80,
  loki: 3100,
  splunk: 8088,
  opentelemetry: 80,
  syslog: 514,
  tcp: 5170,
  gelf: 12201,
  influxdb: 8086,
  datadog: 443,
};

/** The sections of a classic-format Fluent Bit file: `[NAME]` followed by `Key Value` lines. */
function fluentBitSections(text: string): { section: string; entries: Map<string, string> }[] {
  const out: { section: string; entries: Map<string, string> }[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    const section = /^\[([A-Za-z_]+)\]$/.exec(t)?.[1];
    if (section !== undefined) {
      out.push({ section: section.toUpperCase(), entries: new Map() });
      continue;
    }
    const [, key, value] = /^(\S+)\s+(.*)$/.exec(t) ?? [];
    const current = out.at(-1);
    if (key !== undefined && value !== undefined && current) current.entries.set(key.toLowerCase(), value.trim());
  }
  return out;
}

function fluentBitNeeds(needs: Needs, pod: PodEndpoint, file: MountedFile): void {
  for (const { section, entries } of fluentBitSections(file.text)) {
    const name = (entries.get('name') ?? '').toLowerCase();
    if (section === 'OUTPUT') {
      const origin = `${file.label} [OUTPUT] ${name}`;
      if (name === 'kafka') {
        for (const b of (entries.get('brokers') ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== ''))
          needs.toUrl(pod, b, origin);
        continue;
      }
      const host = entries.get('host');
      if (host === undefined || FLUENT_BIT_PORTS[name] === undefined) continue;
      const tls = /^(on|true|yes)$/i.test(entries.get('tls') ?? '');
      const port =
        entries.get('port') !== undefined ? Number(entries.get('port')) : (name === 'http' || name === 'opentelemetry') && tls ? 443 : FLUENT_BIT_PORTS[name];
      needs.toAddress(pod, host, Number.isInteger(port) ? port : undefined, origin);
    } else if (section === 'FILTER' && name === 'kubernetes') {
      needs.toUrl(pod, entries.get('kube_url') ?? 'https://kubernetes.default.svc:443', `${file.label} [FILTER] kubernetes`);
    }
  }
}

function fluentBitYamlNeeds(needs: Needs, pod: PodEndpoint, file: MountedFile, config: DocObject): void {
  for (const o of arr(obj(config.pipeline).outputs)) {
    const out = obj(o);
    const name = String(out.name ?? '').toLowerCase();
    if (typeof out.host !== 'string' || FLUENT_BIT_PORTS[name] === undefined) continue;
    needs.toAddress(pod, out.host, out.port !== undefined ? Number(out.port) : FLUENT_BIT_PORTS[name], `${file.label} pipeline.outputs ${name}`);
  }
  for (const f of arr(obj(config.pipeline).filters)) {
    if (String(obj(f).name ?? '').toLowerCase() === 'kubernetes')
      needs.toUrl(pod, String(obj(f).kube_url ?? 'https://kubernetes.default.svc:443'), `${file.label} pipeline.filters kubernetes`);
  }
}

/** Exporters of an OpenTelemetry Collector (or Jaeger v2) configuration that a pipeline uses. */
function collectorNeeds(needs: Needs, pod: PodEndpoint, file: MountedFile, config: DocObject): void {
  const used = new Set<string>();
  for (const p of Object.values(obj(obj(config.service).pipelines))) for (const e of arr(obj(p).exporters)) used.add(String(e));
  for (const [id, raw] of Object.entries(obj(config.exporters)).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!used.has(id)) continue;
    const e = obj(raw);
    const type = id.split('/')[0];
    const origin = `${file.label} exporter ${id}`;
    const endpoints: string[] = [];
    if (typeof e.endpoint === 'string') endpoints.push(e.endpoint);
    for (const k of ['traces_endpoint', 'metrics_endpoint', 'logs_endpoint']) if (typeof e[k] === 'string') endpoints.push(e[k]);
    for (const x of arr(e.endpoints)) if (typeof x === 'string') endpoints.push(x);
    for (const x of arr(e.brokers)) if (typeof x === 'string') endpoints.push(x);
    const insecure = obj(e.tls).insecure === true;
    for (const ep of endpoints) {
      const a = parseAddress(ep, type === 'otlp' ? (insecure ? 'http' : 'https') : undefined);
      if (!a) {
        needs.world.unresolved.push({ from: `${pod.namespace}/${pod.name}`, address: ep, origin, reason: 'not a URL or host:port' });
        continue;
      }
      needs.toAddress(pod, a.host, a.port ?? (type === 'otlp' ? 4317 : undefined), origin, a.scheme);
    }
  }
}

/** Grafana datasources (server-side access): Grafana queries each URL. */
function grafanaNeeds(needs: Needs, pod: PodEndpoint, file: MountedFile, config: DocObject): void {
  for (const d of arr(config.datasources)) {
    const ds = obj(d);
    if (typeof ds.url !== 'string' || ds.access === 'direct') continue;
    needs.toUrl(pod, ds.url, `${file.label} datasource ${String(ds.name ?? ds.uid ?? '?')}`);
  }
}

/** Where Alertmanager delivers notifications (SMTP smarthosts, webhooks, chat and paging services). */
function alertmanagerNeeds(needs: Needs, pod: PodEndpoint, file: MountedFile, config: DocObject): void {
  const global = obj(config.global);
  const defaults: Record<string, string> = {
    slack_configs: String(global.slack_api_url ?? 'https://hooks.slack.com/'),
    pagerduty_configs: String(global.pagerduty_url ?? 'https://events.pagerduty.com/v2/enqueue'),
    opsgenie_configs: String(global.opsgenie_api_url ?? 'https://api.opsgenie.com/'),
    victorops_configs: String(global.victorops_api_url ?? 'https://alert.victorops.com/integrations/generic/20131114/alert/'),
    telegram_configs: String(global.telegram_api_url ?? 'https://api.telegram.org'),
    webex_configs: String(global.webex_api_url ?? 'https://webexapis.com/v1/messages'),
  };
  const urlKeys = ['url', 'api_url', 'webhook_url'];
  for (const r of arr(config.receivers)) {
    const receiver = obj(r);
    const origin = `${file.label} receiver ${String(receiver.name ?? '?')}`;
    for (const [key, list] of Object.entries(receiver)) {
      if (!key.endsWith('_configs')) continue;
      for (const c of arr(list)) {
        const entry = obj(c);
        if (key === 'email_configs') {
          const smarthost = entry.smarthost ?? global.smtp_smarthost;
          if (typeof smarthost === 'string') needs.toUrl(pod, smarthost, origin);
          continue;
        }
        const url = urlKeys.map((k) => entry[k]).find((v) => typeof v === 'string') ?? defaults[key];
        if (typeof url === 'string') needs.toUrl(pod, url, origin);
      }
    }
  }
}

/** Elasticsearch's S3 repository client endpoints (`s3.client.<name>.endpoint`): snapshots go there from every node. */
function elasticsearchNeeds(needs: Needs, pod: PodEndpoint, file: MountedFile, config: DocObject): void {
  const flat = new Map<string, unknown>();
  const walk = (o: DocObject, prefix: string) => {
    for (const [k, v] of Object.entries(o)) {
      const key = prefix ? `${prefix}.${k}` : k;
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) walk(v, key);
      else flat.set(key, v);
    }
  };
  walk(config, '');
  for (const [k, v] of flat) {
    const m = /^s3\.client\.([^.]+)\.endpoint$/.exec(k);
    if (!m || typeof v !== 'string') continue;
    const protocol = String(flat.get(`s3.client.${m[1]}.protocol`) ?? 'https');
    const a = parseAddress(v, protocol);
    if (a) needs.toAddress(pod, a.host, a.port, `${file.label} ${k}`, a.scheme);
  }
}

/** Every configuration file of every pod of dist/, recognised by its content. */
export function configNeeds(needs: Needs): void {
  for (const pod of needs.world.pods) {
    if (!pod.pod) continue;
    for (const file of mountedFiles(needs.world, pod)) {
      if ((file.text.includes('[OUTPUT]') || file.text.includes('[FILTER]')) && /^\s*\[(OUTPUT|FILTER)\]/m.test(file.text)) {
        fluentBitNeeds(needs, pod, file);
        continue;
      }
      if (!/\.(ya?ml)$/.test(file.key)) continue;
      const interesting = file.key === 'elasticsearch.yml' || /^(exporters|datasources|receivers|pipeline):/m.test(file.text);
      if (!interesting) continue;
      const config = loadYaml(file.text);
      if (!config) continue;
      if (file.key === 'elasticsearch.yml') elasticsearchNeeds(needs, pod, file, config);
      else if (config.exporters !== undefined && config.service !== undefined) collectorNeeds(needs, pod, file, config);
      else if (Array.isArray(config.datasources)) grafanaNeeds(needs, pod, file, config);
      else if (Array.isArray(config.receivers) && config.route !== undefined) alertmanagerNeeds(needs, pod, file, config);
      else if (config.pipeline !== undefined) fluentBitYamlNeeds(needs, pod, file, config);
    }
  }
}
