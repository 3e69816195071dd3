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

/** Looks up schemas by apiVersion/kind; loaded once per process from the vendored, compiled bundle. */
export class SchemaRegistry {
  private static instance: SchemaRegistry | undefined;

  /** The registry built from the committed bundle. */
  public static default(): SchemaRegistry {
    if (!SchemaRegistry.instance) {
      SchemaRegistry.instance = new SchemaRegistry(loadBundle());
    }
    return SchemaRegistry.instance;
  }

  private readonly cache = new Map<string, KindInfo | undefined>();

  public constructor(private readonly bundle: SchemaBundle) {}

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
    const core = this.bundle.k8s.kinds[key];
    if (core) {
      info = { apiVersion, kind, namespaced: core.namespaced, structural: false, schema: this.resolveRef(`#/definitions/${core.definition}`) };
    } else {
      const crd = this.bundle.crds[key];
      if (crd) info = { apiVersion, kind, namespaced: crd.namespaced, structural: true, schema: crd.schema };
    }
    this.cache.set(key, info);
    return info;
  }

  /** Every apiVersion/kind the registry knows, sorted (for error messages). */
  public knownKinds(): string[] {
    return [...Object.keys(this.bundle.k8s.kinds), ...Object.keys(this.bundle.crds)].sort();
  }
}
