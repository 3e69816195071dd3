import { Construct } from 'constructs';
import { EnvironmentChart, EnvironmentProfile } from '../src';
import { IntOrString, KubeDeployment, KubeNamespace, KubeNetworkPolicy, KubeService, Quantity } from '../imports/k8s';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, selectorLabels, workloadLabels } from '../src';

/**
 * The platform every environment runs. Environment differences come only from `profile`.
 * (Placeholder workload until the platform constructs land: a hello service in its own namespace.)
 */
export function buildPlatform(scope: Construct, profile: EnvironmentProfile): EnvironmentChart {
  const chart = new EnvironmentChart(scope, { profile });
  const ns = 'platform-hello';
  const labels = workloadLabels({ name: 'hello', component: 'placeholder', partOf: 'platform' });
  new KubeNamespace(chart, 'hello-namespace', {
    metadata: {
      name: ns,
      labels: {
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'v1.27',
      },
    },
  });
  new KubeDeployment(chart, 'hello', {
    metadata: { name: 'hello', namespace: ns, labels },
    spec: {
      replicas: profile.replicas,
      selector: { matchLabels: selectorLabels('hello') },
      template: {
        metadata: { labels },
        spec: {
          automountServiceAccountToken: false,
          securityContext: restrictedPodSecurityContext(),
          containers: [{
            name: 'hello',
            image: 'ghcr.io/nginxinc/nginx-unprivileged:1.27.2',
            imagePullPolicy: profile.imagePolicy.pullPolicy,
            ports: [{ name: 'http', containerPort: 8080 }],
            resources: {
              requests: { cpu: Quantity.fromString(profile.resources.requests.cpu), memory: Quantity.fromString(profile.resources.requests.memory) },
              limits: { memory: Quantity.fromString(profile.resources.limits.memory) },
            },
            securityContext: restrictedContainerSecurityContext(),
          }],
        },
      },
    },
  });
  new KubeService(chart, 'hello-service', {
    metadata: { name: 'hello', namespace: ns, labels },
    spec: { selector: selectorLabels('hello'), ports: [{ name: 'http', port: 80, targetPort: IntOrString.fromString('http') }] },
  });
  new KubeNetworkPolicy(chart, 'hello-deny', {
    metadata: { name: 'default-deny', namespace: ns },
    spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
  });
  return chart;
}
