import { AcmeSolver, AddOn, DeliveryTool, Profiles, RolloutStrategy, SecretBackend, TlsIssuer, VaultAuth, VeleroCredentials } from '../src';
import { ACME_EMAIL, VAULT_SERVER, veleroRole } from './platform-settings';
import { PLATFORM_REPO_URL, PlatformSettings } from './platform-settings';
import { IMAGE_DIGESTS } from './images';

/** Staging: production-like at smaller scale; TLS from the staging issuer; backups on. */
export const staging = Profiles.staging({
  name: 'staging',
  cluster: { name: 'staging-cluster', server: 'https://staging.k8s.example.com', region: 'eu-west-1', kubernetesVersion: '1.30', podCidrs: ['100.64.0.0/16'] },
  domain: 'staging.example.com',
  storage: { storageClass: 'gp3' },
  secretStore: { name: 'vault-staging' },
  backups: { destination: 's3://platform-backups-staging' },
  imageDigests: IMAGE_DIGESTS,
  addOns: [
    // Certificates of the Gateway's HTTPS listeners, challenges answered on its HTTP listener.
    AddOn.certManager({
      issuers: [TlsIssuer.letsEncryptStaging('letsencrypt-staging', { email: ACME_EMAIL, solver: AcmeSolver.http01Gateway() })],
      gatewayApi: true,
    }),
    AddOn.externalSecrets({
      stores: [SecretBackend.vault('vault-staging', { server: VAULT_SERVER, path: 'secret', auth: VaultAuth.kubernetes('external-secrets-staging') })],
    }),
    AddOn.envoyGateway(),
    // The api-gateway scales on its request rate (a ScaledObject with a Prometheus trigger).
    AddOn.keda(),
    AddOn.cloudNativePg(),
    AddOn.barmanCloudPlugin(),
    AddOn.strimzi(),
    AddOn.velero({ credentials: VeleroCredentials.serviceAccountRole(veleroRole('staging')) }),
  ],
});

/** The reference platform in staging: release candidates, managed Redis (as the seeds' staging), Kafka on. */
export const stagingPlatform: PlatformSettings = {
  profile: staging,
  releases: {
    frontend: '2.3.0',
    'api-gateway': '1.5.0',
    'auth-service': '1.3.0',
    'user-service': '1.2.1',
    'invoice-service': '3.1.0',
    'notification-service': '1.1.0',
    'document-processing': '0.9.0',
  },
  apiGatewayStrategy: RolloutStrategy.rollingUpdate({ maxSurge: 1, maxUnavailable: 1 }),
  frontendStrategy: RolloutStrategy.rollingUpdate({ maxSurge: 1, maxUnavailable: 1 }),
  kafka: true,
  managedDatastores: { redis: { host: 'platform-staging.x1y2z3.ng.0001.euw1.cache.amazonaws.com', port: 6379, cidrs: ['10.20.0.0/16'] } },
  gitops: { repoURL: PLATFORM_REPO_URL, targetRevision: 'staging', tools: [DeliveryTool.argoCd(), DeliveryTool.flux()] },
};
