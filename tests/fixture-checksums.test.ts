import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from './helpers/fixtures';

/** `sha256sum` lines: "<64 hex>  <name>". */
const listed = readFileSync(join(FIXTURES, 'SHA256SUMS'), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => {
    const match = /^([0-9a-f]{64}) {2}(\S+)$/.exec(line);
    if (!match) throw new Error(`malformed SHA256SUMS line: ${line}`);
    return { sha256: match[1], name: match[2] };
  });

describe('reference fixtures in the repository', () => {
  it('lists every copied file exactly once (all but PROVENANCE.md and SHA256SUMS itself)', () => {
    const names = listed.map((entry) => entry.name);
    const present = readdirSync(FIXTURES).filter((name) => name !== 'SHA256SUMS' && name !== 'PROVENANCE.md');
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual(present.sort());
    // Both checkpoint formats, the layouts, the reference outputs, the per-node outputs and README.md.
    expect(names.length).toBe(27);
  });

  it.each(listed)('$name has its recorded SHA-256', ({ name, sha256 }) => {
    expect(
      createHash('sha256')
        .update(readFileSync(join(FIXTURES, name)))
        .digest('hex'),
    ).toBe(sha256);
  });
});
