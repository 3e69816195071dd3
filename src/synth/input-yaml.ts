/**
 * The one reader of YAML input files (tenants.yaml, and the committed dist/ the guards read): a size limit
 * checked before parsing, an alias limit (an alias "bomb" of a few hundred bytes would otherwise expand to
 * gigabytes), YAML 1.2 core types only, unique keys, and every error with the file, line and column.
 */
import * as fs from 'fs';
import { CORE_SCHEMA, load as loadFast } from 'js-yaml';
import { Document, isMap, isPair, isScalar, isSeq, LineCounter, Node, parseDocument, Scalar } from 'yaml';
import { PlatformConfigError } from '../core/errors';

/** Largest input file read, in bytes (1,000 tenants take about 400 KiB). */
export const MAX_INPUT_BYTES = 4 * 1024 * 1024;
/** Most alias expansions a document may need (YAML's own default; plain data needs none). */
export const MAX_ALIAS_COUNT = 100;

export interface InputYamlOptions {
  /** @default MAX_INPUT_BYTES */
  readonly maxBytes?: number;
  /** @default MAX_ALIAS_COUNT */
  readonly maxAliasCount?: number;
}

/** A parsed input file: its data, and where each field came from. */
export interface InputDocument {
  /** The file name used in messages. */
  readonly file: string;
  /** The data (plain objects, arrays, strings, numbers, booleans, null). */
  readonly value: unknown;
  /**
   * `file:line:col` of the value at `field` (`tenants[3].costCenter`, `sharedServices.pg.podSelector.app.kubernetes.io/name`),
   * or of the deepest part of it that exists; `file` alone when nothing matches.
   */
  locate(field: string): string;
  /** The YAML text that produced the scalar at `field`, when it is a scalar. */
  sourceOf(field: string): string | undefined;
}

/** Fails unless `bytes` fits the limit (called before reading or parsing). */
function checkSize(file: string, bytes: number, max: number): void {
  if (bytes > max) {
    throw new PlatformConfigError(file, '(file)', bytes, `must be at most ${max} bytes: input files are read whole`, `${bytes} bytes`);
  }
}

/** Reads and parses an input file; see {@link parseInputDocument}. `name` is what messages call it. */
export function readInputDocument(filePath: string, name: string, options: InputYamlOptions = {}): InputDocument {
  checkSize(name, fs.statSync(filePath).size, options.maxBytes ?? MAX_INPUT_BYTES);
  return parseInputDocument(fs.readFileSync(filePath, 'utf8'), name, options);
}

/**
 * Parses one YAML document; throws a {@link PlatformConfigError} located at `file:line:col` for any problem.
 * Text without anchors or aliases is read by the fast reader first; the positioned parse happens only when a
 * location is asked for, or when the fast reader fails (to locate the error).
 */
export function parseInputDocument(text: string, file: string, options: InputYamlOptions = {}): InputDocument {
  checkSize(file, Buffer.byteLength(text, 'utf8'), options.maxBytes ?? MAX_INPUT_BYTES);
  let positioned: { doc: Document; value: unknown; at: (offset: number) => string } | undefined;
  const full = () => (positioned ??= parsePositioned(text, file, options.maxAliasCount ?? MAX_ALIAS_COUNT));
  let value: unknown;
  if (MAY_HAVE_ALIASES.test(text)) {
    value = full().value;
  } else {
    try {
      value = loadFast(text, { schema: CORE_SCHEMA, filename: file });
    } catch {
      value = full().value;
    }
  }
  return {
    file,
    value,
    locate: (field) => {
      const { doc, at } = full();
      const node = resolve(doc, field);
      return node?.range ? at(node.range[0]) : file;
    },
    sourceOf: (field) => {
      const node = resolve(full().doc, field, true);
      return node && isScalar(node) && node.range ? text.slice(node.range[0], node.range[1]) : undefined;
    },
  };
}

/** The positioned parse (`yaml` package): every error with line and column, aliases limited. */
function parsePositioned(text: string, file: string, maxAliasCount: number): { doc: Document; value: unknown; at: (offset: number) => string } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, schema: 'core', version: '1.2', uniqueKeys: true });
  const at = (offset: number) => {
    const p = lines.linePos(offset);
    return `${file}:${p.line}:${p.col}`;
  };
  const problem = doc.errors[0];
  if (problem) {
    throw new PlatformConfigError(at(problem.pos[0]), '(document)', problem.code, 'must be valid YAML', `invalid YAML: ${problem.message.split('\n')[0]}`);
  }
  try {
    return { doc, value: doc.toJS({ maxAliasCount }), at };
  } catch (e) {
    if (e instanceof ReferenceError && /alias/i.test(e.message)) {
      throw new PlatformConfigError(
        file,
        '(document)',
        maxAliasCount,
        `must not need more than ${maxAliasCount} alias expansions: aliases that expand to aliases grow exponentially (a YAML "billion laughs" bomb); write the data out`,
        `aliases that expand to more than ${maxAliasCount} copies`,
      );
    }
    throw new PlatformConfigError(file, '(document)', String(e), 'must be a plain YAML document', `an unreadable document (${(e as Error).message})`);
  }
}

/** A `&anchor` or `*alias` token could be there (conservative: also inside some quoted strings). */
const MAY_HAVE_ALIASES = /(?:^|[\s[{,:-])[&*][^\s,\]}]/m;

/** Parses a YAML document the library wrote (committed dist/ files) with the same limits; returns its data. */
export function parseInputYaml(text: string, file: string, options: InputYamlOptions = {}): unknown {
  return parseInputDocument(text, file, options).value;
}
/**
 * The node a message field names. Fields are written as in messages: keys joined with `.`, list indexes as
 * `[n]`; keys may contain dots (label keys), so at each mapping the longest key that fits is taken.
 */
function resolve(doc: Document, field: string, exact = false): Node | undefined {
  let node: unknown = doc.contents;
  let rest = field === '(document)' ? '' : field;
  for (;;) {
    if (rest.startsWith('.')) rest = rest.slice(1);
    if (rest === '') return node as Node;
    const index = /^\[(\d+)\]/.exec(rest);
    if (index && isSeq(node)) {
      const item = node.items[Number(index[1])];
      if (item === undefined) return exact ? undefined : (node as Node);
      node = item;
      rest = rest.slice(index[0].length);
      continue;
    }
    if (!isMap(node)) return exact ? undefined : (node as Node);
    let best: { key: string; value: unknown; keyNode: unknown } | undefined;
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const k = isScalar(pair.key) ? String((pair.key as Scalar).value) : String(pair.key);
      if ((rest === k || rest.startsWith(`${k}.`) || rest.startsWith(`${k}[`)) && (!best || k.length > best.key.length))
        best = { key: k, value: pair.value, keyNode: pair.key };
    }
    if (!best) return exact ? undefined : (node as Node);
    // `key:` with nothing after it has no value node: point at the key.
    node = best.value ?? best.keyNode;
    rest = rest.slice(best.key.length);
  }
}
