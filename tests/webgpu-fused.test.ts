import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { dawnEnvironment } from '../tools/lib/dawnNode';

const TOLERANCE = 1e-5;

/** Dawn is the npm package `webgpu`, a devDependency: a checkout without it fails here and says how to get it. */
function requireDawn(): void {
  try {
    createRequire(import.meta.url).resolve('webgpu');
  } catch {
    throw new Error('the npm package `webgpu` (Dawn) is not installed: run `npm ci`');
  }
}

interface ParityResult {
  adapter: string;
  plain: { forward: number; posterior: number; inverse: number };
  fused: { forward: number; posterior: number; inverse: number };
  errors: Record<string, { relative: number; maxElement: number }>;
  roundTrip: number;
}

/** Runs tools/webgpu-parity.ts in its own process, under the environment Dawn needs here. */
function parity(model: 'mini'): ParityResult {
  requireDawn();
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'tools/webgpu-parity.ts', model], {
    env: dawnEnvironment(),
    encoding: 'utf8',
    timeout: 600_000,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as ParityResult;
}

/** The fused WebGPU kernels (src/flow/webgpu) against the plain tfjs ops, both on WebGPU (Dawn on SwiftShader here). */
// The full-size layout takes minutes on SwiftShader: `npm run parity:webgpu -- full` (and tools/gpu-bench.sh on a GPU).
describe('fused WebGPU kernels', () => {
  it('equal the plain path on the reference-mini model (batch 2) in far fewer dispatches', { timeout: 600_000 }, () => {
    const r = parity('mini');
    console.log('reference-mini on', r.adapter, JSON.stringify(r));
    for (const [name, e] of Object.entries(r.errors)) expect(e.relative, name).toBeLessThan(TOLERANCE);
    expect(r.errors.logDet.maxElement).toBeLessThan(TOLERANCE);
    expect(r.roundTrip).toBeLessThan(1e-4);
    expect(r.fused.forward + r.fused.posterior).toBeLessThanOrEqual(115);
    expect(r.fused.inverse).toBeLessThanOrEqual(115);
  });
});
