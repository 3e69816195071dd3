#!/usr/bin/env bash
# Checks the monitoring configuration synthesized into dist/ with the real tools:
#   promtool check config   prometheus.yml (kubernetes_sd_configs replaced by static targets, see below)
#   promtool check rules    every rule file (standalone ConfigMaps and operator-mode PrometheusRules)
#   amtool check-config     alertmanager.yml
#   promtool test rules     the fixture series of test/fixtures/promtool bound to every HTTP error-rate and
#                           latency alert found: each must fire above its threshold and not at or below it
#                           (run once for environments whose rule files and cases are identical).
#
# Usage: scripts/check-monitoring.sh [DIR]     (DIR defaults to dist/; environments are its sub-folders)
#
# Debian's promtool is built without Kubernetes service discovery and rejects kubernetes_sd_configs, so those
# blocks are checked here for their shape (role and keys) and replaced by a static target; relabelling, rule
# files, alerting and everything else is still checked by promtool. Exits non-zero on any failure; it never
# skips silently: missing tools, no monitoring configuration, or no alert to test are failures.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${1:-$ROOT/dist}"
FIXTURES="${FIXTURES:-$ROOT/test/fixtures/promtool}"

for tool in promtool amtool node; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "check-monitoring: $tool is not installed (apt-get install -y prometheus prometheus-alertmanager); failing instead of skipping" >&2
    exit 2
  fi
done
if [ ! -d "$DIR" ]; then
  echo "check-monitoring: $DIR does not exist" >&2
  exit 2
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# Extraction: writes $WORK/<env>/{prometheus.yml,alertmanager.yml,rules/*.yml,tests/*.test.yml} and a manifest
# of what to run. Uses the repository's js-yaml.
NODE_PATH="$ROOT/node_modules" node - "$DIR" "$WORK" "$FIXTURES" <<'JS'
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const yaml = require('js-yaml');
const [dir, work, fixturesDir] = process.argv.slice(2);
const errors = [];
const SD_ROLES = new Set(['node', 'pod', 'service', 'endpoints', 'endpointslice', 'ingress']);
const SD_KEYS = new Set(['role', 'namespaces', 'selectors', 'api_server', 'kubeconfig_file', 'attach_metadata', 'follow_redirects', 'enable_http2', 'tls_config', 'authorization', 'basic_auth', 'oauth2', 'proxy_url']);
const NS_KEYS = new Set(['names', 'own_namespace']);

function walk(d) {
  return fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(d, e.name);
    return e.isDirectory() ? walk(p) : /\.ya?ml$/.test(e.name) ? [p] : [];
  });
}

const envs = new Map();
const env = (name) => {
  if (!envs.has(name)) envs.set(name, { prometheus: [], alertmanager: [], rules: {} });
  return envs.get(name);
};
for (const file of walk(dir)) {
  const rel = path.relative(dir, file);
  const envName = rel.split(path.sep).length > 1 ? rel.split(path.sep)[0] : '_root';
  let docs;
  try { docs = yaml.loadAll(fs.readFileSync(file, 'utf8')); } catch (e) { errors.push(`${rel}: not YAML: ${e.message}`); continue; }
  for (const d of docs) {
    if (!d || typeof d !== 'object') continue;
    const role = d.kind === 'ConfigMap' ? d.metadata?.labels?.['platform.io/monitoring-config'] : undefined;
    const id = `${rel} (${d.metadata?.namespace}/${d.metadata?.name})`;
    if (role === 'prometheus') env(envName).prometheus.push({ id, text: d.data?.['prometheus.yml'] });
    else if (role === 'alertmanager') env(envName).alertmanager.push({ id, text: d.data?.['alertmanager.yml'] });
    else if (role === 'rules') for (const [k, v] of Object.entries(d.data ?? {})) env(envName).rules[k] = v;
    else if (d.kind === 'PrometheusRule' && d.apiVersion?.startsWith('monitoring.coreos.com/')) {
      env(envName).rules[`${d.metadata.namespace}.${d.metadata.name}.prometheusrule.yml`] = yaml.dump({ groups: d.spec?.groups ?? [] }, { lineWidth: -1 });
    }
  }
}

// Fixture binding: HTTP alerts are recognised by what they measure, so any construct's alerts are tested.
const fixture = yaml.load(fs.readFileSync(path.join(fixturesDir, 'http-alerts.fixture.yml'), 'utf8'));
const isErrorRate = (r) => r.alert && /http_requests_total/.test(r.expr) && /5\.\./.test(r.expr) && !/ratio_rate/.test(r.expr);
const isLatency = (r) => r.alert && /histogram_quantile\(\s*0\.95/.test(r.expr) && /http_request_duration_seconds_bucket/.test(r.expr);
function threshold(r) {
  const m = />\s*([0-9.eE+-]+)\s*$/.exec(String(r.expr).trim());
  return m ? Number(m[1]) : undefined;
}
function expand(text, labels, where) {
  const out = String(text).replace(/\{\{\s*\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (_, k) => labels[k] ?? '');
  if (out.includes('{{')) errors.push(`${where}: annotation "${text}" uses a template the fixture cannot predict; use only {{ $labels.<name> }}`);
  return out;
}
const num = (x) => Number(x.toPrecision(12));
function testsFor(r, file) {
  const labels = r.labels ?? {};
  const where = `${file}: ${r.alert}`;
  const t = threshold(r);
  if (t === undefined || !(t > 0)) { errors.push(`${where}: cannot read the threshold from "${r.expr}"`); return []; }
  if (!labels.namespace || !labels.service) { errors.push(`${where}: needs namespace and service labels to bind the fixture series`); return []; }
  const sel = (extra) => `{namespace="${labels.namespace}", service="${labels.service}"${extra}}`;
  const exp = { exp_labels: { ...labels, alertname: r.alert }, exp_annotations: Object.fromEntries(Object.entries(r.annotations ?? {}).map(([k, v]) => [k, expand(v, labels, where)])) };
  const n = fixture.seriesMinutes;
  const cases = isErrorRate(r)
    ? fixture.errorRate.map((c) => {
      const errs = num(1000 * t * c.ratio);
      return { c, series: [
        { series: `http_requests_total${sel(', status="500"')}`, values: `0+${errs}x${n}` },
        { series: `http_requests_total${sel(', status="200"')}`, values: `0+${num(1000 - errs)}x${n}` },
      ] };
    })
    : fixture.latency.map((c) => ({ c, series: [
      [num(t / 2), c.fastShare], [num(t), c.atThresholdShare], [num(2 * t), 1], ['+Inf', 1],
    ].map(([le, share]) => ({ series: `http_request_duration_seconds_bucket${sel(`, le="${le}"`)}`, values: `0+${num(1000 * share)}x${n}` })) }));
  return cases.map(({ c, series }) => ({
    name: `${r.alert} ${labels.namespace}/${labels.service}: ${c.name}`,
    interval: fixture.evaluationInterval,
    input_series: series,
    alert_rule_test: [{ eval_time: fixture.evalTime, alertname: r.alert, exp_alerts: c.fires ? [exp] : [] }],
  }));
}

const manifest = { envs: [], errorRateAlerts: 0, latencyAlerts: 0 };
fs.mkdirSync(path.join(work, 'sa'), { recursive: true });
fs.writeFileSync(path.join(work, 'sa', 'token'), 'placeholder\n');
fs.writeFileSync(path.join(work, 'sa', 'ca.crt'), 'placeholder\n');
for (const [name, e] of [...envs].sort(([a], [b]) => a.localeCompare(b))) {
  const out = path.join(work, name);
  const rulesDir = path.join(out, 'rules');
  fs.mkdirSync(rulesDir, { recursive: true });
  const entry = { name, dir: out, prometheus: false, alertmanager: false, rules: 0, tests: 0 };
  if (e.prometheus.length > 1) errors.push(`${name}: ${e.prometheus.length} Prometheus configurations (${e.prometheus.map((p) => p.id).join(', ')})`);
  if (e.prometheus.length === 1) {
    const cfg = yaml.load(e.prometheus[0].text);
    for (const job of cfg.scrape_configs ?? []) {
      const sd = job.kubernetes_sd_configs;
      if (!sd) continue;
      sd.forEach((s, i) => {
        const where = `${e.prometheus[0].id}: job ${job.job_name}: kubernetes_sd_configs[${i}]`;
        if (!SD_ROLES.has(s.role)) errors.push(`${where}: role "${s.role}" is not one of ${[...SD_ROLES].join(', ')}`);
        for (const k of Object.keys(s)) if (!SD_KEYS.has(k)) errors.push(`${where}: unknown key "${k}"`);
        if (s.namespaces) {
          for (const k of Object.keys(s.namespaces)) if (!NS_KEYS.has(k)) errors.push(`${where}.namespaces: unknown key "${k}"`);
          if (s.namespaces.names && !(Array.isArray(s.namespaces.names) && s.namespaces.names.every((n) => typeof n === 'string' && n))) errors.push(`${where}.namespaces.names: must be a list of names`);
        }
      });
      delete job.kubernetes_sd_configs;
      job.static_configs = [{ targets: ['sd-replaced.invalid:80'] }];
    }
    // File references point at the pod's paths; give promtool readable stand-ins.
    const json = JSON.stringify(cfg)
      .replaceAll('/var/run/secrets/kubernetes.io/serviceaccount/', `${path.join(work, 'sa')}/`);
    const rewritten = JSON.parse(json);
    rewritten.rule_files = [path.join(rulesDir, '*.yml')];
    fs.writeFileSync(path.join(out, 'prometheus.yml'), yaml.dump(rewritten, { lineWidth: -1 }));
    entry.prometheus = true;
  }
  if (e.alertmanager.length > 1) errors.push(`${name}: ${e.alertmanager.length} Alertmanager configurations`);
  if (e.alertmanager.length === 1) {
    fs.writeFileSync(path.join(out, 'alertmanager.yml'), e.alertmanager[0].text);
    entry.alertmanager = true;
  }
  const tests = [];
  for (const [file, text] of Object.entries(e.rules).sort(([a], [b]) => a.localeCompare(b))) {
    fs.writeFileSync(path.join(rulesDir, file), text);
    entry.rules++;
    let doc;
    try { doc = yaml.load(text); } catch (err) { continue; } // promtool check rules reports it
    for (const g of doc?.groups ?? []) for (const r of g.rules ?? []) {
      if (!isErrorRate(r) && !isLatency(r)) continue;
      if (isErrorRate(r)) manifest.errorRateAlerts++; else manifest.latencyAlerts++;
      const cases = testsFor(r, `${name}/${file}`);
      if (cases.length > 0) tests.push({ file, cases });
    }
  }
  tests.forEach(({ file, cases }, i) => {
    const testsDir = path.join(out, 'tests');
    fs.mkdirSync(testsDir, { recursive: true });
    fs.writeFileSync(path.join(testsDir, `${String(i).padStart(3, '0')}.test.yml`), yaml.dump({
      rule_files: [path.join(rulesDir, file)],
      evaluation_interval: fixture.evaluationInterval,
      tests: cases,
    }, { lineWidth: -1 }));
    entry.tests++;
  });
  // Everything `promtool test rules` reads for this environment except the folder it is in: the text of each rule
  // file under test and its cases. Environments with the same key get the same result, so the tests run once.
  if (tests.length > 0) {
    const key = crypto.createHash('sha256')
      .update(JSON.stringify(tests.map(({ file, cases }) => [e.rules[file], fixture.evaluationInterval, cases])))
      .digest('hex');
    fs.writeFileSync(path.join(out, 'tests.key'), `${key}\n`);
  }
  if (entry.rules > 0 && !entry.prometheus && !Object.keys(e.rules).some((f) => f.endsWith('.prometheusrule.yml'))) {
    errors.push(`${name}: rule files without a Prometheus configuration`);
  }
  manifest.envs.push(entry);
}
if (!manifest.envs.some((x) => x.prometheus || x.alertmanager || x.rules > 0)) errors.push(`${dir}: no monitoring configuration found (ConfigMaps labelled platform.io/monitoring-config or PrometheusRules)`);
if (manifest.errorRateAlerts === 0) errors.push(`${dir}: no HTTP error-rate alert found to test`);
if (manifest.latencyAlerts === 0) errors.push(`${dir}: no HTTP latency alert found to test`);
fs.writeFileSync(path.join(work, 'manifest.json'), JSON.stringify(manifest));
if (errors.length > 0) {
  console.error(errors.map((e) => `check-monitoring: ${e}`).join('\n'));
  process.exit(1);
}
JS

status=0
ok=true
run() {
  local what="$1"; shift
  local out
  if out="$("$@" 2>&1)"; then
    echo "ok    $what"
    ok=true
  else
    echo "FAIL  $what"
    echo "$out" | sed 's/^/      /'
    status=1
    ok=false
  fi
}

# Rule tests already run, by key (tests.key, written above): the environment that ran them and whether they passed.
declare -A tested_in=() tested_ok=()

for envdir in "$WORK"/*/; do
  env="$(basename "$envdir")"
  [ "$env" = "sa" ] && continue
  if [ -f "$envdir/prometheus.yml" ]; then
    run "$env: promtool check config" promtool check config "$envdir/prometheus.yml"
  fi
  shopt -s nullglob
  rules=("$envdir"/rules/*.yml)
  if [ "${#rules[@]}" -gt 0 ]; then
    run "$env: promtool check rules (${#rules[@]} files)" promtool check rules "${rules[@]}"
  fi
  if [ -f "$envdir/alertmanager.yml" ]; then
    run "$env: amtool check-config" amtool check-config "$envdir/alertmanager.yml"
  fi
  tests=("$envdir"/tests/*.test.yml)
  if [ "${#tests[@]}" -gt 0 ]; then
    key="$(cat "$envdir/tests.key")"
    what="$env: promtool test rules (${#tests[@]} files)"
    if [ -n "${tested_in[$key]+set}" ]; then
      # The same rule files and cases as an environment tested above: promtool would give the same result.
      if [ "${tested_ok[$key]}" = true ]; then
        echo "ok    $what: the same tests as ${tested_in[$key]}, which passed"
      else
        echo "FAIL  $what: the same tests as ${tested_in[$key]}, which failed above"
        status=1
      fi
    else
      run "$what" promtool test rules "${tests[@]}"
      tested_in[$key]="$env"
      tested_ok[$key]="$ok"
    fi
  fi
  shopt -u nullglob
done

if [ "$status" -ne 0 ]; then
  echo "check-monitoring: FAILED" >&2
fi
exit "$status"
