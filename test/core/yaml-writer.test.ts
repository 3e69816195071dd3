/**
 * The YAML writer (src/core/encoders/yaml-writer.ts) writes byte for byte what js-yaml's `dump` writes with the same
 * options: on every document of the reference platform, on every YAML configuration file inside its ConfigMaps, on
 * hand-picked strings that change a scalar's style, and on random documents of hostile strings (fixed seed). js-yaml
 * is the oracle here; the options below are written out, not taken from src/.
 */
import fc from 'fast-check';
import * as yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { configYaml } from '../../src/core/encoders';
import { configYamlData } from '../../src/core/encoders/yaml';
import { yamlWriter } from '../../src/core/encoders/yaml-writer';
import { compareKeys, isYaml11Ambiguous, toYaml } from '../../src/synth/yaml';
import { referencePlatform } from '../helpers';

const SEED = 20261130;

const yaml11 = new yaml.Type('tag:test/yaml11', {
  kind: 'scalar',
  resolve: (data: string) => typeof data === 'string' && isYaml11Ambiguous(data),
  construct: (data: string) => data,
});
const SCHEMA = yaml.DEFAULT_SCHEMA.extend({ implicit: [yaml11] });

/** js-yaml with the options dist/ is written with. */
const documentOracle = (doc: unknown): string => yaml.dump(doc, { schema: SCHEMA, lineWidth: -1, noRefs: true, sortKeys: compareKeys, quotingType: "'" });
/** js-yaml with the options configuration files are written with (keys in insertion order). */
const configOracle = (doc: unknown): string => yaml.dump(doc, { schema: SCHEMA, lineWidth: -1, noRefs: true, quotingType: "'" });

/** Strings on each side of a style decision: plain, single-quoted, literal block, double-quoted. */
const EDGE_STRINGS = [
  '',
  ' ',
  'a',
  'a ',
  ' a',
  'a:',
  'a: b',
  'a:b',
  'a #b',
  'a#b',
  '#a',
  '-',
  '- a',
  '-a',
  '?a',
  ':a',
  'a,b',
  '[a]',
  '{a}',
  '&a',
  '*a',
  '!a',
  '|a',
  '>a',
  '%a',
  '@a',
  '`a',
  "'a'",
  '"a"',
  "it's",
  'y',
  'Y',
  'yes',
  'No',
  'ON',
  'off',
  'true',
  'False',
  'null',
  'Null',
  '~',
  '=',
  '<<',
  '0',
  '007',
  '0o7',
  '0x1F',
  '0b101',
  '1_000',
  '1e3',
  '1.5',
  '.5',
  '.inf',
  '-.Inf',
  '.NaN',
  '1:20',
  '190:20:30.15',
  '2001-12-14',
  '2001-12-14t21:59:43.10-05:00',
  '100Mi',
  '500m',
  'v1.27.3',
  'registry.example.com/team/app:1.2.3@sha256:0123',
  'https://example.com/a?b=c#d',
  'a\nb',
  'a\n',
  'a\n\n',
  '\n',
  '\n\n',
  '\na',
  ' a\nb',
  '\n  a',
  'a\n b\n',
  'line one\r\nline two',
  'tab\there',
  '\t',
  'bell\u0007',
  'nul\u0000',
  'esc\u001b',
  'nel\u0085',
  'nbsp\u00a0',
  'ls\u2028',
  'bom\ufeff',
  'caf\u00e9',
  'snow \u2603',
  'astral \ud83d\ude00',
  'lone \ud800 surrogate',
  'a'.repeat(1025),
  'k'.repeat(1024),
];

/** Every file (ConfigMap key and text) of the reference platform's ConfigMaps. */
function* referenceConfigFiles(): Generator<{ key: string; text: string }> {
  for (const env of referencePlatform()) {
    for (const { object } of env.documents) {
      if (object.kind !== 'ConfigMap') continue;
      for (const [key, text] of Object.entries((object.data ?? {}) as Record<string, string>)) yield { key, text };
    }
  }
}

describe('YAML writer', () => {
  it('GIVEN every document of the reference platform WHEN written THEN the text is what js-yaml writes', () => {
    let documents = 0;
    for (const env of referencePlatform()) {
      for (const { object } of env.documents) {
        expect(toYaml(object)).toBe(documentOracle(object));
        documents++;
      }
    }
    expect(documents).toBeGreaterThan(1000);
  });

  it('GIVEN every YAML configuration file inside the reference ConfigMaps WHEN rewritten THEN the text is what js-yaml writes', () => {
    let files = 0;
    for (const { key, text } of referenceConfigFiles()) {
      if (!/\.ya?ml$/.test(key)) continue;
      const parsed = yaml.load(text);
      expect(configYaml(parsed)).toBe(configOracle(parsed));
      files++;
    }
    expect(files).toBeGreaterThan(20);
  });

  it('GIVEN every YAML configuration file the reference platform wrote WHEN its data is asked for THEN the data configYaml kept is what js-yaml reads from the text', () => {
    let known = 0;
    for (const { key, text } of referenceConfigFiles()) {
      const written = configYamlData(text);
      if (written === undefined) continue;
      expect(written.data, key).toStrictEqual(yaml.load(text));
      expect(Object.isFrozen(written.data)).toBe(true);
      known++;
    }
    // prometheus.yml, rule files, alertmanager.yml, provisioning and collector configs of four environments
    expect(known).toBeGreaterThan(40);
  });

  it('GIVEN values that do not read back as themselves (a Date, NaN, a __proto__ key, bytes, a top-level string) WHEN written THEN configYaml keeps no data for the text', () => {
    const docs = [{ when: new Date(0) }, { n: NaN }, { list: [Infinity] }, JSON.parse('{"__proto__": {"a": 1}}'), { bytes: new Uint8Array([1]) }];
    // js-yaml reads a top-level block scalar with leading spaces back with extra spaces: only mappings and lists are kept.
    docs.push(' a\nb', 'plain');
    for (const doc of docs) expect(configYamlData(configYaml(doc))).toBeUndefined();
    expect(configYamlData(configYaml({ a: undefined, b: [undefined, 1] }))).toStrictEqual({ data: { b: [null, 1] } });
  });

  it('GIVEN strings at every style boundary WHEN written as keys, values and list items THEN the text is what js-yaml writes', () => {
    for (const s of EDGE_STRINGS) {
      for (const doc of [s, { [s]: s }, { a: { [s]: [s, { [s]: s }] } }, [s, [s]], { list: [s], nested: { deeper: s } }]) {
        expect(toYaml(doc)).toBe(documentOracle(doc));
        expect(configYaml(doc)).toBe(configOracle(doc));
      }
    }
  });

  it('GIVEN numbers, booleans, null, undefined and empty collections WHEN written THEN the text is what js-yaml writes', () => {
    const doc = {
      ints: [0, -1, 42, 2 ** 53, 1e21, -1e21],
      floats: [0.1, -0.5, 1.5e-7, 5e-100, 1e300, -0, NaN, Infinity, -Infinity],
      flags: [true, false],
      nothing: null,
      skipped: undefined,
      holes: [undefined, null, 1],
      empty: { map: {}, list: [], onlyUndefined: { a: undefined } },
    };
    expect(toYaml(doc)).toBe(documentOracle(doc));
    expect(configYaml(doc)).toBe(configOracle(doc));
    expect(toYaml(undefined)).toBe(documentOracle(undefined));
  });

  it('GIVEN values only js-yaml knows (a Date, a typed array) WHEN written THEN js-yaml writes the whole document', () => {
    const doc = { when: new Date(Date.UTC(2026, 10, 30)), bytes: new Uint8Array([1, 2, 3]), name: 'x' };
    expect(toYaml(doc)).toBe(documentOracle(doc));
    expect(toYaml(doc)).toContain('when: 2026-11-30T00:00:00.000Z');
  });

  it('GIVEN a function WHEN written THEN it fails as js-yaml fails', () => {
    expect(() => toYaml({ f: () => 1 })).toThrow('unacceptable kind of an object to dump [object Function]');
  });

  it('GIVEN random documents of hostile strings WHEN written THEN the text is what js-yaml writes', () => {
    const piece = fc.constantFrom(...EDGE_STRINGS.filter((s) => s.length < 100), 'a', 'b', ' ', ':', '#', '\n', "'", '-', '.', '/', '0', '1', 'e');
    const str = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 12 }),
      fc.array(piece, { maxLength: 6 }).map((a) => a.join('')),
    );
    const leaf = fc.oneof(str, fc.double(), fc.integer(), fc.boolean(), fc.constant(null));
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('list'), tie('map')),
      list: fc.array(tie('tree'), { maxLength: 4 }),
      map: fc.dictionary(str, tie('tree'), { maxKeys: 4 }),
    }));
    const writeOwn = yamlWriter({ schema: SCHEMA });
    fc.assert(
      fc.property(tree, (doc) => {
        expect(toYaml(doc)).toBe(documentOracle(doc));
        expect(writeOwn(doc)).toBe(configOracle(doc));
        // The data configYaml keeps for a text is what reading the text gives.
        const text = configYaml(doc);
        const written = configYamlData(text);
        if (written !== undefined) expect(written.data).toStrictEqual(yaml.load(text));
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });
});
