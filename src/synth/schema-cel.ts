/**
 * CRD validation rules (`x-kubernetes-validations`, CEL) evaluated at synth as the API server evaluates them at
 * create: on the value after structural defaulting, with property names escaped as Kubernetes escapes them, and
 * integers as CEL `int`. Transition rules (those that read `oldSelf`) only run on update and are skipped; a rule
 * that uses a function or variable the evaluator does not have is never silently passed: it is reported as
 * not evaluable (see {@link ruleInventory} and the VALIDATION.md report).
 */
import type * as CelModule from '@bufbuild/cel';
import type * as CelExtModule from '@bufbuild/cel/ext';
import type * as ProtobufModule from '@bufbuild/protobuf';
import type * as CelSyntaxModule from '@bufbuild/cel-spec/cel/expr/syntax_pb.js';
import type { SchemaNode, ValidationRule } from './schema-registry';

/** How synth treats a rule. */
export type RuleStatus = 'enforced' | 'transition' | 'unsupported';

/** The result of one rule on one value: passed, failed with the rule's message, or could not be evaluated. */
export type RuleOutcome =
  { readonly kind: 'pass' } | { readonly kind: 'fail'; readonly message: string } | { readonly kind: 'error'; readonly message: string };

/** A rule as synth knows it; classified without parsing, parsed and planned once, on first evaluation. */
export interface CompiledRule {
  readonly rule: ValidationRule;
  readonly status: RuleStatus;
  /** Why the rule is a transition rule or cannot be evaluated; undefined when enforced. */
  readonly note?: string;
  /** Runs the rule with `self` bound to an already converted value (see {@link toCelValue}). */
  evaluate(self: unknown): RuleOutcome;
}

type Program = (ctx: { self: unknown }) => unknown;

/** The evaluator, loaded on first use: an environment whose documents carry no rule never pays for loading it. */
interface Cel {
  readonly lib: typeof CelModule;
  readonly env: CelModule.CelEnv;
  /** The syntax tree `npm run import` stored for an expression (imports/cel-programs.json), or undefined. */
  readonly parsed: (text: string) => CelSyntaxModule.ParsedExpr | undefined;
}

let loaded: Cel | undefined;

/**
 * The Kubernetes CEL environment for CRD rules: the CEL standard library (macros `has`, `all`, `exists`,
 * `exists_one`, `map`, `filter`; `matches` with RE2 semantics, as the API server; `duration`, `timestamp`, `size`,
 * `startsWith`, `endsWith`, `contains`, conversions) and the strings extension (`lowerAscii`, `upperAscii`,
 * `split`, `indexOf`, `lastIndexOf`, `replace`, `substring`, `trim`, `join`, `charAt`, `format`). The
 * Kubernetes-specific libraries (lists `isSorted`/`sum`/`min`/`max`, regex `find`/`findAll`, `url`/`isURL`,
 * `quantity`/`isQuantity`, `ip`/`cidr`, `format.*`, `semver`) are not provided: no vendored CRD uses them, and a rule
 * that does is reported as not evaluable.
 */
function cel(): Cel {
  if (!loaded) {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const lib = require('@bufbuild/cel') as typeof CelModule;
    const ext = require('@bufbuild/cel/ext') as typeof CelExtModule;
    const { fromBinary } = require('@bufbuild/protobuf') as typeof ProtobufModule;
    const { ParsedExprSchema } = require('@bufbuild/cel-spec/cel/expr/syntax_pb.js') as typeof CelSyntaxModule;
    /* eslint-enable @typescript-eslint/no-require-imports */
    const stored = storedPrograms();
    const parsed = (text: string) => {
      const b64 = Object.prototype.hasOwnProperty.call(stored, text) ? stored[text] : undefined;
      return b64 === undefined ? undefined : fromBinary(ParsedExprSchema, Buffer.from(b64, 'base64'));
    };
    loaded = { lib, env: lib.celEnv({ funcs: ext.strings }), parsed };
  }
  return loaded;
}

let programs: Readonly<Record<string, string>> | undefined;

/** The syntax trees `npm run import` stored (imports/cel-programs.json), by expression. */
function storedPrograms(): Readonly<Record<string, string>> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (programs ??= (require('../../imports/cel-programs.json') as { readonly programs: Record<string, string> }).programs);
}

/**
 * Loads the evaluator and the stored syntax trees now rather than at the first rule (synth's worker does this while
 * it waits for its first documents).
 */
export function loadCelEvaluator(): void {
  cel();
}

/** Functions and macros of the environment above (the planner's operators are not names a rule can call). */
export const CEL_FUNCTIONS: ReadonlySet<string> = new Set([
  // macros
  'has',
  'all',
  'exists',
  'exists_one',
  'map',
  'filter',
  // standard library
  'size',
  'matches',
  'contains',
  'startsWith',
  'endsWith',
  'duration',
  'timestamp',
  'int',
  'uint',
  'double',
  'string',
  'bytes',
  'bool',
  'dyn',
  'type',
  'getDate',
  'getDayOfMonth',
  'getDayOfWeek',
  'getDayOfYear',
  'getFullYear',
  'getHours',
  'getMilliseconds',
  'getMinutes',
  'getMonth',
  'getSeconds',
  // strings extension
  'charAt',
  'format',
  'indexOf',
  'join',
  'lastIndexOf',
  'lowerAscii',
  'replace',
  'split',
  'substring',
  'trim',
  'upperAscii',
  'strings.quote',
]);

/** A string literal's opening: an optional raw/bytes prefix and the quote. */
const STRING_START = /([rRbB]{0,2})("""|'''|"|')/y;
const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER = /[0-9][0-9A-Za-z_.]*/y;

const MACROS_BINDING_A_VARIABLE = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);
const KEYWORDS = new Set(['true', 'false', 'null', 'in']);

/** What an expression refers to, read from its tokens: the functions it calls and the free variables it reads. */
export interface ExprFacts {
  readonly calls: ReadonlySet<string>;
  readonly variables: ReadonlySet<string>;
}

/**
 * Reads the calls and free variables of a CEL expression from its tokens, without parsing it. The parser of the
 * evaluator takes milliseconds per rule, and a kind can carry a hundred rules of which a document exercises a few:
 * classifying every rule of every emitted kind for VALIDATION.md must not parse them all. (A rule is parsed when it
 * is first evaluated; the parse is authoritative, and a test checks both agree on every vendored rule.)
 */
export function expressionFacts(text: string): ExprFacts {
  type Token = { readonly t: 'id' | 'str' | 'num' | 'op'; readonly v: string };
  const tokens: Token[] = [];
  // Sticky patterns match at `lastIndex`, so no token copies the rest of the text (linear in its length).
  const at = (re: RegExp, i: number): RegExpExecArray | null => {
    re.lastIndex = i;
    return re.exec(text);
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const str = at(STRING_START, i);
    if (str) {
      const raw = /[rR]/.test(str[1]!);
      const quote = str[2]!;
      let j = i + str[0].length;
      while (j < text.length && !text.startsWith(quote, j)) j += !raw && text[j] === '\\' ? 2 : 1;
      tokens.push({ t: 'str', v: text.slice(i, j + quote.length) });
      i = j + quote.length;
      continue;
    }
    const id = at(IDENTIFIER, i);
    if (id) {
      tokens.push({ t: 'id', v: id[0] });
      i += id[0].length;
      continue;
    }
    const num = at(NUMBER, i);
    if (num) {
      tokens.push({ t: 'num', v: num[0] });
      i += num[0].length;
      continue;
    }
    tokens.push({ t: 'op', v: c });
    i++;
  }
  const calls = new Set<string>();
  const variables = new Set<string>();
  const bound = new Set<string>();
  tokens.forEach((tok, k) => {
    if (tok.t !== 'id') return;
    const prev = tokens[k - 1];
    const next = tokens[k + 1];
    const member = prev?.t === 'op' && prev.v === '.';
    if (next?.t === 'op' && next.v === '(') {
      calls.add(tok.v);
      const arg = tokens[k + 2];
      const comma = tokens[k + 3];
      if (member && MACROS_BINDING_A_VARIABLE.has(tok.v) && arg?.t === 'id' && comma?.t === 'op' && comma.v === ',') bound.add(arg.v);
    } else if (!member && !KEYWORDS.has(tok.v)) {
      variables.add(tok.v);
    }
  });
  for (const b of bound) variables.delete(b);
  return { calls, variables };
}

/** Why an expression cannot run here (a function or variable the environment lacks), or undefined. */
function unsupportedReason(facts: ExprFacts, variables: ReadonlySet<string>): string | undefined {
  const calls = [...facts.calls].filter((c) => !CEL_FUNCTIONS.has(c)).sort();
  if (calls.length > 0) return `uses ${calls.map((c) => `${c}()`).join(', ')}, which the evaluator does not provide`;
  const vars = [...facts.variables].filter((v) => !variables.has(v)).sort();
  if (vars.length > 0) return `reads ${vars.join(', ')}, which a CRD rule does not have`;
  return undefined;
}

/**
 * Plans an expression, or says why it cannot be: from the syntax tree `npm run import` stored for it when there is
 * one (the same tree `parse` returns), else parsed here.
 */
function compileExpression(text: string): { program?: Program; problem?: string } {
  const { lib, env, parsed } = cel();
  try {
    return { program: lib.plan(env, parsed(text) ?? lib.parse(text)) as unknown as Program };
  } catch (e) {
    return { problem: `does not compile: ${errorText(e)}` };
  }
}

const RULE_VARIABLES: ReadonlySet<string> = new Set(['self']);

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

class Rule implements CompiledRule {
  public readonly status: RuleStatus;
  public readonly note?: string;
  private compiled?: { program?: Program; problem?: string; messageProgram?: Program };

  public constructor(public readonly rule: ValidationRule) {
    const facts = expressionFacts(rule.rule);
    const problem = unsupportedReason(facts, RULE_VARIABLES);
    if (facts.variables.has('oldSelf')) {
      // Kubernetes runs a transition rule only on update (with optionalOldSelf also at create, oldSelf unset).
      this.status = 'transition';
      this.note = rule.optionalOldSelf
        ? 'transition rule with optionalOldSelf: not evaluated at synth (optional values are not supported)'
        : 'transition rule (reads oldSelf): runs on update only, not at create';
    } else if (problem) {
      this.status = 'unsupported';
      this.note = problem;
    } else {
      this.status = 'enforced';
    }
  }

  public evaluate(self: unknown): RuleOutcome {
    if (this.status !== 'enforced') return { kind: 'pass' };
    if (!this.compiled) {
      const c = compileExpression(this.rule.rule);
      const m =
        this.rule.messageExpression && !unsupportedReason(expressionFacts(this.rule.messageExpression), RULE_VARIABLES)
          ? compileExpression(this.rule.messageExpression).program
          : undefined;
      this.compiled = { ...c, messageProgram: m };
    }
    const { program, problem } = this.compiled;
    if (!program) return { kind: 'error', message: problem ?? 'does not compile' };
    let result: unknown;
    try {
      result = program({ self });
    } catch (e) {
      return { kind: 'error', message: errorText(e) };
    }
    if (cel().lib.isCelError(result)) return { kind: 'error', message: (result as Error).message };
    if (result === true) return { kind: 'pass' };
    if (result !== false) return { kind: 'error', message: `the rule returned ${typeof result}, not a bool` };
    return { kind: 'fail', message: this.message(self) };
  }

  /** Kubernetes' order: messageExpression when it yields a non-empty string, then message, then the rule itself. */
  private message(self: unknown): string {
    const mp = this.compiled?.messageProgram;
    if (mp) {
      try {
        const m = mp({ self });
        if (typeof m === 'string' && m.trim() !== '') return m;
      } catch {
        // fall back to the static message, as the API server does
      }
    }
    return this.rule.message ?? `failed rule: ${this.rule.rule}`;
  }
}

/** CEL reserved words: a property with such a name is reached as `self.__name__` (Kubernetes escaping). */
const CEL_RESERVED = new Set([
  'true',
  'false',
  'null',
  'in',
  'as',
  'break',
  'const',
  'continue',
  'else',
  'for',
  'function',
  'if',
  'import',
  'let',
  'loop',
  'package',
  'namespace',
  'return',
  'var',
  'void',
  'while',
]);
const ESCAPABLE = /^[a-zA-Z_.\-/][a-zA-Z0-9_.\-/]*$/;

/** The name under which CEL sees an object property, or undefined when CEL cannot reach it (Kubernetes rules). */
export function escapePropertyName(name: string): string | undefined {
  if (CEL_RESERVED.has(name)) return `__${name}__`;
  if (!ESCAPABLE.test(name)) return undefined;
  return name.replace(/__|[./-]/g, (m) => (m === '__' ? '__underscores__' : m === '.' ? '__dot__' : m === '-' ? '__dash__' : '__slash__'));
}

const compiledByText = new Map<string, Rule>();

/** The compiled form of a rule; compiled once per distinct rule (text, message, messageExpression). */
export function compileRule(rule: ValidationRule): CompiledRule {
  const key = `${rule.rule}\u0000${rule.messageExpression ?? ''}\u0000${rule.message ?? ''}\u0000${rule.optionalOldSelf ?? ''}`;
  let c = compiledByText.get(key);
  if (!c) {
    c = new Rule(rule);
    compiledByText.set(key, c);
  }
  return c;
}

const rulesByNode = new WeakMap<SchemaNode, readonly CompiledRule[]>();

/** The compiled rules of one schema node (cached per node, so each rule is compiled once). */
export function rulesOf(node: SchemaNode): readonly CompiledRule[] {
  let rules = rulesByNode.get(node);
  if (!rules) {
    rules = (node['x-kubernetes-validations'] ?? []).map(compileRule);
    rulesByNode.set(node, rules);
  }
  return rules;
}

function genericCel(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(genericCel);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = genericCel(v);
    return out;
  }
  return value;
}

/**
 * Converts a JSON value to what CEL sees for `self` under `schema`: structural defaults applied to absent
 * properties, object properties under their escaped names, `integer` as CEL int (bigint), `number` as double,
 * values of unknown (preserved) fields typed from their JSON form. `resolve` follows `$ref`s (core definitions).
 */
export function toCelValue(value: unknown, schema: SchemaNode, resolve: (s: SchemaNode) => SchemaNode, cache?: WeakMap<object, unknown>): unknown {
  if (value === null || value === undefined) return null;
  if (cache && typeof value === 'object') {
    if (cache.has(value)) return cache.get(value);
    const converted = convert(value, schema, resolve, cache);
    cache.set(value, converted);
    return converted;
  }
  return convert(value, schema, resolve, cache);
}

function convert(value: unknown, schema: SchemaNode, resolve: (s: SchemaNode) => SchemaNode, cache?: WeakMap<object, unknown>): unknown {
  const s = schema.$ref ? resolve(schema) : schema;
  if (s['x-kubernetes-int-or-string']) return typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) {
    const items = s.items;
    return items ? value.map((v) => toCelValue(v, items, resolve, cache)) : value.map(genericCel);
  }
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const props = s.properties;
    const addl = s.additionalProperties;
    const out: Record<string, unknown> = {};
    if (props) {
      for (const [k, v] of Object.entries(obj)) {
        if (v === undefined) continue;
        const p = props[k];
        if (p) {
          const name = escapePropertyName(k);
          if (name !== undefined) out[name] = toCelValue(v, p, resolve, cache);
        } else {
          out[k] = genericCel(v); // preserved unknown field
        }
      }
      for (const [k, p] of Object.entries(props)) {
        if (p.default === undefined || obj[k] !== undefined) continue;
        const name = escapePropertyName(k);
        if (name !== undefined) out[name] = toCelValue(p.default, p, resolve, cache);
      }
      return out;
    }
    if (addl && typeof addl === 'object') {
      for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = toCelValue(v, addl, resolve, cache);
      return out;
    }
    return genericCel(obj);
  }
  if (typeof value === 'number') return s.type === 'integer' && Number.isInteger(value) ? BigInt(value) : value;
  return value;
}

/** One rule of a kind's schema, where it sits and how synth treats it. */
export interface RuleEntry {
  /** Path pattern of the schema node, e.g. `spec.rules[*].matches[*].path` (`[*]` for list items and map values). */
  readonly path: string;
  readonly rule: string;
  readonly message?: string;
  readonly status: RuleStatus;
  readonly note?: string;
}

const SIMPLE_KEY = /^[A-Za-z_$][\w$-]*$/;

function childPath(parent: string, key: string): string {
  if (SIMPLE_KEY.test(key)) return parent ? `${parent}.${key}` : key;
  return `${parent}[${JSON.stringify(key)}]`;
}

const inventoryBySchema = new WeakMap<SchemaNode, readonly RuleEntry[]>();

/** Every validation rule of a (CRD) schema outside `status`, depth first with properties in name order: deterministic. */
export function ruleInventory(schema: SchemaNode): readonly RuleEntry[] {
  const cached = inventoryBySchema.get(schema);
  if (cached) return cached;
  const out: RuleEntry[] = [];
  const visit = (node: SchemaNode, path: string): void => {
    for (const r of rulesOf(node)) {
      out.push({ path: path || '(root)', rule: r.rule.rule, message: r.rule.message, status: r.status, note: r.note });
    }
    for (const key of Object.keys(node.properties ?? {}).sort()) {
      // status is written by controllers through the status subresource, never by a manifest
      if (path === '' && key === 'status') continue;
      visit(node.properties![key]!, childPath(path, key));
    }
    if (node.items) visit(node.items, `${path}[*]`);
    if (node.additionalProperties && typeof node.additionalProperties === 'object') visit(node.additionalProperties, `${path}[*]`);
  };
  visit(schema, '');
  inventoryBySchema.set(schema, out);
  return out;
}
