import { DatastoreRecovery, DeliveryTool, EnvironmentProfile, ManagedEndpoint, RolloutStrategy } from '../src';

/** The services of the reference platform. */
export type ServiceName = 'frontend' | 'api-gateway' | 'auth-service' | 'user-service' | 'invoice-service' | 'notification-service' | 'document-processing';

/** The datastores of the reference platform (their Service names; applications use these in every environment). */
export type DatastoreName = 'postgres' | 'redis' | 'minio' | 'clickhouse' | 'kafka' | 'logs';

/**
 * Everything about the reference platform that differs per environment, beyond the profile: data only.
 * `charts/platform.ts` composes the same platform from it for every environment.
 */
export interface PlatformSettings {
  readonly profile: EnvironmentProfile;
  /** Released version (image tag) of each service; the digest comes from charts/images.ts. */
  readonly releases: Readonly<Record<ServiceName, string>>;
  /** How the API gateway and the frontend roll out. */
  readonly apiGatewayStrategy: RolloutStrategy;
  readonly frontendStrategy: RolloutStrategy;
  /** Kafka (Strimzi) and the services' event streams. */
  readonly kafka: boolean;
  /** Datastores served by a managed service here (same Service name, Secret and keys for applications). */
  readonly managedDatastores: Partial<Record<DatastoreName, ManagedEndpoint>>;
  /**
   * Per datastore: its backup schedule and, where it may lose more than the profile's recovery objectives allow,
   * its own objective with the reason (shown in dist/<env>/README.md).
   */
  readonly recovery?: Partial<Record<DatastoreName, { readonly schedule?: string; readonly objective?: DatastoreRecovery }>>;
  /** Where Argo CD / Flux read dist/ from. */
  readonly gitops: { readonly repoURL: string; readonly targetRevision: string; readonly tools: readonly DeliveryTool[] };
}

/** The Git repository holding dist/ (a setting of every environment). */
export const PLATFORM_REPO_URL = 'https://github.com/acme/platform-gitops.git';

/** The Vault every environment reads its secrets from (a KV v2 engine at `secret`, one Kubernetes auth role per environment). */
export const VAULT_SERVER = 'https://vault.example.com:8200';

/** Contact of the ACME (Let's Encrypt) accounts. */
export const ACME_EMAIL = 'platform@example.com';

/** The IAM role Velero assumes (IRSA) in an environment. */
export function veleroRole(environment: string): string {
  return `arn:aws:iam::123456789012:role/${environment}-velero`;
}
