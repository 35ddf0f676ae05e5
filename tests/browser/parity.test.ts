import { beforeAll, describe, expect, it } from 'vitest';
import type { BackendName } from '../../src/flow/backend';
import { fixture, maxElementRelativeError, relativeError } from '../helpers/fixtures';
import type { ParityRun } from './parity';
import { useBrowserSession } from './session';

const TOLERANCE = 1e-4;

/** The parity proof of tests/parity.test.ts, in headless Chromium, through the app's inference worker. */
describe('browser parity of the reference mini model', () => {
  const session = useBrowserSession();

  beforeAll(async () => {
    await session.page.goto(`${session.url}tests/browser/parity.html`);
    await session.page.waitForFunction(() => typeof window.runParity === 'function', undefined, { timeout: 30_000 });
  });

  // wasm too: it proves the app serves its own .wasm binaries.
  describe.each(['webgpu', 'webgl', 'wasm'] as BackendName[])('on %s', (backend) => {
    let run: ParityRun;

    beforeAll(async () => {
      run = await session.page.evaluate((b) => window.runParity!(b), backend);
    }, 240_000);

    it('runs on the requested backend', () => {
      expect(run.chosen).toBe(backend);
      expect(run.computedBy).toBe(backend);
    });

    it('reproduces z_fc, z_conv, log|det J|, logits and nll_joint', async () => {
      const errors = {
        z_fc: relativeError(run.zFc, await fixture('mini_z_fc.f32')),
        z_conv: relativeError(run.zConv, await fixture('mini_z_conv.f32')),
        log_jac: maxElementRelativeError(run.logDet, await fixture('mini_log_jac.f32')),
        logits: maxElementRelativeError(run.logits, await fixture('mini_logits.f32')),
        nll_joint: maxElementRelativeError(run.nllJoint, await fixture('mini_nll_joint.f32')),
      };
      console.log(`browser ${backend} forward relative errors`, errors);
      for (const [name, err] of Object.entries(errors)) expect(err, name).toBeLessThan(TOLERANCE);
    });

    it('inverts (z_fc, z_conv) to x_rec and x', async () => {
      const errors = {
        x_rec: relativeError(run.xRec, await fixture('mini_x_rec.f32')),
        x: relativeError(run.xRec, await fixture('mini_x.f32')),
      };
      console.log(`browser ${backend} inverse relative errors`, errors);
      for (const [name, err] of Object.entries(errors)) expect(err, name).toBeLessThan(TOLERANCE);
    });
  });
});
