import { ImagePolicy, MonitoringMode, EnvironmentProfile } from '../src';

/** Production: HA everywhere, autoscaling, digests only, backups, policy violations fail synth. */
export const production = {
  name: 'production',
  cluster: { name: 'prod-eu-west-1', server: 'https://prod-eu-west-1.k8s.example.com', region: 'eu-west-1' },
  domain: 'example.com',
  replicas: 3,
  highAvailability: true,
  resources: { requests: { cpu: '200m', memory: '256Mi' }, limits: { memory: '1Gi' } },
  autoscaling: { minReplicas: 3, maxReplicas: 10, cpuUtilization: 70, memoryUtilization: 80 },
  storage: { storageClass: 'gp3-encrypted', defaultSize: '50Gi' },
  tlsIssuer: 'letsencrypt-prod',
  imagePolicy: ImagePolicy.digestOnly(),
  secretStore: { kind: 'ClusterSecretStore', name: 'vault-production', refreshInterval: '15m' },
  backups: {
    enabled: true,
    schedule: '0 */6 * * *',
    retentionDays: 30,
    destination: 's3://platform-backups-production',
    veleroSchedule: '0 2 * * *',
    veleroTtl: '72h0m0s',
  },
  monitoring: { mode: MonitoringMode.standalone(), namespace: 'monitoring', retention: '15d', retentionSize: '45GB', scrapeInterval: '15s' },
  ingress: { className: 'nginx', controllerNamespace: 'ingress-nginx' },
  protectStatefulResources: true,
  enforcePolicies: true,
} satisfies EnvironmentProfile;
