import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EnvironmentChart, MonitoringMode, synthesize } from '../../src';
import { microserviceAlertRules } from '../../src/microservice/promql';
import { development, production } from '../helpers';
import { fullStack, registerDatastore, registerService } from './helpers';

const ROOT = path.resolve(__dirname, '..', '..');
const SCRIPT = path.join(ROOT, 'scripts', 'check-monitoring.sh');
const haveTools = spawnSync('sh', ['-c', 'command -v promtool && command -v amtool']).status === 0;

function check(dir: string, env: Record<string, string> = {}) {
  const r = spawnSync('bash', [SCRIPT, dir], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

/** Synthesizes a small platform (one HTTP service with the platform's alerts, one with its own, a datastore). */
function synthPlatform(outdir: string): void {
  const app = new App({ outdir });
  for (const profile of [
    development,
    production,
    { ...development, name: 'operator', monitoring: { ...development.monitoring, mode: MonitoringMode.operator() } },
  ]) {
    const chart = new EnvironmentChart(app, { profile });
    fullStack(chart);
    registerService(chart, 'api-gateway');
    registerService(chart, 'billing', 'payments', {
      team: 'payments',
      rules: microserviceAlertRules({
        namespace: 'payments',
        service: 'billing',
        team: 'payments',
        httpMetrics: true,
        rollout: false,
        maxErrorRate: 0.05,
        maxP95LatencySeconds: 0.3,
        runbookBaseUrl: 'https://runbooks.example.com/microservice',
      }),
    });
    registerDatastore(chart, 'orders-db');
  }
  synthesize(app, { outdir, warn: () => undefined });
}

// `npm test` installs the tools first when it can (scripts/ensure-monitoring-tools.sh); these checks never skip.
test('promtool and amtool are installed (the monitoring checks need the real tools)', () => {
  expect(haveTools, 'install them: apt-get install -y prometheus prometheus-alertmanager').toBe(true);
});

describe('scripts/check-monitoring.sh (promtool, amtool)', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obs-dist-'));
    synthPlatform(path.join(dir, 'dist'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('GIVEN a synthesized platform WHEN checked THEN config, rules, alertmanager and rule unit tests pass', () => {
    const r = check(path.join(dir, 'dist'));
    expect(r.out).toContain('ok    production: promtool check config');
    expect(r.out).toContain('ok    production: amtool check-config');
    expect(r.out).toMatch(/ok {4}production: promtool check rules \(\d+ files\)/);
    expect(r.out).toMatch(/ok {4}production: promtool test rules \(4 files\)/);
    expect(r.out).toMatch(/ok {4}operator: promtool test rules \(4 files\)/);
    expect(r.status, r.out).toBe(0);
  });

  test('GIVEN a fixture expecting an alert below its threshold WHEN checked THEN promtool test rules fails', () => {
    const fixtures = fs.mkdtempSync(path.join(os.tmpdir(), 'obs-fixtures-'));
    const text = fs
      .readFileSync(path.join(ROOT, 'test/fixtures/promtool/http-alerts.fixture.yml'), 'utf8')
      .replace('ratio: 0.8\n    fires: false', 'ratio: 0.8\n    fires: true');
    fs.writeFileSync(path.join(fixtures, 'http-alerts.fixture.yml'), text);
    // One environment is enough to see the failure (the script checks each sub-folder the same way).
    const only = fs.mkdtempSync(path.join(os.tmpdir(), 'obs-production-'));
    fs.cpSync(path.join(dir, 'dist', 'production'), path.join(only, 'production'), { recursive: true });
    const r = check(only, { FIXTURES: fixtures });
    fs.rmSync(fixtures, { recursive: true, force: true });
    fs.rmSync(only, { recursive: true, force: true });
    expect(r.out).toContain('FAIL  production: promtool test rules');
    expect(r.status).toBe(1);
  });

  test('GIVEN a kubernetes_sd block of the wrong shape WHEN checked THEN the shape check fails (promtool cannot see it)', () => {
    const bad = fs.mkdtempSync(path.join(os.tmpdir(), 'obs-bad-'));
    fs.cpSync(path.join(dir, 'dist'), bad, { recursive: true });
    const file = path.join(bad, 'development', 'monitoring', 'configmap-prometheus-config.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('- role: node', '- role: nodes'));
    const r = check(bad);
    fs.rmSync(bad, { recursive: true, force: true });
    expect(r.out).toContain('job kubernetes-nodes: kubernetes_sd_configs[0]: role "nodes" is not one of node, pod, service, endpoints, endpointslice, ingress');
    expect(r.status).toBe(1);
  });

  test('GIVEN a folder without monitoring configuration WHEN checked THEN it fails instead of skipping', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'obs-empty-'));
    const r = check(empty);
    fs.rmSync(empty, { recursive: true, force: true });
    expect(r.out).toContain('no monitoring configuration found');
    expect(r.status).toBe(1);
  });
});

test('GIVEN the tools are missing from PATH WHEN checked THEN the script fails instead of skipping', () => {
  const r = spawnSync('/bin/bash', [SCRIPT, os.tmpdir()], { encoding: 'utf8', env: { ...process.env, PATH: '/nonexistent' } });
  expect(r.status).toBe(2);
  expect(r.stderr).toContain(
    'check-monitoring: promtool is not installed (apt-get install -y prometheus prometheus-alertmanager); failing instead of skipping',
  );
});
