/**
 * The real Prometheus and Alertmanager (Debian packages prometheus and prometheus-alertmanager) started on loopback
 * with the configuration, rule files and command-line flags synthesized into dist/<env>/monitoring, in every
 * environment that runs the standalone stack. Each must become ready; Prometheus must load every generated rule
 * group, evaluate every rule without error and send to every Alertmanager; the Alertmanagers must form their cluster,
 * load every receiver and route an alert as the generated routes say.
 *
 * What the harness changes, and only that: container paths become temporary directories, each replica listens on a
 * loopback address of its own instead of its pod IP (pod DNS names become those addresses), Debian's Prometheus has no
 * Kubernetes service discovery so `kubernetes_sd_configs` become an empty static target (as in
 * scripts/check-monitoring.sh), the ServiceAccount token and CA are stand-ins, rules are evaluated every second instead
 * of every scrape interval, and the receivers' secret files hold stand-in values.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { dump, load } from 'js-yaml';
import { afterAll, describe, expect, it, test } from 'vitest';
import { Processes, freePort, have, loopbackAddresses, waitFor } from '../real-software';

const dist = path.resolve(__dirname, '..', '..', 'dist');
const PROMETHEUS = 'prometheus';
const ALERTMANAGER = 'prometheus-alertmanager';
const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

function docsOf(dir: string): Record<string, any>[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => load(fs.readFileSync(path.join(dir, f), 'utf8')) as Record<string, any>);
}

/** Environments of dist/ running the standalone stack (operator mode has no prometheus.yml of ours). */
const ENVS = fs
  .readdirSync(dist)
  .filter((e) => docsOf(path.join(dist, e, 'monitoring')).some((d) => d.kind === 'ConfigMap' && d.metadata.name === 'prometheus-config'));

async function getJson(url: string): Promise<any> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.json();
}

/**
 * Alertmanager settles its cluster after ten gossip intervals without a change of peers, three times (about 6 s at
 * the default 200 ms). The test gossips faster so that it does not wait for that; the clustering itself is as
 * generated.
 */
const FAST_GOSSIP = ['--cluster.gossip-interval=20ms'];

async function ready(url: string): Promise<true | undefined> {
  try {
    return (await fetch(url)).status === 200 ? true : undefined;
  } catch {
    return undefined;
  }
}

test('prometheus and prometheus-alertmanager are installed (the monitoring tests need the real software)', () => {
  expect(
    [PROMETHEUS, ALERTMANAGER, 'openssl'].filter((t) => !have(t)),
    'install them: apt-get install -y prometheus prometheus-alertmanager openssl',
  ).toEqual([]);
});

test('the reference platform runs the standalone stack somewhere (the tests below are not empty)', () => {
  expect(ENVS.length).toBeGreaterThan(0);
});

// The environments run at once: most of each run is waiting (Prometheus discovers its Alertmanagers after ~5 s).
describe.concurrent.each(ENVS)('%s: Prometheus and Alertmanager from the generated files', (env) => {
  const procs = new Processes();
  let work: string;
  afterAll(async () => {
    await procs.stopAll();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('GIVEN the generated configuration WHEN the real binaries start THEN they become ready, load every rule and receiver, and route alerts as generated', async () => {
    const docs = docsOf(path.join(dist, env, 'monitoring'));
    const cm = (name: string) => docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === name)!.data as Record<string, string>;
    const sts = (name: string) => docs.find((d) => d.kind === 'StatefulSet' && d.metadata.name === name)!;
    work = fs.mkdtempSync(path.join(os.tmpdir(), `monitoring-${env}-`));

    // Stand-in ServiceAccount files: a token and a CA certificate Prometheus can parse.
    const sa = path.join(work, 'sa');
    fs.mkdirSync(sa);
    fs.writeFileSync(path.join(sa, 'token'), 'stand-in\n');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=stand-in',
        '-keyout',
        path.join(sa, 'ca.key'),
        '-out',
        path.join(sa, 'ca.crt'),
      ],
      { stdio: 'ignore' },
    );

    // --- Alertmanager: every replica of the StatefulSet, on its own address, clustering as generated -----------------
    const am = sts('alertmanager');
    const amReplicas: number = am.spec.replicas;
    const amIps = await loopbackAddresses(amReplicas, [9093, 9094]);
    const amHost = (i: number) => `alertmanager-${i}.alertmanager-cluster.monitoring.svc`;
    const amConfig = cm('alertmanager-config')['alertmanager.yml']!;
    const secretsDir = path.join(work, 'alertmanager-secrets');
    fs.mkdirSync(secretsDir);
    for (const [, file = ''] of amConfig.matchAll(/_file: \/etc\/alertmanager\/secrets\/(\S+)/g)) {
      // Slack's api_url_file must hold a URL; nothing is sent during the test (no alert reaches a receiver's wait).
      fs.writeFileSync(path.join(secretsDir, file), file.includes('url') ? 'http://127.0.0.1:9/stand-in\n' : 'stand-in\n');
    }
    const amArgs: string[] = am.spec.template.spec.containers[0].args;
    for (let i = 0; i < amReplicas; i++) {
      const dir = path.join(work, `alertmanager-${i}`);
      fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'alertmanager.yml'), amConfig.split('/etc/alertmanager/secrets/').join(`${secretsDir}/`));
      const args = amArgs.map((a) => {
        let x = a
          .replace('/etc/alertmanager/alertmanager.yml', path.join(dir, 'alertmanager.yml'))
          .replace(/^--storage\.path=\/alertmanager$/, `--storage.path=${path.join(dir, 'data')}`);
        x = x.replace('--cluster.listen-address=0.0.0.0:', `--cluster.listen-address=${amIps[i]!}:`);
        for (let j = 0; j < amReplicas; j++) x = x.replace(`${amHost(j)}:`, `${amIps[j]}:`);
        return x;
      });
      const clustered = !args.includes('--cluster.listen-address=');
      procs.start(`alertmanager-${i}`, ALERTMANAGER, [
        ...args,
        `--web.listen-address=${amIps[i]}:9093`,
        ...(clustered ? [`--cluster.advertise-address=${amIps[i]}:9094`, ...FAST_GOSSIP] : []),
      ]);
    }
    for (const ip of amIps)
      await waitFor(
        `Alertmanager ${ip} ready`,
        () => ready(`http://${ip}:9093/-/ready`),
        60_000,
        250,
        () => procs.logs(),
      );

    // --- Prometheus: one replica (the others are identical) with the generated flags, rules and Alertmanagers -----
    const prom = sts('prometheus');
    const etc = path.join(work, 'prometheus');
    const rulesDir = path.join(etc, 'rules');
    fs.mkdirSync(rulesDir, { recursive: true });
    const ruleFiles = cm('prometheus-rules');
    for (const [file, text] of Object.entries(ruleFiles)) fs.writeFileSync(path.join(rulesDir, file), text);
    const cfg = load(cm('prometheus-config')['prometheus.yml']!) as any;
    cfg.global.evaluation_interval = '1s';
    cfg.rule_files = cfg.rule_files.map((f: string) => f.replace('/etc/prometheus/rules', rulesDir));
    for (const a of cfg.alerting.alertmanagers) {
      for (const s of a.static_configs) s.targets = s.targets.map((t: string) => amIps[Number(/^alertmanager-(\d+)\./.exec(t)![1])] + ':9093');
    }
    const closed = await freePort();
    for (const job of cfg.scrape_configs) {
      if (job.kubernetes_sd_configs) {
        delete job.kubernetes_sd_configs;
        job.static_configs = [{ targets: [`127.0.0.1:${closed}`] }];
      }
    }
    fs.writeFileSync(path.join(etc, 'prometheus.yml'), dump(cfg, { lineWidth: -1 }).split(SA_DIR).join(sa));
    const promIp = (await loopbackAddresses(1, [9090]))[0];
    const promArgs = (prom.spec.template.spec.containers[0].args as string[]).map((a) =>
      a
        .replace('/etc/prometheus/prometheus.yml', path.join(etc, 'prometheus.yml'))
        .replace(/^--storage\.tsdb\.path=\/prometheus$/, `--storage.tsdb.path=${path.join(work, 'tsdb')}`),
    );
    procs.start('prometheus', PROMETHEUS, [...promArgs, `--web.listen-address=${promIp}:9090`]);
    const base = `http://${promIp}:9090`;
    await waitFor(
      'Prometheus ready',
      () => ready(`${base}/-/ready`),
      60_000,
      250,
      () => procs.logs(),
    );

    // Every generated group and rule is loaded, and every rule evaluates without error.
    const expected = Object.values(ruleFiles).flatMap((t) => (load(t) as any).groups as any[]);
    const rules = await waitFor(
      'every rule evaluated once',
      async () => {
        const groups = (await getJson(`${base}/api/v1/rules`)).data.groups as any[];
        const all = groups.flatMap((g) => g.rules as any[]);
        return groups.length === expected.length && all.every((r) => r.lastEvaluation && !r.lastEvaluation.startsWith('0001')) ? groups : undefined;
      },
      30_000,
      500,
      () => procs.logs(),
    );
    expect(rules.map((g: any) => g.name).sort()).toEqual(expected.map((g) => g.name).sort());
    expect(rules.flatMap((g: any) => g.rules).length).toBe(expected.flatMap((g) => g.rules).length);
    expect(
      rules
        .flatMap((g: any) => g.rules)
        .filter((r: any) => r.health !== 'ok')
        .map((r: any) => `${r.name}: ${r.lastError}`),
    ).toEqual([]);
    // Prometheus sends to every Alertmanager replica.
    const active = await waitFor(
      'Alertmanagers discovered',
      async () => {
        const list = (await getJson(`${base}/api/v1/alertmanagers`)).data.activeAlertmanagers as any[];
        return list.length === amReplicas ? list : undefined;
      },
      15_000,
      250,
      () => procs.logs(),
    );
    expect(active.map((a: any) => a.url).sort()).toEqual(amIps.map((ip) => `http://${ip}:9093/api/v2/alerts`).sort());

    // The Alertmanagers form one cluster (a single one runs without) and load every generated receiver.
    const status = await waitFor(
      'the Alertmanager cluster settled',
      async () => {
        const st = await getJson(`http://${amIps[0]}:9093/api/v2/status`);
        return st.cluster.status !== 'settling' ? st : undefined;
      },
      60_000,
      500,
      () => procs.logs(),
    );
    if (amReplicas > 1) expect([status.cluster.status, status.cluster.peers.length]).toEqual(['ready', amReplicas]);
    else expect(status.cluster.status).toBe('disabled');
    const receivers = (await getJson(`http://${amIps[0]}:9093/api/v2/receivers`)).map((r: any) => r.name).sort();
    expect(receivers).toEqual(((load(amConfig) as any).receivers as any[]).map((r) => r.name).sort());

    // An alert is routed as the generated routes say: critical pages (and continues), a team goes to its channel.
    const route = (load(amConfig) as any).route;
    const critical = route.routes.find((r: any) => r.matchers?.includes('severity="critical"'));
    const team = route.routes.find((r: any) => /^team="/.test(r.matchers?.[0] ?? ''));
    const teamName = /^team="(.+)"$/.exec(team.matchers[0])![1];
    const res = await fetch(`http://${amIps[0]}:9093/api/v2/alerts`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify([{ labels: { alertname: 'RealSoftwareTest', severity: 'critical', team: teamName, namespace: 'backend', service: 'api' } }]),
    });
    expect(res.status).toBe(200);
    const groups = await waitFor(
      'the alert grouped',
      async () => {
        const g = await getJson(`http://${amIps[0]}:9093/api/v2/alerts/groups`);
        return g.length >= 2 ? g : undefined;
      },
      15_000,
      250,
      () => procs.logs(),
    );
    expect(groups.map((g: any) => g.receiver.name).sort()).toEqual([critical.receiver, team.receiver].sort());
  }, 180_000);
});
