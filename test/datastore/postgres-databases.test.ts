import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES_SCRIPT } from '../../src/datastore/postgres-databases';

/**
 * The databases Job's script against a real PostgreSQL (Debian's package, installed by scripts/ensure-real-software.sh):
 * owners create their databases over TCP with their passwords, a rerun changes nothing, and an SQL error fails the run.
 */
const bin = (() => {
  const versions = fs.existsSync('/usr/lib/postgresql') ? fs.readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a)) : [];
  const found = versions.map((v) => `/usr/lib/postgresql/${v}/bin`).find((d) => fs.existsSync(path.join(d, 'initdb')));
  if (!found) throw new Error('PostgreSQL is not installed: run scripts/ensure-real-software.sh (apt-get install postgresql)');
  return found;
})();
const root = process.getuid?.() === 0;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-databases-'));
const data = path.join(dir, 'data');
const port = String(20000 + Math.floor(Math.random() * 20000));

/** Runs a server binary as the `postgres` user when the tests run as root (PostgreSQL refuses root). */
function server(cmd: string, args: string[]): void {
  const [file, argv] = root ? ['runuser', ['-u', 'postgres', '--', path.join(bin, cmd), ...args]] : [path.join(bin, cmd), args];
  execFileSync(file, argv, { stdio: 'pipe' });
}

/** SQL as the superuser over the socket. */
function sql(query: string): string {
  return execFileSync('psql', ['-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', dir, '-p', port, '-U', 'postgres', '-d', 'postgres', '-c', query], {
    encoding: 'utf8',
  }).trim();
}

/** Runs the Job's script with a databases file and the owners' passwords, as the Job's container would. */
function runJob(lines: string, passwords: Record<string, string>) {
  const work = fs.mkdtempSync(path.join(dir, 'job-'));
  fs.writeFileSync(path.join(work, 'databases'), lines);
  for (const [owner, pw] of Object.entries(passwords)) {
    fs.mkdirSync(path.join(work, 'roles', owner), { recursive: true });
    fs.writeFileSync(path.join(work, 'roles', owner, 'password'), pw);
  }
  return spawnSync('bash', ['--noprofile', '--norc', '-c', DATABASES_SCRIPT], {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      HOME: work,
      PGHOST: '127.0.0.1',
      PGPORT: port,
      PGSSLMODE: 'disable',
      DATABASES_FILE: path.join(work, 'databases'),
      ROLES_DIR: path.join(work, 'roles'),
    },
  });
}

beforeAll(() => {
  fs.chmodSync(dir, 0o777);
  server('initdb', ['-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256']);
  server('pg_ctl', [
    '-D',
    data,
    '-w',
    '-l',
    path.join(dir, 'log'),
    '-o',
    `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${dir}`,
    'start',
  ]);
  sql("CREATE ROLE invoice LOGIN CREATEDB PASSWORD 'invoice-pw'");
  sql("CREATE ROLE users_owner LOGIN CREATEDB PASSWORD 'users-pw'");
  sql("CREATE ROLE no_createdb LOGIN PASSWORD 'x-pw'");
}, 60_000);

afterAll(() => {
  try {
    server('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

describe('databases Job on a real PostgreSQL', () => {
  it('GIVEN two databases WHEN the Job runs twice THEN each exists once, owned by its owner, closed to PUBLIC', () => {
    const lines = 'invoices invoice\nusers users_owner\n';
    const passwords = { invoice: 'invoice-pw', users_owner: 'users-pw' };
    const first = runJob(lines, passwords);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toBe('databases: invoices (owner invoice) is in place\ndatabases: users (owner users_owner) is in place\n');
    expect(sql("SELECT datname || ':' || pg_get_userbyid(datdba) FROM pg_database WHERE datname IN ('invoices', 'users') ORDER BY 1")).toBe(
      'invoices:invoice\nusers:users_owner',
    );
    expect(sql("SELECT has_database_privilege('no_createdb', 'invoices', 'CONNECT')")).toBe('f');
    expect(sql("SELECT has_database_privilege('invoice', 'invoices', 'CONNECT')")).toBe('t');
    const second = runJob(lines, passwords);
    expect(second.status).toBe(0);
    expect(sql("SELECT count(*) FROM pg_database WHERE datname IN ('invoices', 'users')")).toBe('2');
  });

  it('GIVEN an owner without CREATEDB WHEN the Job runs THEN it stops at that SQL error and fails', () => {
    const r = runJob('reports no_createdb\nlater invoice\n', { no_createdb: 'x-pw', invoice: 'invoice-pw' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('permission denied to create database');
    // ON_ERROR_STOP and `set -e`: nothing after the failing line ran.
    expect(sql("SELECT count(*) FROM pg_database WHERE datname IN ('reports', 'later')")).toBe('0');
  });

  it('GIVEN a database owned by another role WHEN the Job runs THEN it fails instead of reporting success', () => {
    const r = runJob('invoices users_owner\n', { users_owner: 'users-pw' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('ERROR:  database invoices is owned by invoice, not users_owner');
  });

  it('GIVEN a wrong password WHEN the Job runs THEN authentication fails the run', () => {
    const r = runJob('invoices invoice\n', { invoice: 'wrong' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('password authentication failed for user "invoice"');
  });
});
