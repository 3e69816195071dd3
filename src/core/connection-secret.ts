/**
 * Client side of a contract: the Secret a client reads its connection settings from, composed by External Secrets
 * from the same stored credential the server uses (`target.template`), so nobody keeps a `DATABASE_URL` consistent
 * with the server by hand.
 */
import { Construct } from 'constructs';
import {
  ExternalSecret, ExternalSecretSpecSecretStoreRefKind, ExternalSecretSpecTargetCreationPolicy, ExternalSecretSpecTargetDeletionPolicy,
  ExternalSecretSpecTargetTemplateEngineVersion,
} from '../../imports/external-secrets.io';
import type { IWorkload } from './connections';
import { Endpoint } from './endpoint';
import { EnvironmentChart } from './environment-chart';
import { fail } from './errors';

/** One value a client derives from an endpoint. */
export class ConnectionValue {
  /**
   * A URL `<scheme>://<user>:<password>@<host>:<port>[/<path>][?<query>]`; user and password only when the endpoint
   * authenticates with one. The scheme comes from the protocol and TLS (`rediss`, `https`, ...). The path defaults
   * to the client's database when the server assigns one (PostgreSQL).
   */
  public static url(options: { readonly path?: string; readonly query?: Readonly<Record<string, string>> } = {}): ConnectionValue {
    return new ConnectionValue('url', options.path, options.query);
  }
  /** `host:port`. */
  public static address(): ConnectionValue {
    return new ConnectionValue('address');
  }
  public static host(): ConnectionValue {
    return new ConnectionValue('host');
  }
  public static port(): ConnectionValue {
    return new ConnectionValue('port');
  }
  /** The user name (fixed, or the client's own for per-client credentials). */
  public static user(): ConnectionValue {
    return new ConnectionValue('user');
  }
  /** The password, read from the store (never written to Git). */
  public static password(): ConnectionValue {
    return new ConnectionValue('password');
  }

  private constructor(
    public readonly kind: 'url' | 'address' | 'host' | 'port' | 'user' | 'password',
    public readonly path?: string,
    public readonly query?: Readonly<Record<string, string>>,
  ) {}

  /** Whether the value needs the stored credential. */
  public get needsCredential(): boolean {
    return this.kind === 'password' || this.kind === 'url';
  }
}

/** URL scheme of a protocol, with or without TLS. */
export function urlScheme(e: Endpoint): string {
  const tls = e.tls.enabled;
  switch (e.protocol) {
    case 'redis': return tls ? 'rediss' : 'redis';
    case 'http': return tls ? 'https' : 'http';
    case 'postgresql': return 'postgresql';
    default: return e.protocol;
  }
}

/** Fixed text in a Go template: `{{` would start an action, so such text is emitted as a quoted string action. */
function literal(text: string): string {
  // Go templates treat only `{{` specially in plain text.
  return text.includes('{{') ? `{{ ${JSON.stringify(text)} }}` : text;
}

export interface ConnectionSecretOptions {
  /** Name of the ExternalSecret and of the Secret (in the client's namespace). */
  readonly name: string;
  readonly client: IWorkload;
  readonly endpoint: Endpoint;
  readonly labels: Readonly<Record<string, string>>;
  /** Secret keys and the values they hold. */
  readonly values: Readonly<Record<string, ConnectionValue>>;
  /** Field named in error messages. @default 'connections' */
  readonly field?: string;
}

/**
 * An ExternalSecret in the client's namespace whose keys are composed from the endpoint: host and port from the
 * contract, user and password from the stored credential the server itself reads.
 */
export function addConnectionSecret(scope: Construct, id: string, o: ConnectionSecretOptions): ExternalSecret {
  const field = o.field ?? 'connections';
  const e = o.endpoint;
  const credential = e.credentialFor(o.client);
  const data: Record<string, string> = {};
  const remote: { secretKey: string; remoteRef: { key: string; property?: string } }[] = [];
  let needsPassword = false;
  let needsUser = false;
  for (const [key, v] of Object.entries(o.values)) {
    if ((v.kind === 'password' || v.kind === 'user') && !credential) {
      fail(o.client, `${field}.${key}`, v.kind, `${e.describe()} has no credential (auth ${e.auth.method}); remove this key`);
    }
    const userTmpl = credential?.userProperty ? '{{ .user | urlquery }}' : literal(encodeURIComponent(credential?.user ?? ''));
    switch (v.kind) {
      case 'host': data[key] = literal(e.host); break;
      case 'port': data[key] = String(e.port.port); break;
      case 'address': data[key] = literal(e.address); break;
      case 'user':
        needsUser = credential?.userProperty !== undefined;
        data[key] = credential?.userProperty ? '{{ .user }}' : literal(credential?.user ?? '');
        break;
      case 'password':
        needsPassword = true;
        data[key] = '{{ .password }}';
        break;
      case 'url': {
        const auth = credential ? `${userTmpl}:{{ .password | urlquery }}@` : '';
        if (credential) needsPassword = true;
        if (credential?.userProperty) needsUser = true;
        const dbPath = v.path ?? credential?.database;
        const path = dbPath ? `/${dbPath.replace(/^\//, '')}` : '';
        const query = v.query ? `?${Object.entries(v.query).map(([k, q]) => `${encodeURIComponent(k)}=${encodeURIComponent(q)}`).join('&')}` : '';
        data[key] = `${urlScheme(e)}://${auth}${literal(`${e.address}${path}${query}`)}`;
        break;
      }
    }
  }
  if (credential && needsPassword) remote.push({ secretKey: 'password', remoteRef: { key: credential.remoteKey, property: credential.passwordProperty } });
  if (credential?.userProperty && needsUser) remote.push({ secretKey: 'user', remoteRef: { key: credential.remoteKey, property: credential.userProperty } });
  const store = EnvironmentChart.of(scope).profile.secretStore;
  return new ExternalSecret(scope, id, {
    metadata: { name: o.name, namespace: o.client.namespace, labels: { ...o.labels } },
    spec: {
      refreshInterval: store.refreshInterval,
      secretStoreRef: { kind: store.kind as ExternalSecretSpecSecretStoreRefKind, name: store.name },
      target: {
        name: o.name,
        creationPolicy: ExternalSecretSpecTargetCreationPolicy.OWNER,
        deletionPolicy: ExternalSecretSpecTargetDeletionPolicy.RETAIN,
        template: { engineVersion: ExternalSecretSpecTargetTemplateEngineVersion.V2, data },
      },
      data: remote.length > 0 ? remote : undefined,
    },
  });
}
