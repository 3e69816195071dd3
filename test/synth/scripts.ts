/** Embedded shell scripts of synthesized documents, and ShellCheck: shared by the script tests. */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { load } from 'js-yaml';

/** One embedded script and where it was found (`<file>:<field path>`). */
export interface EmbeddedScript {
  readonly shell: 'sh' | 'bash';
  readonly script: string;
  readonly where: string;
}

/** The scripts of one document: `<shell> -c <script>` in any command (+ args), and `*.sh` ConfigMap keys. */
export function embeddedScripts(doc: Record<string, any>, file: string): EmbeddedScript[] {
  const out: EmbeddedScript[] = [];
  if (doc.kind === 'ConfigMap') {
    for (const [k, v] of Object.entries<string>(doc.data ?? {})) {
      if (k.endsWith('.sh')) out.push({ shell: /^#!.*\bbash\b/.test(v) ? 'bash' : 'sh', script: v, where: `${file}:data.${k}` });
    }
  }
  const visit = (node: unknown, at: string): void => {
    if (Array.isArray(node)) {
      node.forEach((v, i) => visit(v, `${at}[${i}]`));
      return;
    }
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, any>;
    if (Array.isArray(o.command) && o.command.every((x: unknown) => typeof x === 'string')) {
      const argv: string[] = [...o.command, ...(Array.isArray(o.args) ? o.args : [])];
      const shell = /(^|\/)(bash|sh)$/.exec(argv[0] ?? '')?.[2] as 'sh' | 'bash' | undefined;
      const c = argv.indexOf('-c');
      const script = argv[c + 1];
      if (shell && c > 0 && typeof script === 'string') out.push({ shell, script, where: `${file}:${at}.command` });
    }
    for (const [k, v] of Object.entries(o)) visit(v, at === '' ? k : `${at}.${k}`);
  };
  visit(doc, '');
  return out;
}

/** Every embedded script of a dist/ tree, the same script (and shell) once with all the places it appears. */
export function scriptsOf(root: string): Array<{ shell: 'sh' | 'bash'; script: string; where: string[] }> {
  const byText = new Map<string, { shell: 'sh' | 'bash'; script: string; where: string[] }>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.yaml')) {
        for (const s of embeddedScripts(load(fs.readFileSync(p, 'utf8')) as Record<string, any>, path.relative(root, p))) {
          const key = `${s.shell}\0${s.script}`;
          const seen = byText.get(key);
          if (seen) seen.where.push(s.where);
          else byText.set(key, { shell: s.shell, script: s.script, where: [s.where] });
        }
      }
    }
  };
  walk(root);
  return [...byText.values()];
}

/** ShellCheck's findings at warning level or above (gcc format), empty when clean. */
export function shellcheck(shell: 'sh' | 'bash', script: string): string[] {
  const r = spawnSync('shellcheck', ['--severity=warning', `--shell=${shell}`, '--format=gcc', '-'], { input: script, encoding: 'utf8' });
  if (r.error) throw r.error;
  return r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.replace(/^-:/, 'line '));
}
