import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, test } from 'vitest';
import { compareText } from '../../src/core/order';

describe('compareText (the order synth sorts names in)', () => {
  test('GIVEN names that locale collation orders differently THEN they sort by UTF-16 code unit, on every machine', () => {
    // ICU's collation puts "a" before "B" and "_" before "-"; code units do the opposite.
    expect(['b', 'a', 'B', 'a_b', 'a-b', 'a.b'].sort(compareText)).toEqual(['B', 'a', 'a-b', 'a.b', 'a_b', 'b']);
    expect(compareText('x', 'x')).toBe(0);
  });

  test('GIVEN the library sources THEN none sorts with localeCompare (its order follows the locale of the machine)', () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) walk(full);
        else if (e.name.endsWith('.ts') && /\.localeCompare\(/.test(fs.readFileSync(full, 'utf8'))) offenders.push(full);
      }
    };
    walk(path.join(__dirname, '../../src'));
    walk(path.join(__dirname, '../../charts'));
    expect(offenders).toEqual([]);
  });
});
