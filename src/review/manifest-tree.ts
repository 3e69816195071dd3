/**
 * A dist/ folder as data: file path (relative to dist/) → file text. Read from the working tree or from any Git
 * revision (one `git ls-tree` and one `git cat-file --batch`, whatever the number of files).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export type ManifestTree = ReadonlyMap<string, string>;

/** Every file below `dir` (an empty tree when it does not exist), paths with `/`. */
export function readTreeFromDir(dir: string): ManifestTree {
  const out = new Map<string, string>();
  const walk = (abs: string, rel: string): void => {
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(abs, e.name), r);
      else if (e.isFile()) out.set(r, fs.readFileSync(path.join(abs, e.name), 'utf8'));
    }
  };
  if (fs.existsSync(dir)) walk(dir, '');
  return out;
}

/**
 * The files of `<ref>:<distPath>/` in the repository at `repoDir` (an empty tree when the revision has no such
 * folder). Throws with git's message when `ref` is not a revision.
 */
export function readTreeFromGit(repoDir: string, ref: string, distPath = 'dist'): ManifestTree {
  const git = (args: string[], input?: string): Buffer =>
    execFileSync('git', args, { cwd: repoDir, input, maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'pipe'] });
  try {
    git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch {
    throw new Error(`"${ref}" is not a commit, branch or tag of the repository at ${repoDir}`);
  }
  const prefix = `${distPath.replace(/\/+$/, '')}/`;
  const listing = git(['ls-tree', '-r', '-z', '--full-tree', ref, '--', prefix]).toString('utf8');
  const entries: { sha: string; file: string }[] = [];
  for (const line of listing.split('\0')) {
    if (!line) continue;
    const tab = line.indexOf('\t');
    const [, type, sha] = line.slice(0, tab).split(' ');
    if (type === 'blob' && sha !== undefined) entries.push({ sha, file: line.slice(tab + 1).slice(prefix.length) });
  }
  const out = new Map<string, string>();
  if (entries.length === 0) return out;
  // --batch prints "<sha> blob <size>\n<content>\n" per object, in input order.
  const data = git(['cat-file', '--batch'], entries.map((e) => e.sha).join('\n') + '\n');
  let pos = 0;
  for (const e of entries) {
    const nl = data.indexOf(0x0a, pos);
    const size = Number(data.subarray(pos, nl).toString('utf8').split(' ')[2]);
    out.set(e.file, data.subarray(nl + 1, nl + 1 + size).toString('utf8'));
    pos = nl + 1 + size + 1;
  }
  return out;
}
