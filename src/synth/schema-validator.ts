import { apiRemovalOf } from '../core/kubernetes-version';
import { rulesOf, toCelValue } from './schema-cel';
import { KindInfo, SchemaNode, SchemaRegistry } from './schema-registry';
import { DocObject } from '../core/documents';

/** One problem found in one document. */
export interface Problem {
  /** JSON path inside the document, e.g. `spec.template.spec.containers[0].image`. */
  readonly path: string;
  readonly message: string;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const RFC1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** Kinds whose names must be DNS-1123 labels (63 characters) rather than subdomains (253). */
const LABEL_NAMED_KINDS = new Set(['Namespace', 'Service', 'StatefulSet', 'CronJob', 'Rollout']);

/** Checks a label or annotation key: optional DNS-1123 subdomain prefix, `/`, a name of at most 63 characters. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) {
    return `key prefix "${prefix}" must be a DNS-1123 subdomain of at most 253 characters`;
  }
  if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) {
    return `key name "${name}" must be 1-63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric`;
  }
  return undefined;
}

/** Checks a label value: empty, or at most 63 characters of [A-Za-z0-9_.-] starting and ending alphanumeric. */
export function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63 || !LABEL_NAME.test(value)) {
    return `label value "${value}" must be at most 63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric`;
  }
  return undefined;
}

/** Checks an object name for its kind; returns the problem or undefined. */
export function nameProblem(kind: string, name: string): string | undefined {
  if (kind === 'Service') {
    return name.length <= 63 && RFC1035_LABEL.test(name)
      ? undefined
      : `name "${name}" must be a DNS-1035 label: at most 63 characters of [a-z0-9-], starting with a letter and ending alphanumeric`;
  }
  if (LABEL_NAMED_KINDS.has(kind)) {
    return name.length <= 63 && DNS1123_LABEL.test(name)
      ? undefined
      : `name "${name}" must be a DNS-1123 label: at most 63 characters of [a-z0-9-], starting and ending alphanumeric`;
  }
  return name.length <= 253 && DNS1123_SUBDOMAIN.test(name)
    ? undefined
    : `name "${name}" must be a DNS-1123 subdomain: at most 253 characters of [a-z0-9.-], starting and ending alphanumeric`;
}

export function isDns1123Label(s: string): boolean {
  return s.length <= 63 && DNS1123_LABEL.test(s);
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (Number.isInteger(v)) return 'integer';
  return typeof v;
}

/** A JSON path built as a linked list while walking; only rendered to a string when a problem is reported. */
interface PathNode {
  readonly parent: Path;
  readonly key: string | number;
}
type Path = PathNode | string | undefined;

const SIMPLE_KEY = /^[A-Za-z_$][\w$-]*$/;

function join(parent: Path, key: string | number): PathNode {
  return { parent, key };
}

function render(path: Path): string {
  if (path === undefined) return '';
  if (typeof path === 'string') return path;
  const prefix = render(path.parent);
  const key = path.key;
  if (typeof key === 'number') return `${prefix}[${key}]`;
  if (SIMPLE_KEY.test(key)) return prefix ? `${prefix}.${key}` : key;
  return `${prefix}[${JSON.stringify(key)}]`;
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
}

/** JSON with object keys sorted: equal values give equal strings (list-type set/map uniqueness). */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'undefined';
}

/** Appends a rule's `fieldPath` (`.a.b`, `.a['b']`, `.a[0]`) to the path of the node that holds the rule. */
function withFieldPath(path: Path, fieldPath: string): Path {
  let p = path;
  for (const m of fieldPath.matchAll(/\.([A-Za-z0-9_$-]+)|\[(\d+)\]|\['([^']*)'\]/g)) {
    p = m[1] !== undefined ? join(p, m[1]) : m[2] !== undefined ? join(p, Number(m[2])) : join(p, m[3]!);
  }
  return p;
}

/** Strict structural validation of documents against the Kubernetes 1.27 definitions and vendored CRD schemas. */
export class SchemaValidator {
  private readonly patterns = new Map<string, RegExp | null>();
  /** CEL views of the current document's objects, so nested rules do not convert a subtree twice. */
  private celValues = new WeakMap<object, unknown>();
  /** The current document's metadata, for rules at the root of a schema. */
  private metadata: Record<string, unknown> | undefined;
  private readonly resolveSchema = (s: SchemaNode): SchemaNode => {
    let n = s;
    while (n.$ref) n = this.registry.resolveRef(n.$ref);
    return n;
  };

  public constructor(private readonly registry: SchemaRegistry = SchemaRegistry.default()) {}

  /** The scope and schema of the document's kind, or undefined when unknown. */
  public kindOf(doc: { apiVersion?: unknown; kind?: unknown }): KindInfo | undefined {
    if (typeof doc.apiVersion !== 'string' || typeof doc.kind !== 'string') return undefined;
    return this.registry.lookup(doc.apiVersion, doc.kind);
  }

  /** Every problem of one document; an empty list means valid. */
  public validate(doc: DocObject): Problem[] {
    const problems: Problem[] = [];
    const info = this.kindOf(doc);
    if (!info) {
      const removed = apiRemovalOf(String(doc.apiVersion), String(doc.kind));
      problems.push({
        path: 'apiVersion',
        message: removed
          ? `"${doc.apiVersion}" ${doc.kind} is no longer served as of Kubernetes 1.${removed.removedIn}; use ${removed.replacement}`
          : `unknown apiVersion/kind "${doc.apiVersion}/${doc.kind}": neither Kubernetes 1.27 nor a vendored CRD serves it`,
      });
      return problems;
    }
    const { metadata, ...rest } = doc;
    // metadata is checked separately against ObjectMeta (CRD schemas leave it untyped), so the body check must
    // neither require nor type it.
    const strict = {
      ...info.schema,
      properties: { ...info.schema.properties },
      required: (info.schema.required ?? []).filter((r) => r !== 'metadata'),
    } as { properties: Record<string, SchemaNode>; required: string[] };
    delete strict.properties.metadata;
    this.celValues = new WeakMap();
    this.metadata = metadata && typeof metadata === 'object' ? metadata : undefined;
    this.check(rest, strict, undefined, problems, info.structural);
    if (metadata === undefined || metadata === null || typeof metadata !== 'object') {
      problems.push({ path: 'metadata', message: 'metadata is required' });
      return problems;
    }
    this.check(metadata, this.registry.objectMeta, 'metadata', problems, false);
    this.checkMetadata(info, metadata, problems);
    this.checkNestedLabels(doc, undefined, problems, 0);
    return problems;
  }

  private checkMetadata(info: KindInfo, md: DocObject, problems: Problem[]): void {
    if (typeof md.name !== 'string' || md.name === '') {
      problems.push({ path: 'metadata.name', message: 'an explicit, stable name is required' });
    } else {
      const p = nameProblem(info.kind, md.name);
      if (p) problems.push({ path: 'metadata.name', message: p });
    }
    if (info.namespaced) {
      if (typeof md.namespace !== 'string' || md.namespace === '') {
        problems.push({ path: 'metadata.namespace', message: `${info.kind} is namespaced: metadata.namespace is required` });
      } else if (!isDns1123Label(md.namespace)) {
        problems.push({ path: 'metadata.namespace', message: `namespace "${md.namespace}" must be a DNS-1123 label` });
      }
    } else if (md.namespace !== undefined) {
      problems.push({ path: 'metadata.namespace', message: `${info.kind} is cluster-scoped: metadata.namespace must not be set` });
    }
    this.checkLabels(md.labels, 'metadata.labels', problems, true);
    this.checkLabels(md.annotations, 'metadata.annotations', problems, false);
  }

  private checkLabels(map: unknown, path: Path, problems: Problem[], values: boolean): void {
    if (!map || typeof map !== 'object') return;
    for (const [k, v] of Object.entries(map as Record<string, unknown>)) {
      const kp = labelKeyProblem(k);
      if (kp) problems.push({ path: render(join(path, k)), message: kp });
      if (values && typeof v === 'string') {
        const vp = labelValueProblem(v);
        if (vp) problems.push({ path: render(join(path, k)), message: vp });
      }
    }
  }

  /** Pod template labels and label selectors anywhere in the body follow the same rules as metadata.labels. */
  private checkNestedLabels(node: unknown, path: Path, problems: Problem[], depth: number): void {
    if (!node || typeof node !== 'object' || depth > 12) return;
    if (Array.isArray(node)) {
      node.forEach((v, i) => this.checkNestedLabels(v, join(path, i), problems, depth + 1));
      return;
    }
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
      if (depth === 0 && k === 'metadata') continue;
      const p = join(path, k);
      if ((k === 'matchLabels' || (k === 'labels' && typeof path === 'object' && path.key === 'metadata')) && v && typeof v === 'object') {
        this.checkLabels(v, p, problems, true);
      } else if (typeof v === 'object') {
        this.checkNestedLabels(v, p, problems, depth + 1);
      }
    }
  }

  private pattern(p: string): RegExp | null {
    let re = this.patterns.get(p);
    if (re === undefined) {
      try {
        re = new RegExp(p, 'u');
      } catch {
        re = null; // an RE2 construct JavaScript cannot compile: skipped (the API server still checks it)
      }
      this.patterns.set(p, re);
    }
    return re;
  }

  private check(value: unknown, schemaIn: SchemaNode, path: Path, problems: Problem[], structural: boolean): void {
    let schema = schemaIn;
    while (schema.$ref) schema = this.registry.resolveRef(schema.$ref);
    const listType = schema['x-kubernetes-list-type'];
    const rules = schema['x-kubernetes-validations'];
    if (listType === undefined && rules === undefined) {
      this.checkValue(value, schema, path, problems, structural);
      return;
    }
    const before = problems.length;
    this.checkValue(value, schema, path, problems, structural);
    if (value === null || value === undefined) return;
    // Rules run only on a value that is otherwise valid: a rule over a malformed value would only repeat the problem.
    const clean = problems.length === before;
    if ((listType === 'set' || listType === 'map') && Array.isArray(value)) this.checkListType(value, schema, path, problems);
    if (rules !== undefined && clean) this.checkRules(value, schema, path, problems);
  }

  /** `x-kubernetes-list-type: set` items and `map` keys must be unique (the API server and server-side apply reject duplicates). */
  private checkListType(arr: unknown[], schema: SchemaNode, path: Path, problems: Problem[]): void {
    const seen = new Map<string, number>();
    if (schema['x-kubernetes-list-type'] === 'set') {
      arr.forEach((item, i) => {
        const key = canonical(item);
        const first = seen.get(key);
        if (first === undefined) seen.set(key, i);
        else
          problems.push({
            path: render(join(path, i)),
            message: `duplicate value ${show(item)} (also at [${first}]): the list is a set (x-kubernetes-list-type: set)`,
          });
      });
      return;
    }
    const keys = schema['x-kubernetes-list-map-keys'] ?? [];
    const itemSchema = schema.items ? this.resolveSchema(schema.items) : undefined;
    arr.forEach((item, i) => {
      if (!item || typeof item !== 'object') return;
      // A key field left out takes its structural default, as the API server defaults it before comparing.
      const values = keys.map((k) => (item as Record<string, unknown>)[k] ?? itemSchema?.properties?.[k]?.default);
      const key = canonical(values);
      const first = seen.get(key);
      if (first === undefined) {
        seen.set(key, i);
        return;
      }
      const shown = keys.map((k, j) => `${k}=${values[j] === undefined ? '(unset)' : JSON.stringify(values[j])}`).join(', ');
      problems.push({
        path: render(join(path, i)),
        message: `duplicate entry ${shown} (also at [${first}]): entries of this list must be unique by ${keys.join(', ')} (x-kubernetes-list-type: map)`,
      });
    });
  }

  /** The node's CEL validation rules, on its value after structural defaulting. */
  private checkRules(value: unknown, schema: SchemaNode, path: Path, problems: Problem[]): void {
    let self: unknown;
    for (const r of rulesOf(schema)) {
      if (r.status !== 'enforced') continue; // transition and not-evaluable rules are listed in VALIDATION.md
      if (self === undefined) {
        self = toCelValue(value, schema, this.resolveSchema, this.celValues);
        // At the root, Kubernetes shows rules the object's name and generateName (and no other metadata).
        if (path === undefined && self && typeof self === 'object') {
          const { name, generateName } = this.metadata ?? {};
          self = { ...self, metadata: { ...(name !== undefined ? { name } : {}), ...(generateName !== undefined ? { generateName } : {}) } };
        }
      }
      const outcome = r.evaluate(self);
      if (outcome.kind === 'pass') continue;
      const at = r.rule.fieldPath ? withFieldPath(path, r.rule.fieldPath) : path;
      const message =
        outcome.kind === 'fail'
          ? outcome.message
          : `validation rule could not be evaluated (${outcome.message}): ${r.rule.rule.length > 120 ? r.rule.rule.slice(0, 117) + '...' : r.rule.rule}`;
      problems.push({ path: render(at) || '(root)', message });
    }
  }

  private checkValue(value: unknown, schema: SchemaNode, path: Path, problems: Problem[], structural: boolean): void {
    if (value === null) {
      if (schema.nullable) return;
      problems.push({ path: render(path), message: 'null is not allowed here (leave the field out instead)' });
      return;
    }
    if (schema['x-kubernetes-int-or-string']) {
      if (!(typeof value === 'string' || Number.isInteger(value))) {
        problems.push({ path: render(path), message: `expected an integer or a string, got ${typeOf(value)} ${show(value)}` });
      }
      return;
    }
    if (schema.allOf) for (const s of schema.allOf) this.check(value, s, path, problems, structural);
    if (schema.anyOf || schema.oneOf) {
      const branches = (schema.anyOf ?? schema.oneOf)!;
      const results = branches.map((b) => {
        const sub: Problem[] = [];
        this.check(value, b, path, sub, structural);
        return sub;
      });
      const ok = results.filter((r) => r.length === 0).length;
      if (schema.anyOf ? ok === 0 : ok !== 1) {
        // Report the branch with the fewest problems: the one the author most likely meant.
        const best = results.reduce((a, b) => (b.length < a.length ? b : a));
        if (best.length > 0) problems.push(...best);
        else problems.push({ path: render(path), message: `value ${show(value)} matches more than one allowed form` });
        return;
      }
    }
    const t = typeOf(value);
    switch (schema.type) {
      case 'object': {
        if (t !== 'object') {
          problems.push({ path: render(path), message: `expected an object, got ${t} ${show(value)}` });
          return;
        }
        this.checkObject(value as Record<string, unknown>, schema, path, problems, structural);
        return;
      }
      case 'array': {
        if (t !== 'array') {
          problems.push({ path: render(path), message: `expected a list, got ${t} ${show(value)}` });
          return;
        }
        const arr = value as unknown[];
        if (schema.minItems !== undefined && arr.length < schema.minItems)
          problems.push({ path: render(path), message: `expected at least ${schema.minItems} items, got ${arr.length}` });
        if (schema.maxItems !== undefined && arr.length > schema.maxItems)
          problems.push({ path: render(path), message: `expected at most ${schema.maxItems} items, got ${arr.length}` });
        if (schema.items) arr.forEach((v, i) => this.check(v, schema.items!, join(path, i), problems, structural));
        return;
      }
      case 'string': {
        if (t !== 'string') {
          problems.push({ path: render(path), message: `expected a string, got ${t} ${show(value)}` });
          return;
        }
        this.checkString(value as string, schema, path, problems);
        break;
      }
      case 'integer':
        if (t !== 'integer') {
          problems.push({ path: render(path), message: `expected an integer, got ${t} ${show(value)}` });
          return;
        }
        this.checkNumber(value as number, schema, path, problems);
        break;
      case 'number':
        if (typeof value !== 'number' || !Number.isFinite(value)) {
          problems.push({ path: render(path), message: `expected a number, got ${t} ${show(value)}` });
          return;
        }
        this.checkNumber(value, schema, path, problems);
        break;
      case 'boolean':
        if (t !== 'boolean') {
          problems.push({ path: render(path), message: `expected a boolean, got ${t} ${show(value)}` });
          return;
        }
        break;
      case undefined:
        if (schema.properties || schema.additionalProperties) {
          if (t === 'object') this.checkObject(value as Record<string, unknown>, schema, path, problems, structural);
          else problems.push({ path: render(path), message: `expected an object, got ${t} ${show(value)}` });
          return;
        }
        break;
      default:
        break;
    }
    if (schema.enum && !schema.enum.includes(value)) {
      problems.push({ path: render(path), message: `value ${show(value)} is not allowed; allowed: ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}` });
    }
  }

  private checkObject(obj: Record<string, unknown>, schema: SchemaNode, path: Path, problems: Problem[], structural: boolean): void {
    const props = schema.properties;
    const addl = schema.additionalProperties;
    const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true || schema['x-kubernetes-embedded-resource'] === true;
    // OpenAPI v2 (core) objects without properties are free-form (RawExtension, FieldsV1);
    // structural (CRD) objects without properties accept nothing unless they preserve unknown fields.
    const freeForm = !props && addl === undefined && (preserve || !structural);
    for (const key of Object.keys(obj)) {
      const v = obj[key];
      if (v === undefined) continue;
      const p = join(path, key);
      const propSchema = props?.[key];
      if (propSchema) {
        this.check(v, propSchema, p, problems, structural);
      } else if (addl && typeof addl === 'object') {
        this.check(v, addl, p, problems, structural);
      } else if (addl === true || freeForm || preserve) {
        continue;
      } else {
        const allowed = props ? Object.keys(props).join(', ') : 'none';
        problems.push({ path: render(p), message: `unknown field "${key}" (allowed: ${allowed})` });
      }
    }
    for (const r of schema.required ?? []) {
      if (obj[r] === undefined) problems.push({ path: render(join(path, r)), message: `required field "${r}" is missing` });
    }
    const n = Object.keys(obj).length;
    if (schema.minProperties !== undefined && n < schema.minProperties)
      problems.push({ path: render(path), message: `expected at least ${schema.minProperties} fields, got ${n}` });
    if (schema.maxProperties !== undefined && n > schema.maxProperties)
      problems.push({ path: render(path), message: `expected at most ${schema.maxProperties} fields, got ${n}` });
  }

  private checkString(s: string, schema: SchemaNode, path: Path, problems: Problem[]): void {
    if (schema.minLength !== undefined && s.length < schema.minLength)
      problems.push({ path: render(path), message: `string ${show(s)} is shorter than ${schema.minLength}` });
    if (schema.maxLength !== undefined && s.length > schema.maxLength)
      problems.push({ path: render(path), message: `string ${show(s)} is longer than ${schema.maxLength}` });
    if (schema.pattern) {
      const re = this.pattern(schema.pattern);
      if (re && !re.test(s)) problems.push({ path: render(path), message: `string ${show(s)} does not match ${schema.pattern}` });
    }
  }

  private checkNumber(n: number, schema: SchemaNode, path: Path, problems: Problem[]): void {
    if (schema.minimum !== undefined && n < schema.minimum) problems.push({ path: render(path), message: `${n} is below the minimum ${schema.minimum}` });
    if (schema.maximum !== undefined && n > schema.maximum) problems.push({ path: render(path), message: `${n} is above the maximum ${schema.maximum}` });
  }
}
