/**
 * The contracts between the reference platform's components, read from the committed dist/ as an SRE would: what a
 * client is configured with must be what its server serves (TLS, users, the pods a Service reaches), and connection
 * strings come from the server's stored credential, never from a secret somebody keeps in step by hand.
 */
import * as fs from 'fs';
import * as path from 'path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';

const dist = path.resolve(__dirname, '..', '..', 'dist');
const ENVS = ['development', 'staging', 'production', 'dr'];

function docs(env: string): Record<string, any>[] {
  const out: Record<string, any>[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.yaml')) out.push(load(fs.readFileSync(p, 'utf8')) as Record<string, any>);
    }
  };
  walk(path.join(dist, env));
  return out;
}

function find(all: Record<string, any>[], kind: string, name: string, namespace: string): Record<string, any> | undefined {
  return all.find((d) => d.kind === kind && d.metadata.name === name && d.metadata.namespace === namespace);
}

/** `key value` lines of the Fluent Bit section `[name]`. */
function fluentBitSection(conf: string, name: string): Record<string, string> {
  const body = conf.split(`[${name}]`)[1]!.split('\n[')[0]!;
  return Object.fromEntries(
    body
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '')
      .map((l) => [l.split(/\s+/)[0], l.split(/\s+/).slice(1).join(' ')]),
  );
}

describe.each(ENVS)('%s: clients agree with their servers', (env) => {
  const all = docs(env);

  it('Fluent Bit and Grafana use TLS exactly when the logs cluster serves it, as users it provisions', () => {
    const es = find(all, 'ConfigMap', 'logs-config', 'db-elasticsearch')!.data['elasticsearch.yml'];
    const httpTls = /^xpack\.security\.http\.ssl\.enabled: (true|false)$/m.exec(es)?.[1] === 'true';
    const out = fluentBitSection(find(all, 'ConfigMap', 'fluent-bit-config', 'logging')!.data['fluent-bit.conf'], 'OUTPUT');
    // Today Fluent Bit says `tls On` to a cluster whose HTTP layer has TLS off.
    expect(out.tls === 'On').toBe(httpTls);
    const users = (find(all, 'ExternalSecret', 'logs-users', 'db-elasticsearch')?.spec.data ?? []).map((d: any) => d.secretKey);
    const shipper = find(all, 'ExternalSecret', 'fluent-bit-credentials', 'logging')!;
    expect(users).toContain(shipper.spec.target.template?.data?.ES_USER);
    // Both ends read the same stored password.
    const provisioned = find(all, 'ExternalSecret', 'logs-users', 'db-elasticsearch')!.spec.data.find((d: any) => d.secretKey === 'fluent-bit').remoteRef;
    expect(shipper.spec.data[0].remoteRef).toEqual(provisioned);
    const datasources = load(find(all, 'ConfigMap', 'grafana-datasources', 'monitoring')!.data['datasources.yaml']) as any;
    const logs = datasources.datasources.find((d: any) => d.uid === 'logs');
    expect(logs.url.startsWith('https://')).toBe(httpTls);
    expect(logs.basicAuth).toBe(true);
    expect(users).toContain(find(all, 'ExternalSecret', 'grafana-logs-credentials', 'monitoring')!.spec.target.template.data.LOGS_USER);
  });

  it('the Redis client Service reaches the master only (the single server, or the master-checking proxies)', () => {
    const svc = find(all, 'Service', 'redis', 'db-redis')!;
    if (svc.spec.type === 'ExternalName') return; // a managed Redis
    const replicas = find(all, 'StatefulSet', 'redis', 'db-redis')!.spec.replicas;
    // Today the Service selected every member: 2 writes in 3 landed on a replica (READONLY).
    expect(svc.spec.selector['app.kubernetes.io/component']).toBe(replicas > 1 ? 'proxy' : 'server');
  });

  it("services read their connection strings from Secrets composed from the datastores' own credentials", () => {
    const deployments = all.filter((d) => (d.kind === 'Deployment' || d.kind === 'Rollout') && d.metadata.namespace === 'backend');
    const databaseUrls = deployments.flatMap((d) => d.spec.template.spec.containers[0].env ?? []).filter((e: any) => e.name === 'DATABASE_URL');
    expect(databaseUrls.length).toBeGreaterThan(0);
    const cluster = find(all, 'Cluster', 'postgres', 'db-postgres')!;
    for (const e of databaseUrls) {
      const es = find(all, 'ExternalSecret', e.valueFrom.secretKeyRef.name, 'backend')!;
      // Each service connects over TLS as its own role (the database's owner), to its own database.
      const url = /^postgresql:\/\/([a-z_]+):\{\{ \.password \| urlquery \}\}@postgres\.db-postgres\.svc\.cluster\.local:5432\/[a-z]+\?sslmode=require$/.exec(
        es.spec.target.template.data.DATABASE_URL,
      );
      expect(url).not.toBeNull();
      const role = url![1];
      expect(es.spec.data).toEqual([{ secretKey: 'password', remoteRef: { key: `db-postgres/postgres/roles/${role}`, property: 'password' } }]);
      // The password CloudNativePG sets on that role comes from the same stored key.
      const managed = cluster.spec.managed.roles.find((r: any) => r.name === role);
      const roleSecret = find(all, 'ExternalSecret', managed.passwordSecret.name, 'db-postgres')!;
      expect(roleSecret.spec.data).toContainEqual({ secretKey: 'password', remoteRef: { key: `db-postgres/postgres/roles/${role}`, property: 'password' } });
    }
  });
});
