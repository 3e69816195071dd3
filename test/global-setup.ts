/**
 * Run once by vitest before any worker starts (see vitest.config.mts): temporary files go to a RAM-backed folder when
 * the machine has one with room. The tests write many synthesized trees (thousands of small files) and start servers
 * with data directories there; on this machine's disk that was a third of the suite's system time and several
 * seconds of its wall time. What the tests check does not depend on where their temporary folders live.
 *
 * Only when the user has not chosen: a TMPDIR already set is kept. The folder is a fresh one per run, world-writable
 * with the sticky bit like /tmp (PostgreSQL runs as its own user below it), and removed when the run ends.
 */
import { chmodSync, mkdtempSync, rmSync, statfsSync } from 'node:fs';

/** Where a RAM-backed temporary folder may go, and the free space it needs (the run writes a few hundred MB at most). */
const RAM_FOLDER = '/dev/shm';
const NEEDED_BYTES = 2 * 1024 ** 3;

export default function setup(): (() => void) | undefined {
  if (process.env.TMPDIR !== undefined && process.env.TMPDIR !== '') return undefined;
  let dir: string;
  try {
    const s = statfsSync(RAM_FOLDER);
    if (s.bavail * s.bsize < NEEDED_BYTES) return undefined;
    dir = mkdtempSync(`${RAM_FOLDER}/vitest-tmp-`);
    chmodSync(dir, 0o1777);
  } catch {
    return undefined;
  }
  process.env.TMPDIR = dir;
  return () => {
    delete process.env.TMPDIR;
    rmSync(dir, { recursive: true, force: true });
  };
}
