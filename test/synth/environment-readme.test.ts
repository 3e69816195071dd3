import { App } from 'cdk8s';
import { describe, expect, test } from 'vitest';
import {
  EnvironmentChart,
  EnvironmentOutput,
  Engine,
  ImageReference,
  MicroserviceDeployment,
  StatefulDatastore,
  addGitOpsDelivery,
  synthesizeToJson,
} from '../../src';
import { environmentGraph, environmentReadme, environmentReadmePlugin } from '../../src/synth/plugins/environment-readme';
import { development, production } from '../helpers';
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
    expect(readme).toContain(
      '| Kind | Count |\n| --- | ---: |\n| Deployment | 1 |\n| HorizontalPodAutoscaler | 1 |\n| Namespace | 2 |\n| NetworkPolicy | 1 |\n| StatefulSet | 1 |\n',
    );
    expect(readme).toContain(
      '| (cluster-scoped) | 2 | Namespace 2 |\n| backend | 3 | Deployment 1, HorizontalPodAutoscaler 1, NetworkPolicy 1 |\n| data | 1 | StatefulSet 1 |\n',
    );
  });

  /** Two services and a database: web -> api -> db, with their NetworkPolicies from the connection graph. */
  function connected(): EnvironmentOutput {
    const app = new App();
    const chart = new EnvironmentChart(app, { profile: development });
    const svc = (name: string, namespace: string) =>
      new MicroserviceDeployment(chart, name, {
        name,
        namespace,
        image: ImageReference.fromTag(`ghcr.io/acme/${name}`, '1.0.0'),
        ports: [{ name: 'http', port: 8080 }],
      });
    const web = svc('web', 'frontend');
    const api = svc('api', 'backend');
    // A datastore this library runs itself (a StatefulSet): one node of the diagram.
    new StatefulDatastore(chart, 'db', { name: 'db', namespace: 'data', engine: Engine.redis(), clients: [api] });
    web.connectsTo(api);
    return synthesizeToJson(app).envs[0]!;
  }

  test('GIVEN connected services WHEN drawn THEN the Mermaid flowchart has an arrow per needed connection, from the flow proof', () => {
    const readme = environmentReadme(connected());
    expect(readme).toContain('Arrows are the connections the platform needs (see FLOWS.md), labelled with ports; DNS and the API server are left out.');
    expect(readme).toContain(
      ['  subgraph ns__backend["backend"]', '    backend__api["api"]', '  end', '  subgraph ns__data["data"]', '    data__db[("db")]', '  end'].join('\n'),
    );
    expect(readme).toContain('  backend__api -->|6379| data__db\n');
    expect(readme).toContain('  frontend__web -->|8080| backend__api\n');
  });

  test('GIVEN DNS and API server flows WHEN drawn THEN they are left out as plumbing', () => {
    const { edges } = environmentGraph(connected());
    expect(edges.filter((e) => e.to.startsWith('kube_system__') || e.to.startsWith('ext__default'))).toEqual([]);
    expect(edges.map((e) => `${e.from}>${e.to}`)).toContain('backend__api>data__db');
  });

  test('GIVEN a connection a NetworkPolicy blocks WHEN drawn THEN its arrow is dashed and says so', () => {
    const env = connected();
    // The database's policy without its ingress rules: api -> db is needed but blocked.
    const documents = env.documents.map((d) =>
      d.object.kind === 'NetworkPolicy' && d.object.metadata.name === 'db' ? { ...d, object: { ...d.object, spec: { ...d.object.spec, ingress: [] } } } : d,
    );
    const { edges } = environmentGraph({ ...env, documents });
    expect(edges.find((e) => e.from === 'backend__api' && e.to === 'data__db')).toEqual({ from: 'backend__api', to: 'data__db', ports: '6379', blocked: true });
    expect(environmentReadme({ ...env, documents })).toContain('  backend__api -.->|6379 blocked| data__db\n');
  });

  test('GIVEN the plugin WHEN run THEN only environment folders get a README, not the GitOps folders', () => {
    const plugin = environmentReadmePlugin();
    const files = fixture().flatMap((e) => Object.keys(plugin.files!(e, { outdir: '/nonexistent' })));
    expect(files).toEqual(['production/README.md']);
  });
});
