import { AddOn, DeliveryTool, Profiles, RolloutStrategy, SecretBackend, TlsIssuer, VaultAuth } from '../src';
import { VAULT_SERVER } from './platform-settings';
import { PLATFORM_REPO_URL, PlatformSettings } from './platform-settings';
import { IMAGE_DIGESTS } from './images';

/**
 * Development: one replica of everything, small resources, in-cluster datastores, no backups. HTTPS like the other
 * environments, with certificates of a self-signed issuer (no public DNS needed).
 */
export const development = Profiles.development({
  name: 'development',
  cluster: { name: 'dev-cluster', server: 'https://dev.k8s.example.com', region: 'eu-west-1', kubernetesVersion: '1.30', podCidrs: ['10.244.0.0/16'] },
  domain: 'dev.example.com',
  secretStore: { name: 'vault-dev' },
  imageDigests: IMAGE_DIGESTS,
  tlsIssuer: 'selfsigned',
  // No backups, no Kafka: secrets from Vault, traffic through Envoy Gateway with self-signed certificates.
  addOns: [
    AddOn.certManager({ issuers: [TlsIssuer.selfSigned('selfsigned')], gatewayApi: true }),
    AddOn.externalSecrets({
      stores: [SecretBackend.vault('vault-dev', { server: VAULT_SERVER, path: 'secret', auth: VaultAuth.kubernetes('external-secrets-development') })],
    }),
    AddOn.envoyGateway(),
    // The api-gateway scales on its request rate (a ScaledObject with a Prometheus trigger).
    AddOn.keda(),
    AddOn.cloudNativePg(),
  ],
});

/** The reference platform in development: latest builds, rolling updates, everything in-cluster, no Kafka. */
export const developmentPlatform: PlatformSettings = {
  profile: development,
  releases: {
    frontend: '2.3.0',
    'api-gateway': '1.5.0',
    'auth-service': '1.3.0',
    'user-service': '1.2.1',
    'invoice-service': '3.1.0',
    'notification-service': '1.1.0',
    'document-processing': '0.9.0',
  },
  apiGatewayStrategy: RolloutStrategy.rollingUpdate(),
  frontendStrategy: RolloutStrategy.rollingUpdate(),
  kafka: false,
  managedDatastores: {},
  gitops: { repoURL: PLATFORM_REPO_URL, targetRevision: 'main', tools: [DeliveryTool.argoCd(), DeliveryTool.flux()] },
};
