import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { type AttackSettings, pgd } from '../src/explain/attack';
import { chooseBackend } from '../src/flow/backend';
import { loadClassifier } from '../src/flow/loadClassifier';
import { nodePackageFiles } from '../tools/lib/nodePackageFiles';

const ROOT = join(import.meta.dirname, '..');

/** The app attacks on wasm; tfjs-wasm's Sign returns 0 for |x| ≲ 1e-7, which once stalled L∞ PGD when the posterior saturated. */
describe('PGD on the wasm backend', () => {
  it('takes the same L∞ steps as the cpu backend past a saturated posterior (gradients ~1e-10)', async () => {
    const png = PNG.sync.read(readFileSync(join(ROOT, 'public', 'gallery', 'mnist-0.png')));
    const start = Float32Array.from({ length: 784 }, (_, i) => png.data[4 * i]);
    const settings: AttackSettings = { target: 6, norm: 'linf', epsilon: 64, steps: 10, stepSize: 12 };
    const runs: Float32Array[][] = [];
    for (const backend of ['cpu', 'wasm'] as const) {
      await chooseBackend([backend]);
      const model = await loadClassifier(nodePackageFiles(join(ROOT, 'public', 'models', 'mnist-beta2')));
      const { trace } = await pgd(model, start, 0, settings, { trace: true });
      model.dispose();
      runs.push(trace!.iterates);
    }
    const [cpu, wasm] = runs;
    const reach = (iterates: Float32Array[]) => iterates.map((it) => it.reduce((m, v, i) => Math.max(m, Math.abs(v - start[i])), 0));
    console.log('‖δ‖∞ per step', { cpu: reach(cpu), wasm: reach(wasm) });
    expect(reach(wasm)).toEqual([0, 12, 24, 36, 48, 60, 64, 64, 64, 64, 64]);
    for (let k = 0; k < cpu.length; k++) {
      let differing = 0;
      for (let i = 0; i < start.length; i++) if (Math.abs(cpu[k][i] - wasm[k][i]) > 1e-3) differing++;
      expect(differing, `step ${k}`).toBe(0);
    }
  });
});
