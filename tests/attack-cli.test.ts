import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const tsx = join(ROOT, 'node_modules', '.bin', 'tsx');
const attack = (args: string[]) => run(tsx, [join(ROOT, 'tools', 'attack.ts'), ...args], { cwd: ROOT });
const digits = [0, 1, 2].map((n) => join(ROOT, 'public', 'gallery', `mnist-${n}.png`));

describe('npm run attack', () => {
  it('prints the success rate and the typicality AUROC per ε for image files', async () => {
    const { stdout } = await attack([join(ROOT, 'public', 'models', 'mnist-beta2'), ...digits, '--eps', '0,8', '--steps', '3']);
    console.log(stdout);
    expect(stdout).toContain('mnist-beta2 on wasm: 3 images, linf, 3 steps of 0.25·ε, untargeted');
    // ε = 0 moves nothing: nothing flips and clean and attacked scores tie (AUROC ½).
    expect(stdout).toMatch(/ε = 0: success 0\.0 % of 3, typicality AUROC 0\.5000/);
    expect(stdout).toMatch(/ε = 8: success \d+\.\d % of 3, typicality AUROC [01]\.\d{4}/);
  });

  it('names a bad option', async () => {
    await expect(attack([join(ROOT, 'public', 'models', 'mnist-beta2'), digits[0], '--norm', 'l3'])).rejects.toMatchObject({
      stderr: expect.stringContaining('--norm must be linf or l2, got "l3"'),
    });
    await expect(attack([join(ROOT, 'public', 'models', 'mnist-beta2'), digits[0], '--eps', '2,x'])).rejects.toMatchObject({
      stderr: expect.stringContaining('--eps takes numbers ≥ 0 separated by commas, got "2,x"'),
    });
  });
});
