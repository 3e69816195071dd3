/**
 * Tenants as data: loads and validates tenants.yaml. Every mistake is reported with the file, the entry and the
 * field (`tenants.yaml: tenants[2].id: got "Acme_Corp"; must be a DNS-1123 label ...`), before any construct exists.
 */
import * as path from 'path';
import { PlatformConfigError } from '../core/errors';
import { InputDocument, InputYamlOptions, parseInputDocument, readInputDocument } from '../synth/input-yaml';
import type { SharedService, SharedServicePort, TenantDefinition } from './tenant-namespace';
import { InputProblem, Plan, QUOTA_KEYS, QuotaOverrides } from './plan';
import { hostnameProblem, hostsOverlap } from '../traffic/hostnames';
import { displayNameProblem, groupProblem, labelValueFieldProblem, repoProblem, sharedServiceProblem, tenantIdProblem } from './validation';

export interface LoadTenantsOptions {
  /** Environment names a tenant may list (the profiles' names). */
  readonly environments: readonly string[];
  /** Plans a tenant may name, by name (e.g. {@link defaultPlans}). */
  readonly plans: Readonly<Record<string, Plan>>;
  /** Name used in error messages. @default 'tenants.yaml' */
  readonly file?: string;
  /** Size and alias limits of the YAML reader. @default MAX_INPUT_BYTES, MAX_ALIAS_COUNT */
  readonly limits?: InputYamlOptions;
}

const DEFAULT_FILE = 'tenants.yaml';
const TOP_KEYS = ['sharedServices', 'tenants'];
const TENANT_KEYS = ['id', 'displayName', 'plan', 'owners', 'environments', 'sourceRepos', 'costCenter', 'sharedServices', 'hostnames', 'overrides'];
const OWNER_KEYS = ['admin', 'edit', 'view'];
const OVERRIDE_KEYS = ['quota'];
const SERVICE_KEYS = ['namespace', 'workload', 'podSelector', 'ports'];
const PORT_KEYS = ['port', 'protocol'];
const STORAGE_CLASS_KEYS = ['requestsStorage', 'persistentVolumeClaims'];
const QUANTITY_QUOTA_KEYS = new Set(['requestsCpu', 'requestsMemory', 'limitsCpu', 'limitsMemory', 'requestsStorage']);

/**
 * Reads and validates the tenants file at `file` (see {@link loadTenants}); messages name the file's base name.
 * The size limit is checked before the file is read.
 */
export function loadTenantsFile(file: string, options: Omit<LoadTenantsOptions, 'file'>): TenantDefinition[] {
  return tenantsOf(readInputDocument(file, path.basename(file), options.limits), options);
}

/**
 * Parses and validates the tenants file text. Checks: unknown keys, DNS-1123 ids (short enough for
 * `tenant-<id>`), duplicate ids, unknown plans, environments and shared services, owner groups, repository
 * URLs, and quota overrides (format, and never below what the plan's LimitRange needs for one default container).
 * Throws a PlatformConfigError for the first problem; returns tenants in file order.
 */
export function loadTenants(text: string, options: LoadTenantsOptions): TenantDefinition[] {
  return tenantsOf(parseInputDocument(text, options.file ?? DEFAULT_FILE, options.limits), options);
}

/**
 * How a value of a field that must be a string is shown when YAML read it as something else: `the number 755
 * (YAML read 0755 as a number)`; undefined when it is a string (or absent, or an empty value).
 */
function misreadScalar(value: unknown, source: string | undefined): string | undefined {
  if (source === undefined || source.trim() === '') return undefined;
  const read = (what: string) => (source === String(value) ? '' : ` (YAML read ${source} as ${what})`);
  if (typeof value === 'number') {
    const what = /^[-+]?0o/i.test(source) ? 'an octal number' : /^[-+]?0x/i.test(source) ? 'a hexadecimal number' : 'a number';
    return `the number ${value}${read(what)}`;
  }
  if (typeof value === 'boolean') return `the boolean ${value}${read('a boolean')}`;
  if (value === null) return `null${read('null')}`;
  return undefined;
}

function tenantsOf(input: InputDocument, options: LoadTenantsOptions): TenantDefinition[] {
  const bad = (field: string, value: unknown, allowed: string): never => {
    throw new PlatformConfigError(input.locate(field), field, value, allowed);
  };
  const check = (p: InputProblem | undefined): void => {
    if (p) bad(p.field, p.value, p.allowed);
  };
  /** Fails with "quote it" when a field meant as text was read by YAML as a number, boolean or null. */
  const text = <T>(field: string, value: T): T => {
    if (typeof value === 'string' || value === undefined) return value;
    const source = input.sourceOf(field);
    const shown = misreadScalar(value, source);
    if (shown !== undefined) throw new PlatformConfigError(input.locate(field), field, value, `quote it: ${JSON.stringify(source)}`, shown);
    return value;
  };
  const texts = (field: string, values: readonly unknown[]): void => values.forEach((v, i) => text(`${field}[${i}]`, v));

  const root = mapping(input.value, '(document)', bad, 'must be a mapping with a "tenants" list');
  onlyKeys(root, '', TOP_KEYS, bad);

  const catalog = new Map<string, SharedService>();
  const services =
    root.sharedServices === undefined
      ? {}
      : mapping(root.sharedServices, 'sharedServices', bad, 'must map service names to { namespace, workload, podSelector, ports }');
  for (const [name, raw] of Object.entries(services)) {
    const field = `sharedServices.${name}`;
    const m = mapping(raw, field, bad, 'must be a mapping with namespace, ports and optionally workload and podSelector');
    onlyKeys(m, field, SERVICE_KEYS, bad);
    // Ports may be left out when the service names its workload (every client port of it).
    const ports =
      m.ports === undefined && m.workload !== undefined
        ? undefined
        : list(m.ports, `${field}.ports`, bad).map((rp, i): SharedServicePort => {
            const pm = mapping(rp, `${field}.ports[${i}]`, bad, 'must be a mapping { port, protocol }');
            onlyKeys(pm, `${field}.ports[${i}]`, PORT_KEYS, bad);
            if (pm.protocol !== undefined) text(`${field}.ports[${i}].protocol`, pm.protocol);
            return { port: pm.port as number, ...(pm.protocol !== undefined ? { protocol: pm.protocol as SharedServicePort['protocol'] } : {}) };
          });
    const podSelector =
      m.podSelector === undefined
        ? undefined
        : (mapping(m.podSelector, `${field}.podSelector`, bad, 'must map label keys to values') as Record<string, string>);
    for (const [k, v] of Object.entries(podSelector ?? {})) text(`${field}.podSelector.${k}`, v);
    text(`${field}.namespace`, m.namespace);
    if (m.workload !== undefined) text(`${field}.workload`, m.workload);
    if (typeof m.namespace !== 'string') bad(`${field}.namespace`, m.namespace, 'must be a namespace name');
    const service: SharedService = {
      name,
      namespace: m.namespace as string,
      ...(m.workload !== undefined ? { workload: m.workload as string } : {}),
      ...(podSelector ? { podSelector } : {}),
      ...(ports ? { ports } : {}),
    };
    check(sharedServiceProblem(field, service));
    catalog.set(name, service);
  }

  const entries = list(root.tenants, 'tenants', bad);
  const seen = new Map<string, number>();
  // Host names claimed so far, with where: a name (or an overlapping wildcard) belongs to one tenant.
  const claimed: { host: string; tenant: string; field: string }[] = [];
  const planNames = Object.keys(options.plans).sort().join(', ');
  const envNames = options.environments.join(', ');
  return entries.map((raw, i): TenantDefinition => {
    const at = `tenants[${i}]`;
    const t = mapping(raw, at, bad, 'must be a mapping with id, plan, owners, environments and sourceRepos');
    onlyKeys(t, at, TENANT_KEYS, bad);
    for (const key of ['id', 'displayName', 'plan', 'costCenter']) if (t[key] !== undefined) text(`${at}.${key}`, t[key]);

    check(tenantIdProblem(`${at}.id`, t.id));
    const id = t.id as string;
    const first = seen.get(id);
    if (first !== undefined) bad(`${at}.id`, id, `duplicate of tenants[${first}].id; tenant ids must be unique`);
    seen.set(id, i);

    if (t.displayName !== undefined) check(displayNameProblem(`${at}.displayName`, t.displayName));
    const plan = typeof t.plan === 'string' && Object.prototype.hasOwnProperty.call(options.plans, t.plan) ? options.plans[t.plan] : undefined;
    if (plan === undefined) return bad(`${at}.plan`, t.plan, `must be one of: ${planNames}`);

    const o = mapping(t.owners, `${at}.owners`, bad, 'must be a mapping { admin: [groups], edit: [groups], view: [groups] }');
    onlyKeys(o, `${at}.owners`, OWNER_KEYS, bad);
    const groups = (role: string): string[] | undefined => {
      if (o[role] === undefined) return undefined;
      const gs = list(o[role], `${at}.owners.${role}`, bad);
      texts(`${at}.owners.${role}`, gs);
      gs.forEach((g, j) => check(groupProblem(`${at}.owners.${role}[${j}]`, g)));
      return gs as string[];
    };
    const admin = groups('admin');
    if (admin === undefined || admin.length === 0)
      bad(`${at}.owners.admin`, o.admin, 'must list at least one group: a tenant without an owner cannot be operated');
    const edit = groups('edit');
    const view = groups('view');

    const environments = list(t.environments, `${at}.environments`, bad);
    texts(`${at}.environments`, environments);
    if (environments.length === 0) bad(`${at}.environments`, environments, `must list at least one of: ${envNames}`);
    environments.forEach((e, j) => {
      if (typeof e !== 'string' || !options.environments.includes(e)) bad(`${at}.environments[${j}]`, e, `must be one of: ${envNames}`);
      if (environments.indexOf(e) !== j) bad(`${at}.environments[${j}]`, e, `is listed twice (also environments[${environments.indexOf(e)}])`);
    });

    const repos = list(t.sourceRepos, `${at}.sourceRepos`, bad);
    texts(`${at}.sourceRepos`, repos);
    if (repos.length === 0) bad(`${at}.sourceRepos`, repos, 'must list at least one Git repository the tenant deploys from');
    repos.forEach((r, j) => check(repoProblem(`${at}.sourceRepos[${j}]`, r)));

    if (t.costCenter !== undefined) check(labelValueFieldProblem(`${at}.costCenter`, t.costCenter));

    const entitled =
      t.sharedServices === undefined
        ? []
        : list(t.sharedServices, `${at}.sharedServices`, bad).map((n, j) => {
            text(`${at}.sharedServices[${j}]`, n);
            const s = typeof n === 'string' ? catalog.get(n) : undefined;
            if (!s) {
              const known = [...catalog.keys()].sort().join(', ');
              return bad(
                `${at}.sharedServices[${j}]`,
                n,
                known ? `must be one of the sharedServices defined in the file: ${known}` : 'no sharedServices are defined at the top of the file',
              );
            }
            return s;
          });

    const hostnames =
      t.hostnames === undefined
        ? []
        : list(t.hostnames, `${at}.hostnames`, bad).map((h, j) => {
            const field = `${at}.hostnames[${j}]`;
            text(field, h);
            const problem = hostnameProblem(h, true);
            if (problem) bad(field, h, problem);
            const host = h as string;
            const other = claimed.find((c) => hostsOverlap(c.host, host));
            if (other) {
              bad(
                field,
                host,
                other.tenant === id
                  ? `is listed twice (also ${other.field}${other.host === host ? '' : `, "${other.host}"`})`
                  : `${other.host === host ? 'is' : `overlaps "${other.host}", which is`} already claimed by tenant ${other.tenant} (${other.field}); a host name belongs to one tenant`,
              );
            }
            claimed.push({ host, tenant: id, field });
            return host;
          });

    let quotaOverrides: QuotaOverrides | undefined;
    if (t.overrides !== undefined) {
      const ov = mapping(t.overrides, `${at}.overrides`, bad, 'must be a mapping { quota: {...} }');
      onlyKeys(ov, `${at}.overrides`, OVERRIDE_KEYS, bad);
      if (ov.quota !== undefined) {
        quotaOverrides = readQuota(ov.quota, `${at}.overrides.quota`, bad);
        const p = plan.quotaProblems(plan.withQuota(quotaOverrides).quota)[0];
        if (p) bad(`${at}.overrides.quota.${p.field}`, p.value, p.allowed);
      }
    }

    return {
      tenant: id,
      ...(t.displayName !== undefined ? { displayName: t.displayName as string } : {}),
      plan,
      ...(quotaOverrides ? { quotaOverrides } : {}),
      owners: { admin: admin as string[], ...(edit ? { edit } : {}), ...(view ? { view } : {}) },
      environments: environments as string[],
      sourceRepos: repos as string[],
      ...(t.costCenter !== undefined ? { costCenter: t.costCenter as string } : {}),
      sharedServices: entitled,
      ...(hostnames.length > 0 ? { hostnames } : {}),
      // The construct reports problems of these fields at their line in the file, not at its own path.
      source: { entry: at, locate: input.locate },
    };
  });
}

type Bad = (field: string, value: unknown, allowed: string) => never;

function mapping(v: unknown, field: string, bad: Bad, allowed: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return bad(field, v, allowed);
  return v as Record<string, unknown>;
}

function list(v: unknown, field: string, bad: Bad): unknown[] {
  if (!Array.isArray(v)) return bad(field, v, 'must be a list');
  return v;
}

function onlyKeys(m: Record<string, unknown>, at: string, allowed: readonly string[], bad: Bad): void {
  for (const k of Object.keys(m)) {
    if (!allowed.includes(k)) bad(at ? `${at}.${k}` : k, m[k], `unknown key "${k}"; allowed keys: ${allowed.join(', ')}`);
  }
}

/** Reads a quota mapping; YAML numbers for quantities (`requestsCpu: 8`) are taken as their decimal string. */
function readQuota(raw: unknown, at: string, bad: Bad): QuotaOverrides {
  const m = mapping(raw, at, bad, `must be a mapping of quota entries: ${QUOTA_KEYS.join(', ')}`);
  onlyKeys(m, at, QUOTA_KEYS, bad);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m)) {
    if (k === 'storageClasses') {
      const classes = mapping(v, `${at}.storageClasses`, bad, 'must map StorageClass names to { requestsStorage, persistentVolumeClaims }');
      const sc: Record<string, unknown> = {};
      for (const [cls, q] of Object.entries(classes)) {
        const qm = mapping(q, `${at}.storageClasses.${cls}`, bad, 'must be a mapping { requestsStorage, persistentVolumeClaims }');
        onlyKeys(qm, `${at}.storageClasses.${cls}`, STORAGE_CLASS_KEYS, bad);
        sc[cls] = { ...qm, ...(typeof qm.requestsStorage === 'number' ? { requestsStorage: String(qm.requestsStorage) } : {}) };
      }
      out[k] = sc;
    } else {
      out[k] = QUANTITY_QUOTA_KEYS.has(k) && typeof v === 'number' ? String(v) : v;
    }
  }
  return out as QuotaOverrides;
}
