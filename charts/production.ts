import {
  AcmeSolver,
  AddOn,
  CanaryStep,
  DeliveryTool,
  IngressHost,
  PreviewRoute,
  Profiles,
  RolloutStrategy,
  SecretBackend,
  TlsIssuer,
  TrafficRouterPlugin,
  VaultAuth,
  VeleroCredentials,
} from '../src';
import { ACME_EMAIL, VAULT_SERVER, veleroRole } from './platform-settings';
import { PLATFORM_REPO_URL, PlatformSettings } from './platform-settings';
import { IMAGE_DIGESTS } from './images';

/** Production: HA everywhere, autoscaling, digests only, backups, policy violations fail synth. */
export const production = Profiles.production({
  name: 'production',
  cluster: {
    name: 'prod-eu-west-1',
    server: 'https://prod-eu-west-1.k8s.example.com',
    region: 'eu-west-1',
    kubernetesVersion: '1.30',
    podCidrs: ['100.64.0.0/16'],
  },
  domain: 'example.com',
  storage: { storageClass: 'gp3-encrypted' },
  secretStore: { name: 'vault-production' },
  backups: { destination: 's3://platform-backups-production' },
  // The seeds' business continuity targets; every datastore is checked against the RPO at synth.
  recoveryObjectives: { rpo: '15m', rto: '1h' },
  imageDigests: IMAGE_DIGESTS,
  // The preset's delivery: automated, but datastores and namespaces are never pruned by Argo CD/Flux; synth refuses
  // to drop them (prune guard).
  addOns: [
    // Certificates of the Gateway's HTTPS listeners, challenges answered on its HTTP listener.
    AddOn.certManager({ issuers: [TlsIssuer.letsEncrypt('letsencrypt-prod', { email: ACME_EMAIL, solver: AcmeSolver.http01Gateway() })], gatewayApi: true }),
    AddOn.externalSecrets({
      stores: [SecretBackend.vault('vault-production', { server: VAULT_SERVER, path: 'secret', auth: VaultAuth.kubernetes('external-secrets-production') })],
    }),
    AddOn.envoyGateway(),
    // The canary's steps set the HTTPRoute's backend weights through the Gateway API plugin.
    AddOn.argoRollouts({ trafficRouterPlugins: [TrafficRouterPlugin.gatewayApi()] }),
    AddOn.keda(),
    AddOn.cloudNativePg(),
    AddOn.barmanCloudPlugin(),
    AddOn.strimzi(),
    // File-system backups copy volume data into the bucket, so dr (another region) can restore them.
    AddOn.velero({ credentials: VeleroCredentials.serviceAccountRole(veleroRole('production')), nodeAgent: true }),
  ],
});

/** The reference platform in production: canary for the API gateway, blue-green for the frontend, HA datastores. */
export const productionPlatform: PlatformSettings = {
  profile: production,
  releases: {
    frontend: '2.2.4',
    'api-gateway': '1.4.2',
    'auth-service': '1.2.3',
    'user-service': '1.2.0',
    'invoice-service': '3.0.7',
    'notification-service': '1.0.9',
    'document-processing': '0.8.5',
  },
  // 10 % and then 50 % of the API's requests: the weights of its HTTPRoute's stable and canary backends.
  apiGatewayStrategy: RolloutStrategy.canary({
    steps: [CanaryStep.setWeight(10), CanaryStep.pause('5m'), CanaryStep.analysis(), CanaryStep.setWeight(50), CanaryStep.pause('10m'), CanaryStep.analysis()],
  }),
  // The new frontend is reachable at preview.<domain> before promotion.
  frontendStrategy: RolloutStrategy.blueGreen({
    autoPromotion: false,
    prePromotionAnalysis: true,
    scaleDownDelaySeconds: 300,
    preview: PreviewRoute.host(IngressHost.subdomain('preview')),
  }),
  kafka: true,
  managedDatastores: {},
  // PostgreSQL archives WAL continuously (RPO 5 minutes) and the logs are snapshotted every 15 minutes: both meet the
  // profile's 15 minutes. The other datastores hold data whose loss costs less, and say so.
  recovery: {
    logs: { schedule: '*/15 * * * *' },
    redis: {
      schedule: '0 * * * *',
      objective: { rpo: '1h', reason: 'sessions and caches: losing the last hour signs users out; nothing lives only in Redis' },
    },
    minio: {
      objective: {
        rpo: '6h',
        reason: "uploaded documents, mirrored in full every 6 hours; the seeds' 1-hour target for files needs replication of the bucket, not a mirror job",
      },
    },
    clickhouse: { objective: { rpo: '6h', reason: 'analytics derived from PostgreSQL and the event stream: a lost window is ingested again' } },
    kafka: {
      objective: {
        rpo: '1d',
        reason:
          'an event transport replicated three times across zones (a zone loses nothing); after a region loss, producers publish again what was not consumed since the daily volume snapshot',
      },
    },
  },
  gitops: { repoURL: PLATFORM_REPO_URL, targetRevision: 'production', tools: [DeliveryTool.argoCd(), DeliveryTool.flux()] },
};
