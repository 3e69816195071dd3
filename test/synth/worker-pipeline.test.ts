/**
 * The bundled synth's worker thread (src/synth/document-pipeline.ts, src/synth/synth-worker.ts): the same files and
 * problems as the calling thread, a worker that falls behind, the early start by scripts/run.js, and the verdict cache.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App } from 'cdk8s';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EnvironmentChart, SynthError, synthesize } from '../../src';
import { expressionCheckPlugin, flowsPlugin, policyPlugin } from '../../src/policy';
import { validationDataFiles } from '../../src/synth/schema-registry';
import { tenancyChecksPlugin } from '../../src/tenancy';
import { SECRET_CHECKS } from '../../src/policy/secret-checks';
import { development, production } from '../helpers';
import { bundleEntry, root, tree } from './bundle-helpers';

describe('schema validation and rendering on a worker thread (bundled synth, 300 objects or more)', () => {
  let tmp: string;
  let entryDir: string;
  let entry: string;
  const marker = () => path.join(entryDir, 'worker-ran');
  /** A PrometheusRule with a broken expression and a broken label name (for the expressions check). */
  /** A ConfigMap's data with a GitHub token and a URL with a password (built at run time: no scanner flags this file). */
  const LEAK = {
    GITHUB_TOKEN: `ghp_${'k2V9xQ7mLp3Rt8Wz5Yb1Nc4Hd6Fg0Js2Ua7E'.slice(0, 36)}`,
    'app.conf': `cache = redis://:${'pw-0123'}@redis.apps.svc:6379/0\n`,
  };
  /** A Deployment with a literal password in env and URLs with passwords in its and its pod template's annotations. */
  const LEAKY_DEPLOYMENT = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'api', namespace: 'apps', annotations: { 'example.com/webhook': `https://bot:${'tok3n-9'}@hooks.example.com/x` } },
    spec: {
      selector: { matchLabels: { app: 'api' } },
      template: {
        metadata: { labels: { app: 'api' }, annotations: { 'example.com/hook': `https://bot:${'tok3n-8'}@hooks.example.com/y` } },
        spec: {
          containers: [
            {
              name: 'api',
              image: 'api:1',
              env: [
                { name: 'DB_PASS', value: 'hunter2' },
                { name: 'LOG_LEVEL', value: 'info' },
              ],
            },
          ],
        },
      },
    },
  };
  /** An Envoy Gateway policy that breaks a CEL rule of its CRD (`self != 'Replace'` on spec.mergeType). */
  const CEL_BAD = {
    apiVersion: 'gateway.envoyproxy.io/v1alpha1',
    kind: 'BackendTrafficPolicy',
    metadata: { name: 'btp', namespace: 'apps' },
    spec: { mergeType: 'Replace', targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'web' }] },
  };
  /** A web Deployment whose configuration names the api Service, the api Deployment and Service (a flow the proof derives). */
  const FLOW_OBJECTS = [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'apps' },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image: 'web:1', env: [{ name: 'API_URL', value: 'http://api.apps.svc.cluster.local:8080' }] }] },
        },
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', namespace: 'apps' },
      spec: {
        selector: { matchLabels: { app: 'api' } },
        template: {
          metadata: { labels: { app: 'api' } },
          spec: { containers: [{ name: 'api', image: 'api:1', ports: [{ name: 'http', containerPort: 8080 }] }] },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'api', namespace: 'apps' },
      spec: { selector: { app: 'api' }, ports: [{ name: 'http', port: 8080, targetPort: 8080 }] },
    },
  ];
  /** Denies every connection of the namespace's pods: the web -> api flow is then blocked. */
  const DENY_ALL = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'deny-all', namespace: 'apps' },
    spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
  };
  const BROKEN_RULES = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'apps', namespace: 'apps' },
    spec: { groups: [{ name: 'apps', rules: [{ alert: 'Down', expr: 'up == ', labels: { 'bad-label': 'x' } }] }] },
  };
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'worker-'));
    // A fresh clone has no lib/ until the first bundle.
    fs.mkdirSync(path.join(root, 'lib'), { recursive: true });
    entryDir = fs.mkdtempSync(path.join(root, 'lib', '.worker-'));
    const build = spawnSync(process.execPath, ['scripts/build.js'], { cwd: root, encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    // The worker script beside the entry, as lib/synth-worker.js is beside lib/main.js; it leaves a mark when it runs.
    fs.writeFileSync(
      path.join(entryDir, 'synth-worker.js'),
      [
        `const fs = require('fs');`,
        `fs.appendFileSync(${JSON.stringify(marker())}, 'started\\n');`,
        // A late worker: it starts only once the main thread has written a file into the temporary output folder
        // (which it does only when it finishes documents itself); and a log of the files the worker writes.
        `const outdir = process.env.TEST_WORKER_AFTER_MAIN_WROTE_IN;`,
        `const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);`,
        `const mainWrote = () => fs.readdirSync(require('path').dirname(outdir)).some((f) => f.startsWith('.' + require('path').basename(outdir) + '.tmp-') && fs.readdirSync(require('path').join(require('path').dirname(outdir), f), { recursive: true }).some((x) => String(x).endsWith('.yaml')));`,
        `if (outdir) for (const end = Date.now() + 20000; Date.now() < end && !mainWrote(); ) sleep(5);`,
        `const log = process.env.TEST_WORKER_WRITES;`,
        `if (log) { const fd = fs.openSync(log, 'a'); const write = fs.writeFileSync; fs.writeFileSync = function (file, ...rest) { fs.writeSync(fd, String(file) + '\\n'); return write.call(this, file, ...rest); }; }`,
        `require(${JSON.stringify(path.join(root, 'lib', 'synth-worker.js'))});`,
      ].join('\n'),
    );
    entry = path.join(entryDir, 'entry.js');
    bundleEntry(
      entry,
      `
          import { App } from 'cdk8s';
          import { ApiObject } from 'cdk8s';
          import { EnvironmentChart, SynthError, expressionCheckPlugin, flowsPlugin, synthesize } from './src';
          import { POLICY_CHECKS, policyPlugin } from './src/policy';
          import { tenancyChecksPlugin } from './src/tenancy';
          import { SECRET_CHECKS } from './src/policy/secret-checks';
          import { EARLY_SYNTH_WORKER, prestartSynthWorker } from './src/synth/document-pipeline';
          import { KubeConfigMap, KubeNamespace } from './imports/k8s';
          import { development, production } from './test/helpers';
          const [outdir, mode, cacheDir] = process.argv.slice(2);
          const BROKEN_RULES = ${JSON.stringify(BROKEN_RULES)};
          const FLOW_OBJECTS = ${JSON.stringify(FLOW_OBJECTS)};
          const DENY_ALL = ${JSON.stringify(DENY_ALL)};
          const LEAK = ${JSON.stringify(LEAK)};
          const LEAKY_DEPLOYMENT = ${JSON.stringify(LEAKY_DEPLOYMENT)};
          const CEL_BAD = ${JSON.stringify(CEL_BAD)};
          if (EARLY_SYNTH_WORKER in globalThis) process.stderr.write('early worker: given\\n');
          if (mode.startsWith('prestart') || mode === 'cel-bad') prestartSynthWorker();
          if (EARLY_SYNTH_WORKER in globalThis) process.stderr.write('early worker: not taken\\n');
          const app = new App({ outdir: '.cdk8s.out' });
          const gate = mode.startsWith('gate');
          for (const profile of [development, production].map((p) => (gate ? { ...p, enforcePolicies: false } : p))) {
            const chart = new EnvironmentChart(app, { profile });
            new KubeNamespace(chart, 'ns', { metadata: { name: 'apps' } });
            for (let i = 0; i < (mode === 'prestart-small' ? 5 : 200); i++) {
              const name = mode.startsWith('invalid') && i % 97 === 5 ? 'Bad_Name_' + i : 'settings-' + i;
              new KubeConfigMap(chart, 'cm' + i, { metadata: { name, namespace: 'apps' }, data: { i: String(i) } });
            }
            if (mode === 'expr' || mode === 'expr-unchecked') new ApiObject(chart, 'rules', BROKEN_RULES);
            if (mode === 'escape') new KubeConfigMap(chart, 'escape', { metadata: { name: '../../../../../escaped', namespace: 'apps' } });
            if (mode.startsWith('secret')) new KubeConfigMap(chart, 'leak', { metadata: { name: 'leak', namespace: 'apps' }, data: LEAK });
            if (mode.startsWith('secret')) new ApiObject(chart, 'leaky', LEAKY_DEPLOYMENT);
            if (mode.startsWith('flows')) FLOW_OBJECTS.forEach((o, i) => new ApiObject(chart, 'flow' + i, o));
            if (mode === 'flows-blocked') new ApiObject(chart, 'deny', DENY_ALL);
            if (mode === 'gate-changed') new ApiObject(chart, 'web', FLOW_OBJECTS[0]);
            if (mode === 'cel-bad') new ApiObject(chart, 'btp', CEL_BAD);
          }
          const warnings = [];
          try {
            const result = synthesize(app, {
              cacheDir,
              outdir,
              plugins:
                mode === 'throw' ? [{ name: 'broken', check: () => { throw new TypeError('boom in check'); } }]
                : mode === 'invalid-report' ? [{ name: 'report', files: () => { throw new TypeError('boom in files'); } }]
                : mode === 'expr' ? [expressionCheckPlugin()]
                : mode === 'secret' ? [policyPlugin({ checks: SECRET_CHECKS })]
                : mode.startsWith('flows') ? [flowsPlugin()]
                : mode === 'gate-own' ? [policyPlugin({ checks: [...POLICY_CHECKS] }), tenancyChecksPlugin()]
                : gate ? [policyPlugin(), tenancyChecksPlugin()] : [],
              warn: (w) => warnings.push(w),
            });
            if (cacheDir !== undefined)
              process.stdout.write(JSON.stringify(
                gate ? { reused: result.reusedChecks, results: result.reusedResults, warnings }
                : mode.startsWith('flows') ? { reused: result.reusedChecks, results: result.reusedResults } : { reused: result.reusedChecks }));
          } catch (e) {
            process.stdout.write(JSON.stringify(e instanceof SynthError ? e.problems : String(e)));
            process.exitCode = 1;
          }
        `,
    );
  });
  afterAll(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.rmSync(entryDir, { recursive: true, force: true });
  });
  beforeEach(() => fs.rmSync(marker(), { force: true }));

  const run = (outdir: string, mode: string, env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [entry, outdir, mode], { cwd: root, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
  /** A run whose worker starts only after the main thread wrote a document; returns it and the files the worker wrote. */
  const runLate = (outdir: string, mode: string) => {
    const writes = path.join(tmp, `writes-${path.basename(outdir)}`);
    const r = run(outdir, mode, { TEST_WORKER_AFTER_MAIN_WROTE_IN: outdir, TEST_WORKER_WRITES: writes });
    const written = fs.existsSync(writes)
      ? fs
          .readFileSync(writes, 'utf8')
          .split('\n')
          .filter((l) => l.endsWith('.yaml'))
      : [];
    return { r, written };
  };

  /** The same app synthesized here, on the calling thread (vitest runs the sources, which have no worker script). */
  function inProcess(outdir: string, mode: string, warnings: string[] = []): string[] | undefined {
    const app = new App({ outdir: '.cdk8s.out' });
    const gate = mode.startsWith('gate');
    for (const profile of [development, production].map((p) => (gate ? { ...p, enforcePolicies: false } : p))) {
      const chart = new EnvironmentChart(app, { profile });
      new ApiObject(chart, 'ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } });
      for (let i = 0; i < (mode === 'prestart-small' ? 5 : 200); i++) {
        const name = mode === 'invalid' && i % 97 === 5 ? `Bad_Name_${i}` : `settings-${i}`;
        new ApiObject(chart, `cm${i}`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'apps' }, data: { i: String(i) } });
      }
      if (mode === 'expr') new ApiObject(chart, 'rules', BROKEN_RULES);
      if (mode.startsWith('secret'))
        new ApiObject(chart, 'leak', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'leak', namespace: 'apps' }, data: LEAK });
      if (mode.startsWith('secret')) new ApiObject(chart, 'leaky', LEAKY_DEPLOYMENT);
      if (mode.startsWith('flows')) FLOW_OBJECTS.forEach((o, i) => new ApiObject(chart, `flow${i}`, o));
      if (mode === 'flows-blocked') new ApiObject(chart, 'deny', DENY_ALL);
      if (mode === 'gate-changed') new ApiObject(chart, 'web', FLOW_OBJECTS[0]!);
      if (mode === 'cel-bad') new ApiObject(chart, 'btp', CEL_BAD);
    }
    try {
      const plugins =
        mode === 'expr'
          ? [expressionCheckPlugin()]
          : mode === 'secret'
            ? [policyPlugin({ checks: SECRET_CHECKS })]
            : mode.startsWith('flows')
              ? [flowsPlugin()]
              : gate
                ? [policyPlugin(), tenancyChecksPlugin()]
                : [];
      synthesize(app, { outdir, warn: (w) => warnings.push(w), plugins });
      return undefined;
    } catch (e) {
      return (e as SynthError).problems as string[];
    }
  }

  /** A failed synth left the output folder as it was, and no temporary folder beside it. */
  function expectKept(outdir: string, before: Record<string, string>): void {
    expect(tree(outdir)).toEqual(before);
    expect(fs.readdirSync(tmp).filter((f) => f.startsWith('.'))).toEqual([]);
  }

  /** A copy of the valid app's output (the first test writes it) as the output folder a failing synth must keep. */
  function committed(name: string): string {
    const outdir = path.join(tmp, name);
    const ok = path.join(tmp, 'worker-ok');
    if (!fs.existsSync(ok)) expect(run(ok, 'valid').status).toBe(0); // the first test did not run (-t)
    fs.cpSync(ok, outdir, { recursive: true });
    return outdir;
  }

  it('GIVEN a valid app WHEN synthesized on the worker THEN the files are byte-identical to a synth on the calling thread', () => {
    const r = run(path.join(tmp, 'worker-ok'), 'valid');
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(fs.existsSync(marker())).toBe(true);
    expect(inProcess(path.join(tmp, 'inline-ok'), 'valid')).toBeUndefined();
    const files = tree(path.join(tmp, 'worker-ok'));
    expect(Object.keys(files)).toContain('production/apps/configmap-settings-199.yaml');
    expect(files).toEqual(tree(path.join(tmp, 'inline-ok')));
  });

  it('GIVEN a worker started before the app is built WHEN the app is large THEN synth uses that worker (no second one) and writes the same files', () => {
    const r = run(path.join(tmp, 'prestart'), 'prestart');
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(fs.readFileSync(marker(), 'utf8')).toBe('started\n');
    if (!fs.existsSync(path.join(tmp, 'inline-ok'))) expect(inProcess(path.join(tmp, 'inline-ok'), 'valid')).toBeUndefined();
    expect(tree(path.join(tmp, 'prestart'))).toEqual(tree(path.join(tmp, 'inline-ok')));
  });

  it('GIVEN scripts/run.js WHEN it runs a bundle with a synth worker beside it THEN it starts that worker before the bundle loads and synth takes it over (no second one)', () => {
    const out = path.join(tmp, 'early');
    const r = spawnSync(process.execPath, ['scripts/run.js', entry, out, 'prestart'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toBe('early worker: given\n');
    expect(fs.readFileSync(marker(), 'utf8')).toBe('started\n');
    if (!fs.existsSync(path.join(tmp, 'inline-ok'))) expect(inProcess(path.join(tmp, 'inline-ok'), 'valid')).toBeUndefined();
    expect(tree(out)).toEqual(tree(path.join(tmp, 'inline-ok')));
  });

  it('GIVEN a worker started before the app is built WHEN the app is small THEN synth stops it, runs on the calling thread and writes the same files', () => {
    const r = run(path.join(tmp, 'prestart-small'), 'prestart-small');
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(inProcess(path.join(tmp, 'inline-small'), 'prestart-small')).toBeUndefined();
    const files = tree(path.join(tmp, 'prestart-small'));
    expect(Object.keys(files)).toContain('production/apps/configmap-settings-4.yaml');
    expect(Object.keys(files)).not.toContain('production/apps/configmap-settings-5.yaml');
    expect(files).toEqual(tree(path.join(tmp, 'inline-small')));
  });

  it('GIVEN a worker that falls behind WHEN synth would wait for it THEN the main thread finishes the last documents itself and the files are the same', () => {
    const { r, written } = runLate(path.join(tmp, 'late'), 'valid');
    expect(r.status, r.stdout + r.stderr).toBe(0);
    if (!fs.existsSync(path.join(tmp, 'inline-ok'))) expect(inProcess(path.join(tmp, 'inline-ok'), 'valid')).toBeUndefined();
    const files = tree(path.join(tmp, 'late'));
    expect(files).toEqual(tree(path.join(tmp, 'inline-ok')));
    // The worker slept while the main thread claimed documents from the end: at least the last one is not its own.
    expect(written.length).toBeLessThan(Object.keys(files).length);
    expect(written.some((f) => f.endsWith('production/apps/configmap-settings-199.yaml'))).toBe(false);
  });

  it('GIVEN a worker that falls behind and a broken PromQL expression WHEN the main thread checks the last documents THEN the problems are those of the calling thread', () => {
    const outdir = committed('late-expr');
    const before = tree(outdir);
    const { r, written } = runLate(outdir, 'expr');
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual(inProcess(path.join(tmp, 'inline-expr-late'), 'expr'));
    expect(written.some((f) => f.endsWith('production/apps/prometheusrule-apps.yaml'))).toBe(false);
    expectKept(outdir, before);
  });

  it('GIVEN a worker that falls behind and an invalid last document WHEN the main thread validates the last documents THEN the problems are those of the calling thread', () => {
    const outdir = committed('late-invalid');
    const before = tree(outdir);
    const { r, written } = runLate(outdir, 'invalid');
    expect(r.status).toBe(1);
    const problems = JSON.parse(r.stdout) as string[];
    expect(problems).toEqual(inProcess(path.join(tmp, 'inline-invalid-late'), 'invalid'));
    // Bad_Name_199 is the last document: the main thread took it over and validated it.
    expect(problems.some((p) => p.startsWith('production/apps/ConfigMap/Bad_Name_199: metadata.name:'))).toBe(true);
    expect(written.some((f) => f.endsWith('production/apps/configmap-Bad_Name_199.yaml'))).toBe(false);
    expectKept(outdir, before);
  });

  it('GIVEN a name with .. segments WHEN the worker writes documents before they are validated THEN nothing is written outside the temporary folder and synth fails on the name', () => {
    const outdir = committed('escape');
    const before = tree(outdir);
    const r = run(outdir, 'escape');
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toContain(
      'development/apps/ConfigMap/../../../../../escaped: metadata.name: name "../../../../../escaped" must be a DNS-1123 subdomain: at most 253 characters of [a-z0-9.-], starting and ending alphanumeric',
    );
    expect(fs.readdirSync(tmp).filter((f) => f.startsWith('escaped'))).toEqual([]);
    expect(fs.existsSync(path.join(path.dirname(tmp), 'escaped.yaml'))).toBe(false);
    expectKept(outdir, before);
  });

  it('GIVEN a previous output WHEN synthesized on the worker THEN the new output replaces it and both threads have removed the old tree (no folder left beside it)', () => {
    const outdir = committed('replace');
    fs.mkdirSync(path.join(outdir, 'stale', 'deeper'), { recursive: true });
    fs.writeFileSync(path.join(outdir, 'stale', 'deeper', 'old.yaml'), 'x: 1\n');
    fs.writeFileSync(path.join(outdir, 'README.old'), 'old\n');
    const r = run(outdir, 'valid');
    expect(r.status, r.stdout + r.stderr).toBe(0);
    if (!fs.existsSync(path.join(tmp, 'inline-ok'))) expect(inProcess(path.join(tmp, 'inline-ok'), 'valid')).toBeUndefined();
    expect(tree(outdir)).toEqual(tree(path.join(tmp, 'inline-ok')));
    expect(fs.readdirSync(tmp).filter((f) => f.startsWith('.replace.'))).toEqual([]);
  });

  it('GIVEN literal secrets in a ConfigMap, env values and annotations WHEN the worker scans the documents THEN the policy gate reports what it reports on the calling thread', () => {
    const outdir = committed('secret');
    const before = tree(outdir);
    const r = run(outdir, 'secret');
    expect(r.status).toBe(1);
    const problems = JSON.parse(r.stdout) as string[];
    expect(problems).toEqual(inProcess(path.join(tmp, 'inline-secret'), 'secret'));
    expect(problems.filter((p) => p.startsWith('policy: production/apps/ConfigMap/leak: data.'))).toHaveLength(2);
    expect(problems.filter((p) => p.startsWith('policy: production/apps/Deployment/api: ')).map((p) => p.split(' holds')[0])).toEqual([
      'policy: production/apps/Deployment/api: metadata.annotations.example.com/webhook:',
      'policy: production/apps/Deployment/api: spec.template.metadata.annotations.example.com/hook:',
      'policy: production/apps/Deployment/api: spec.template.spec.containers[0].env[0].value: env DB_PASS',
    ]);
    expectKept(outdir, before);
  });

  describe('the verdict cache', () => {
    const cached = (name: string, mode: string, cacheDir: string) => {
      const r = spawnSync(process.execPath, [entry, path.join(tmp, name), mode, cacheDir], { cwd: root, encoding: 'utf8', timeout: 120_000 });
      return { status: r.status, out: JSON.parse(r.stdout || 'null') as unknown, stderr: r.stderr };
    };
    const verdictFiles = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.startsWith('verdicts-')) : []);
    /** 2 environments: a Namespace and 200 ConfigMaps each. */
    const DOCS = 402;

    it('GIVEN an unchanged app WHEN synthesized again THEN no document is checked again and the files are the same; changed invalid documents are checked and record nothing; a rebuilt checker or a damaged record reuses nothing', () => {
      const dir = path.join(tmp, 'cache-same');
      expect(cached('cache-a', 'valid', dir)).toEqual({ status: 0, out: { reused: 0 }, stderr: '' });
      expect(verdictFiles(dir)).toHaveLength(1);
      const file = path.join(dir, verdictFiles(dir)[0]!);
      expect(fs.statSync(file).size).toBe(DOCS * 32);
      expect(cached('cache-b', 'valid', dir)).toEqual({ status: 0, out: { reused: DOCS }, stderr: '' });
      if (!fs.existsSync(path.join(tmp, 'inline-ok'))) expect(inProcess(path.join(tmp, 'inline-ok'), 'valid')).toBeUndefined();
      expect(tree(path.join(tmp, 'cache-b'))).toEqual(tree(path.join(tmp, 'inline-ok')));
      // Changed documents that are invalid: checked (the problems are those without a cache), nothing recorded.
      const before = fs.readFileSync(file);
      const r = cached('cache-d', 'invalid', dir);
      expect(r.status).toBe(1);
      expect(r.out).toEqual(inProcess(path.join(tmp, 'inline-bad-cache'), 'invalid'));
      expect(r.out).toHaveLength(6);
      expect(fs.readFileSync(file).equals(before)).toBe(true);
      // A module the checker loaded is rebuilt: nothing reused; the old checker's verdicts are replaced by the new one's.
      const later = new Date(Date.now() + 5_000);
      fs.utimesSync(path.join(entryDir, 'synth-worker.js'), later, later);
      expect(cached('cache-i', 'valid', dir).out).toEqual({ reused: 0 });
      expect(verdictFiles(dir)).toHaveLength(1);
      expect(verdictFiles(dir)[0]).not.toBe(path.basename(file));
      expect(cached('cache-j', 'valid', dir).out).toEqual({ reused: DOCS });
      // A damaged record: nothing reused.
      fs.appendFileSync(path.join(dir, verdictFiles(dir)[0]!), 'x');
      expect(cached('cache-k', 'valid', dir)).toEqual({ status: 0, out: { reused: 0 }, stderr: '' });
    });

    it('GIVEN an unchanged app WHEN synthesized again THEN the flow proofs are reused and the files are the same; GIVEN a NetworkPolicy that blocks a needed flow THEN that environment is proved again and synth fails as without a cache', () => {
      const dir = path.join(tmp, 'cache-flows');
      const docs = DOCS + 2 * FLOW_OBJECTS.length;
      expect(cached('flows-a', 'flows', dir)).toEqual({ status: 0, out: { reused: 0, results: 0 }, stderr: '' });
      expect(fs.readdirSync(dir).filter((f) => f.startsWith('results-'))).toHaveLength(1);
      expect(cached('flows-b', 'flows', dir)).toEqual({ status: 0, out: { reused: docs, results: 2 }, stderr: '' });
      const files = tree(path.join(tmp, 'flows-b'));
      expect(files).toEqual(tree(path.join(tmp, 'flows-a')));
      expect(inProcess(path.join(tmp, 'inline-flows'), 'flows')).toBeUndefined();
      expect(files).toEqual(tree(path.join(tmp, 'inline-flows')));
      expect(files['production/FLOWS.md']).toContain('apps/web');
      // The NetworkPolicy is a new document: production and development are proved again.
      const r = cached('flows-c', 'flows-blocked', dir);
      expect(r.status).toBe(1);
      expect(r.out).toEqual(inProcess(path.join(tmp, 'inline-flows-blocked'), 'flows-blocked'));
      expect(r.out).toContainEqual(expect.stringMatching(/^production: .*apps\/web -> .*apps\/api:8080\/TCP: blocked by apps\/deny-all/));
    });

    it('GIVEN scripts/run.js and a verdict cache WHEN a changed document breaks a CEL rule THEN the schemas and the evaluator the worker did not load ahead are loaded and the problem is reported as without a cache', () => {
      // The bundle keeps the data files the checker identity covers beside its kind index.
      for (const f of validationDataFiles([path.join(root, 'lib', 'validation-kinds.json')])) expect(fs.existsSync(f), f).toBe(true);
      const dir = path.join(tmp, 'cache-cel');
      const viaRunner = (name: string, mode: string) => {
        const r = spawnSync(process.execPath, ['scripts/run.js', entry, path.join(tmp, name), mode, dir], { cwd: root, encoding: 'utf8', timeout: 120_000 });
        return { status: r.status, out: JSON.parse(r.stdout || 'null') as unknown, stderr: r.stderr };
      };
      expect(viaRunner('cel-a', 'valid')).toMatchObject({ status: 0, out: { reused: 0 } });
      const expected = inProcess(path.join(tmp, 'inline-cel-bad'), 'cel-bad')!;
      expect(expected).toContainEqual(expect.stringMatching(/BackendTrafficPolicy\/btp: spec\.mergeType: Replace is not a valid MergeType/));
      // The worker scripts/run.js started (told to defer the schemas and the evaluator) is the one synth uses.
      expect(viaRunner('cel-b', 'cel-bad')).toEqual({ status: 1, out: expected, stderr: 'early worker: given\n' });
    });

    it('GIVEN an unchanged app WHEN synthesized again THEN the policy gate and tenancy results are reused with the same warnings and files; GIVEN a new Deployment THEN both run again and warn as without a cache; checks of your own always run', () => {
      const dir = path.join(tmp, 'cache-gate');
      const inline: string[] = [];
      expect(inProcess(path.join(tmp, 'inline-gate'), 'gate', inline)).toBeUndefined();
      expect(inline).toContainEqual(expect.stringMatching(/^production: Namespace apps: no ResourceQuota$/));
      const first = cached('gate-a', 'gate', dir);
      expect(first).toEqual({ status: 0, out: { reused: 0, results: 0, warnings: inline }, stderr: '' });
      // 2 environments x (policy gate + tenancy)
      expect(cached('gate-b', 'gate', dir)).toEqual({ status: 0, out: { reused: DOCS, results: 4, warnings: inline }, stderr: '' });
      const files = tree(path.join(tmp, 'gate-b'));
      expect(files).toEqual(tree(path.join(tmp, 'inline-gate')));
      expect(files['production/POLICY.md']).toContain('Namespace');
      // A new Deployment (no security context): both environments evaluated again, with its violations.
      const changedInline: string[] = [];
      expect(inProcess(path.join(tmp, 'inline-gate-changed'), 'gate-changed', changedInline)).toBeUndefined();
      expect(changedInline).toContainEqual(expect.stringMatching(/^policy: production\/apps\/Deployment\/web: /));
      const changed = cached('gate-c', 'gate-changed', dir);
      expect(changed).toEqual({ status: 0, out: { reused: DOCS, results: 0, warnings: changedInline }, stderr: '' });
      expect(tree(path.join(tmp, 'gate-c'))).toEqual(tree(path.join(tmp, 'inline-gate-changed')));
      // A list of checks of your own (here a copy of the library's): the gate runs every time; tenancy is reused.
      expect(cached('gate-d', 'gate-own', dir)).toMatchObject({ status: 0, out: { results: 0 } });
      expect(cached('gate-e', 'gate-own', dir)).toMatchObject({ status: 0, out: { reused: DOCS, results: 2, warnings: inline } });
    });

    it('GIVEN an unchanged app synthesized into the same folder WHEN synthesized again THEN its unchanged files are kept (the same file, not written again); a file edited since is written anew; the files are those of a synth without a cache', () => {
      const dir = path.join(tmp, 'cache-keep');
      const outdir = path.join(tmp, 'keep');
      const synthInto = () => spawnSync(process.execPath, [entry, outdir, 'gate', dir], { cwd: root, encoding: 'utf8', timeout: 120_000 });
      expect(synthInto().status).toBe(0);
      const record = fs.readdirSync(dir).filter((f) => f.startsWith('output-'));
      expect(record).toHaveLength(1);
      const kept = path.join(outdir, 'production/apps/configmap-settings-7.yaml');
      const edited = path.join(outdir, 'production/apps/configmap-settings-8.yaml');
      const inode = fs.statSync(kept).ino;
      fs.appendFileSync(edited, '# edited by hand\n');
      const editedInode = fs.statSync(edited).ino;
      expect(synthInto().status).toBe(0);
      expect(fs.statSync(kept).ino).toBe(inode);
      expect(fs.statSync(edited).ino).not.toBe(editedInode);
      if (!fs.existsSync(path.join(tmp, 'inline-gate'))) expect(inProcess(path.join(tmp, 'inline-gate'), 'gate')).toBeUndefined();
      expect(tree(outdir)).toEqual(tree(path.join(tmp, 'inline-gate')));
      // The record names its folder: a synth into another folder renders and writes everything.
      expect(cached('keep-elsewhere', 'gate', dir).status).toBe(0);
      expect(fs.statSync(path.join(tmp, 'keep-elsewhere/production/apps/configmap-settings-7.yaml')).ino).not.toBe(inode);
      expect(tree(path.join(tmp, 'keep-elsewhere'))).toEqual(tree(path.join(tmp, 'inline-gate')));
      // Each folder has its record: the first one keeps its files again.
      expect(synthInto().status).toBe(0);
      expect(fs.statSync(kept).ino).toBe(inode);
    });

    it.each([
      { what: 'a PrometheusRule with an expression problem', check: 'the expressions check', mode: 'expr' },
      { what: 'a ConfigMap and a Deployment with literal secrets', check: 'the policy gate', mode: 'secret' },
    ])(
      'GIVEN $what and no $check WHEN synth succeeds THEN their verdicts are not recorded and a later synth with the check reports the problems',
      ({ mode }) => {
        const dir = path.join(tmp, `cache-${mode}`);
        expect(cached(`cache-${mode}-1`, `${mode}-unchecked`, dir)).toEqual({ status: 0, out: { reused: 0 }, stderr: '' });
        // Only the 402 clean documents are among the verdicts.
        expect(fs.statSync(path.join(dir, verdictFiles(dir)[0]!)).size).toBe(DOCS * 32);
        const r = cached(`cache-${mode}-2`, mode, dir);
        expect(r.status).toBe(1);
        expect(r.out).toEqual(inProcess(path.join(tmp, `inline-${mode}-cache`), mode));
      },
    );
  });

  it('GIVEN invalid documents WHEN synthesized on the worker THEN synth fails with the problems of the calling thread, in the same order, and writes nothing', () => {
    const outdir = committed('worker-bad');
    const before = tree(outdir);
    const r = run(outdir, 'invalid');
    expect(r.status).toBe(1);
    expect(fs.existsSync(marker())).toBe(true);
    const problems = JSON.parse(r.stdout) as string[];
    expect(problems).toEqual(inProcess(path.join(tmp, 'inline-bad'), 'invalid'));
    expect(problems[0]).toBe(
      'development/apps/ConfigMap/Bad_Name_5: metadata.name: name "Bad_Name_5" must be a DNS-1123 subdomain: at most 253 characters of [a-z0-9.-], starting and ending alphanumeric',
    );
    expect(problems).toHaveLength(6);
    expectKept(outdir, before);
  });

  it('GIVEN invalid documents and a report that throws WHEN the reports are rendered while the worker still validates THEN synth fails with the schema problems, not the report error', () => {
    const outdir = committed('worker-bad-report');
    const before = tree(outdir);
    const r = run(outdir, 'invalid-report');
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual(inProcess(path.join(tmp, 'inline-bad-report'), 'invalid'));
    expectKept(outdir, before);
  });

  it('GIVEN a broken PromQL expression WHEN the worker checks expressions THEN the expressions check reports what it reports on the calling thread', () => {
    const outdir = committed('worker-expr');
    const before = tree(outdir);
    const r = run(outdir, 'expr');
    expect(r.status).toBe(1);
    const problems = JSON.parse(r.stdout) as string[];
    expect(problems).toEqual(inProcess(path.join(tmp, 'inline-expr'), 'expr'));
    expect(problems).toEqual([
      expect.stringMatching(
        /^development\/apps\/PrometheusRule\/apps: spec\.groups\[0\]\.rules\[0\]\.expr: group "apps" alert "Down": PromQL syntax error at column/,
      ),
      'development/apps/PrometheusRule/apps: spec.groups[0].rules[0].labels.bad-label: group "apps" alert "Down": "bad-label" is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)',
      expect.stringMatching(/^production\/apps\/PrometheusRule\/apps: spec\.groups\[0\]\.rules\[0\]\.expr: /),
      'production/apps/PrometheusRule/apps: spec.groups[0].rules[0].labels.bad-label: group "apps" alert "Down": "bad-label" is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)',
    ]);
    expect(tree(outdir)).toEqual(before);
  });

  it('GIVEN a check that throws while the worker writes WHEN synthesized THEN the error surfaces, the output is unchanged and no temporary folder remains', () => {
    const outdir = committed('worker-throw');
    const before = tree(outdir);
    const r = run(outdir, 'throw');
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toBe('TypeError: boom in check');
    expectKept(outdir, before);
  });
});
