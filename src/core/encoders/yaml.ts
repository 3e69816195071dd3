/**
 * YAML configuration files inside ConfigMaps (prometheus.yml, rule files, alertmanager.yml, Grafana provisioning,
 * the OpenTelemetry Collector's and Jaeger's config.yaml): documents are built as data and dumped here, so no value
 * is ever read as YAML syntax. Keys keep the order they are written in (`alert` before `expr`, as people read rule
 * files), and strings Go's YAML 1.1 decoder would read as something else are quoted.
 */
import * as yaml from 'js-yaml';
import { isYaml11Ambiguous } from '../../synth/yaml';
import { yamlWriter } from './yaml-writer';

const YAML11_COMPAT = new yaml.Type('tag:cdk8s-platform/config-yaml11', {
  kind: 'scalar',
  resolve: (data: string) => typeof data === 'string' && isYaml11Ambiguous(data),
  construct: (data: string) => data,
});
const CONFIG_SCHEMA = yaml.DEFAULT_SCHEMA.extend({ implicit: [YAML11_COMPAT] });

const writeConfig = yamlWriter({ schema: CONFIG_SCHEMA });

/**
 * The data of the texts {@link configYaml} wrote in this process, by text: what js-yaml's default schema reads
 * each text as (a frozen copy, taken when it was written). Readers of the same process (the flow proof reads every
 * mounted prometheus.yml) then need not parse YAML this process has just written. Only plain data is kept (strings,
 * finite numbers, booleans, null, arrays and plain objects), for which reading the text back gives exactly that
 * data (for a mapping or a list at the top); test/core/yaml-writer.test.ts checks it against js-yaml's `load` of the
 * text.
 */
const WRITTEN = new Map<string, unknown>();
const MAX_WRITTEN = 2_000;
const NOT_PLAIN = Symbol('not plain data');
const toStringTag = Object.prototype.toString;

/** A frozen copy of `v` as the YAML text of it reads back, or NOT_PLAIN (read the text instead). */
function plainCopy(v: unknown): unknown {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return Number.isFinite(v) ? v : NOT_PLAIN;
    case 'object': {
      if (v === null) return null;
      if (Array.isArray(v)) {
        const out = new Array<unknown>(v.length);
        for (let i = 0; i < v.length; i++) {
          // An undefined item is written as null.
          const c = v[i] === undefined ? null : plainCopy(v[i]);
          if (c === NOT_PLAIN) return NOT_PLAIN;
          out[i] = c;
        }
        return Object.freeze(out);
      }
      if (toStringTag.call(v) !== '[object Object]') return NOT_PLAIN;
      const out: Record<string, unknown> = {};
      const record = v as Record<string, unknown>;
      for (const k of Object.keys(record)) {
        if (k === '__proto__') return NOT_PLAIN;
        const x = record[k];
        // An undefined value is not written (neither is its key).
        if (x === undefined) continue;
        const c = plainCopy(x);
        if (c === NOT_PLAIN) return NOT_PLAIN;
        out[k] = c;
      }
      return Object.freeze(out);
    }
    default:
      return NOT_PLAIN;
  }
}

/** A configuration document as YAML text. */
export function configYaml(doc: unknown): string {
  const text = writeConfig(doc);
  // A configuration file is a mapping or a list (js-yaml reads some top-level block scalars back differently).
  if (doc !== null && typeof doc === 'object' && !WRITTEN.has(text)) {
    const data = plainCopy(doc);
    if (data !== NOT_PLAIN) {
      if (WRITTEN.size >= MAX_WRITTEN) WRITTEN.clear();
      WRITTEN.set(text, data);
    }
  }
  return text;
}

/**
 * What `text` reads as (js-yaml's default schema) when {@link configYaml} wrote it from plain data in this process:
 * `{ data }` (frozen), or undefined when the text must be parsed.
 */
export function configYamlData(text: string): { readonly data: unknown } | undefined {
  return WRITTEN.has(text) ? { data: WRITTEN.get(text) } : undefined;
}
