import { ImagePolicy, MonitoringMode, EnvironmentProfile } from '../src';

/** Development: one replica of everything, small resources, no TLS, in-cluster datastores, no backups. */
export const development = {
  name: 'development',
  cluster: { name: 'dev-cluster', server: 'https://dev.k8s.example.com', region: 'eu-west-1' },
  domain: 'dev.example.com',
  replicas: 1,
  highAvailability: false,
  resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
  autoscaling: { minReplicas: 1, maxReplicas: 2, cpuUtilization: 80, memoryUtilization: 80 },
  storage: { storageClass: 'standard', defaultSize: '1Gi' },
  tlsIssuer: undefined,
  imagePolicy: ImagePolicy.anyTag(),
  secretStore: { kind: 'ClusterSecretStore', name: 'vault-dev', refreshInterval: '1h' },
  backups: {
    enabled: false,
    schedule: '0 3 * * *',
    retentionDays: 7,
    destination: 's3://platform-backups-dev',
    veleroSchedule: '0 2 * * *',
    veleroTtl: '72h0m0s',
  },
  monitoring: { mode: MonitoringMode.standalone(), namespace: 'monitoring', retention: '2d', retentionSize: '5GB', scrapeInterval: '30s' },
  ingress: { className: 'nginx', controllerNamespace: 'ingress-nginx' },
  protectStatefulResources: false,
  enforcePolicies: false,
} satisfies EnvironmentProfile;
