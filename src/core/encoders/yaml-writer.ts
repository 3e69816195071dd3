/**
 * The YAML writer behind every YAML text the library emits (the documents in dist/ and the configuration files
 * inside ConfigMaps). It writes exactly what js-yaml 4's `dump` writes with the options used here (block style, no
 * line width, no anchors, single quotes, YAML 1.1 compatibility on, an extra implicit type for the ambiguous YAML
 * 1.1 strings, an optional key order), and test/core/yaml-writer.test.ts holds it to that on every document of the
 * reference platform and on hostile strings. It exists because js-yaml decides the style of each string through a
 * generic type loop (seven resolvers per string), which made writing YAML the largest single cost of synth.
 *
 * The rules for one string are js-yaml's (`chooseScalarStyle`, `writeScalar`), ported function for function; only a
 * fast path is added: a string of letters, digits and `. _ / -` that starts with a letter and is none of the words
 * YAML reads as a boolean or null is written plain without further tests. Anything the writer does not know (a Date,
 * a Map, a typed array, a boxed value, a class instance with its own tag) is handed to js-yaml for the whole document,
 * so the output never differs.
 */
import * as yaml from 'js-yaml';

/** Options of a writer; each corresponds to the js-yaml `dump` option of the same name. */
export interface YamlWriterOptions {
  /**
   * The schema whose implicit types decide which strings must be quoted: js-yaml's default schema, optionally
   * extended with types that resolve no string of the fast path's shape other than the YAML 1.1 booleans and nulls
   * (as the library's YAML 1.1 type does).
   */
  readonly schema: yaml.Schema;
  /**
   * Order of the keys of every mapping.
   * @default insertion order
   */
  readonly sortKeys?: (a: string, b: string) => number;
}

/** js-yaml's schema internals that its dumper reads (not in its type declarations). */
interface CompiledSchema {
  readonly compiledImplicit: ReadonlyArray<{ resolve(data: string): boolean }>;
}

/** Thrown inside the writer when a value needs js-yaml's general path; caught by `write`. */
class NeedsGeneralPath extends Error {}

const toStringTag = Object.prototype.toString;

/** Plain when a string starts with a letter and uses only these characters; see `isAmbiguousWord` for the rest. */
const SIMPLE = /^[A-Za-z][A-Za-z0-9._/-]*$/;
/** The strings of SIMPLE's shape that YAML 1.1 or 1.2 reads as a boolean or null (js-yaml's and ours). */
const AMBIGUOUS_WORDS = new Set(
  ['y', 'yes', 'n', 'no', 'true', 'false', 'on', 'off', 'null'].flatMap((w) => [w, w[0]!.toUpperCase() + w.slice(1), w.toUpperCase()]),
);

const DEPRECATED_BOOLEANS_SYNTAX = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF']);
const DEPRECATED_BASE60_SYNTAX = /^[-+]?[0-9_]+(?::[0-9_]+)+(?:\.[0-9_]*)?$/;
const SCIENTIFIC_WITHOUT_DOT = /^[-+]?[0-9]+e/;

const CHAR_BOM = 0xfeff;
const CHAR_TAB = 0x09;
const CHAR_LINE_FEED = 0x0a;
const CHAR_CARRIAGE_RETURN = 0x0d;
const CHAR_SPACE = 0x20;
const CHAR_SHARP = 0x23;
const CHAR_COLON = 0x3a;

/** Characters that may not start a plain scalar (js-yaml's `isPlainSafeFirst` indicators). */
const NOT_PLAIN_FIRST = new Set([...'-?:,[]{}#&*!|=>\'"%@`'].map((c) => c.charCodeAt(0)));

const ESCAPE_SEQUENCES = new Map<number, string>([
  [0x00, '\\0'],
  [0x07, '\\a'],
  [0x08, '\\b'],
  [0x09, '\\t'],
  [0x0a, '\\n'],
  [0x0b, '\\v'],
  [0x0c, '\\f'],
  [0x0d, '\\r'],
  [0x1b, '\\e'],
  [0x22, '\\"'],
  [0x5c, '\\\\'],
  [0x85, '\\N'],
  [0xa0, '\\_'],
  [0x2028, '\\L'],
  [0x2029, '\\P'],
]);

const INDENTS: string[] = [''];
function spaces(n: number): string {
  while (INDENTS.length <= n) INDENTS.push(' '.repeat(INDENTS.length));
  return INDENTS[n]!;
}

function isWhitespace(c: number): boolean {
  return c === CHAR_SPACE || c === CHAR_TAB;
}

function isPrintable(c: number): boolean {
  return (
    (c >= 0x20 && c <= 0x7e) ||
    (c >= 0xa1 && c <= 0xd7ff && c !== 0x2028 && c !== 0x2029) ||
    (c >= 0xe000 && c <= 0xfffd && c !== CHAR_BOM) ||
    (c >= 0x10000 && c <= 0x10ffff)
  );
}

function isNsCharOrWhitespace(c: number): boolean {
  return isPrintable(c) && c !== CHAR_BOM && c !== CHAR_CARRIAGE_RETURN && c !== CHAR_LINE_FEED;
}

/** js-yaml's `isPlainSafe` in block context (flow indicators are allowed there). */
function isPlainSafeInBlock(c: number, prev: number): boolean {
  const cIsNsCharOrWhitespace = isNsCharOrWhitespace(c);
  const cIsNsChar = cIsNsCharOrWhitespace && !isWhitespace(c);
  return (
    (cIsNsCharOrWhitespace && c !== CHAR_SHARP && !(prev === CHAR_COLON && !cIsNsChar)) ||
    (isNsCharOrWhitespace(prev) && !isWhitespace(prev) && c === CHAR_SHARP) ||
    (prev === CHAR_COLON && cIsNsChar)
  );
}

function isPlainSafeFirst(c: number): boolean {
  return isPrintable(c) && c !== CHAR_BOM && !isWhitespace(c) && !NOT_PLAIN_FIRST.has(c);
}

function isPlainSafeLast(c: number): boolean {
  return !isWhitespace(c) && c !== CHAR_COLON;
}

function codePointAt(s: string, pos: number): number {
  const first = s.charCodeAt(pos);
  if (first >= 0xd800 && first <= 0xdbff && pos + 1 < s.length) {
    const second = s.charCodeAt(pos + 1);
    if (second >= 0xdc00 && second <= 0xdfff) return (first - 0xd800) * 0x400 + second - 0xdc00 + 0x10000;
  }
  return first;
}

const STYLE_PLAIN = 1;
const STYLE_SINGLE = 2;
const STYLE_LITERAL = 3;
const STYLE_DOUBLE = 5;

/** js-yaml's `chooseScalarStyle` for block context, no line width, single quotes and no forced quotes. */
function chooseScalarStyle(s: string, singleLineOnly: boolean, ambiguous: (s: string) => boolean): number {
  let char = 0;
  let prevChar = -1;
  let hasLineBreak = false;
  let plain = isPlainSafeFirst(codePointAt(s, 0)) && isPlainSafeLast(codePointAt(s, s.length - 1));
  for (let i = 0; i < s.length; char >= 0x10000 ? (i += 2) : i++) {
    char = codePointAt(s, i);
    if (!singleLineOnly && char === CHAR_LINE_FEED) {
      hasLineBreak = true;
    } else if (!isPrintable(char)) {
      return STYLE_DOUBLE;
    }
    plain = plain && isPlainSafeInBlock(char, prevChar);
    prevChar = char;
  }
  if (!hasLineBreak) return plain && !ambiguous(s) ? STYLE_PLAIN : STYLE_SINGLE;
  return STYLE_LITERAL;
}

function needIndentIndicator(s: string): boolean {
  return /^\n* /.test(s);
}

function blockHeader(s: string): string {
  const indentIndicator = needIndentIndicator(s) ? '2' : '';
  const clip = s[s.length - 1] === '\n';
  const keep = clip && (s[s.length - 2] === '\n' || s === '\n');
  const chomp = keep ? '+' : clip ? '' : '-';
  return indentIndicator + chomp + '\n';
}

/** Indents every line; empty lines (\n only) are not indented. */
function indentString(s: string, indent: string): string {
  let position = 0;
  let result = '';
  const length = s.length;
  while (position < length) {
    let line: string;
    const next = s.indexOf('\n', position);
    if (next === -1) {
      line = s.slice(position);
      position = length;
    } else {
      line = s.slice(position, next + 1);
      position = next + 1;
    }
    if (line.length && line !== '\n') result += indent;
    result += line;
  }
  return result;
}

function dropEndingNewline(s: string): string {
  return s[s.length - 1] === '\n' ? s.slice(0, -1) : s;
}

function encodeHex(character: number): string {
  const digits = character.toString(16).toUpperCase();
  const [handle, length] = character <= 0xff ? ['x', 2] : character <= 0xffff ? ['u', 4] : ['U', 8];
  return '\\' + handle + '0'.repeat(length - digits.length) + digits;
}

function escapeString(s: string): string {
  let result = '';
  let char = 0;
  for (let i = 0; i < s.length; char >= 0x10000 ? (i += 2) : i++) {
    char = codePointAt(s, i);
    const escapeSeq = ESCAPE_SEQUENCES.get(char);
    if (!escapeSeq && isPrintable(char)) {
      result += s[i];
      if (char >= 0x10000) result += s[i + 1];
    } else {
      result += escapeSeq || encodeHex(char);
    }
  }
  return result;
}

function representNumber(n: number): string {
  if (n % 1 === 0 && !Object.is(n, -0)) return n.toString(10);
  if (Number.isNaN(n)) return '.nan';
  if (n === Number.POSITIVE_INFINITY) return '.inf';
  if (n === Number.NEGATIVE_INFINITY) return '-.inf';
  if (Object.is(n, -0)) return '-0.0';
  const res = n.toString(10);
  return SCIENTIFIC_WITHOUT_DOT.test(res) ? res.replace('e', '.e') : res;
}

/**
 * A function that writes one document as YAML, byte for byte as `yaml.dump(doc, { schema, sortKeys, lineWidth: -1,
 * noRefs: true, quotingType: "'" })` does.
 */
export function yamlWriter(options: YamlWriterOptions): (doc: unknown) => string {
  const { schema, sortKeys } = options;
  const dumpOptions: yaml.DumpOptions = { schema, sortKeys: sortKeys ?? false, lineWidth: -1, noRefs: true, quotingType: "'" };
  const implicit = (schema as unknown as Partial<CompiledSchema>).compiledImplicit;
  // Another js-yaml whose schema keeps its types elsewhere: its own dump, slower but the same bytes.
  if (!Array.isArray(implicit)) return (doc) => yaml.dump(doc, dumpOptions);
  const ambiguous = (s: string): boolean => {
    for (const type of implicit) if (type.resolve(s)) return true;
    return false;
  };

  function scalar(s: string, level: number, isKey: boolean): string {
    if (s.length === 0) return "''";
    if (SIMPLE.test(s)) return AMBIGUOUS_WORDS.has(s) ? `'${s}'` : s;
    if (DEPRECATED_BOOLEANS_SYNTAX.has(s) || DEPRECATED_BASE60_SYNTAX.test(s)) return `'${s}'`;
    switch (chooseScalarStyle(s, isKey, ambiguous)) {
      case STYLE_PLAIN:
        return s;
      case STYLE_SINGLE:
        return "'" + s.replace(/'/g, "''") + "'";
      case STYLE_LITERAL:
        return '|' + blockHeader(s) + dropEndingNewline(indentString(s, spaces(2 * Math.max(1, level))));
      default:
        return '"' + escapeString(s) + '"';
    }
  }

  /** The text of one node; `undefined` for a value js-yaml skips (undefined). */
  function node(value: unknown, level: number, compact: boolean): string | undefined {
    switch (typeof value) {
      case 'string':
        return scalar(value, level, false);
      case 'number':
        return representNumber(value);
      case 'boolean':
        return value ? 'true' : 'false';
      case 'undefined':
        return undefined;
      case 'object': {
        if (value === null) return 'null';
        if (Array.isArray(value)) return value.length === 0 ? '[]' : sequence(value, level, compact);
        if (toStringTag.call(value) !== '[object Object]') throw new NeedsGeneralPath();
        return mapping(value as Record<string, unknown>, level, compact);
      }
      default:
        throw new NeedsGeneralPath();
    }
  }

  function sequence(items: readonly unknown[], level: number, compact: boolean): string {
    let result = '';
    const nextLine = '\n' + spaces(2 * level);
    for (const item of items) {
      const text = node(item, level + 1, true) ?? 'null';
      if (!compact || result !== '') result += nextLine;
      result += text.charCodeAt(0) === CHAR_LINE_FEED ? '-' : '- ';
      result += text;
    }
    return result;
  }

  function mapping(object: Record<string, unknown>, level: number, compact: boolean): string {
    const keys = Object.keys(object);
    if (keys.length === 0) return '{}';
    if (sortKeys) keys.sort(sortKeys);
    let result = '';
    const nextLine = '\n' + spaces(2 * level);
    for (const key of keys) {
      const keyText = scalar(key, level + 1, true);
      const explicitPair = keyText.length > 1024;
      const valueText = node(object[key], level + 1, explicitPair);
      if (valueText === undefined) continue;
      let pair = !compact || result !== '' ? nextLine : '';
      if (explicitPair) pair += (keyText.charCodeAt(0) === CHAR_LINE_FEED ? '?' : '? ') + keyText + nextLine;
      else pair += keyText;
      pair += valueText.charCodeAt(0) === CHAR_LINE_FEED ? ':' : ': ';
      result += pair + valueText;
    }
    return result || '{}';
  }

  return (doc) => {
    try {
      const text = node(doc, 0, true);
      return text === undefined ? '' : text + '\n';
    } catch (e) {
      if (e instanceof NeedsGeneralPath) return yaml.dump(doc, dumpOptions);
      throw e;
    }
  };
}
