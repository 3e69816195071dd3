/**
 * The generated Redis configuration and scripts, run with the real redis-server, redis-sentinel and haproxy (Debian
 * packages) on loopback: a master, two replicas, three Sentinels and the master-routing proxy of the client Service.
 *
 * What the harness changes, and only that: each "pod" gets its own loopback address instead of a pod IP (pod FQDNs in
 * the scripts are replaced by those addresses, `bind` is narrowed to it) and its own directory instead of the
 * container paths (/etc/redis, /tmp, /data, the HAProxy config path). Everything else (replication start-up, Sentinel
 * configuration and authentication, the proxy's master check) runs as generated.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it, test } from 'vitest';
import { Engine, StatefulDatastore } from '../../src';
import { production, synthEnv } from '../helpers';
import { Processes, have, loopbackAddresses, waitFor } from '../real-software';

const PASSWORD = 'correct horse battery staple';
const NS = 'data';
const NAME = 'sessions';
const tools = ['redis-server', 'redis-sentinel', 'redis-cli', 'haproxy'];

interface Pod {
  readonly name: string;
  readonly ip: string;
  readonly dir: string;
}

function cli(ip: string, port: number, ...args: string[]): { ok: boolean; out: string } {
  const r = spawnSync('redis-cli', ['-h', ip, '-p', String(port), ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, REDISCLI_AUTH: PASSWORD },
    timeout: 5000,
  });
  return { ok: r.status === 0 && !/^(ERR|READONLY|NOAUTH|WRONGPASS|-)/m.test(r.stdout), out: `${r.stdout}${r.stderr}`.trim() };
}

function role(ip: string): string | undefined {
  const r = cli(ip, 6379, 'info', 'replication');
  return /role:(\w+)/.exec(r.out)?.[1];
}

test('redis-server, redis-sentinel, redis-cli and haproxy are installed (the Redis tests need the real software)', () => {
  expect(
    tools.filter((t) => !have(t)),
    'install them: apt-get install -y redis-server redis-sentinel redis-tools haproxy',
  ).toEqual([]);
});

describe('HA Redis from the generated configuration, on loopback', () => {
  const procs = new Processes();
  let work: string;
  let servers: Pod[];
  let sentinels: Pod[];
  let proxy: Pod;
  let files: Record<string, string>;
  let hosts: Map<string, string>;

  /** The generated file, relocated to the pod's address and directory (see the file comment). */
  function localize(text: string, pod: Pod): string {
    let t = text;
    for (const [fqdn, ip] of hosts) t = t.split(fqdn).join(ip);
    // One pass: the replacement paths may themselves contain /tmp.
    return t
      .replace(/\/etc\/redis\/|\/usr\/local\/etc\/haproxy\/|\/tmp\b/g, (m) => (m === '/tmp' ? `${pod.dir}/tmp` : `${pod.dir}/etc/`))
      .replace(/^dir \/data$/m, `dir ${pod.dir}/data`)
      .replace('bind * -::*', `bind ${pod.ip}`)
      .replace(/^port 26379$/m, `port 26379\nbind ${pod.ip}`)
      .replace(/^ {2}bind :(\d+)$/gm, `  bind ${pod.ip}:$1`);
  }

  function pod(name: string, ip: string, keys: string[]): Pod {
    const p = { name, ip, dir: path.join(work, name) };
    for (const d of ['etc', 'tmp', 'data']) fs.mkdirSync(path.join(p.dir, d), { recursive: true });
    for (const k of keys) fs.writeFileSync(path.join(p.dir, 'etc', k), localize(files[k]!, p));
    return p;
  }

  /** The generated container's literal variables (the scripts' data: seed, Sentinels, master set), relocated, and the pod's own. */
  let generatedEnv: { server: Record<string, string>; sentinel: Record<string, string> };
  const literalEnv = (container: { env?: Array<{ name: string; value?: string }> }): Record<string, string> =>
    Object.fromEntries(
      (container.env ?? [])
        .filter((e) => e.value !== undefined && !e.value.includes('$('))
        .map((e) => [e.name, [...hosts].reduce((v, [fqdn, ip]) => v.split(fqdn).join(ip), e.value!)]),
    );
  const podEnv = (p: Pod, role: 'server' | 'sentinel') => ({
    ...generatedEnv[role],
    HOSTNAME: p.name,
    POD_NAME: p.name,
    POD_FQDN: p.ip,
    REDIS_PASSWORD: PASSWORD,
    REDISCLI_AUTH: PASSWORD,
  });
  const startServer = (p: Pod) => procs.start(p.name, 'sh', [path.join(p.dir, 'etc', 'start.sh')], { env: podEnv(p, 'server') });
  const master = () => servers.find((s) => role(s.ip) === 'master');
  /** What the kubelet's readiness probe asks: the Service sends traffic to the proxy only while this is 200. */
  const proxyReady = async () => {
    try {
      return (await fetch(`http://${proxy.ip}:8404/healthz`)).status === 200 ? true : undefined;
    } catch {
      return undefined;
    }
  };

  beforeAll(async () => {
    if (tools.some((t) => !have(t))) return;
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-real-'));
    const r = synthEnv((c) => {
      new StatefulDatastore(c, 'cache', { name: NAME, namespace: NS, engine: Engine.redis() });
    }, production);
    files = r.find('ConfigMap', `${NAME}-config`).data;
    const ips = await loopbackAddresses(7, [6379, 26379]);
    hosts = new Map();
    for (let i = 0; i < 3; i++) {
      hosts.set(`${NAME}-${i}.${NAME}-headless.${NS}.svc.cluster.local`, ips[i]!);
      hosts.set(`${NAME}-sentinel-${i}.${NAME}-headless.${NS}.svc.cluster.local`, ips[3 + i]!);
    }
    generatedEnv = {
      server: literalEnv(r.find('StatefulSet', NAME).spec.template.spec.containers[0]),
      sentinel: literalEnv(r.find('StatefulSet', `${NAME}-sentinel`).spec.template.spec.containers[0]),
    };
    expect(generatedEnv.server.REDIS_REPLICATION).toBe('true');
    servers = [0, 1, 2].map((i) => pod(`${NAME}-${i}`, ips[i]!, ['redis.conf', 'start.sh']));
    sentinels = [0, 1, 2].map((i) => pod(`${NAME}-sentinel-${i}`, ips[3 + i]!, ['sentinel.sh']));
    proxy = pod(`${NAME}-proxy-0`, ips[6]!, ['haproxy.cfg']);
    // The StatefulSet starts pods in order: the first comes up as master, the others replicate from it.
    startServer(servers[0]!);
    await waitFor(
      'the first server',
      () => (role(servers[0]!.ip) === 'master' ? true : undefined),
      15_000,
      200,
      () => procs.logs(),
    );
    for (const s of servers.slice(1)) startServer(s);
    procs.start(proxy.name, 'haproxy', ['-db', '-f', path.join(proxy.dir, 'etc', 'haproxy.cfg')], { env: { REDIS_PASSWORD: PASSWORD } });
    await waitFor(
      'two replicas in sync',
      () => (/connected_slaves:2/.test(cli(servers[0]!.ip, 6379, 'info', 'replication').out) ? true : undefined),
      20_000,
      200,
      () => procs.logs(),
    );
    // The Sentinels start once both replicas are attached (the servers found no Sentinel either way and started from
    // the seed): a Sentinel lists the replicas from the master's INFO when it connects, and otherwise only at its next
    // INFO 10 s later.
    for (const s of sentinels) procs.start(s.name, 'sh', [path.join(s.dir, 'etc', 'sentinel.sh')], { env: podEnv(s, 'sentinel') });
    // As in a running cluster, every Sentinel knows its peers and both replicas (learnt from the master's INFO every
    // 10 s) before anything fails: a Sentinel that never saw a replica cannot promote it.
    await waitFor(
      'Sentinels that know each other and both replicas',
      () =>
        sentinels.every((x) => {
          const master = cli(x.ip, 26379, 'sentinel', 'master', 'mymaster').out.replace(/\n/g, ' ');
          const replicas = cli(x.ip, 26379, 'sentinel', 'replicas', 'mymaster').out;
          return (
            /num-other-sentinels 2\b/.test(master) &&
            /num-slaves 2\b/.test(master) &&
            servers.slice(1).every((r) => replicas.includes(r.ip)) &&
            !/disconnected|s_down/.test(replicas)
          );
        })
          ? true
          : undefined,
      30_000,
      500,
      () => procs.logs(),
    );
  }, 60_000);

  afterAll(async () => {
    await procs.stopAll();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('GIVEN master, replicas and proxy WHEN a client writes through the client Service address THEN every write succeeds (no READONLY)', async () => {
    await waitFor('the proxy to be ready (exactly one master in service)', proxyReady, 15_000, 200, () => procs.logs());
    const results = Array.from({ length: 30 }, (_, i) => cli(proxy.ip, 6379, 'set', `key-${i}`, String(i)));
    expect(results.filter((x) => !x.ok).map((x) => x.out)).toEqual([]);
    // The replicas refuse writes: a Service selecting them too would fail writes sent there.
    expect(cli(servers[1]!.ip, 6379, 'set', 'x', '1').out).toContain('READONLY');
  });

  it('GIVEN the Sentinels WHEN a client asks for the master THEN they require the password and name the master', () => {
    const anonymous = spawnSync('redis-cli', ['-h', sentinels[1]!.ip, '-p', '26379', 'sentinel', 'get-master-addr-by-name', 'mymaster'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
    });
    expect(`${anonymous.stdout}${anonymous.stderr}`).toContain('NOAUTH');
    expect(cli(sentinels[1]!.ip, 26379, 'sentinel', 'get-master-addr-by-name', 'mymaster').out.split('\n')[0]).toBe(servers[0]!.ip);
  });

  it('GIVEN the master crashes WHEN the Sentinels fail over THEN writes through the proxy and through the Sentinel-named master succeed, and the old master rejoins as a replica', async () => {
    // The generated 10 s detection delay is kept in the configuration; here it is shortened at run time so the test
    // does not wait for it (the failover path is the same); 3 s, not less, so that a busy test machine is not
    // mistaken for a failed master a second time.
    for (const x of sentinels) expect(cli(x.ip, 26379, 'sentinel', 'set', 'mymaster', 'down-after-milliseconds', '3000').out).toContain('OK');
    await procs.kill(servers[0]!.name);
    const next = await waitFor(
      'a new master elected by the Sentinels',
      () => {
        const addr = cli(sentinels[0]!.ip, 26379, 'sentinel', 'get-master-addr-by-name', 'mymaster').out.split('\n')[0];
        return addr && addr !== servers[0]!.ip && role(addr) === 'master' ? addr : undefined;
      },
      45_000,
      500,
      () => procs.logs(),
    );
    await waitFor(
      'the proxy to be ready again',
      async () => ((await proxyReady()) && cli(proxy.ip, 6379, 'set', 'after-failover', '1').ok ? true : undefined),
      20_000,
      200,
      () => procs.logs(),
    );
    const results = Array.from({ length: 30 }, (_, i) => cli(proxy.ip, 6379, 'set', `after-${i}`, String(i)));
    expect(results.filter((x) => !x.ok).map((x) => x.out)).toEqual([]);
    // A Sentinel-aware client writes to the address Sentinel names.
    expect(cli(next, 6379, 'set', 'sentinel-client', '1').ok).toBe(true);
    expect(master()?.ip).toBe(next);

    // The restarted pod asks the Sentinels for the master and replicates from it instead of starting a second master.
    startServer(servers[0]!);
    await waitFor(
      'the old master back as a replica',
      () => (role(servers[0]!.ip) === 'slave' ? true : undefined),
      20_000,
      200,
      () => procs.logs(),
    );
    await waitFor(
      'the old master to catch up',
      () => (cli(servers[0]!.ip, 6379, 'get', 'after-29').out === '29' ? true : undefined),
      20_000,
      200,
      () => procs.logs(),
    );
  }, 120_000);
});
