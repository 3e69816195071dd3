/**
 * Checks the values the platform passes to an add-on chart, the way `helm` and a reviewer would: against the
 * chart's `values.schema.json` where upstream ships one (the JSON Schema subset those schemas use), and in every
 * case for keys the chart does not know, with the nearest known keys. Known keys at a path are the keys of the
 * chart's default values there plus the properties its schema declares there; below a free-form map of the
 * defaults (`nodeSelector: {}`) or a schema map (`additionalProperties: {...}`) any key is accepted.
 */
import { ChartData, nearestKeys, ValueKeyNode, ValueKeyTree } from '../synth/chart-data';
import { DocObject } from '../core/documents';

/** One problem of a values object: where it is and what is wrong. */
export interface ValuesProblem {
  /** Key path in the values, `` for the top level, e.g. `webhook.securityContext`. */
  readonly path: string;
  readonly message: string;
}

type Schema = Readonly<DocObject>;

/** JSON Schema keywords the checker evaluates (or knows to be documentation). A schema using others is reported. */
export const SUPPORTED_SCHEMA_KEYWORDS: readonly string[] = [
  '$ref',
  '$defs',
  'definitions',
  '$schema',
  '$id',
  '$comment',
  'type',
  'enum',
  'const',
  'properties',
  'additionalProperties',
  'patternProperties',
  'required',
  'items',
  'allOf',
  'anyOf',
  'oneOf',
  'not',
  'dependencies',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'format',
  'title',
  'description',
  'default',
  'examples',
  'deprecated',
  'readOnly',
];

const SIMPLE_KEY = /^[A-Za-z_$][\w$-]*$/;

function child(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (SIMPLE_KEY.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Every keyword of `schema` (recursively) that {@link SUPPORTED_SCHEMA_KEYWORDS} does not list, sorted. */
export function unsupportedSchemaKeywords(schema: Schema): string[] {
  const out = new Set<string>();
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (!isObject(n)) return;
    for (const [k, v] of Object.entries(n)) {
      if (!SUPPORTED_SCHEMA_KEYWORDS.includes(k)) out.add(k);
      if (k === 'properties' || k === '$defs' || k === 'definitions' || k === 'patternProperties' || k === 'dependencies') {
        for (const sub of Object.values(v as Record<string, unknown>)) if (isObject(sub)) walk(sub);
      } else if (k !== 'enum' && k !== 'const' && k !== 'default' && k !== 'examples' && k !== 'required') {
        walk(v);
      }
    }
  };
  walk(schema);
  return [...out].sort();
}

/** Resolves local references (`#/$defs/x`, `#/definitions/x`, any JSON pointer into the root). */
class SchemaDoc {
  private readonly patterns = new Map<string, RegExp | null>();
  public constructor(public readonly root: Schema) {}

  public resolve(s: Schema): Schema {
    let n = s;
    for (let depth = 0; typeof n.$ref === 'string' && depth < 32; depth++) {
      const ref: string = n.$ref;
      if (!ref.startsWith('#')) throw new Error(`values schema reference ${ref} is not local`);
      let target: unknown = this.root;
      for (const raw of ref
        .slice(1)
        .split('/')
        .filter((p) => p !== '')) {
        target = target !== null && typeof target === 'object' ? (target as Record<string, unknown>)[raw.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
      }
      if (!isObject(target)) throw new Error(`values schema reference ${ref} resolves to nothing`);
      // Sibling keywords of a $ref apply too (draft 2019+); merged below the target's.
      const { $ref: _ignored, ...siblings } = n;
      n = Object.keys(siblings).length > 0 ? { allOf: [target, siblings] } : target;
    }
    return n;
  }

  public regex(p: string): RegExp | null {
    let re = this.patterns.get(p);
    if (re === undefined) {
      try {
        re = new RegExp(p, 'u');
      } catch {
        re = null;
      }
      this.patterns.set(p, re);
    }
    return re;
  }
}

/**
 * Problems of `value` against `schema`. Helm validates the values merged over the chart's defaults, so a required
 * key the defaults hold (`tree`) is present. Unknown object keys are left to {@link unknownKeyProblems}.
 */
function validate(doc: SchemaDoc, value: unknown, schemaIn: Schema, path: string, out: ValuesProblem[], tree: ValueKeyNode | undefined): void {
  const schema = doc.resolve(schemaIn);
  if (schema === undefined || schema === null) return;
  if (typeof schema === 'boolean') {
    if (schema === false) out.push({ path, message: 'no value is allowed here' });
    return;
  }
  for (const s of schema.allOf ?? []) validate(doc, value, s, path, out, tree);
  const branches = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (branches) {
    const results = branches.map((b) => {
      const sub: ValuesProblem[] = [];
      validate(doc, value, b, path, sub, tree);
      return sub;
    });
    const ok = results.filter((r) => r.length === 0).length;
    if (schema.anyOf ? ok === 0 : ok !== 1) {
      const best = results.reduce((a, b) => (b.length < a.length ? b : a));
      if (best.length > 0 && ok === 0) out.push(...best);
      else out.push({ path, message: `value ${show(value)} matches ${ok} of the allowed forms; exactly one must match` });
    }
  }
  if (schema.not !== undefined) {
    const sub: ValuesProblem[] = [];
    validate(doc, value, schema.not, path, sub, tree);
    if (sub.length === 0) out.push({ path, message: `value ${show(value)} matches a form that is not allowed` });
  }
  if (schema.type !== undefined) {
    const types: string[] = Array.isArray(schema.type) ? schema.type : [schema.type];
    const t = typeOf(value);
    const ok = types.some((x) => x === t || (x === 'number' && t === 'integer'));
    if (!ok) {
      out.push({ path, message: `expected ${types.join(' or ')}, got ${t} ${show(value)}` });
      return;
    }
  }
  if (schema.enum !== undefined && !schema.enum.some((e: unknown) => JSON.stringify(e) === JSON.stringify(value))) {
    out.push({ path, message: `value ${show(value)} is not allowed; allowed: ${schema.enum.map((e: unknown) => JSON.stringify(e)).join(', ')}` });
  }
  if (schema.const !== undefined && JSON.stringify(schema.const) !== JSON.stringify(value)) {
    out.push({ path, message: `value ${show(value)} must be ${JSON.stringify(schema.const)}` });
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength)
      out.push({ path, message: `string ${show(value)} is shorter than ${schema.minLength}` });
    if (schema.maxLength !== undefined && value.length > schema.maxLength)
      out.push({ path, message: `string ${show(value)} is longer than ${schema.maxLength}` });
    if (schema.pattern !== undefined) {
      const re = doc.regex(schema.pattern);
      if (re && !re.test(value)) out.push({ path, message: `string ${show(value)} does not match ${schema.pattern}` });
    }
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) out.push({ path, message: `${value} is below the minimum ${schema.minimum}` });
    if (schema.maximum !== undefined && value > schema.maximum) out.push({ path, message: `${value} is above the maximum ${schema.maximum}` });
    if (typeof schema.exclusiveMinimum === 'number' && value <= schema.exclusiveMinimum)
      out.push({ path, message: `${value} must be above ${schema.exclusiveMinimum}` });
    if (typeof schema.exclusiveMaximum === 'number' && value >= schema.exclusiveMaximum)
      out.push({ path, message: `${value} must be below ${schema.exclusiveMaximum}` });
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems)
      out.push({ path, message: `expected at least ${schema.minItems} items, got ${value.length}` });
    if (schema.maxItems !== undefined && value.length > schema.maxItems)
      out.push({ path, message: `expected at most ${schema.maxItems} items, got ${value.length}` });
    if (schema.uniqueItems === true && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) out.push({ path, message: 'items must be unique' });
    if (isObject(schema.items)) value.forEach((v, i) => validate(doc, v, schema.items, child(path, i), out, undefined));
  }
  if (isObject(value)) {
    const defaults = typeof tree === 'object' ? tree : {};
    for (const r of schema.required ?? []) {
      if (value[r] === undefined && !(r in defaults)) out.push({ path: child(path, r), message: `required key "${r}" is missing` });
    }
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      const p = schema.properties?.[k];
      if (p !== undefined) {
        validate(doc, v, p, child(path, k), out, defaults[k]);
        continue;
      }
      let matched = false;
      for (const [re, s] of Object.entries((schema.patternProperties ?? {}) as Record<string, Schema>)) {
        const rx = doc.regex(re);
        if (rx && rx.test(k)) {
          matched = true;
          validate(doc, v, s, child(path, k), out, defaults[k]);
        }
      }
      if (!matched && isObject(schema.additionalProperties)) validate(doc, v, schema.additionalProperties, child(path, k), out, defaults[k]);
    }
    for (const [k, dep] of Object.entries((schema.dependencies ?? {}) as Record<string, unknown>)) {
      if (value[k] === undefined) continue;
      if (Array.isArray(dep)) {
        for (const r of dep)
          if (value[r as string] === undefined && !((r as string) in defaults))
            out.push({ path: child(path, r as string), message: `required when "${k}" is set` });
      } else if (isObject(dep)) {
        validate(doc, value, dep, path, out, tree);
      }
    }
  }
}

/** What the schema says about the keys of an object at one path. */
interface SchemaKeys {
  /** Declared property names (union over branches). */
  readonly properties: Set<string>;
  /** Any other key is accepted (an explicit map, pattern properties, or an object schema without properties). */
  readonly open: boolean;
  /** Schemas of a key, per declared name or for any key of an open map. */
  readonly sub: (key: string) => Schema[];
}

function schemaKeys(doc: SchemaDoc, schemas: readonly Schema[]): SchemaKeys | undefined {
  const properties = new Set<string>();
  let open = false;
  let described = false;
  const subs = new Map<string, Schema[]>();
  const anyKey: Schema[] = [];
  const visit = (sIn: Schema, depth: number): void => {
    if (depth > 16 || !isObject(sIn)) return;
    const s = doc.resolve(sIn);
    for (const b of [...(s.allOf ?? []), ...(s.anyOf ?? []), ...(s.oneOf ?? [])]) visit(b, depth + 1);
    if (isObject(s.properties)) {
      described = true;
      for (const [k, v] of Object.entries(s.properties as Record<string, Schema>)) {
        properties.add(k);
        subs.set(k, [...(subs.get(k) ?? []), v]);
      }
    }
    if (s.additionalProperties === true || isObject(s.additionalProperties)) {
      described = true;
      open = true;
      if (isObject(s.additionalProperties)) anyKey.push(s.additionalProperties);
    }
    if (isObject(s.patternProperties)) {
      described = true;
      open = true;
    }
    if (s.additionalProperties === false) described = true;
    const types: unknown[] = Array.isArray(s.type) ? s.type : s.type !== undefined ? [s.type] : [];
    if (types.includes('object') && s.properties === undefined && s.additionalProperties === undefined && s.patternProperties === undefined) {
      described = true;
      open = true;
    }
  };
  for (const s of schemas) visit(s, 0);
  if (!described) return undefined;
  return { properties, open, sub: (k) => subs.get(k) ?? anyKey };
}

/** Unknown keys of `values`: neither in the chart's default values nor declared by its schema at that path. */
function unknownKeyProblems(
  doc: SchemaDoc | undefined,
  tree: ValueKeyNode | undefined,
  schemas: readonly Schema[],
  values: Record<string, unknown>,
  path: string,
  open: ReadonlySet<string>,
  out: ValuesProblem[],
): void {
  if (open.has(path)) return;
  const treeKeys = tree !== undefined && typeof tree === 'object' ? tree : undefined;
  const treeOpen = tree === 'map' || tree === 'any';
  const sk = doc && schemas.length > 0 ? schemaKeys(doc, schemas) : undefined;
  // Nothing describes this object (a leaf of the defaults without schema): not looked into.
  if (!treeKeys && !sk) return;
  const anyKey = treeOpen || (sk?.open ?? false) || (!treeKeys && sk !== undefined && sk.properties.size === 0);
  for (const key of Object.keys(values).sort()) {
    const v = values[key];
    if (v === undefined) continue;
    const inTree = treeKeys !== undefined && key in treeKeys;
    const inSchema = sk?.properties.has(key) ?? false;
    if (!inTree && !inSchema && !anyKey) {
      const known = [...new Set([...Object.keys(treeKeys ?? {}), ...(sk?.properties ?? [])])].sort();
      out.push({
        path: child(path, key),
        message: `unknown key "${key}"; nearest known keys${path ? ` at "${path}"` : ''}: ${nearestKeys(key, known).join(', ') || '(none)'}`,
      });
      continue;
    }
    if (isObject(v)) {
      const sub = treeKeys?.[key];
      unknownKeyProblems(doc, sub, sk ? sk.sub(key) : [], v, child(path, key), open, out);
    }
  }
}

/**
 * Every problem of `values` for the chart: schema violations (where the chart has a schema) and unknown keys,
 * in a stable order (path, then message). `openPaths` are maps the chart's templates pass through whole
 * (`toYaml .Values.podSecurityContext`) although neither its defaults nor its schema list their keys.
 */
export function checkChartValues(
  chart: Pick<ChartData, 'valuesSchema' | 'defaultValueKeys'>,
  values: Readonly<Record<string, unknown>>,
  openPaths: readonly string[] = [],
): ValuesProblem[] {
  const out: ValuesProblem[] = [];
  const doc = chart.valuesSchema ? new SchemaDoc(chart.valuesSchema) : undefined;
  if (doc) validate(doc, values, doc.root, '', out, chart.defaultValueKeys);
  unknownKeyProblems(doc, chart.defaultValueKeys as ValueKeyTree, doc ? [doc.root] : [], values as Record<string, unknown>, '', new Set(openPaths), out);
  const seen = new Set<string>();
  return out
    .filter((p) => {
      const k = `${p.path}\u0000${p.message}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.message < b.message ? -1 : a.message > b.message ? 1 : 0));
}

/** Deep merge of chart values: objects merge key by key, anything else (lists too) is replaced; undefined is skipped. */
export function mergeValues(base: Readonly<Record<string, unknown>>, over: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over ?? {})) {
    if (v === undefined) continue;
    const b = out[k];
    out[k] = isObject(b) && isObject(v) ? mergeValues(b, v) : v;
  }
  return out;
}

/** Values without `undefined` leaves (what YAML and Helm see), keys in insertion order. */
export function pruneUndefined<T>(v: T): T {
  if (Array.isArray(v)) return v.map(pruneUndefined) as unknown as T;
  if (isObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = pruneUndefined(x);
    return out as T;
  }
  return v;
}
