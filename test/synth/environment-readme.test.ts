import { App } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import { addGitOpsDelivery, synthesizeToJson } from '../../src';
import { environmentGraph, environmentReadme, environmentReadmePlugin } from '../../src/synth/plugins/environment-readme';
import { production } from '../helpers';
import { buildFixtureEnvironment } from '../gitops/helpers';

/** The fixture without add-ons: the inventory and the diagram show only what the constructs emit. */
function fixture(profile = { ...production, addOns: [] }) {
  const app = new App();
  const env = buildFixtureEnvironment(app, profile);
  addGitOpsDelivery(app, { environment: env, source: { url: 'https://github.com/acme/platform.git' } });
  const { envs } = synthesizeToJson(app);
  return envs;
}

describe('environment README', () => {
  test('GIVEN the fixture environment WHEN rendered THEN the inventory counts objects by kind and by namespace', () => {
    const readme = environmentReadme(fixture().find((e) => e.directory === 'production')!);
    expect(readme).toContain('# Environment `production`');
    expect(readme).toContain('Cluster `prod-eu-west-1` (eu-west-1), 6 objects.');
    expect(readme).toContain('| Kind | Count |\n| --- | ---: |\n| Deployment | 1 |\n| HorizontalPodAutoscaler | 1 |\n| Namespace | 2 |\n| NetworkPolicy | 1 |\n| StatefulSet | 1 |\n');
    expect(readme).toContain('| (cluster-scoped) | 2 | Namespace 2 |\n| backend | 3 | Deployment 1, HorizontalPodAutoscaler 1, NetworkPolicy 1 |\n| data | 1 | StatefulSet 1 |\n');
  });

  test('GIVEN NetworkPolicies WHEN drawn THEN services, datastores and allowed connections form a Mermaid flowchart', () => {
    const readme = environmentReadme(fixture().find((e) => e.directory === 'production')!);
    expect(readme).toContain([
      '```mermaid',
      'flowchart LR',
      '  subgraph ns__backend["backend"]',
      '    backend__api["api"]',
      '  end',
      '  subgraph ns__data["data"]',
      '    data__postgres[("postgres")]',
      '  end',
      '  ext__ns_ingress_nginx{{"namespace ingress-nginx"}}',
      '  backend__api -->|5432| data__postgres',
      '  ext__ns_ingress_nginx -->|8080| backend__api',
      '```',
    ].join('\n'));
  });

  test('GIVEN DNS egress WHEN drawn THEN it is left out as plumbing', () => {
    const { edges } = environmentGraph(fixture().find((e) => e.directory === 'production')!);
    expect(edges.map((e) => `${e.from}>${e.to}`)).toEqual(['backend__api>data__postgres', 'ext__ns_ingress_nginx>backend__api']);
  });

  test('GIVEN the plugin WHEN run THEN only environment folders get a README, not the GitOps folders', () => {
    const plugin = environmentReadmePlugin();
    const files = fixture().flatMap((e) => Object.keys(plugin.files!(e, { outdir: '/nonexistent' })));
    expect(files).toEqual(['production/README.md']);
  });
});
