import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { dawnEnvironment } from '../tools/lib/dawnNode';

const TOLERANCE = 1e-5;

/** Dawn (the npm package `webgpu`) present? CI installs it as a devDependency; without it these tests are skipped. */
function dawnInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('webgpu');
    return true;
  } catch {
    return false;
  }
}

interface ParityResult {
  adapter: string;
  plain: { forward: number; posterior: number; inverse: number };
  fused: { forward: number; posterior: number; inverse: number };
  errors: Record<string, { relative: number; maxElement: number }>;
  roundTrip: number;
}

/** Runs tests/helpers/webgpuFusedParity.ts in its own process, under the environment Dawn needs here. */
function parity(model: 'mini' | 'full'): ParityResult {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'tests/helpers/webgpuFusedParity.ts', model], {
    env: dawnEnvironment(),
    encoding: 'utf8',
    timeout: 1_700_000,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as ParityResult;
}

/** The fused WebGPU kernels (src/flow/webgpu) against the plain tfjs ops, both on WebGPU (Dawn on SwiftShader here). */
describe.skipIf(!dawnInstalled())('fused WebGPU kernels', () => {
  it('equal the plain path on the reference-mini model (batch 2) in far fewer dispatches', { timeout: 600_000 }, () => {
    const r = parity('mini');
    console.log('reference-mini on', r.adapter, JSON.stringify(r));
    for (const [name, e] of Object.entries(r.errors)) expect(e.relative, name).toBeLessThan(TOLERANCE);
    expect(r.errors.logDet.maxElement).toBeLessThan(TOLERANCE);
    expect(r.roundTrip).toBeLessThan(1e-4);
    expect(r.fused.forward + r.fused.posterior).toBeLessThanOrEqual(115);
    expect(r.fused.inverse).toBeLessThanOrEqual(115);
  });

  it.skipIf(process.env.GC_LENS_FULL_WEBGPU !== '1')(
    'equal the plain path on the full-size layout (GC_LENS_FULL_WEBGPU=1: minutes on SwiftShader)',
    { timeout: 1_800_000 },
    () => {
      const r = parity('full');
      console.log('full-size on', r.adapter, JSON.stringify(r));
      for (const [name, e] of Object.entries(r.errors)) expect(e.relative, name).toBeLessThan(TOLERANCE);
      expect(r.fused.forward + r.fused.posterior).toBeLessThanOrEqual(200);
      expect(r.fused.inverse).toBeLessThanOrEqual(200);
    },
  );
});
