/**
 * Shell scripts and the Kubernetes fields that carry them. The rule: a script is constant text written in this
 * library; every value that may come from input reaches it as an environment variable (quoted where it is used,
 * `"$VAR"`), never as part of the text. Kubernetes expands `$(NAME)` in `env[].value`, `command` and `args` before the
 * shell runs, so the value of such a variable is written with `$` doubled: the container sees exactly the value.
 */

/** `s` as Kubernetes writes it into a container's environment, command or arguments: `$$` is how a `$` is kept. */
export function kubernetesLiteral(s: string): string {
  return s.replace(/\$/g, '$$$$');
}

/** What the kubelet makes of `s` (no variable is defined): the inverse of {@link kubernetesLiteral}. */
export function kubernetesExpand(s: string, vars: Readonly<Record<string, string>> = {}): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '$' || i === s.length - 1) {
      out += s[i];
      continue;
    }
    const next = s[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const end = s.indexOf(')', i + 2);
      const name = end < 0 ? undefined : s.slice(i + 2, end);
      if (name !== undefined && Object.prototype.hasOwnProperty.call(vars, name)) {
        out += vars[name];
        i = end;
      } else {
        out += '$';
      }
    } else {
      out += '$';
    }
  }
  return out;
}

/** A container environment variable whose value reaches the container unchanged (a datum, never a reference). */
export function literalEnv(name: string, value: string): { name: string; value: string } {
  return { name, value: kubernetesLiteral(value) };
}

/**
 * A container environment variable built from others (`$(POD_NAME).<headless>...`): `template` is code of this
 * library; `values` are substituted as literals (`{0}`, `{1}`, ...), so input can never add a reference.
 */
export function expandingEnv(name: string, template: string, ...values: string[]): { name: string; value: string } {
  return {
    name,
    value: template.replace(/\{(\d+)\}/g, (_, i: string) => {
      const value = values[Number(i)];
      if (value === undefined) throw new Error(`expandingEnv(${name}): the template refers to {${i}} but ${values.length} values were given`);
      return kubernetesLiteral(value);
    }),
  };
}

/** `s` as one POSIX shell word (single-quoted): for the rare argument a script cannot take from the environment. */
export function shellQuote(s: string): string {
  if (s.includes('\0')) throw new Error('a shell word cannot hold a NUL character');
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
