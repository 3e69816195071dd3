import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { load } from 'js-yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubeConfigMap } from '../../imports/k8s';
import { EnvironmentChart, synthesize } from '../../src';
import { toYaml } from '../../src/synth/yaml';
import { development } from '../helpers';

/**
 * Strings a YAML 1.1 parser (PyYAML, go-yaml v2, many CI tools) reads as bool, null, int, float or timestamp
 * when unquoted. Written out independently of src/synth/yaml.ts so the test does not share its regex.
 */
const YAML11_NON_STRINGS = [
  'y',
  'Y',
  'yes',
  'Yes',
  'YES',
  'n',
  'N',
  'no',
  'No',
  'NO',
  'true',
  'True',
  'TRUE',
  'false',
  'False',
  'FALSE',
  'on',
  'On',
  'ON',
  'off',
  'Off',
  'OFF',
  '~',
  'null',
  'Null',
  'NULL',
  '0',
  '-1',
  '+12',
  '010',
  '0o17',
  '0x1F',
  '0b1010',
  '1_000',
  '190:20:30',
  '1:30',
  '1.5',
  '.5',
  '-.5e3',
  '1e3',
  '6.8523015e+5',
  '685.230_15e+03',
  '.inf',
  '-.Inf',
  '.NaN',
  '2001-12-14',
  '2001-12-14t21:59:43.10-05:00',
  '2001-12-14 21:59:43.10 -5',
  '=',
  '<<',
];

/** Strings that are structurally tricky for any YAML writer. */
const TRICKY = [
  '',
  ' ',
  ' leading',
  'trailing ',
  '#not a comment',
  'a: b',
  'a #b',
  '- item',
  '? key',
  '[1, 2]',
  '{a: 1}',
  '&anchor',
  '*alias',
  '!tag',
  '%YAML 1.2',
  '@at',
  '`tick',
  '"double"',
  "'single'",
  "it's",
  '---',
  '...',
  '|',
  '>',
  'x: |',
  'tab\there',
  'multi\nline',
  'ends with newline\n',
  '\n\nleading newlines',
  'crlf\r\nline',
  'trailing spaces   \nnext',
  'héllo wörld',
  '日本語のテキスト',
  'emoji 🚀🔥',
  'rtl עברית',
  'zero\u200bwidth',
  'line\u2028separator',
  'nel\u0085char',
  'bell\u0007',
  'bom\ufeff',
  'nul\u0000byte',
  'backslash \\ path',
  'C:\\Windows\\path',
  'https://example.com/a?b=c&d=e#f',
  'key=value',
  '${VAR}',
  '{{ template }}',
  '0.0.0.0/0',
  '127.0.0.1:8080',
  '1.27',
  '0777',
  '12:30',
  '1.0.0',
  'v1.2.3',
  'sha256:' + 'a'.repeat(64),
];

const LONG = ['x'.repeat(200_000), 'word '.repeat(20_000).trim(), 'line\n'.repeat(5_000), '🚀'.repeat(10_000)];

describe('YAML safety: toYaml + js-yaml load', () => {
  it.each([...YAML11_NON_STRINGS, ...TRICKY].map((s) => [JSON.stringify(s), s]))(
    'GIVEN the string %s WHEN written and re-read THEN it is unchanged',
    (_label, s) => {
      const doc = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'x', annotations: { [s === '' ? 'empty' : `k-${s.length}`]: s } },
        data: { value: s },
      };
      expect(load(toYaml(doc))).toEqual(doc);
    },
  );

  it.each(YAML11_NON_STRINGS.map((s) => [s]))('GIVEN %s (not a string in YAML 1.1) WHEN written THEN it is quoted', (s) => {
    const line = toYaml({ value: s }).split('\n')[0];
    expect(line === `value: '${s}'` || line === `value: "${s}"`).toBe(true);
  });

  it('GIVEN ambiguous strings as map keys THEN keys survive too', () => {
    const doc: Record<string, string> = {};
    for (const s of [...YAML11_NON_STRINGS, ...TRICKY]) doc[s] = s;
    expect(load(toYaml(doc))).toEqual(doc);
  });

  it.each(LONG.map((s) => [s.length, s]))('GIVEN a very long value (%i chars) THEN it is written on one logical value and re-read unchanged', (_n, s) => {
    const doc = { data: { big: s } };
    expect(load(toYaml(doc))).toEqual(doc);
  });

  it('GIVEN numbers, booleans and null values THEN their types survive', () => {
    const doc = { a: 1, b: 1.5, c: -0.25, d: true, e: false, f: null, g: 0, h: 1e21, i: [1, '1', true, 'true'] };
    expect(load(toYaml(doc))).toEqual(doc);
  });
});

describe('YAML safety through synth', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'yaml-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('GIVEN a ConfigMap holding every tricky value WHEN synthesized to disk THEN the file re-reads to the same data', () => {
    // GIVEN: keys must be valid ConfigMap keys, so values carry the tricky strings.
    const data: Record<string, string> = {};
    [...YAML11_NON_STRINGS, ...TRICKY, ...LONG].forEach((s, i) => {
      data[`v${String(i).padStart(3, '0')}`] = s;
    });
    const app = new App({ outdir: '.cdk8s.out' });
    const chart = new EnvironmentChart(app, { profile: development });
    new KubeConfigMap(chart, 'tricky', { metadata: { name: 'tricky', namespace: 'apps', annotations: { note: 'yes', version: '1.10' } }, data });
    // WHEN
    const outdir = path.join(tmp, 'dist');
    synthesize(app, { outdir, warn: () => undefined });
    // THEN
    const doc = load(fs.readFileSync(path.join(outdir, 'development/apps/configmap-tricky.yaml'), 'utf8')) as any;
    expect(doc.data).toEqual(data);
    expect(doc.metadata.annotations).toEqual({ note: 'yes', version: '1.10' });
  });
});
