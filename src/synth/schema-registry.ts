import * as path from 'path';

/** One CEL validation rule of a CRD schema node (`x-kubernetes-validations`). */
export interface ValidationRule {
  readonly rule: string;
  readonly message?: string;
  readonly messageExpression?: string;
  /** Where the API server reports the failure, relative to the node (e.g. `.spec.replicas`). */
  readonly fieldPath?: string;
  readonly reason?: string;
  /** Transition rule that also runs at create, with `oldSelf` unset. */
  readonly optionalOldSelf?: boolean;
}

/** A JSON-schema node as found in the Kubernetes definitions and CRD openAPIV3Schema. */
export interface SchemaNode {
  readonly $ref?: string;
  readonly type?: string;
  readonly properties?: Record<string, SchemaNode>;
  readonly additionalProperties?: SchemaNode | boolean;
  readonly items?: SchemaNode;
  readonly required?: string[];
  readonly enum?: unknown[];
  readonly oneOf?: SchemaNode[];
  readonly anyOf?: SchemaNode[];
  readonly allOf?: SchemaNode[];
  readonly format?: string;
  readonly pattern?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minProperties?: number;
  readonly maxProperties?: number;
  readonly nullable?: boolean;
  readonly 'x-kubernetes-int-or-string'?: boolean;
  readonly 'x-kubernetes-preserve-unknown-fields'?: boolean;
  readonly 'x-kubernetes-embedded-resource'?: boolean;
  /** `atomic` (default), `set` (unique scalar items) or `map` (items unique by `x-kubernetes-list-map-keys`). */
  readonly 'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  readonly 'x-kubernetes-list-map-keys'?: string[];
  readonly 'x-kubernetes-validations'?: ValidationRule[];
  /** Structural default (CRDs only): the API server applies it before it evaluates validation rules. */
  readonly default?: unknown;
}

/** What the validator knows about one apiVersion/kind. */
export interface KindInfo {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespaced: boolean;
  /** CRD schemas are structural: an object without properties accepts no fields (the API server prunes them). */
  readonly structural: boolean;
  readonly schema: SchemaNode;
}

/** The compiled bundle written by `npm run import` (imports/validation-schemas.json). */
export interface SchemaBundle {
  readonly k8s: {
    readonly definitions: Record<string, SchemaNode>;
    readonly kinds: Record<string, { readonly definition: string; readonly namespaced: boolean }>;
  };
  readonly crds: Record<string, { readonly namespaced: boolean; readonly schema: SchemaNode }>;
}

/**
 * The compiled bundle, loaded through the module system like the bindings beside it (`imports/` is part of the
 * package): under vitest and ts-node Node resolves the path from this file, and the esbuild bundle copies the JSON
 * next to `lib/main.js` and rewrites the path (see scripts/build.js). No search of parent folders, so a user's
 * own `imports/` folder can never be picked up by mistake.
 */
function loadBundle(): SchemaBundle {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('../../imports/validation-schemas.json') as SchemaBundle;
}

/** The file names of the data validation reads beside the kind index (all three written by `npm run import`). */
const KIND_INDEX_FILE = 'validation-kinds.json';
const VALIDATION_DATA_FILES = ['validation-schemas.json', 'cel-programs.json'];

/**
 * The data files validation reads, whether loaded yet or not, for the identity of a checker (src/synth/verdict-cache.ts):
 * the schema bundle and the CEL programs beside the kind index among `loaded` (the bundle keeps them in lib/, the
 * package in build/imports/, the sources in imports/). Empty when no kind index is loaded.
 */
export function validationDataFiles(loaded: readonly string[]): string[] {
  const index = loaded.find((f) => path.basename(f) === KIND_INDEX_FILE);
  return index === undefined ? [] : VALIDATION_DATA_FILES.map((f) => path.join(path.dirname(index), f));
}

/** The scope of every kind of the bundle (imports/validation-kinds.json, written by `npm run import` beside it). */
type KindIndex = Readonly<Record<string, { readonly namespaced: boolean; readonly structural: boolean }>>;

function loadKindIndex(): KindIndex {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('../../imports/validation-kinds.json') as KindIndex;
}

/** Looks up schemas by apiVersion/kind; loaded once per process from the vendored, compiled bundle. */
export class SchemaRegistry {
  private static instance: SchemaRegistry | undefined;

  /**
   * The registry of the committed bundle. Which kinds exist and their scope come from the small kind index; the
   * 1.8 MB of schemas are loaded when a schema is first read (validation, which synth runs on its worker thread).
   */
  public static default(): SchemaRegistry {
    if (!SchemaRegistry.instance) {
      SchemaRegistry.instance = new SchemaRegistry(loadBundle, loadKindIndex());
    }
    return SchemaRegistry.instance;
  }

  private readonly cache = new Map<string, KindInfo | undefined>();
  private loaded: SchemaBundle | undefined;
  private readonly load: () => SchemaBundle;

  /**
   * A registry of `bundle` (or of the bundle `bundle()` returns when a schema is first needed); `kinds`, when given,
   * answers which kinds exist and their scope without the bundle.
   */
  public constructor(
    bundle: SchemaBundle | (() => SchemaBundle),
    private readonly kinds?: KindIndex,
  ) {
    this.load = typeof bundle === 'function' ? bundle : () => bundle;
  }

  private get bundle(): SchemaBundle {
    return (this.loaded ??= this.load());
  }

  /** Loads the schemas now rather than when one is first read (synth's worker does this while it waits for documents). */
  public loadSchemas(): void {
    this.loaded ??= this.load();
  }

  /** Resolves a `#/definitions/...` reference of the Kubernetes definitions. */
  public resolveRef(ref: string): SchemaNode {
    let def = this.refs.get(ref);
    if (!def) {
      def = this.bundle.k8s.definitions[ref.replace('#/definitions/', '')];
      if (!def) throw new Error(`schema reference ${ref} not found in the Kubernetes 1.27 definitions`);
      this.refs.set(ref, def);
    }
    return def;
  }

  private readonly refs = new Map<string, SchemaNode>();

  /** The ObjectMeta schema, used for every kind (CRD schemas leave metadata untyped). */
  public get objectMeta(): SchemaNode {
    return this.resolveRef('#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
  }

  /** Schema and scope for apiVersion/kind, or undefined when neither Kubernetes 1.27 nor a vendored CRD serves it. */
  public lookup(apiVersion: string, kind: string): KindInfo | undefined {
    const key = `${apiVersion}/${kind}`;
    if (this.cache.has(key)) return this.cache.get(key);
    let info: KindInfo | undefined;
    const indexed = this.kinds === undefined ? undefined : Object.prototype.hasOwnProperty.call(this.kinds, key) ? this.kinds[key] : null;
    if (indexed === null) {
      // Not a kind of the bundle.
    } else if (indexed !== undefined) {
      let schema: SchemaNode | undefined;
      const schemaOf = () => {
        const core = this.bundle.k8s.kinds[key];
        return core ? this.resolveRef(`#/definitions/${core.definition}`) : this.bundle.crds[key]!.schema;
      };
      info = {
        apiVersion,
        kind,
        namespaced: indexed.namespaced,
        structural: indexed.structural,
        get schema(): SchemaNode {
          return (schema ??= schemaOf());
        },
      };
    } else {
      info = this.fromBundle(apiVersion, kind, key);
    }
    this.cache.set(key, info);
    return info;
  }

  private fromBundle(apiVersion: string, kind: string, key: string): KindInfo | undefined {
    let info: KindInfo | undefined;
    const core = this.bundle.k8s.kinds[key];
    if (core) {
      info = { apiVersion, kind, namespaced: core.namespaced, structural: false, schema: this.resolveRef(`#/definitions/${core.definition}`) };
    } else {
      const crd = this.bundle.crds[key];
      if (crd) info = { apiVersion, kind, namespaced: crd.namespaced, structural: true, schema: crd.schema };
    }
    return info;
  }

  /** Every apiVersion/kind the registry knows, sorted (for error messages). */
  public knownKinds(): string[] {
    if (this.kinds !== undefined) return Object.keys(this.kinds).sort();
    return [...Object.keys(this.bundle.k8s.kinds), ...Object.keys(this.bundle.crds)].sort();
  }
}
