import { describe, expect, it } from 'vitest';
import { chooseBackend } from '../src/flow/backend';

/** A backend that cannot start is named with tfjs's own reason, and the next one still starts. */
describe('backend start failures', () => {
  it('names the one backend asked for and why it failed', async () => {
    await expect(chooseBackend(['webgl'])).rejects.toThrow(/^the webgl backend could not be started: no canvas in this environment$/);
  });

  it('passes on the error tfjs only logs, not just that it failed', async () => {
    // tf.setBackend answers false here; the reason comes from the wasm backend's own start.
    await expect(chooseBackend(['wasm'], { wasmPaths: '/no/such/folder/' })).rejects.toThrow(
      /^the wasm backend could not be started: Make sure the server can serve the `\.wasm` file/,
    );
    expect((await chooseBackend(['cpu'])).name).toBe('cpu');
  });

  it('lists every backend tried, each with its reason', async () => {
    await expect(chooseBackend(['webgpu', 'webgl'])).rejects.toThrow(
      /^no compute backend could be started: webgpu: navigator\.gpu is not available; webgl: no canvas in this environment$/,
    );
  });
});
