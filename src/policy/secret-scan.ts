/**
 * What looks like a literal secret in a value: secretlint's recommended rule preset (run in-process, rule by rule;
 * the rules are maintained upstream and pinned in package.json), credentials in URLs (`scheme://user:password@host`)
 * and a literal value under a name that says it is a secret. A pure function of the value (and its name), so synth's
 * worker thread scans each document while it validates it ({@link documentSecrets}); the literal secret check
 * (secret-checks.ts) reads those results. Values are never echoed.
 */
import { rules as SECRETLINT_RECOMMENDED } from '@secretlint/secretlint-rule-preset-recommend';
import { DocObject } from '../core/documents';

/** What a scan found in one value. */
export interface SecretMatch {
  /** `secretlint-rule-stripe`, `url-credentials`, `secret-name`. */
  readonly rule: string;
  /** What it looks like, without the value: `a Stripe Live Secret Key`. */
  readonly what: string;
}

/** The part of a secretlint rule this check drives (secretlint's rule API, `@secretlint/types`). */
interface ScannerRule {
  readonly meta: { readonly id: string; readonly type?: string };
  create(context: unknown, options: Record<string, unknown>): { file?(source: unknown): unknown };
}

/** Comment directives (`secretlint-disable`) make no sense for single values: waivers replace them. */
const SKIPPED_RULES = new Set(['@secretlint/secretlint-rule-filter-comments']);
const SCANNERS = (SECRETLINT_RECOMMENDED as readonly ScannerRule[]).filter((r) => !SKIPPED_RULES.has(r.meta.id));
/** Rules that look at the name beside a value (`aws_secret_access_key = ...`): they also get `NAME=value`. */
const NAME_AWARE_SCANNERS = SCANNERS.filter((r) => r.meta.id === '@secretlint/secretlint-rule-aws');
/** No recommended rule matches a credential this short; the name rule still sees it. */
const MIN_SCANNED_LENGTH = 8;

/**
 * Runs every recommended secretlint rule on `content` synchronously (the rules' text scanners are synchronous;
 * the one asynchronous check, GCP's `.p12` key files, never applies to text). Returns `[rule id, message]`.
 */
function secretlint(content: string, scanners: readonly ScannerRule[] = SCANNERS): { rule: string; message: string }[] {
  const found: { rule: string; message: string }[] = [];
  const source = { content, filePath: 'value.txt', ext: '.txt', contentType: 'text' };
  for (const rule of scanners) {
    const context = {
      createTranslator: (messages: Record<string, { en: string | ((data: unknown) => string) }>) => (id: string, data: unknown) => {
        const m = messages[id]?.en;
        return { message: typeof m === 'function' ? m(data) : (m ?? id), messageId: id, data };
      },
      report: (d: { message: { message?: string } | string }) => {
        found.push({ rule: rule.meta.id.replace('@secretlint/', ''), message: typeof d.message === 'string' ? d.message : (d.message.message ?? '') });
      },
      ignore: () => undefined,
    };
    rule.create(context, {}).file?.(source);
  }
  return found;
}

/** `found Stripe Live Secret Key: sk_live_...` → `a Stripe Live Secret Key` (the value itself is cut off). */
function describe(message: string): string {
  const [found = ''] = message.split(':');
  const head = found.replace(/^found\s+/i, '').trim();
  return head === '' ? 'a secret' : /^[aeiou]/i.test(head) ? `an ${head}` : `a ${head}`;
}

/** `scheme://user:password@` with a password that is not a reference (`$(VAR)`, `${VAR}`, `$VAR`, `{{ ... }}`). */
const URL_CREDENTIALS = /\b[a-z][a-z0-9+.-]*:\/\/([^\s:@/]*):([^\s@/]+)@/gi;
const REFERENCE = /^(\$\([A-Za-z_][A-Za-z0-9_]*\)|\$\{[^}]+\}|\$[A-Za-z_][A-Za-z0-9_]*|\{\{[^}]*\}\})$/;

function urlCredentials(value: string): boolean {
  for (const [, , password = ''] of value.matchAll(URL_CREDENTIALS)) if (!REFERENCE.test(password)) return true;
  return false;
}

/** Words that, as the last word of a name, make it a pointer to a secret or a setting about one, not a secret. */
const NOT_A_VALUE = new Set([
  'FILE',
  'PATH',
  'DIR',
  'NAME',
  'ID',
  'REF',
  'KEYREF',
  'URL',
  'URI',
  'ENDPOINT',
  'HOST',
  'PORT',
  'TTL',
  'TIMEOUT',
  'LENGTH',
  'SIZE',
  'EXPIRY',
  'EXPIRES',
  'AUDIENCE',
  'ISSUER',
  'HEADER',
  'TYPE',
  'ALGORITHM',
  'MODE',
  'ENABLED',
  'FORMAT',
  'PREFIX',
  'VERSION',
  'COUNT',
  'LIMIT',
  'POLICY',
]);
/** Words that name a secret by themselves. */
const SECRET_WORDS = new Set([
  'PASSWORD',
  'PASSWD',
  'PASS',
  'PWD',
  'PASSPHRASE',
  'SECRET',
  'SECRETS',
  'TOKEN',
  'CREDENTIAL',
  'CREDENTIALS',
  'APIKEY',
  'PRIVATEKEY',
]);

/**
 * True when an environment variable (or ConfigMap key) name says it holds a secret: a secret word among its
 * words (`DB_PASS`, `JWT_SECRET`, `AWS_SECRET_ACCESS_KEY`, `GITHUB_TOKEN`), or a final `KEY` (`STRIPE_KEY`,
 * `API_KEY`), unless the last word makes it a pointer or a setting (`TOKEN_FILE`, `SECRET_NAME`, `TOKEN_TTL`).
 */
export function isSecretName(name: string): boolean {
  const words = name
    .toUpperCase()
    .split(/[^A-Z0-9]+/)
    .filter((w) => w !== '');
  const last = words.at(-1);
  if (last === undefined || NOT_A_VALUE.has(last)) return false;
  return words.some((w) => SECRET_WORDS.has(w)) || last === 'KEY';
}

/**
 * What looks like a secret in `value` (optionally held by variable or key `name`): secretlint's recommended
 * rules on the value (and on `name=value`, for rules that need the name), credentials in URLs, and a secret name
 * with a literal value. Empty when nothing does.
 */
export function findSecrets(value: string, name?: string): SecretMatch[] {
  // Environments repeat the same values (dashboards, rule files): scan each distinct one once per process.
  const key = `${name ?? ''}\u0000${value}`;
  const cached = SCAN_CACHE.get(key);
  if (cached) return cached;
  const result = scan(value, name);
  if (SCAN_CACHE.size >= MAX_CACHED) SCAN_CACHE.clear();
  SCAN_CACHE.set(key, result);
  return result;
}

const SCAN_CACHE = new Map<string, SecretMatch[]>();
const MAX_CACHED = 20_000;

function scan(value: string, name: string | undefined): SecretMatch[] {
  const out = new Map<string, SecretMatch>();
  if (value.length >= MIN_SCANNED_LENGTH) {
    const found = [...secretlint(value), ...(name === undefined ? [] : secretlint(`${name}=${value}`, NAME_AWARE_SCANNERS))];
    for (const f of found) if (!out.has(f.rule)) out.set(f.rule, { rule: f.rule, what: describe(f.message) });
  }
  if (!out.has('secretlint-rule-basicauth') && !out.has('secretlint-rule-database-connection-string') && urlCredentials(value)) {
    out.set('url-credentials', { rule: 'url-credentials', what: 'a URL with a password (scheme://user:password@host)' });
  }
  if (out.size === 0 && name !== undefined && value !== '' && !REFERENCE.test(value) && isSecretName(name)) {
    out.set('secret-name', { rule: 'secret-name', what: `a literal value for ${name}, whose name says it is a secret` });
  }
  return [...out.values()];
}

/** A ConfigMap key that `envFrom` would turn into a variable: it is also checked by its name. */
export const ENV_LIKE_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The key of a scanned value and the name that holds it, in {@link documentSecrets}. */
export function scanKey(value: string, name: string | undefined): string {
  return `${name ?? ''}\u0000${value}`;
}

/**
 * What looks like a secret in the values of a document the literal secret check reads, keyed by {@link scanKey}
 * (values with nothing are left out): every annotation (of any `metadata`, so pod templates' too), every `env`
 * entry with a literal value (by its name), and the `data` of a ConfigMap (`v1`; a key that looks like a variable,
 * as envFrom makes it one, by its name too). A superset of what the check asks for, so a value it asks for and
 * does not find here has nothing.
 */
export function documentSecrets(o: DocObject): Readonly<Record<string, readonly SecretMatch[]>> {
  const out: Record<string, readonly SecretMatch[]> = {};
  const scanOne = (value: string, name: string | undefined) => {
    const found = findSecrets(value, name);
    if (found.length > 0) out[scanKey(value, name)] = found;
  };
  const walk = (v: unknown, depth: number): void => {
    if (v === null || typeof v !== 'object' || depth > 40) return;
    if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1);
      return;
    }
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (k === 'metadata' && x !== null && typeof x === 'object') {
        const annotations = (x as { annotations?: unknown }).annotations;
        if (annotations !== null && typeof annotations === 'object') {
          for (const a of Object.values(annotations as Record<string, unknown>)) if (typeof a === 'string') scanOne(a, undefined);
        }
      } else if (k === 'env' && Array.isArray(x)) {
        for (const e of x as unknown[]) {
          const { name, value } = (e ?? {}) as { name?: unknown; value?: unknown };
          if (typeof name === 'string' && typeof value === 'string') scanOne(value, name);
        }
      }
      walk(x, depth + 1);
    }
  };
  walk(o, 0);
  if (o.kind === 'ConfigMap' && o.apiVersion === 'v1' && o.data !== null && typeof o.data === 'object') {
    for (const [k, v] of Object.entries(o.data as Record<string, unknown>)) {
      if (typeof v === 'string') scanOne(v, ENV_LIKE_KEY.test(k) ? k : undefined);
    }
  }
  return out;
}

/** Scans computed elsewhere (by synth's worker) for a document object, read when the check runs. */
const PRECOMPUTED = new WeakMap<object, () => Readonly<Record<string, readonly SecretMatch[]>>>();

/**
 * Registers how to get {@link documentSecrets} of `object` computed elsewhere (synth's worker thread scans the
 * document while it validates it, on an equal copy). The check then uses it instead of scanning again.
 * @internal
 */
export function precomputeDocumentSecrets(object: object, found: () => Readonly<Record<string, readonly SecretMatch[]>>): void {
  PRECOMPUTED.set(object, found);
}

/** {@link documentSecrets} of `o` as computed elsewhere, or undefined (then values are scanned where asked). */
export function precomputedSecretsOf(o: object): Readonly<Record<string, readonly SecretMatch[]>> | undefined {
  return PRECOMPUTED.get(o)?.();
}
