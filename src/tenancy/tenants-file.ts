/**
 * Tenants as data: loads and validates tenants.yaml. Every mistake is reported with the file, the entry and the
 * field (`tenants.yaml: tenants[2].id: got "Acme_Corp"; must be a DNS-1123 label ...`), before any construct exists.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { fail } from '../core/errors';
import type { SharedService, SharedServicePort, TenantDefinition } from './tenant-namespace';
import { InputProblem, Plan, QUOTA_KEYS, QuotaOverrides } from './plan';
import {
  groupProblem, labelValueFieldProblem, repoProblem, sharedServiceProblem, tenantIdProblem,
} from './validation';

export interface LoadTenantsOptions {
  /** Environment names a tenant may list (the profiles' names). */
  readonly environments: readonly string[];
  /** Plans a tenant may name, by name (e.g. {@link defaultPlans}). */
  readonly plans: Readonly<Record<string, Plan>>;
  /** Name used in error messages. @default 'tenants.yaml' */
  readonly file?: string;
}

const DEFAULT_FILE = 'tenants.yaml';
const TOP_KEYS = ['sharedServices', 'tenants'];
const TENANT_KEYS = ['id', 'displayName', 'plan', 'owners', 'environments', 'sourceRepos', 'costCenter', 'sharedServices', 'overrides'];
const OWNER_KEYS = ['admin', 'edit', 'view'];
const OVERRIDE_KEYS = ['quota'];
const SERVICE_KEYS = ['namespace', 'workload', 'podSelector', 'ports'];
const PORT_KEYS = ['port', 'protocol'];
const STORAGE_CLASS_KEYS = ['requestsStorage', 'persistentVolumeClaims'];
const QUANTITY_QUOTA_KEYS = new Set(['requestsCpu', 'requestsMemory', 'limitsCpu', 'limitsMemory', 'requestsStorage']);

/** Reads and validates the tenants file at `file` (see {@link loadTenants}); messages name the file's base name. */
export function loadTenantsFile(file: string, options: Omit<LoadTenantsOptions, 'file'>): TenantDefinition[] {
  return loadTenants(fs.readFileSync(file, 'utf8'), { ...options, file: path.basename(file) });
}

/**
 * Parses and validates the tenants file text. Checks: unknown keys, DNS-1123 ids (short enough for
 * `tenant-<id>`), duplicate ids, unknown plans, environments and shared services, owner groups, repository
 * URLs, and quota overrides (format, and never below what the plan's LimitRange needs for one default container).
 * Throws a PlatformConfigError for the first problem; returns tenants in file order.
 */
export function loadTenants(text: string, options: LoadTenantsOptions): TenantDefinition[] {
  const file = options.file ?? DEFAULT_FILE;
  const bad = (field: string, value: unknown, allowed: string): never => fail(file, field, value, allowed);
  const check = (p: InputProblem | undefined): void => {
    if (p) bad(p.field, p.value, p.allowed);
  };

  let doc: unknown;
  try {
    // CORE_SCHEMA: no YAML timestamps or other implicit types beyond JSON's.
    doc = yaml.load(text, { schema: yaml.CORE_SCHEMA, filename: file });
  } catch (e) {
    return bad('(document)', (e as Error).message.split('\n')[0], 'must be valid YAML');
  }
  const root = mapping(doc, '(document)', bad, 'must be a mapping with a "tenants" list');
  onlyKeys(root, '', TOP_KEYS, bad);

  const catalog = new Map<string, SharedService>();
  const services = root.sharedServices === undefined ? {} : mapping(root.sharedServices, 'sharedServices', bad, 'must map service names to { namespace, workload, podSelector, ports }');
  for (const [name, raw] of Object.entries(services)) {
    const field = `sharedServices.${name}`;
    const m = mapping(raw, field, bad, 'must be a mapping with namespace, ports and optionally workload and podSelector');
    onlyKeys(m, field, SERVICE_KEYS, bad);
    // Ports may be left out when the service names its workload (every client port of it).
    const ports = m.ports === undefined && m.workload !== undefined ? undefined : list(m.ports, `${field}.ports`, bad).map((rp, i): SharedServicePort => {
      const pm = mapping(rp, `${field}.ports[${i}]`, bad, 'must be a mapping { port, protocol }');
      onlyKeys(pm, `${field}.ports[${i}]`, PORT_KEYS, bad);
      return { port: pm.port as number, ...(pm.protocol !== undefined ? { protocol: pm.protocol as SharedServicePort['protocol'] } : {}) };
    });
    const podSelector = m.podSelector === undefined ? undefined : mapping(m.podSelector, `${field}.podSelector`, bad, 'must map label keys to values') as Record<string, string>;
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
  const planNames = Object.keys(options.plans).sort().join(', ');
  const envNames = options.environments.join(', ');
  return entries.map((raw, i): TenantDefinition => {
    const at = `tenants[${i}]`;
    const t = mapping(raw, at, bad, 'must be a mapping with id, plan, owners, environments and sourceRepos');
    onlyKeys(t, at, TENANT_KEYS, bad);

    check(tenantIdProblem(`${at}.id`, t.id));
    const id = t.id as string;
    const first = seen.get(id);
    if (first !== undefined) bad(`${at}.id`, id, `duplicate of tenants[${first}].id; tenant ids must be unique`);
    seen.set(id, i);

    if (t.displayName !== undefined && (typeof t.displayName !== 'string' || t.displayName.trim() === '')) bad(`${at}.displayName`, t.displayName, 'must be a non-empty string');
    if (typeof t.plan !== 'string' || !Object.prototype.hasOwnProperty.call(options.plans, t.plan)) bad(`${at}.plan`, t.plan, `must be one of: ${planNames}`);
    const plan = options.plans[t.plan as string];

    const o = mapping(t.owners, `${at}.owners`, bad, 'must be a mapping { admin: [groups], edit: [groups], view: [groups] }');
    onlyKeys(o, `${at}.owners`, OWNER_KEYS, bad);
    const groups = (role: string): string[] | undefined => {
      if (o[role] === undefined) return undefined;
      const gs = list(o[role], `${at}.owners.${role}`, bad);
      gs.forEach((g, j) => check(groupProblem(`${at}.owners.${role}[${j}]`, g)));
      return gs as string[];
    };
    const admin = groups('admin');
    if (admin === undefined || admin.length === 0) bad(`${at}.owners.admin`, o.admin, 'must list at least one group: a tenant without an owner cannot be operated');
    const edit = groups('edit');
    const view = groups('view');

    const environments = list(t.environments, `${at}.environments`, bad);
    if (environments.length === 0) bad(`${at}.environments`, environments, `must list at least one of: ${envNames}`);
    environments.forEach((e, j) => {
      if (typeof e !== 'string' || !options.environments.includes(e)) bad(`${at}.environments[${j}]`, e, `must be one of: ${envNames}`);
      if (environments.indexOf(e) !== j) bad(`${at}.environments[${j}]`, e, `is listed twice (also environments[${environments.indexOf(e)}])`);
    });

    const repos = list(t.sourceRepos, `${at}.sourceRepos`, bad);
    if (repos.length === 0) bad(`${at}.sourceRepos`, repos, 'must list at least one Git repository the tenant deploys from');
    repos.forEach((r, j) => check(repoProblem(`${at}.sourceRepos[${j}]`, r)));

    if (t.costCenter !== undefined) check(labelValueFieldProblem(`${at}.costCenter`, t.costCenter));

    const entitled = t.sharedServices === undefined ? [] : list(t.sharedServices, `${at}.sharedServices`, bad).map((n, j) => {
      const s = typeof n === 'string' ? catalog.get(n) : undefined;
      if (!s) {
        const known = [...catalog.keys()].sort().join(', ');
        return bad(`${at}.sharedServices[${j}]`, n, known ? `must be one of the sharedServices defined in the file: ${known}` : 'no sharedServices are defined at the top of the file');
      }
      return s;
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
