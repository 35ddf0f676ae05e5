import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { convertFixture } from './helpers/convertFixture';
import { FIXTURES, fixture, maxElementRelativeError, readF32, relativeError, tempDir } from './helpers/fixtures';

const run = promisify(execFile);
const tsx = join(import.meta.dirname, '..', 'node_modules', '.bin', 'tsx');
const infer = (args: string[]) => run(tsx, [join(import.meta.dirname, '..', 'tools', 'infer.ts'), ...args], { maxBuffer: 1 << 24 });

/** The headless interface other tooling calls: exact file names, layouts and numbers. */
describe('npm run infer', () => {
  let modelDir: string;
  beforeAll(async () => {
    modelDir = (await convertFixture('mini_gc.legacy.pt')).dir;
  });

  it.each(['wasm', 'cpu'])('takes a normalized NCHW tensor and writes the reference outputs (%s)', async (backend) => {
    const out = await tempDir('gc-infer-');
    await infer([modelDir, '--tensor', join(FIXTURES, 'mini_x.f32'), '--shape', '4,3,48,48', '--out', out, '--backend', backend]);
    const read = (name: string) => readF32(join(out, name));
    expect(relativeError(await read('z_fc.f32'), await fixture('mini_z_fc.f32'))).toBeLessThan(1e-4);
    expect(relativeError(await read('z_conv.f32'), await fixture('mini_z_conv.f32'))).toBeLessThan(1e-4);
    expect(maxElementRelativeError(await read('log_jac.f32'), await fixture('mini_log_jac.f32'))).toBeLessThan(1e-4);
    expect(maxElementRelativeError(await read('logits.f32'), await fixture('mini_logits.f32'))).toBeLessThan(1e-4);
    expect(relativeError(await read('x_rec.f32'), await fixture('mini_x_rec.f32'))).toBeLessThan(1e-4);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    expect(summary.backend).toBe(backend);
    expect(summary.shapes['x_rec.f32']).toEqual([4, 3, 48, 48]);
    expect(summary.inputOrder).toHaveLength(4);
    const logits = await fixture('mini_logits.f32');
    const top = Array.from(logits.subarray(0, 10)).indexOf(Math.max(...logits.subarray(0, 10)));
    expect(summary.results[0].top5[0].index).toBe(top);
    expect(summary.results[0].top5).toHaveLength(5);
  });

  it('takes image files in the order given', async () => {
    const dir = await tempDir('gc-img-');
    const paths = [];
    for (const [i, size] of [
      [0, 64],
      [1, 100],
    ].entries()) {
      const png = new PNG({ width: size[1], height: 80 });
      for (let k = 0; k < png.data.length; k++) png.data[k] = k % 4 === 3 ? 255 : (k * (i + 3)) % 256;
      const path = join(dir, `img${i}.png`);
      await writeFile(path, PNG.sync.write(png));
      paths.push(path);
    }
    const out = join(dir, 'out');
    await infer([modelDir, ...paths, '--out', out]);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    expect(summary.inputOrder).toEqual(paths);
    expect(summary.shapes['logits.f32']).toEqual([2, 10]);
    const p = summary.results.map((r: { top5: { probability: number }[] }) => r.top5[0].probability);
    expect(p).toHaveLength(2); // every() alone would pass on no results
    expect(p.every((v: number) => v > 0 && v <= 1)).toBe(true);
  });

  it('refuses a file that is not an image, by name', async () => {
    const out = await tempDir('gc-bad-');
    await expect(infer([modelDir, join(FIXTURES, 'README.md'), '--out', out])).rejects.toThrow(/README\.md is neither a PNG nor a JPEG image/);
  });
});
