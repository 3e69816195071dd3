/**
 * CRD validation rules (`x-kubernetes-validations`, CEL) evaluated at synth as the API server evaluates them at
 * create: on the value after structural defaulting, with property names escaped as Kubernetes escapes them, and
 * integers as CEL `int`. Transition rules (those that read `oldSelf`) only run on update and are skipped; a rule
 * that uses a function or variable the evaluator does not have is never silently passed: it is reported as
 * not evaluable (see {@link ruleInventory} and the VALIDATION.md report).
 */
import { celEnv, isCelError, parse, plan } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import type { SchemaNode, ValidationRule } from './schema-registry';

/** How synth treats a rule. */
export type RuleStatus = 'enforced' | 'transition' | 'unsupported';

/** The result of one rule on one value: passed, failed with the rule's message, or could not be evaluated. */
export type RuleOutcome =
  | { readonly kind: 'pass' }
  | { readonly kind: 'fail'; readonly message: string }
  | { readonly kind: 'error'; readonly message: string };

/** A rule compiled once per process (rules are cached by their text). */
export interface CompiledRule {
  readonly rule: ValidationRule;
  readonly status: RuleStatus;
  /** Why the rule is a transition rule or cannot be evaluated; undefined when enforced. */
  readonly note?: string;
  /** Runs the rule with `self` bound to an already converted value (see {@link toCelValue}). */
  evaluate(self: unknown): RuleOutcome;
}

type Program = (ctx: { self: unknown }) => unknown;

/**
 * The Kubernetes CEL environment for CRD rules: the CEL standard library and the strings extension (`lowerAscii`,
 * `upperAscii`, `split`, `indexOf`, `replace`, ...). Of the Kubernetes-specific libraries (lists, regex `find`,
 * `url`, `quantity`, `ip`/`cidr`, `format`) none is used by the vendored CRDs; a rule that needs one is reported as
 * not evaluable.
 */
const ENV = celEnv({ funcs: strings });

/** Calls the planner handles itself (logical operators, ternary, index, macro plumbing); not in the resolver. */
const PLANNER_CALLS = new Set(['_&&_', '_||_', '_?_:_', '_[_]', '@not_strictly_false', '_[?_]', '_?._', '@in']);

/** Names of the functions in ENV, for the compile-time check that every call can be resolved. */
const KNOWN_FUNCTIONS: ReadonlySet<string> = new Set([...ENV.funcs].map((f) => f.name));

/** CEL reserved words: a property with such a name is reached as `self.__name__` (Kubernetes escaping). */
const CEL_RESERVED = new Set(['true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for',
  'function', 'if', 'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while']);
const ESCAPABLE = /^[a-zA-Z_.\-/][a-zA-Z0-9_.\-/]*$/;

/** The name under which CEL sees an object property, or undefined when CEL cannot reach it (Kubernetes rules). */
export function escapePropertyName(name: string): string | undefined {
  if (CEL_RESERVED.has(name)) return `__${name}__`;
  if (!ESCAPABLE.test(name)) return undefined;
  return name.replace(/__|[./-]/g, (m) => (m === '__' ? '__underscores__' : m === '.' ? '__dot__' : m === '-' ? '__dash__' : '__slash__'));
}

/** What a parsed expression refers to: the functions it calls and the free variables it reads. */
interface ExprFacts {
  readonly calls: Set<string>;
  readonly idents: Set<string>;
  readonly bound: Set<string>;
}

/** Walks a parsed CEL expression (the cel.expr.Expr protobuf message) collecting calls and identifiers. */
function collectFacts(expr: any, facts: ExprFacts): void {
  if (!expr || !expr.exprKind) return;
  const { case: kind, value } = expr.exprKind;
  switch (kind) {
    case 'callExpr':
      facts.calls.add(value.function);
      collectFacts(value.target, facts);
      for (const a of value.args) collectFacts(a, facts);
      return;
    case 'selectExpr':
      collectFacts(value.operand, facts);
      return;
    case 'identExpr':
      facts.idents.add(value.name);
      return;
    case 'comprehensionExpr':
      for (const v of [value.iterVar, value.iterVar2, value.accuVar]) if (v) facts.bound.add(v);
      for (const e of [value.iterRange, value.accuInit, value.loopCondition, value.loopStep, value.result]) collectFacts(e, facts);
      return;
    case 'listExpr':
      for (const e of value.elements) collectFacts(e, facts);
      return;
    case 'structExpr':
      for (const e of value.entries) {
        if (e.keyKind?.case === 'mapKey') collectFacts(e.keyKind.value, facts);
        collectFacts(e.value, facts);
      }
      return;
    default:
      return;
  }
}

/** Parses and plans one expression; returns the program or why it cannot run here. */
function compileExpression(text: string, allowed: ReadonlySet<string>): { program?: Program; oldSelf: boolean; problem?: string } {
  let parsed;
  try {
    parsed = parse(text);
  } catch (e) {
    return { oldSelf: false, problem: `does not parse: ${(e as Error).message}` };
  }
  const facts: ExprFacts = { calls: new Set(), idents: new Set(), bound: new Set() };
  collectFacts(parsed.expr, facts);
  const oldSelf = facts.idents.has('oldSelf');
  const unknownCalls = [...facts.calls].filter((c) => !PLANNER_CALLS.has(c) && !KNOWN_FUNCTIONS.has(c)).sort();
  if (unknownCalls.length > 0) return { oldSelf, problem: `uses ${unknownCalls.map((c) => `${c}()`).join(', ')}, which the evaluator does not provide` };
  const unknownVars = [...facts.idents].filter((v) => !allowed.has(v) && !facts.bound.has(v)).sort();
  if (unknownVars.length > 0) return { oldSelf, problem: `reads ${unknownVars.join(', ')}, which a CRD rule does not have` };
  try {
    return { program: plan(ENV, parsed) as unknown as Program, oldSelf };
  } catch (e) {
    return { oldSelf, problem: `cannot be planned: ${(e as Error).message}` };
  }
}

const RULE_VARIABLES: ReadonlySet<string> = new Set(['self', 'oldSelf']);
const MESSAGE_VARIABLES: ReadonlySet<string> = new Set(['self']);

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

class Rule implements CompiledRule {
  public readonly status: RuleStatus;
  public readonly note?: string;
  private readonly program?: Program;
  private readonly messageProgram?: Program;

  public constructor(public readonly rule: ValidationRule) {
    const compiled = compileExpression(rule.rule, RULE_VARIABLES);
    if (compiled.oldSelf) {
      // Kubernetes runs a transition rule only on update (with optionalOldSelf also at create, oldSelf unset).
      this.status = 'transition';
      this.note = rule.optionalOldSelf
        ? 'transition rule with optionalOldSelf: not evaluated at synth (optional values are not supported)'
        : 'transition rule (reads oldSelf): runs on update only, not at create';
    } else if (compiled.problem) {
      this.status = 'unsupported';
      this.note = compiled.problem;
    } else {
      this.status = 'enforced';
      this.program = compiled.program;
      if (rule.messageExpression) this.messageProgram = compileExpression(rule.messageExpression, MESSAGE_VARIABLES).program;
    }
  }

  public evaluate(self: unknown): RuleOutcome {
    if (!this.program) return { kind: 'pass' };
    let result: unknown;
    try {
      result = this.program({ self });
    } catch (e) {
      return { kind: 'error', message: errorText(e) };
    }
    if (isCelError(result)) return { kind: 'error', message: result.message };
    if (result === true) return { kind: 'pass' };
    if (result !== false) return { kind: 'error', message: `the rule returned ${typeof result}, not a bool` };
    return { kind: 'fail', message: this.message(self) };
  }

  /** Kubernetes' order: messageExpression when it yields a non-empty string, then message, then the rule itself. */
  private message(self: unknown): string {
    if (this.messageProgram) {
      try {
        const m = this.messageProgram({ self });
        if (typeof m === 'string' && m.trim() !== '') return m;
      } catch {
        // fall back to the static message, as the API server does
      }
    }
    return this.rule.message ?? `failed rule: ${this.rule.rule}`;
  }
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
