import { EnvironmentProfile } from '../src';
import { production } from './production';

/** Disaster recovery: production's profile on a second cluster and region, at its DR size. */
export const dr = {
  ...production,
  name: 'dr',
  cluster: { name: 'prod-eu-central-1', server: 'https://prod-eu-central-1.k8s.example.com', region: 'eu-central-1' },
  replicas: 2,
  autoscaling: { ...production.autoscaling, minReplicas: 2, maxReplicas: 6 },
} satisfies EnvironmentProfile;
