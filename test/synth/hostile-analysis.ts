/**
 * What the hostile-string property test reads out of synthesized documents: every embedded script, every config file
 * of a ConfigMap, every literal container variable, every External Secrets template and every PostgreSQL parameter,
 * each with where it was found, and the checks that compare one output with another.
 */
import { spawnSync } from 'child_process';
import { load } from 'js-yaml';
import { SaxesParser } from 'saxes';
import { kubernetesExpand, postgresConfLine } from '../../src/core/encoders';
import { parseFluentBit } from '../core/fluent-bit-parser';
import { embeddedScripts } from './scripts';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const sh = require('mvdan-sh');

export interface Found {
  readonly scripts: Map<string, { shell: 'sh' | 'bash'; script: string }>;
  readonly configs: Map<string, { key: string; text: string }>;
  readonly env: Map<string, string>;
  readonly templates: Map<string, string>;
  readonly pgParameters: Map<string, string>;
}

/** Everything the checks look at, keyed by `<kind>/<namespace>/<name>:<field>`. */
export function analyze(docs: readonly Record<string, any>[]): Found {
  const found: Found = { scripts: new Map(), configs: new Map(), env: new Map(), templates: new Map(), pgParameters: new Map() };
  for (const d of docs) {
    const id = `${d.kind}/${d.metadata?.namespace ?? ''}/${d.metadata?.name}`;
    for (const s of embeddedScripts(d, id)) found.scripts.set(s.where, { shell: s.shell, script: s.script });
    if (d.kind === 'ConfigMap') for (const [k, v] of Object.entries<string>(d.data ?? {})) found.configs.set(`${id}:${k}`, { key: k, text: v });
    if (d.kind === 'ExternalSecret') for (const [k, v] of Object.entries<string>(d.spec?.target?.template?.data ?? {})) found.templates.set(`${id}:${k}`, v);
    if (d.kind === 'Cluster' && d.apiVersion?.startsWith('postgresql.cnpg.io'))
      for (const [k, v] of Object.entries<string>(d.spec?.postgresql?.parameters ?? {})) found.pgParameters.set(`${id}:${k}`, v);
    const visit = (node: unknown, at: string): void => {
      if (Array.isArray(node)) {
        node.forEach((n, i) => visit(n, `${at}[${i}]`));
        return;
      }
      if (!node || typeof node !== 'object') return;
      const o = node as Record<string, any>;
      if (Array.isArray(o.env) && typeof o.image === 'string') {
        for (const e of o.env) if (typeof e?.value === 'string') found.env.set(`${id}:${at}.env.${e.name}`, e.value);
      }
      for (const [k, v] of Object.entries(o)) visit(v, at ? `${at}.${k}` : k);
    };
    visit(d.spec, 'spec');
  }
  return found;
}

/** Replaces every occurrence of the test's values by one placeholder, so shapes with different values compare equal. */
export function normalizer(values: readonly string[]): (s: string) => string {
  const usable = values.filter((v) => v.length >= 4).sort((a, b) => b.length - a.length);
  return (s) => usable.reduce((t, v) => t.split(v).join('\u0001VALUE\u0001'), s);
}

/** The command structure of a script: node types and literal words (normalized). Throws when it does not parse. */
export function scriptShape(shell: 'sh' | 'bash', script: string, norm: (s: string) => string): string {
  const parser = sh.syntax.NewParser(sh.syntax.Variant(shell === 'bash' ? sh.syntax.LangBash : sh.syntax.LangPOSIX));
  let file;
  try {
    file = parser.Parse(script, 'script');
  } catch (e) {
    throw new Error(`${shell} script does not parse: ${String((e as any)?.Error?.() ?? e)}`);
  }
  const out: string[] = [];
  sh.syntax.Walk(file, (node: any) => {
    if (!node) return true;
    const type = sh.syntax.NodeType(node);
    out.push(type === 'Lit' ? `Lit(${norm(String(node.Value))})` : type);
    return true;
  });
  return out.join(' ');
}

/** `sh -n` / `bash -n`: the real shell reads the script without running it. */
export function shellSyntaxError(shell: 'sh' | 'bash', script: string): string | undefined {
  const r = spawnSync(shell, ['-n'], { input: script, encoding: 'utf8' });
  return r.status === 0 ? undefined : r.stderr;
}

/** Every key path of a parsed document (arrays by index), normalized. */
function keyPaths(doc: unknown, norm: (s: string) => string, at = ''): string[] {
  if (Array.isArray(doc)) return [at, ...doc.flatMap((d, i) => keyPaths(d, norm, `${at}[${i}]`))];
  if (doc && typeof doc === 'object') return [at, ...Object.entries(doc).flatMap(([k, v]) => keyPaths(v, norm, `${at}.${norm(k)}`))];
  return [at];
}

/** The structure of a config file by its format (parsed with its real reader), or throws when it does not parse. */
export function configShape(key: string, text: string, norm: (s: string) => string): string {
  if (/\.(ya?ml)$/.test(key)) return keyPaths(load(text), norm).join('\n');
  if (key.endsWith('.json')) return keyPaths(JSON.parse(text), norm).join('\n');
  if (key.endsWith('.xml')) {
    const p = new SaxesParser();
    const elements: string[] = [];
    let error: Error | undefined;
    p.on('opentag', (t) => elements.push(`${norm(t.name)}(${Object.keys(t.attributes).join(',')})`));
    p.on('error', (e) => {
      error ??= e;
    });
    p.write(text).close();
    if (error) throw error;
    return elements.join(' ');
  }
  if (key === 'fluent-bit.conf') {
    const f = parseFluentBit(text);
    if (f.directives.length > 0) throw new Error(`Fluent Bit directives: ${f.directives.join(', ')}`);
    return [...f.sections.map((s) => `${s.name}: ${s.entries.map(([k]) => k).join(',')}`), `expands ${f.expansions.join(',')}`].join('\n');
  }
  if (key.endsWith('.sh')) return 'script';
  // Other files (redis.conf, haproxy.cfg, databases lists, user files): their line structure.
  return text
    .split('\n')
    .map((l) => norm(l).split(/\s+/).length)
    .join(',');
}

/** The `$(NAME)` references the kubelet resolves in a variable's value (after `$$`), in order. */
export function kubeletReferences(value: string): string[] {
  const marker = '\u0002';
  const names = [...value.matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)].map((m) => m[1]);
  const vars = Object.fromEntries(names.map((n) => [n, `${marker}${n}${marker}`]));
  return [...kubernetesExpand(value, vars).matchAll(new RegExp(`${marker}([^${marker}]*)${marker}`, 'g'))].map((m) => m[1]!);
}

/** Go template actions of an External Secrets template (`{{ ... }}`), counted. */
export function templateActions(t: string): number {
  return (t.match(/\{\{/g) ?? []).length;
}

/** Whether PostgreSQL's reader could take the parameter as CloudNativePG writes it (the encoder's check). */
export function postgresLineProblem(name: string, value: string): string | undefined {
  try {
    postgresConfLine(name, value);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
