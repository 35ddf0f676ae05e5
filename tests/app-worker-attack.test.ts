import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize, resolve } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AttackOutcome, BatchAttackResult, Calls, CallType, Pixels, WorkerRequest, WorkerResponse } from '../src/worker/protocol';

const PUBLIC = resolve(import.meta.dirname, '..', 'public');
const digit = (n: number): Pixels => {
  const png = PNG.sync.read(readFileSync(join(PUBLIC, 'gallery', `mnist-${n}.png`)));
  return { width: 28, height: 28, channels: 1, pixels: Uint8Array.from({ length: 28 * 28 }, (_, i) => png.data[4 * i]) };
};

/** The attack calls through the inference worker's message handling, in Node on the cpu backend. */
describe('inference worker: attack calls', () => {
  const posted: WorkerResponse[] = [];
  const scope = { postMessage: (m: WorkerResponse) => posted.push(m), onmessage: null as ((e: { data: WorkerRequest }) => void) | null };
  let server: Server;
  let id = 0;
  const send = <K extends CallType>(type: K, args: Calls[K]['args']): number => {
    const n = ++id;
    scope.onmessage!({ data: { type, id: n, ...args } as WorkerRequest });
    return n;
  };
  const answer = (n: number) =>
    vi.waitFor(
      () => {
        const found = posted.find((m) => m.id === n && m.type !== 'progress');
        if (!found) throw new Error(`no answer to request ${n} yet`);
        return found;
      },
      { timeout: 100_000, interval: 20 },
    );
  const done = async <T>(n: number): Promise<T> => {
    const a = await answer(n);
    if (a.type !== 'done') throw new Error(`request ${n}: ${JSON.stringify(a)}`);
    return a.result as T;
  };
  const tensors = async () => (await done<{ numTensors: number }>(send('memory', {}))).numTensors;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = join(PUBLIC, 'models', normalize(decodeURIComponent(req.url ?? '/')));
      if (!existsSync(path)) return void res.writeHead(404).end();
      createReadStream(path).pipe(res);
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    Object.assign(globalThis, { self: scope });
    await import('../src/worker/inference.worker');
    await done(send('init', { backends: ['cpu'], wasmPaths: '' }));
    await done(send('load', { modelUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mnist-beta2/` }));
  });
  afterAll(() => server?.close());

  it('attacks the current image with step progress, and shows the rounded image and the amplified perturbation', async () => {
    await done(send('classify', { input: { kind: 'pixels', ...digit(0) } }));
    const settings = { target: null, norm: 'linf' as const, epsilon: 16, steps: 4, stepSize: 4 };
    const n = send('attack', { settings, searchAttacks: 1 });
    const outcome = await done<AttackOutcome>(n);
    const progress = posted.filter((m) => m.type === 'progress' && m.id === n);
    expect(progress.at(-1)).toMatchObject({ done: 8, total: 8 });
    const { report, image, perturbation, perturbationScale, pixels } = outcome;
    expect(report.cleanClass).toBe(0);
    expect(Array.from(pixels.pixels)).toEqual(Array.from(report.rounded.pixels));
    expect(report.rounded.linf).toBeLessThanOrEqual(16);
    expect(perturbationScale).toBeCloseTo(127 / report.rounded.linf, 12);
    expect([image.width, image.height, perturbation.rgba.length]).toEqual([28, 28, 28 * 28 * 4]);
    // Gray where nothing moved, the perturbed image's own gray values in the picture.
    const start = digit(0).pixels;
    for (let i = 0; i < 28 * 28; i++) {
      expect(image.rgba[4 * i]).toBe(pixels.pixels[i]);
      const expected = Math.round(128 + perturbationScale * (pixels.pixels[i] - start[i]));
      expect(Math.abs(perturbation.rgba[4 * i] - Math.min(255, Math.max(0, expected)))).toBeLessThanOrEqual(1);
    }
    expect(report.search?.tried).toHaveLength(2);
  });

  it('cancels a running attack, frees its tensors, and says why a non-8-bit image cannot be attacked', async () => {
    const before = await tensors();
    const n = send('attack', { settings: { target: 3, norm: 'l2', epsilon: 500, steps: 400, stepSize: 50 }, searchAttacks: 0 });
    await vi.waitFor(() => expect(posted.some((m) => m.type === 'progress' && m.id === n)).toBe(true), { timeout: 60_000, interval: 20 });
    expect(await done<boolean>(send('cancel', { kind: 'attack' }))).toBe(true);
    expect(await answer(n)).toEqual({ type: 'superseded', id: n });
    expect(await tensors()).toBe(before);
    await done(send('classify', { input: { kind: 'tensor', data: new Float32Array(784).fill(0.123), batch: 1 } }));
    const bad = await answer(send('attack', { settings: { target: null, norm: 'linf', epsilon: 4, steps: 2, stepSize: 1 }, searchAttacks: 0 }));
    expect(bad).toMatchObject({ type: 'failed', message: expect.stringMatching(/starts from an 8-bit image, and the current image is not one/) });
  });

  it('attacks a batch of trust-report images from their files, and skips one that is not an image with its reason', async () => {
    const settings = { target: null, norm: 'l2' as const, epsilon: 600, steps: 3, stepSize: 250 };
    const images = [{ name: 'a/notes.txt', file: new Blob(['not an image']) }];
    const [skipped] = await done<BatchAttackResult[]>(send('attackBatch', { images, settings }));
    expect(skipped).toMatchObject({ ok: false, error: expect.stringMatching(/notes\.txt/) });
  });
});
