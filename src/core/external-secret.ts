/** The one way the library writes an ExternalSecret: credentials come from the secret store, never from Git. */
import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import {
  ExternalSecret,
  ExternalSecretSpecData,
  ExternalSecretSpecSecretStoreRefKind,
  ExternalSecretSpecTargetCreationPolicy,
  ExternalSecretSpecTargetDeletionPolicy,
  ExternalSecretSpecTargetTemplateEngineVersion,
} from '../../imports/external-secrets.io';
import { EnvironmentChart } from './environment-chart';

/** One key of the Secret: where its value lives in the store, never the value. */
export interface RemoteKeyRef {
  /** Key in the Kubernetes Secret (file name when mounted). */
  readonly secretKey: string;
  /** Key of the remote secret in the store. */
  readonly remoteKey: string;
  /** @default - the whole remote value */
  readonly property?: string;
  /** @default - the current version */
  readonly version?: string;
}

export interface ExternalSecretOptions {
  /** Name of the ExternalSecret and of the Secret it maintains. */
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** @default - none */
  readonly annotations?: Readonly<Record<string, string>>;
  /** The keys; a function is called at synth (for keys known only once every construct is declared). */
  readonly data: readonly RemoteKeyRef[] | (() => readonly RemoteKeyRef[]);
  /**
   * The Secret's type and keys composed from the fetched values (External Secrets templating, engine v2), e.g.
   * `{ type: 'kubernetes.io/basic-auth', data: { username: 'app', password: '{{ .password }}' } }`.
   * @default - the fetched keys as they are, an Opaque Secret
   */
  readonly template?: {
    readonly type?: string;
    readonly data: Readonly<Record<string, string>>;
    /** Labels of the Secret itself (not of the ExternalSecret), e.g. an operator's reload label. @default - none */
    readonly labels?: Readonly<Record<string, string>>;
  };
}

/**
 * An ExternalSecret maintaining the Secret `name` from the environment's secret store (`profile.secretStore`).
 * Retain: deleting the ExternalSecret must not take a running workload's credentials with it.
 */
export function addExternalSecret(scope: Construct, id: string, o: ExternalSecretOptions): ExternalSecret {
  const store = EnvironmentChart.of(scope).profile.secretStore;
  const render = (refs: readonly RemoteKeyRef[]): ExternalSecretSpecData[] =>
    refs.map((d) => ({
      secretKey: d.secretKey,
      remoteRef: { key: d.remoteKey, property: d.property, version: d.version },
    }));
  const data = o.data;
  return new ExternalSecret(scope, id, {
    metadata: { name: o.name, namespace: o.namespace, labels: { ...o.labels }, annotations: o.annotations ? { ...o.annotations } : undefined },
    spec: {
      refreshInterval: store.refreshInterval,
      secretStoreRef: { kind: store.kind as ExternalSecretSpecSecretStoreRefKind, name: store.name },
      target: {
        name: o.name,
        creationPolicy: ExternalSecretSpecTargetCreationPolicy.OWNER,
        deletionPolicy: ExternalSecretSpecTargetDeletionPolicy.RETAIN,
        template: o.template
          ? {
              engineVersion: ExternalSecretSpecTargetTemplateEngineVersion.V2,
              type: o.template.type,
              metadata: o.template.labels ? { labels: { ...o.template.labels } } : undefined,
              data: { ...o.template.data },
            }
          : undefined,
      },
      data: typeof data === 'function' ? (Lazy.any({ produce: () => render(data()) }) as unknown as ExternalSecretSpecData[]) : render(data),
    },
  });
}
