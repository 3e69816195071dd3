/**
 * Every shell script the platform embeds, checked by the real ShellCheck (Debian package `shellcheck`): each
 * `sh -c` / `bash -c` script of a container, init container, probe or hook, and each `*.sh` key of a ConfigMap, in
 * every environment of the committed dist/. No finding at warning level or above.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { load } from 'js-yaml';
import { describe, expect, it, test } from 'vitest';
import { have } from '../real-software';

const dist = path.resolve(__dirname, '..', '..', 'dist');

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
      if (shell && c > 0 && typeof argv[c + 1] === 'string') out.push({ shell, script: argv[c + 1], where: `${file}:${at}.command` });
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
  return r.stdout.split('\n').filter((l) => l.trim() !== '').map((l) => l.replace(/^-:/, 'line '));
}

test('shellcheck is installed (the script check needs the real tool)', () => {
  expect(have('shellcheck'), 'install it: apt-get install -y shellcheck').toBe(true);
});

describe('embedded scripts', () => {
  it('GIVEN a container command, args and a ConfigMap key WHEN extracted THEN each script is found with its shell and place', () => {
    const pod = { kind: 'Deployment', spec: { template: { spec: { containers: [
      { name: 'a', command: ['sh', '-c', 'echo "$A"'] },
      { name: 'b', command: ['/bin/bash'], args: ['-c', 'echo "$B"'], readinessProbe: { exec: { command: ['sh', '-c', 'test -e /ready'] } } },
    ] } } } };
    expect(embeddedScripts(pod, 'x.yaml')).toEqual([
      { shell: 'sh', script: 'echo "$A"', where: 'x.yaml:spec.template.spec.containers[0].command' },
      { shell: 'bash', script: 'echo "$B"', where: 'x.yaml:spec.template.spec.containers[1].command' },
      { shell: 'sh', script: 'test -e /ready', where: 'x.yaml:spec.template.spec.containers[1].readinessProbe.exec.command' },
    ]);
    expect(embeddedScripts({ kind: 'ConfigMap', data: { 'start.sh': '#!/bin/bash\necho', 'conf.yml': 'a: 1' } }, 'c.yaml')).toEqual([{ shell: 'bash', script: '#!/bin/bash\necho', where: 'c.yaml:data.start.sh' }]);
  });

  it('GIVEN a script with an unquoted variable WHEN checked THEN ShellCheck reports it (the check can fail)', () => {
    expect(shellcheck('sh', 'rm -rf $DIR/\n').join('\n')).toContain('SC2115');
  });

  it('GIVEN the committed dist/ WHEN every embedded script is checked THEN ShellCheck finds nothing at warning level or above', () => {
    const scripts = scriptsOf(dist);
    // Datastore start-up, Sentinel, restore and backup scripts of four environments: far more than a handful.
    expect(scripts.length).toBeGreaterThan(20);
    const findings = scripts.flatMap((s) => shellcheck(s.shell, s.script).map((f) => `${s.where[0]}${s.where.length > 1 ? ` (+${s.where.length - 1} more)` : ''}: ${f}`));
    expect(findings).toEqual([]);
  });
});
