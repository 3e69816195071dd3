import { EnvVar, Quantity, Volume } from '../../imports/k8s';

const ENV_VALUE_SYMBOL = Symbol.for('cdk8s-platform.EnvValue');

/**
 * The value of an environment variable: a plain value, a ConfigMap key, a key of a Secret, or a pod field.
 * There is deliberately no way to pass a secret's value: secrets come from an ExternalSecret.
 */
export class EnvValue {
  /** Whether `x` is an EnvValue, also one made by another copy of this package (where `instanceof` is false). */
  public static isEnvValue(x: unknown): x is EnvValue {
    return x !== null && typeof x === 'object' && ENV_VALUE_SYMBOL in x;
  }

  /**
   * A plain, non-secret value. Names that say they hold a secret (`DB_PASS`, `*_TOKEN`, `STRIPE_KEY`, ...: see
   * `isSecretName`) are rejected; the policy gate also scans every literal value (`literal-secret`).
   */
  public static value(value: string): EnvValue {
    return new EnvValue({ kind: 'value', value });
  }

  /** A key of a ConfigMap in the service's namespace. */
  public static fromConfigMap(configMapName: string, key: string, options: { readonly optional?: boolean } = {}): EnvValue {
    return new EnvValue({ kind: 'configMap', name: configMapName, key, optional: options.optional });
  }

  /**
   * A key of the service's own Secret (`<service>-secrets`), filled by its ExternalSecret: `key` must be one
   * of the keys of the `secrets` prop.
   */
  public static fromSecret(key: string): EnvValue {
    return new EnvValue({ kind: 'secret', key });
  }

  /** A key of a Secret that something else maintains (e.g. a datastore's generated credentials). */
  public static fromExistingSecret(secretName: string, key: string): EnvValue {
    return new EnvValue({ kind: 'secret', name: secretName, key });
  }

  /** A pod field through the downward API, e.g. `metadata.name` or `status.podIP`. */
  public static fromField(fieldPath: string): EnvValue {
    return new EnvValue({ kind: 'field', fieldPath });
  }

  private constructor(public readonly source: EnvSource) {
    Object.defineProperty(this, ENV_VALUE_SYMBOL, { value: true });
  }

  /** The Kubernetes env entry; `serviceSecret` is the name of the service's own Secret. */
  public render(name: string, serviceSecret: string): EnvVar {
    const s = this.source;
    switch (s.kind) {
      case 'value':
        return { name, value: s.value };
      case 'configMap':
        return { name, valueFrom: { configMapKeyRef: { name: s.name, key: s.key, optional: s.optional } } };
      case 'secret':
        return { name, valueFrom: { secretKeyRef: { name: s.name ?? serviceSecret, key: s.key } } };
      case 'field':
        return { name, valueFrom: { fieldRef: { fieldPath: s.fieldPath } } };
    }
  }
}

/** Where an environment variable's value comes from. */
export type EnvSource =
  | { readonly kind: 'value'; readonly value: string }
  | { readonly kind: 'configMap'; readonly name: string; readonly key: string; readonly optional?: boolean }
  | { readonly kind: 'secret'; readonly name?: string; readonly key: string }
  | { readonly kind: 'field'; readonly fieldPath: string };

/**
 * Where a secret lives in the external store (Vault, AWS Secrets Manager, ...). Only a reference: the value is
 * fetched by External Secrets inside the cluster and never appears in Git.
 */
export interface RemoteSecretRef {
  /** Key (path) of the secret in the store, e.g. `production/auth-service/database`. */
  readonly key: string;
  /** Property inside a structured secret, e.g. `url`. @default - the whole value */
  readonly property?: string;
  /** Version of the remote secret. @default - the latest version */
  readonly version?: string;
}

/** Options of an emptyDir volume. */
export interface EmptyDirOptions {
  /** Maximum size, a Kubernetes quantity. @default - no limit */
  readonly sizeLimit?: string;
  /** Back the volume with memory (tmpfs); counts against the memory limit. @default false */
  readonly memory?: boolean;
}

/** A pod volume that containers mount: emptyDir, ConfigMap, Secret or PersistentVolumeClaim. */
export class PodVolume {
  public static emptyDir(name: string, options: EmptyDirOptions = {}): PodVolume {
    return new PodVolume(name, { kind: 'emptyDir', ...options });
  }

  public static configMap(name: string, configMapName: string): PodVolume {
    return new PodVolume(name, { kind: 'configMap', configMapName });
  }

  /** A Secret as files. @default secretName - the service's own Secret (`<service>-secrets`) */
  public static secret(name: string, secretName?: string): PodVolume {
    return new PodVolume(name, { kind: 'secret', secretName });
  }

  public static persistentVolumeClaim(name: string, claimName: string, options: { readonly readOnly?: boolean } = {}): PodVolume {
    return new PodVolume(name, { kind: 'pvc', claimName, readOnly: options.readOnly });
  }

  private constructor(
    public readonly name: string,
    public readonly source: VolumeSource,
  ) {}

  /** The Kubernetes volume; `serviceSecret` is the name of the service's own Secret. */
  public render(serviceSecret: string, quantity: (q: string) => Quantity): Volume {
    const s = this.source;
    switch (s.kind) {
      case 'emptyDir':
        return { name: this.name, emptyDir: { medium: s.memory ? 'Memory' : undefined, sizeLimit: s.sizeLimit ? quantity(s.sizeLimit) : undefined } };
      case 'configMap':
        return { name: this.name, configMap: { name: s.configMapName } };
      case 'secret':
        return { name: this.name, secret: { secretName: s.secretName ?? serviceSecret } };
      case 'pvc':
        return { name: this.name, persistentVolumeClaim: { claimName: s.claimName, readOnly: s.readOnly } };
    }
  }
}

/** What backs a {@link PodVolume}. */
export type VolumeSource =
  | ({ readonly kind: 'emptyDir' } & EmptyDirOptions)
  | { readonly kind: 'configMap'; readonly configMapName: string }
  | { readonly kind: 'secret'; readonly secretName?: string }
  | { readonly kind: 'pvc'; readonly claimName: string; readonly readOnly?: boolean };
