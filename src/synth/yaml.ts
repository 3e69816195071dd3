import * as yaml from 'js-yaml';
import { yamlWriter } from '../core/encoders/yaml-writer';

/**
 * Strings that a YAML 1.1 parser (PyYAML, older Go yaml.v2, some CI tools) would read as something other than a
 * string. js-yaml follows YAML 1.2 and already quotes most of them; these patterns cover the rest
 * (underscored and sexagesimal numbers, 1.1 booleans, binary/octal/hex forms, `=` and `<<`).
 */
const YAML11_AMBIGUOUS = new RegExp(
  [
    '^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$',
    '^(?:~|null|Null|NULL)$',
    '^[-+]?0b[0-1_]+$',
    '^[-+]?0[0-7_]+$',
    '^[-+]?(?:0|[1-9][0-9_]*)$',
    '^[-+]?0x[0-9a-fA-F_]+$',
    '^[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+$',
    '^[-+]?(?:[0-9][0-9_]*)?\\.[0-9_]*(?:[eE][-+]?[0-9]+)?$',
    '^[-+]?[0-9][0-9_]*(?:\\.[0-9_]*)?[eE][-+]?[0-9]+$',
    '^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*$',
    '^[-+]?\\.(?:inf|Inf|INF)$',
    '^\\.(?:nan|NaN|NAN)$',
    '^[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?',
    '^(?:=|<<)$',
  ].join('|'),
);

/**
 * An implicit type that never constructs anything but makes js-yaml's dumper treat every YAML 1.1-ambiguous
 * string as ambiguous, so it is written quoted.
 */
const yaml11Compat = new yaml.Type('tag:cdk8s-platform/yaml11-compat', {
  kind: 'scalar',
  resolve: (data: string) => typeof data === 'string' && YAML11_AMBIGUOUS.test(data),
  construct: (data: string) => data,
});

const DUMP_SCHEMA = yaml.DEFAULT_SCHEMA.extend({ implicit: [yaml11Compat] });

/**
 * Key order Kubernetes users expect: apiVersion, kind, metadata (name, namespace, labels, annotations), spec, then
 * the rest alphabetically. Applied by the writer to every mapping, so output never depends on the order in which a
 * construct happened to set fields (and no extra copy of each document is made).
 */
const KEY_RANK = new Map(['apiVersion', 'kind', 'metadata', 'name', 'generateName', 'namespace', 'labels', 'annotations', 'spec'].map((k, i) => [k, i]));

export function compareKeys(a: string, b: string): number {
  const ra = KEY_RANK.get(a);
  const rb = KEY_RANK.get(b);
  if (ra !== undefined || rb !== undefined) {
    if (ra === undefined) return 1;
    if (rb === undefined) return -1;
    return ra - rb;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

const writeDocument = yamlWriter({ schema: DUMP_SCHEMA, sortKeys: compareKeys });

/** Serializes one document: no anchors, no folding, YAML 1.1-ambiguous strings quoted, key order as given. */
export function toYaml(doc: unknown): string {
  return writeDocument(doc);
}

/** True when a YAML 1.1 parser would not read `s` back as the same string unquoted. */
export function isYaml11Ambiguous(s: string): boolean {
  return YAML11_AMBIGUOUS.test(s);
}
