import * as fs from 'fs';
import * as path from 'path';

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

/** Finds imports/validation-schemas.json above this module (works from src/ under vitest and from the lib/ bundle). */
function findBundle(): string {
  let dir = __dirname;
  for (;;) {
    const candidate = path.join(dir, 'imports', 'validation-schemas.json');
    if (fs.existsSync(candidate)) return candidate;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('imports/validation-schemas.json not found: run `npm run import`');
    dir = up;
  }
}

/** Looks up schemas by apiVersion/kind; loaded once per process from the vendored, compiled bundle. */
export class SchemaRegistry {
  private static instance: SchemaRegistry | undefined;

  /** The registry built from the committed bundle. */
  public static default(): SchemaRegistry {
    if (!SchemaRegistry.instance) {
      const bundle = JSON.parse(fs.readFileSync(findBundle(), 'utf8')) as SchemaBundle;
      SchemaRegistry.instance = new SchemaRegistry(bundle);
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
