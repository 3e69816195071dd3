/**
 * Every shell script the platform embeds, checked by the real ShellCheck (Debian package `shellcheck`): each
 * `sh -c` / `bash -c` script of a container, init container, probe or hook, and each `*.sh` key of a ConfigMap, in
 * every environment of the committed dist/. No finding at warning level or above.
 */
import * as path from 'path';
import { describe, expect, it, test } from 'vitest';
import { have } from '../real-software';
import { embeddedScripts, scriptsOf, shellcheck } from './scripts';

const dist = path.resolve(__dirname, '..', '..', 'dist');

test('shellcheck is installed (the script check needs the real tool)', () => {
  expect(have('shellcheck'), 'install it: apt-get install -y shellcheck').toBe(true);
});

describe('embedded scripts', () => {
  it('GIVEN a container command, args and a ConfigMap key WHEN extracted THEN each script is found with its shell and place', () => {
    const pod = {
      kind: 'Deployment',
      spec: {
        template: {
          spec: {
            containers: [
              { name: 'a', command: ['sh', '-c', 'echo "$A"'] },
              { name: 'b', command: ['/bin/bash'], args: ['-c', 'echo "$B"'], readinessProbe: { exec: { command: ['sh', '-c', 'test -e /ready'] } } },
            ],
          },
        },
      },
    };
    expect(embeddedScripts(pod, 'x.yaml')).toEqual([
      { shell: 'sh', script: 'echo "$A"', where: 'x.yaml:spec.template.spec.containers[0].command' },
      { shell: 'bash', script: 'echo "$B"', where: 'x.yaml:spec.template.spec.containers[1].command' },
      { shell: 'sh', script: 'test -e /ready', where: 'x.yaml:spec.template.spec.containers[1].readinessProbe.exec.command' },
    ]);
    expect(embeddedScripts({ kind: 'ConfigMap', data: { 'start.sh': '#!/bin/bash\necho', 'conf.yml': 'a: 1' } }, 'c.yaml')).toEqual([
      { shell: 'bash', script: '#!/bin/bash\necho', where: 'c.yaml:data.start.sh' },
    ]);
  });

  it('GIVEN a script with an unquoted variable WHEN checked THEN ShellCheck reports it (the check can fail)', () => {
    expect(shellcheck('sh', 'rm -rf $DIR/\n').join('\n')).toContain('SC2115');
  });

  it('GIVEN the committed dist/ WHEN every embedded script is checked THEN ShellCheck finds nothing at warning level or above', () => {
    const scripts = scriptsOf(dist);
    // Datastore start-up, Sentinel, restore and backup scripts of four environments: far more than a handful.
    expect(scripts.length).toBeGreaterThan(20);
    const findings = scripts.flatMap((s) =>
      shellcheck(s.shell, s.script).map((f) => `${s.where[0]}${s.where.length > 1 ? ` (+${s.where.length - 1} more)` : ''}: ${f}`),
    );
    expect(findings).toEqual([]);
  });
});
