/**
 * Every Prometheus expression in the emitted output parses, before anything is written: PromQL in
 * PrometheusRules, rule-file ConfigMaps, Argo Rollouts AnalysisTemplates and Grafana dashboards (with
 * `@prometheus-io/lezer-promql`, the parser of Prometheus' own UI); alert label and annotation templates have
 * balanced `{{ }}` actions; label and annotation names follow Prometheus' rules. A broken expression would
 * otherwise be found by promtool in CI at best, by Prometheus at runtime at worst.
 */
import { parser } from '@prometheus-io/lezer-promql';
import { CORE_SCHEMA, load as loadYaml } from 'js-yaml';
import { InputProblem } from '../tenancy/plan';
import { CheckResult, EnvironmentOutput, SynthPlugin } from '../synth/synthesizer';
import { DocObject, DocValue } from '../core/documents';

/** Prometheus label names (and rule label/annotation keys). */
export const PROMETHEUS_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Prometheus metric names (recording rule names). */
export const PROMETHEUS_METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** Label on ConfigMaps holding Prometheus rule files (set by the observability stack). */
const MONITORING_CONFIG_LABEL = 'platform.io/monitoring-config';

/** `…before⟨here⟩after…` around offset `at` of `text`, for messages. */
function around(text: string, at: number): string {
  const before = text.slice(Math.max(0, at - 20), at);
  const after = text.slice(at, at + 20);
  return `${at > 20 ? '…' : ''}${before}⟨here⟩${after}${at + 20 < text.length ? '…' : ''}`;
}

/**
 * The first syntax error of a PromQL expression, as `syntax error at column N (…context…)`; undefined when it
 * parses. Column is 1-based.
 */
export function promqlSyntaxError(expr: string): string | undefined {
  // Environments repeat the same rules and dashboards: parse each distinct expression once per process.
  if (SYNTAX_CACHE.has(expr)) return SYNTAX_CACHE.get(expr);
  const result = syntaxError(expr);
  if (SYNTAX_CACHE.size >= MAX_CACHED) SYNTAX_CACHE.clear();
  SYNTAX_CACHE.set(expr, result);
  return result;
}

const SYNTAX_CACHE = new Map<string, string | undefined>();
const MAX_CACHED = 20_000;

function syntaxError(expr: string): string | undefined {
  if (expr.trim() === '') return 'is empty';
  let first: number | undefined;
  parser.parse(expr).iterate({
    enter: (n) => {
      if (first === undefined && n.type.isError) first = n.from;
      return first === undefined;
    },
  });
  return first === undefined ? undefined : `syntax error at column ${first + 1} (${around(expr, first)})`;
}

/**
 * Checks one PromQL expression a construct received; `field` names the prop in the message. Returns the
 * problem, for `fail(scope, p.field, p.value, p.allowed)`, or undefined when it parses.
 */
export function parsePromQL(expr: string, field: string): InputProblem | undefined {
  const error = typeof expr === 'string' ? promqlSyntaxError(expr) : 'is not a string';
  return error === undefined ? undefined : { field, value: expr, allowed: `must be valid PromQL: ${error}` };
}

/**
 * The first unbalanced `{{ }}` action of a Go template (alert labels and annotations), or undefined. Quoted
 * strings inside an action may hold braces.
 */
export function templateProblem(text: string): string | undefined {
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('{{', i);
    const stray = text.indexOf('}}', i);
    if (stray >= 0 && (open < 0 || stray < open)) return `"}}" at column ${stray + 1} closes no "{{" action (${around(text, stray)})`;
    if (open < 0) return undefined;
    let j = open + 2;
    let closed = -1;
    while (j < text.length) {
      const c = text[j];
      if (c === '"' || c === '`' || c === "'") {
        const end = c === '"' ? findQuoteEnd(text, j) : text.indexOf(c, j + 1);
        if (end < 0) return `the string opened at column ${j + 1} inside the action opened at column ${open + 1} is not closed (${around(text, j)})`;
        j = end + 1;
        continue;
      }
      if (text.startsWith('}}', j)) {
        closed = j;
        break;
      }
      if (text.startsWith('{{', j)) return `the action opened at column ${open + 1} is not closed before the next "{{" at column ${j + 1} (${around(text, j)})`;
      j++;
    }
    if (closed < 0) return `the action opened at column ${open + 1} is not closed with "}}" (${around(text, open)})`;
    i = closed + 2;
  }
  return undefined;
}

function findQuoteEnd(text: string, start: number): number {
  for (let k = start + 1; k < text.length; k++) {
    if (text[k] === '\\') k++;
    else if (text[k] === '"') return k;
  }
  return -1;
}

/** Grafana's template variables in a query, replaced by something PromQL accepts where they stand. */
function withoutGrafanaVariables(expr: string): string {
  return expr.replace(/\$\{[^}]+\}|\$__\w+|\$\w+|\[\[\w+\]\]/g, (_match: string, offset: number) => {
    const before = expr.slice(0, offset).trimEnd();
    return before.endsWith('[') || before.endsWith(':') ? '5m' : 'grafana_variable';
  });
}

/** Argo Rollouts' `{{args.x}}` placeholders, replaced by a neutral word (they are substituted before the query runs). */
function withoutAnalysisArgs(expr: string): string {
  return expr.replace(/\{\{[^}]*\}\}/g, 'analysis_arg');
}

/** An expression problem of one document: the field and what is wrong with it. */
export interface ExpressionFinding {
  readonly field: string;
  readonly message: string;
}
type Finding = ExpressionFinding;

function obj(v: unknown): DocObject | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as DocObject) : undefined;
}

function arr(v: unknown): DocValue[] {
  return Array.isArray(v) ? v : [];
}

/** Problems of Prometheus rule groups (`groups: [{ name, rules: [...] }]`) found at `base`. */
function ruleGroupFindings(base: string, groups: unknown): Finding[] {
  const out: Finding[] = [];
  arr(groups).forEach((g, gi) => {
    const group = obj(g) ?? {};
    arr(group.rules).forEach((r, ri) => {
      const rule = obj(r) ?? {};
      const field = `${base}.groups[${gi}].rules[${ri}]`;
      const name = rule.alert !== undefined ? `alert ${JSON.stringify(String(rule.alert))}` : `record ${JSON.stringify(String(rule.record ?? ''))}`;
      const where = `group ${JSON.stringify(String(group.name ?? ''))} ${name}`;
      const add = (sub: string, message: string) => out.push({ field: `${field}.${sub}`, message: `${where}: ${message}` });
      const error = typeof rule.expr === 'string' ? promqlSyntaxError(rule.expr) : 'is missing';
      if (error !== undefined) add('expr', `PromQL ${error}`);
      if (rule.record !== undefined && !PROMETHEUS_METRIC_NAME.test(String(rule.record)))
        add('record', `${JSON.stringify(rule.record)} is not a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)`);
      for (const part of ['labels', 'annotations']) {
        for (const [k, v] of Object.entries(obj(rule[part]) ?? {})) {
          if (!PROMETHEUS_LABEL_NAME.test(k))
            add(`${part}.${k}`, `${JSON.stringify(k)} is not a valid ${part === 'labels' ? 'label' : 'annotation'} name ([a-zA-Z_][a-zA-Z0-9_]*)`);
          const t = typeof v === 'string' ? templateProblem(v) : undefined;
          if (t !== undefined) add(`${part}.${k}`, `template: ${t}`);
        }
      }
    });
  });
  return out;
}

/** Problems of the panels (and nested row panels) of a Grafana dashboard JSON. */
function dashboardFindings(base: string, dashboard: DocObject): Finding[] {
  const out: Finding[] = [];
  const visit = (panels: unknown, path: string) =>
    arr(panels).forEach((p, pi) => {
      const panel = obj(p) ?? {};
      const field = `${path}[${pi}]`;
      visit(panel.panels, `${field}.panels`);
      arr(panel.targets).forEach((t, ti) => {
        const target = obj(t) ?? {};
        const type = obj(target.datasource)?.type ?? obj(panel.datasource)?.type;
        if (typeof target.expr !== 'string' || (type !== undefined && type !== 'prometheus')) return;
        const error = promqlSyntaxError(withoutGrafanaVariables(target.expr));
        if (error !== undefined)
          out.push({ field: `${field}.targets[${ti}].expr`, message: `panel ${JSON.stringify(String(panel.title ?? ''))}: PromQL ${error}` });
      });
    });
  visit(dashboard.panels, `${base}.panels`);
  arr(dashboard.rows).forEach((r, ri) => visit(obj(r)?.panels, `${base}.rows[${ri}].panels`));
  return out;
}

/**
 * Every expression problem of one document. A pure function of the document: synth may run it beside schema
 * validation, on the worker thread, and hand the result to the check (see {@link precomputeExpressionFindings}).
 */
export function expressionFindings(o: DocObject): ExpressionFinding[] {
  const kind = String(o.kind ?? '');
  if (kind === 'PrometheusRule') return ruleGroupFindings('spec', o.spec?.groups);
  if (kind === 'AnalysisTemplate' || kind === 'ClusterAnalysisTemplate') {
    const out: Finding[] = [];
    arr(o.spec?.metrics).forEach((m, i) => {
      const query = obj(obj(obj(m)?.provider)?.prometheus)?.query;
      if (query === undefined) return;
      const error = typeof query === 'string' ? promqlSyntaxError(withoutAnalysisArgs(query)) : 'is not a string';
      if (error !== undefined)
        out.push({ field: `spec.metrics[${i}].provider.prometheus.query`, message: `metric ${JSON.stringify(String(m?.name ?? ''))}: PromQL ${error}` });
    });
    return out;
  }
  if (kind !== 'ConfigMap') return [];
  const out: Finding[] = [];
  const isRuleFiles = o.metadata?.labels?.[MONITORING_CONFIG_LABEL] === 'rules';
  for (const [key, value] of Object.entries(obj(o.data) ?? {})) {
    if (typeof value !== 'string') continue;
    const base = `data.${key}`;
    for (const f of configTextFindings(value, isRuleFiles)) out.push({ field: base + f.field, message: f.message });
  }
  return out;
}

/**
 * The findings of one ConfigMap value (a rule file or a dashboard), with fields relative to the value. Environments
 * repeat most rule files and dashboards word for word: each distinct text is parsed once per process.
 */
function configTextFindings(value: string, isRuleFiles: boolean): readonly Finding[] {
  const key = (isRuleFiles ? 'r' : 'c') + value;
  let found = TEXT_CACHE.get(key);
  if (found === undefined) {
    found = uncachedConfigTextFindings(value, isRuleFiles);
    if (TEXT_CACHE.size >= MAX_CACHED_TEXTS) TEXT_CACHE.clear();
    TEXT_CACHE.set(key, found);
  }
  return found;
}

const TEXT_CACHE = new Map<string, readonly Finding[]>();
const MAX_CACHED_TEXTS = 2_000;

function uncachedConfigTextFindings(value: string, isRuleFiles: boolean): readonly Finding[] {
  if (isRuleFiles || (/^\s*groups\s*:/m.test(value) && /\bexpr\s*:/.test(value))) {
    let parsed: unknown;
    try {
      // Text the library itself serialized (not an input file): the faster reader is enough.
      parsed = loadYaml(value, { schema: CORE_SCHEMA });
    } catch (e) {
      return [{ field: '', message: `the rule file is not valid YAML: ${(e as Error).message.split('\n')[0]}` }];
    }
    return ruleGroupFindings('', obj(parsed)?.groups);
  }
  if (value.trimStart().startsWith('{') && value.includes('"panels"')) {
    let dashboard: unknown;
    try {
      dashboard = JSON.parse(value);
    } catch {
      return []; // Not JSON after all: not a dashboard.
    }
    if (obj(dashboard)) return dashboardFindings('', dashboard as DocObject);
  }
  return [];
}

/** Findings computed elsewhere (by synth's worker) for a document object, read when the check runs. */
const PRECOMPUTED = new WeakMap<object, () => readonly ExpressionFinding[]>();

/**
 * Registers how to get the findings of `object` computed elsewhere, by {@link expressionFindings} on an equal copy
 * (synth's worker thread computes them while it validates the document). The check then uses them instead of
 * computing them again; a document without them is checked here.
 * @internal
 */
export function precomputeExpressionFindings(object: object, findings: () => readonly ExpressionFinding[]): void {
  PRECOMPUTED.set(object, findings);
}

/** Every expression problem of an environment, as `<id>: <field>: <message>` lines. */
export function expressionProblems(env: EnvironmentOutput): string[] {
  return env.documents.flatMap((doc) => (PRECOMPUTED.get(doc.object)?.() ?? expressionFindings(doc.object)).map((f) => `${doc.id}: ${f.field}: ${f.message}`));
}

/**
 * The expression check as a synth plugin. A broken expression fails synth in every environment: unlike a policy,
 * there is no environment where Prometheus or Grafana accepts it.
 */
export function expressionCheckPlugin(): SynthPlugin {
  return {
    name: 'expressions',
    // Synth's worker checks each document's expressions while the other checks run.
    checkLast: true,
    check(env): CheckResult {
      return { errors: expressionProblems(env), warnings: [] };
    },
  };
}
