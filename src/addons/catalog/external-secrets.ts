/**
 * External Secrets Operator: every Secret of the platform is an ExternalSecret read from the ClusterSecretStore(s)
 * the profile names; the stores' provider and authentication are typed data here.
 */
import {
  ClusterSecretStore,
  ClusterSecretStoreSpecProvider,
  ClusterSecretStoreSpecProviderAwsService,
  ClusterSecretStoreSpecProviderVaultVersion,
} from '../../../imports/external-secrets.io';
import { fail } from '../../core/errors';
import { catalogChart } from '../chart';
import { AddOnDefinition } from '../definition';
import {
  CLUSTER_RBAC_KINDS,
  controllerReplicas,
  CRD_KEEP_ANNOTATIONS,
  CRD_KIND,
  RESTRICTED_CONTAINER,
  RESTRICTED_POD,
  RestrictedContainerSecurity,
  RestrictedPodSecurity,
  VALIDATING_WEBHOOK_KIND,
} from './common';

/** How External Secrets authenticates to Vault. */
export class VaultAuth {
  /**
   * Vault's Kubernetes auth method with the controller's own ServiceAccount token.
   * @param role the Vault role bound to `external-secrets/external-secrets`
   * @param mountPath @default 'kubernetes'
   */
  public static kubernetes(role: string, mountPath = 'kubernetes'): VaultAuth {
    return new VaultAuth(role, mountPath);
  }
  private constructor(
    public readonly role: string,
    public readonly mountPath: string,
  ) {}
}

/** How External Secrets authenticates to AWS. */
export class AwsAuth {
  /** Ambient credentials of the controller (IRSA or EKS Pod Identity on its ServiceAccount). */
  public static ambient(props: { readonly serviceAccountRoleArn?: string } = {}): AwsAuth {
    return new AwsAuth(props.serviceAccountRoleArn);
  }
  private constructor(
    /** Annotates the controller's ServiceAccount for IRSA. */
    public readonly serviceAccountRoleArn?: string,
  ) {}
}

/** A ClusterSecretStore: where the platform's secret values live. */
export class SecretBackend {
  /** HashiCorp Vault (KV engine). */
  public static vault(
    name: string,
    props: {
      readonly server: string;
      /** Mount path of the KV engine. */
      readonly path: string;
      /** @default 'v2' */
      readonly kvVersion?: 'v1' | 'v2';
      readonly auth: VaultAuth;
      /** Vault Enterprise namespace. @default - none */
      readonly namespace?: string;
    },
  ): SecretBackend {
    return new SecretBackend(name, { kind: 'vault', ...props });
  }
  /** AWS Secrets Manager in `region`. */
  public static awsSecretsManager(name: string, props: { readonly region: string; readonly auth?: AwsAuth }): SecretBackend {
    return new SecretBackend(name, { kind: 'aws', service: 'SecretsManager', ...props });
  }
  /** AWS Systems Manager Parameter Store in `region`. */
  public static awsParameterStore(name: string, props: { readonly region: string; readonly auth?: AwsAuth }): SecretBackend {
    return new SecretBackend(name, { kind: 'aws', service: 'ParameterStore', ...props });
  }
  /** Google Secret Manager of `projectId`, through Workload Identity on the controller's ServiceAccount. */
  public static gcpSecretManager(name: string, props: { readonly projectId: string }): SecretBackend {
    return new SecretBackend(name, { kind: 'gcp', projectId: props.projectId });
  }
  private constructor(
    /** The ClusterSecretStore's name (what `profile.secretStore.name` refers to). */
    public readonly name: string,
    /** @internal */
    public readonly spec:
      | {
          readonly kind: 'vault';
          readonly server: string;
          readonly path: string;
          readonly kvVersion?: 'v1' | 'v2';
          readonly auth: VaultAuth;
          readonly namespace?: string;
        }
      | { readonly kind: 'aws'; readonly service: 'SecretsManager' | 'ParameterStore'; readonly region: string; readonly auth?: AwsAuth }
      | { readonly kind: 'gcp'; readonly projectId: string },
  ) {}
}

/** Options of {@link AddOn.externalSecrets}. */
export interface ExternalSecretsOptions {
  /** ClusterSecretStores to create. @default none */
  readonly stores?: readonly SecretBackend[];
}

interface EsoComponentValues {
  readonly replicaCount: number;
  readonly podSecurityContext: { readonly enabled: true } & RestrictedPodSecurity;
  readonly securityContext: { readonly enabled: true } & RestrictedContainerSecurity;
}

/** The values of the external-secrets chart the platform sets. */
export interface ExternalSecretsValues extends EsoComponentValues {
  readonly installCRDs: true;
  readonly crds: { readonly annotations: Readonly<Record<string, string>> };
  readonly leaderElect: boolean;
  readonly podDisruptionBudget: { readonly enabled: boolean };
  readonly serviceAccount?: { readonly annotations: Readonly<Record<string, string>> };
  readonly webhook: EsoComponentValues & { readonly podDisruptionBudget: { readonly enabled: boolean } };
  readonly certController: EsoComponentValues & { readonly podDisruptionBudget: { readonly enabled: boolean } };
}

function providerOf(b: SecretBackend): ClusterSecretStoreSpecProvider {
  const s = b.spec;
  if (s.kind === 'vault') {
    return {
      vault: {
        server: s.server,
        path: s.path,
        version: s.kvVersion === 'v1' ? ClusterSecretStoreSpecProviderVaultVersion.V1 : ClusterSecretStoreSpecProviderVaultVersion.V2,
        ...(s.namespace ? { namespace: s.namespace } : {}),
        auth: { kubernetes: { mountPath: s.auth.mountPath, role: s.auth.role } },
      },
    };
  }
  if (s.kind === 'aws') {
    const service =
      s.service === 'SecretsManager' ? ClusterSecretStoreSpecProviderAwsService.SECRETS_MANAGER : ClusterSecretStoreSpecProviderAwsService.PARAMETER_STORE;
    return { aws: { service, region: s.region } };
  }
  return { gcpsm: { projectId: s.projectId } };
}

/** The TCP port of a store's API. */
function storePort(b: SecretBackend): number {
  if (b.spec.kind !== 'vault') return 443;
  const m = /^https?:\/\/[^/:]+(?::(\d+))?/.exec(b.spec.server);
  return m?.[1] !== undefined ? Number(m[1]) : b.spec.server.startsWith('http:') ? 80 : 443;
}

/** The External Secrets Operator add-on definition. */
export function externalSecretsDefinition(options: ExternalSecretsOptions, namespace: string): AddOnDefinition {
  const stores = options.stores ?? [];
  const roleArns = [
    ...new Set(stores.flatMap((s) => (s.spec.kind === 'aws' && s.spec.auth?.serviceAccountRoleArn ? [s.spec.auth.serviceAccountRoleArn] : []))),
  ];
  return {
    name: 'external-secrets',
    purpose: 'Secrets from the secret store (ExternalSecret); the ClusterSecretStores',
    chart: catalogChart('external-secrets'),
    releaseName: 'external-secrets',
    namespace,
    serves: { groups: ['external-secrets.io', 'generators.external-secrets.io'] },
    installsCrds: true,
    clusterKinds: [CRD_KIND, ...CLUSTER_RBAC_KINDS, VALIDATING_WEBHOOK_KIND],
    // The chart renders these maps with toYaml after dropping `enabled`: any pod security field is accepted.
    openValuePaths: ['podSecurityContext', 'webhook.podSecurityContext', 'certController.podSecurityContext'],
    values: (ctx) => {
      const replicas = controllerReplicas(ctx.profile.highAvailability);
      const component: EsoComponentValues = {
        replicaCount: replicas,
        podSecurityContext: { enabled: true, ...RESTRICTED_POD },
        securityContext: { enabled: true, ...RESTRICTED_CONTAINER },
      };
      const pdb = { enabled: replicas > 1 };
      const values: ExternalSecretsValues = {
        installCRDs: true,
        crds: { annotations: CRD_KEEP_ANNOTATIONS },
        ...component,
        leaderElect: replicas > 1,
        podDisruptionBudget: pdb,
        ...(roleArns[0] !== undefined ? { serviceAccount: { annotations: { 'eks.amazonaws.com/role-arn': roleArns[0] } } } : {}),
        webhook: { ...component, podDisruptionBudget: pdb },
        certController: { ...component, podDisruptionBudget: pdb },
      };
      return values as unknown as Record<string, unknown>;
    },
    controllers: (ctx) => [
      {
        component: 'controller',
        namespace: ctx.namespace,
        podLabels: { 'app.kubernetes.io/name': 'external-secrets' },
        // The stores' APIs: outside the cluster, at addresses only DNS knows.
        egress: stores.length > 0 ? [{ peers: ['anywhere' as const], ports: [...new Set(stores.map(storePort))].sort((a, b) => a - b) }] : [],
      },
      {
        component: 'webhook',
        namespace: ctx.namespace,
        podLabels: { 'app.kubernetes.io/name': 'external-secrets-webhook' },
        ports: [{ name: 'webhook', port: 10250 }],
        ingress: [{ peers: ['anywhere'], ports: [10250] }],
      },
    ],
    provides: (ctx) => ({ serviceAccounts: [`${ctx.namespace}/external-secrets`], clusterSecretStores: stores.map((s) => s.name) }),
    configure: (scope) => {
      if (roleArns.length > 1)
        fail(scope, 'stores', roleArns, 'AWS stores must share one serviceAccountRoleArn (it annotates the one controller ServiceAccount)');
      const names = new Set<string>();
      for (const store of stores) {
        if (names.has(store.name)) fail(scope, 'stores', store.name, 'each ClusterSecretStore name may be used once');
        names.add(store.name);
        new ClusterSecretStore(scope, `ClusterSecretStore-${store.name}`, { metadata: { name: store.name }, spec: { provider: providerOf(store) } });
      }
    },
    prerequisites: (ctx) =>
      stores.map((s) => {
        const spec = s.spec;
        if (spec.kind === 'vault')
          return `Vault at ${spec.server}: Kubernetes auth mounted at \`${spec.auth.mountPath}\` with role \`${spec.auth.role}\` bound to ServiceAccount \`${ctx.namespace}/external-secrets\`, reading \`${spec.path}\``;
        if (spec.kind === 'aws')
          return `AWS ${spec.service} in ${spec.region}: an IAM role for \`${ctx.namespace}/external-secrets\` that may read the platform's secrets`;
        return `Google Secret Manager of project \`${spec.projectId}\`: Workload Identity for \`${ctx.namespace}/external-secrets\` with the Secret Accessor role`;
      }),
  };
}
