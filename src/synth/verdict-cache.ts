/**
 * The verdict cache: which documents the checks of an earlier synth found clean, so that an unchanged document is
 * not checked again (`npm run synth` does not redo what has not changed).
 *
 * A verdict is the SHA-256 digest of a document's YAML text, as written to the output folder, recorded when the
 * document passed schema validation and had no expression problem. Only clean verdicts are kept, and only after the
 * whole synth succeeded: a document with any problem is checked again at every synth. The YAML text determines the
 * document's data, and both checks are functions of the data alone, so a document with a recorded digest would pass
 * again, provided the checker is the same: the verdicts are filed under an identity of the checker, the path, size
 * and modification time of every module and data file the checking thread loaded (the bundle or the package's files),
 * of the schema bundle and the CEL programs whether loaded yet or not (src/synth/schema-registry.ts,
 * `validationDataFiles`), and the Node.js version. A rebuilt or upgraded library, new schemas or another
 * Node.js find no verdicts and check everything.
 *
 * The cache lives in `node_modules/.cache/cdk8s-platform/` of the project (`runSynth`; `--no-cache` skips it), so a
 * fresh clone, `npm ci` and CI always check every document.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** Bumped when what a verdict means changes. */
const FORMAT = 'cdk8s-platform verdicts v1';
const DIGEST_BYTES = 32;
const PREFIX = 'verdicts-';

/** Digests computed elsewhere (by synth's worker, which renders the documents) for document objects. */
const RENDERED = new WeakMap<object, () => string | undefined>();

/**
 * Registers how to get the {@link documentDigest} of `object`'s YAML where synth's worker rendered it (an equal copy).
 * @internal
 */
export function precomputeRenderedDigest(object: object, digest: () => string | undefined): void {
  RENDERED.set(object, digest);
}

/**
 * The {@link documentDigest} of the YAML synth writes for `object`, where synth's worker computed it (it waits for the
 * worker when needed); undefined where no digest was registered, or the document was not clean.
 * @internal
 */
export function renderedDigestOf(object: object): string | undefined {
  return RENDERED.get(object)?.();
}

/**
 * Whether `text` is byte for byte the YAML synth writes for `object`: compared through the digest the worker computed
 * while it wrote the object where it did, else by rendering the object here.
 */
export function isRenderedAs(object: object, text: string, render: (o: object) => string): boolean {
  const digest = renderedDigestOf(object);
  return digest !== undefined ? documentDigest(text) === digest : text === render(object);
}

/** The digest a verdict is filed under: SHA-256 of the document's YAML text (base64). */
export function documentDigest(yamlText: string): string {
  return createHash('sha256').update(yamlText).digest('base64');
}

/**
 * The identity of a checker made of `files` (the modules and data files it loaded): their paths, sizes and
 * modification times, and the Node.js version (its regular expressions check patterns). Files that cannot be read
 * make the identity unique, so that nothing is reused.
 */
export function checkerIdentity(files: readonly string[]): string {
  const h = createHash('sha256').update(FORMAT).update('\0').update(process.version);
  for (const f of [...files].sort()) {
    let sig: string;
    try {
      const st = fs.statSync(f);
      sig = `${st.size}:${st.mtimeMs}`;
    } catch {
      sig = `unreadable:${process.pid}:${Date.now()}:${Math.random()}`;
    }
    h.update('\0').update(f).update('\0').update(sig);
  }
  return h.digest('hex').slice(0, 32);
}

/**
 * The identity ({@link checkerIdentity}) of the code running on this thread: every module and data file it loaded
 * (`require.cache`: the bundle, or the package's files and the app's) and the Node.js version; undefined where the
 * loaded modules are not known.
 * @internal
 */
export function codeIdentity(): string | undefined {
  const files = typeof require === 'function' && require.cache !== undefined ? Object.keys(require.cache) : [];
  return files.length > 0 ? checkerIdentity(files) : undefined;
}

function fileOf(dir: string, identity: string): string {
  return path.join(dir, `${PREFIX}${identity}.bin`);
}

/** The clean verdicts recorded for `identity` in `dir`; empty when there are none or the file is damaged. */
export function readVerdicts(dir: string, identity: string): Set<string> {
  const out = new Set<string>();
  let data: Buffer;
  try {
    data = fs.readFileSync(fileOf(dir, identity));
  } catch {
    return out;
  }
  if (data.length % DIGEST_BYTES !== 0) return out;
  for (let at = 0; at < data.length; at += DIGEST_BYTES) out.add(data.toString('base64', at, at + DIGEST_BYTES));
  return out;
}

/**
 * Records `digests` as the clean verdicts of `identity` (replacing what was recorded for it, written aside and
 * renamed) and removes the verdicts of other checkers. A cache that cannot be written only costs the next synth its
 * head start.
 */
export function writeVerdicts(dir: string, identity: string, digests: Iterable<string>): void {
  try {
    const sorted = [...new Set(digests)].sort();
    const data = Buffer.alloc(sorted.length * DIGEST_BYTES);
    sorted.forEach((d, i) => data.write(d, i * DIGEST_BYTES, DIGEST_BYTES, 'base64'));
    fs.mkdirSync(dir, { recursive: true });
    const file = fileOf(dir, identity);
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
    for (const f of fs.readdirSync(dir)) {
      if (f.startsWith(PREFIX) && path.join(dir, f) !== file) fs.rmSync(path.join(dir, f), { force: true });
    }
  } catch {
    // read-only or full disk: the next synth checks everything
  }
}
