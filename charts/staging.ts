import { ImagePolicy, MonitoringMode, EnvironmentProfile } from '../src';

/** Staging: production-like at smaller scale; TLS from the staging issuer; backups on. */
export const staging = {
  name: 'staging',
  cluster: { name: 'staging-cluster', server: 'https://staging.k8s.example.com', region: 'eu-west-1' },
  domain: 'staging.example.com',
  replicas: 2,
  highAvailability: false,
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
  autoscaling: { minReplicas: 2, maxReplicas: 4, cpuUtilization: 70, memoryUtilization: 80 },
  storage: { storageClass: 'gp3', defaultSize: '10Gi' },
  tlsIssuer: 'letsencrypt-staging',
  imagePolicy: ImagePolicy.pinnedTag(),
  secretStore: { kind: 'ClusterSecretStore', name: 'vault-staging', refreshInterval: '1h' },
  backups: {
    enabled: true,
    schedule: '0 3 * * *',
    retentionDays: 7,
    destination: 's3://platform-backups-staging',
    veleroSchedule: '0 2 * * *',
    veleroTtl: '72h0m0s',
  },
  monitoring: { mode: MonitoringMode.standalone(), namespace: 'monitoring', retention: '7d', retentionSize: '20GB', scrapeInterval: '30s' },
  ingress: { className: 'nginx', controllerNamespace: 'ingress-nginx' },
  protectStatefulResources: true,
  enforcePolicies: false,
} satisfies EnvironmentProfile;
