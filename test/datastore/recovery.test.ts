import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import {
  Engine,
  EnvironmentChart,
  EnvironmentProfile,
  StatefulDatastore,
  StatefulDatastoreProps,
  SynthError,
  defaultPlugins,
  formatDuration,
  parseDuration,
  synthesize,
} from '../../src';
import { cronMaxIntervalMinutes } from '../../src/core/cron';
import { RecoveryRegistry } from '../../src/core/recovery-registry';
import { recoveryProblems, recoveryTable } from '../../src/datastore/recovery';
import { buildApp } from '../../charts';
import { production, staging, synthEnv } from '../helpers';

const enforced: EnvironmentProfile = { ...production, recoveryObjectives: { rpo: '15m', rto: '1h' } };
const store = (extra: Partial<StatefulDatastoreProps> = {}): StatefulDatastoreProps => ({
  name: 'sessions',
  namespace: 'data',
  engine: Engine.redis(),
  ...extra,
});
const entriesOf = (profile: EnvironmentProfile, ...props: StatefulDatastoreProps[]) => {
  let registry: RecoveryRegistry | undefined;
  synthEnv((c) => {
    props.forEach((p, i) => new StatefulDatastore(c, `db${i}`, p));
    registry = RecoveryRegistry.of(c);
  }, profile);
  return registry!.entries();
};

describe('cron schedules and durations', () => {
  it.each([
    ['0 */6 * * *', 360],
    ['*/15 * * * *', 15],
    ['0 * * * *', 60],
    ['0 2 * * *', 1440],
    ['@daily', 1440],
    ['@hourly', 60],
    ['30 1,13 * * *', 720],
    ['0 3 * * 1-5', 3 * 1440],
    ['0 0 1 * *', 31 * 1440],
    ['0 9-17 * * *', 960],
  ] as const)('GIVEN %s THEN the longest gap between two runs is %i minutes', (cron, minutes) => {
    expect(cronMaxIntervalMinutes(cron)).toBe(minutes);
  });
  it('parses and formats durations', () => {
    expect([parseDuration('15m'), parseDuration('1h30m'), parseDuration('2d'), parseDuration('90s'), parseDuration('15 min'), parseDuration('0m')]).toEqual([
      900,
      5400,
      172800,
      90,
      undefined,
      undefined,
    ]);
    expect([formatDuration(21600), formatDuration(900), formatDuration(5400), formatDuration(86400)]).toEqual(['6h', '15m', '1h30m', '1d']);
  });
});

describe('recovery objectives', () => {
  it('GIVEN RPO 15 min and a datastore backed up only by 6-hourly dumps WHEN synthesized in an enforced environment THEN synth fails naming the datastore, engine, plan and gap', () => {
    // GIVEN production (policies enforced) declaring RPO 15m, and Redis dumped every 6 hours
    const app = new App({ outdir: '.cdk8s.out' });
    new StatefulDatastore(new EnvironmentChart(app, { profile: enforced }), 'db', store());
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recovery-'));
    // WHEN
    let error: unknown;
    try {
      synthesize(app, { outdir: path.join(dir, 'dist'), plugins: defaultPlugins() });
    } catch (e) {
      error = e;
    }
    // THEN
    expect(error).toBeInstanceOf(SynthError);
    expect((error as SynthError).problems).toContain(
      'production/db: recovery: datastore data/sessions (Redis) cannot meet the recovery point objective of 15m: its best backup plan, RDB snapshot every 6h ("0 */6 * * *"), can lose up to 6h of writes, 5h45m more than the objective; back it up more often, or declare the datastore\'s own objective with a reason (recovery: { rpo, reason })',
    );
    expect(fs.existsSync(path.join(dir, 'dist'))).toBe(false);
  });

  it('GIVEN the same datastore in an environment that does not enforce policies THEN it is a warning and synth writes', () => {
    const app = new App({ outdir: '.cdk8s.out' });
    new StatefulDatastore(new EnvironmentChart(app, { profile: { ...staging, recoveryObjectives: { rpo: '15m', rto: '1h' } } }), 'db', store());
    const warnings: string[] = [];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recovery-'));
    synthesize(app, { outdir: path.join(dir, 'dist'), plugins: defaultPlugins(), warn: (m) => warnings.push(m) });
    expect(warnings).toContain(
      'staging/db: recovery: datastore data/sessions (Redis) cannot meet the recovery point objective of 15m: its best backup plan, RDB snapshot every 1d ("0 3 * * *"), can lose up to 1d of writes, 23h45m more than the objective; back it up more often, or declare the datastore\'s own objective with a reason (recovery: { rpo, reason })',
    );
  });

  it('GIVEN PostgreSQL WHEN checked THEN WAL archiving meets 15 minutes; a backup schedule as often as the RPO meets it too', () => {
    const entries = entriesOf(enforced, store({ name: 'orders', engine: Engine.postgres() }), store({ backup: { schedule: '*/15 * * * *' } }));
    expect(recoveryProblems(entries)).toEqual([]);
    expect(entries[0]!.plans).toEqual([
      { method: 'continuous WAL archiving to s3://platform-backups-production/data/orders (Barman Cloud plugin, archive_timeout 5m)', rpoSeconds: 300 },
      { method: 'Velero volume snapshots every 1d ("0 2 * * *")', rpoSeconds: 86400 },
    ]);
  });

  it('GIVEN a datastore with its own objective and reason THEN it is held to that one, and the README shows why', () => {
    const entries = entriesOf(enforced, store({ recovery: { rpo: '6h', reason: 'a cache: nothing lives only here' } }));
    expect(recoveryProblems(entries)).toEqual([]);
    expect(entries[0]!.objective).toEqual({ rpo: '6h', rpoSeconds: 21600, rto: '1h', reason: 'a cache: nothing lives only here' });
    expect(recoveryTable(entries, enforced.recoveryObjectives)).toBe(
      [
        '## Recovery',
        '',
        "Declared objectives: RPO 15m, RTO 1h. Synth checks every datastore's best backup plan against its RPO (docs/stateful-datastore.md says what each restore path takes).",
        '',
        '| Datastore | Engine | Backup methods | Achieved RPO | Objective | Restore path |',
        '| --- | --- | --- | --- | --- | --- |',
        '| data/sessions | Redis | RDB snapshot every 6h ("0 */6 * * *"); Velero volume snapshots every 1d ("0 2 * * *") | 6h | RPO 6h, RTO 1h (own: a cache: nothing lives only here): met | an empty datastore with `restore.from` (a DR environment\'s `restoreFrom`): init containers load the newest backup below s3://platform-backups-production/data/sessions |',
        '',
      ].join('\n'),
    );
  });

  it('GIVEN backups off and an objective THEN the datastore has no plan and the problem says so', () => {
    const entries = entriesOf({ ...enforced, backups: { ...enforced.backups, enabled: false } }, store());
    expect(recoveryProblems(entries)).toEqual([
      "production/db0: recovery: datastore data/sessions (Redis) cannot meet the recovery point objective of 15m: it has no backup plan (backups are off); enable backups, or declare the datastore's own objective with a reason (recovery: { rpo, reason })",
    ]);
  });

  it("GIVEN a managed datastore THEN the provider's backups are not checked", () => {
    expect(recoveryProblems(entriesOf(enforced, store({ managed: { host: 'sessions.abc.cache.amazonaws.com' } })))).toEqual([]);
  });

  it('GIVEN bad objectives THEN the error names the field and the value', () => {
    expect(() => entriesOf({ ...enforced, recoveryObjectives: { rpo: '15 minutes', rto: '1h' } }, store())).toThrow(
      'production/db0: profile.recoveryObjectives.rpo: got "15 minutes"; must be a duration such as "15m", "1h" or "1h30m"',
    );
    expect(() => entriesOf(enforced, store({ recovery: { rpo: '1h', reason: ' ' } }))).toThrow(
      'production/db0: recovery.reason: got " "; must say why this datastore has an objective of its own',
    );
  });

  it('GIVEN the reference platform THEN production and dr meet their objectives and say how each datastore is restored', () => {
    const readme = (env: string) => fs.readFileSync(path.join(__dirname, '..', '..', 'dist', env, 'README.md'), 'utf8');
    for (const env of ['production', 'dr']) {
      expect(readme(env)).toContain('Declared objectives: RPO 15m, RTO 1h.');
      expect(readme(env)).not.toContain('NOT met');
    }
    expect(readme('production')).toContain(
      '| db-postgres/postgres | PostgreSQL | continuous WAL archiving to s3://platform-backups-production/db-postgres/postgres (Barman Cloud plugin, archive_timeout 5m); Velero volume snapshots every 1d ("0 2 * * *") | 5m | RPO 15m, RTO 1h: met |',
    );
    expect(readme('dr')).toContain(
      '| db-postgres/postgres | PostgreSQL | replica cluster following the WAL archive s3://platform-backups-production/db-postgres/postgres (archive_timeout 5m); Velero volume snapshots every 1d ("0 2 * * *") | 5m | RPO 15m, RTO 1h: met |',
    );
    // AND a fresh synth of the charts finds no problem
    const app = buildApp();
    for (const chart of app.node.children.filter((c): c is EnvironmentChart => EnvironmentChart.isEnvironmentChart(c))) {
      expect(recoveryProblems(RecoveryRegistry.of(chart).entries())).toEqual([]);
    }
  });
});
