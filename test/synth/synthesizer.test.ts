import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { load } from 'js-yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubeConfigMap, KubeNamespace } from '../../imports/k8s';
import { EnvironmentChart, SynthError, SynthPlugin, SynthStage, synthesize } from '../../src';
import { toYaml } from '../../src/synth/yaml';
import { development, production } from '../helpers';

let tmp: string;
let outdir: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-'));
  outdir = path.join(tmp, 'dist');
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Every file under dir with its bytes, sorted by path. */
function snapshotTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!fs.existsSync(dir)) return out;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = fs.readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

function app(configs: Record<string, Record<string, string>>, opts: { extraInvalid?: boolean } = {}): App {
  const a = new App({ outdir: '.cdk8s.out' });
  for (const profile of [development, production]) {
    const chart = new EnvironmentChart(a, { profile });
    new KubeNamespace(chart, 'ns', { metadata: { name: 'apps' } });
    for (const [name, data] of Object.entries(configs)) {
      new KubeConfigMap(chart, name, { metadata: { name, namespace: 'apps' }, data });
    }
    if (opts.extraInvalid) {
      new KubeConfigMap(chart, 'bad', { metadata: { name: 'Bad_Name', namespace: 'apps' }, data: {} });
    }
  }
  return a;
}

describe('synthesize', () => {
  it('writes one file per resource under <env>/<namespace>/<kind>-<name>.yaml, sorted', () => {
    const result = synthesize(app({ settings: { a: '1' } }), { outdir });
    expect(result.files).toEqual([
      'development/_cluster/namespace-apps.yaml',
      'development/apps/configmap-settings.yaml',
      'production/_cluster/namespace-apps.yaml',
      'production/apps/configmap-settings.yaml',
    ]);
    expect(fs.readFileSync(path.join(outdir, 'production/apps/configmap-settings.yaml'), 'utf8')).toBe(
      [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  name: settings',
        '  namespace: apps',
        '  labels:',
        '    app.kubernetes.io/managed-by: cdk8s-platform',
        '    platform.io/environment: production',
        'data:',
        "  a: '1'",
        '',
      ].join('\n'),
    );
  });

  it('removes files of resources that no longer exist', () => {
    synthesize(app({ old: { a: '1' }, kept: { b: '2' } }), { outdir });
    expect(fs.existsSync(path.join(outdir, 'development/apps/configmap-old.yaml'))).toBe(true);
    synthesize(app({ kept: { b: '2' } }), { outdir });
    expect(fs.existsSync(path.join(outdir, 'development/apps/configmap-old.yaml'))).toBe(false);
    expect(Object.keys(snapshotTree(outdir))).toHaveLength(4);
  });

  it('gives identical bytes for identical input', () => {
    synthesize(app({ x: { k: 'v' } }), { outdir });
    const first = snapshotTree(outdir);
    synthesize(app({ x: { k: 'v' } }), { outdir });
    expect(snapshotTree(outdir)).toEqual(first);
  });

  it('leaves the output byte-for-byte unchanged when a document is invalid, and lists every problem', () => {
    synthesize(app({ x: { k: 'v' } }), { outdir });
    const before = snapshotTree(outdir);
    expect(() => synthesize(app({ x: { k: 'changed' } }, { extraInvalid: true }), { outdir })).toThrow(SynthError);
    try {
      synthesize(app({ x: { k: 'changed' } }, { extraInvalid: true }), { outdir });
    } catch (e) {
      expect((e as SynthError).problems).toEqual([
        'development/apps/ConfigMap/Bad_Name: metadata.name: name "Bad_Name" must be a DNS-1123 subdomain: at most 253 characters of [a-z0-9.-], starting and ending alphanumeric',
        'production/apps/ConfigMap/Bad_Name: metadata.name: name "Bad_Name" must be a DNS-1123 subdomain: at most 253 characters of [a-z0-9.-], starting and ending alphanumeric',
      ]);
    }
    expect(snapshotTree(outdir)).toEqual(before);
    expect(fs.readdirSync(tmp)).toEqual(['dist']);
  });

  it('GIVEN a plugin that checks last WHEN synth runs the checks THEN it runs after every other check, and its problems are still reported in plugin order', () => {
    const calls: string[] = [];
    const plugin = (name: string, checkLast: boolean): SynthPlugin => ({
      name,
      checkLast,
      check: (env) => {
        calls.push(`${name} ${env.name}`);
        return { errors: [`${name} ${env.name}`], warnings: [] };
      },
    });
    let problems: readonly string[] = [];
    try {
      synthesize(app({ x: { k: 'v' } }), { outdir, plugins: [plugin('late', true), plugin('early', false)] });
    } catch (e) {
      problems = (e as SynthError).problems;
    }
    expect(calls).toEqual(['early development', 'early production', 'late development', 'late production']);
    expect(problems).toEqual(['late development', 'early development', 'late production', 'early production']);
    expect(fs.existsSync(outdir)).toBe(false);
  });

  it.each<SynthStage>(['collect', 'validate', 'check', 'render', 'write', 'swap'])('leaves the output unchanged when a fault is injected at %s', (stage) => {
    synthesize(app({ x: { k: 'v' } }), { outdir });
    const before = snapshotTree(outdir);
    const fault = (s: SynthStage) => {
      if (s === stage) throw new Error(`injected fault at ${s}`);
    };
    expect(() => synthesize(app({ x: { k: 'new' }, y: { k: 'v' } }), { outdir, onStage: fault })).toThrow(`injected fault at ${stage}`);
    expect(snapshotTree(outdir)).toEqual(before);
    expect(fs.readdirSync(tmp)).toEqual(['dist']);
  });

  it('leaves the output unchanged when the app itself throws while being built', () => {
    synthesize(app({ x: { k: 'v' } }), { outdir });
    const before = snapshotTree(outdir);
    const build = () => {
      const a = app({ x: { k: 'new' } });
      new KubeConfigMap(a.node.children[0] as EnvironmentChart, 'dup', { metadata: { name: 'x', namespace: 'apps' } });
      return a;
    };
    expect(() => synthesize(build(), { outdir })).toThrow(
      'development/apps/ConfigMap/x: metadata.name: the same ConfigMap is defined twice (development/x and development/dup); names must be unique per kind and namespace',
    );
    expect(snapshotTree(outdir)).toEqual(before);
  });

  it('fails on construct validations (node.addValidation) before writing anything', () => {
    const a = app({ x: { k: 'v' } });
    (a.node.children[0] as EnvironmentChart).node.addValidation({ validate: () => ['replicas must be positive'] });
    expect(() => synthesize(a, { outdir })).toThrow('development: replicas must be positive');
    expect(fs.existsSync(outdir)).toBe(false);
  });

  it('refuses objects without an explicit name (names derived from construct paths are not stable)', () => {
    const a = new App();
    const chart = new EnvironmentChart(a, { profile: development });
    expect(() => new KubeConfigMap(chart, 'unnamed', { metadata: { namespace: 'apps' } })).toThrow(
      'development/unnamed: every Kubernetes object needs an explicit metadata.name (names derived from construct paths change when code moves)',
    );
  });

  it('rejects an environment name that is not a DNS-1123 label', () => {
    expect(() => new EnvironmentChart(new App(), { profile: { ...development, name: 'Prod_EU' } })).toThrow(
      'app/Prod_EU: profile.name: got "Prod_EU"; must be a DNS-1123 label (lowercase letters, digits and "-", at most 63 characters)',
    );
  });
});

describe('YAML output', () => {
  const ambiguous = [
    'on',
    'off',
    'yes',
    'no',
    'y',
    'n',
    'Y',
    'NO',
    'true',
    'False',
    '0755',
    '1e3',
    '1_000',
    '12:30',
    '0x1F',
    '0b101',
    'null',
    '~',
    '',
    '.inf',
    '-.Inf',
    '.NaN',
    '2024-01-01',
    '=',
    '<<',
    '+1',
    '-0',
    '1.',
    '.5',
    '0o17',
  ];

  it.each(ambiguous)('quotes %j so YAML 1.1 and 1.2 parsers both read a string', (s) => {
    const text = toYaml({ data: { v: s } });
    expect(text).not.toBe(`data:\n  v: ${s}\n`);
    expect((load(text) as any).data.v).toBe(s);
  });

  it('writes multi-line strings as literal blocks, without folding long lines or anchors', () => {
    const long = 'x'.repeat(500);
    const shared = { a: 1 };
    const text = toYaml({ script: 'line one\nline two\n', long, one: shared, two: shared });
    expect(text).toContain('script: |\n  line one\n  line two\n');
    expect(text).toContain(`long: ${long}\n`);
    expect(text).not.toMatch(/[&*]ref/);
    expect(load(text)).toEqual({ script: 'line one\nline two\n', long, one: { a: 1 }, two: { a: 1 } });
  });

  it('keeps unicode unchanged', () => {
    const s = 'Grüße — 日本語 ✓';
    expect((load(toYaml({ s })) as any).s).toBe(s);
  });
});
