import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Classification, WorkerRequest, WorkerResponse } from '../src/worker/protocol';

const MODELS = resolve(import.meta.dirname, '..', 'public', 'models');

/** The inference worker's message handling, run in Node on the cpu backend with a fake worker scope. */
describe('inference worker protocol', () => {
  const posted: WorkerResponse[] = [];
  const scope = { postMessage: (m: WorkerResponse) => posted.push(m), onmessage: null as ((e: { data: WorkerRequest }) => void) | null };
  let server: Server;
  let modelsUrl: string;

  const send = (request: WorkerRequest) => scope.onmessage!({ data: request });
  const answer = (id: number) =>
    vi.waitFor(
      () => {
        const found = posted.find((m) => m.id === id && m.type !== 'progress');
        if (!found) throw new Error(`no answer to request ${id} yet`);
        return found;
      },
      { timeout: 60_000, interval: 20 },
    );

  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = join(MODELS, normalize(decodeURIComponent(req.url ?? '/')));
      if (!path.startsWith(MODELS) || !existsSync(path)) return void res.writeHead(404).end();
      createReadStream(path).pipe(res);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    modelsUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    Object.assign(globalThis, { self: scope });
    await import('../src/worker/inference.worker');
  });

  afterAll(() => server?.close());

  it('loads with byte progress, answers in order, and lets a newer classify supersede a waiting one', async () => {
    const x = new Float32Array(48 * 48 * 3).fill(0.5);
    send({ type: 'init', id: 1, backends: ['cpu'], wasmPaths: '' });
    send({ type: 'load', id: 2, modelUrl: `${modelsUrl}reference-mini/` });
    send({ type: 'classify', id: 3, input: { kind: 'tensor', data: x, batch: 1 } });
    send({ type: 'classify', id: 4, input: { kind: 'tensor', data: x, batch: 1 } });

    expect(await answer(1)).toMatchObject({ type: 'done', result: { name: 'cpu' } });
    expect(await answer(2)).toMatchObject({ type: 'done', result: { id: 'reference-mini' } });
    const progress = posted.filter((m) => m.type === 'progress' && m.id === 2);
    expect(progress.length).toBeGreaterThan(0);
    const { bytes } = JSON.parse(readFileSync(join(MODELS, 'index.json'), 'utf8')).models.find((m: { id: string }) => m.id === 'reference-mini');
    expect(progress.at(-1)).toMatchObject({ done: bytes, total: bytes });
    expect(await answer(3)).toEqual({ type: 'superseded', id: 3 });

    const classified = await answer(4);
    expect(classified.type).toBe('done');
    const { result, input, backend } = (classified as { result: Classification }).result;
    expect(backend).toBe('cpu');
    expect(result.posterior.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 5);
    // 0.5 in normalized units is 255 · (mean + 0.5 · std): 152.9, 144.8, 132.2.
    expect(Array.from(input.rgba.slice(0, 4))).toEqual([153, 145, 132, 255]);

    send({ type: 'decode', id: 5, zFc: result.zFc, zConv: result.zConv, batch: 1 });
    const decoded = (await answer(5)) as { result: Float32Array };
    expect(Math.max(...decoded.result.map((v) => Math.abs(v - 0.5)))).toBeLessThan(1e-4);
  });

  it('reports a failed load and keeps the previous model', async () => {
    send({ type: 'load', id: 6, modelUrl: `${modelsUrl}no-such-model/` });
    expect(await answer(6)).toMatchObject({ type: 'failed', message: expect.stringContaining('HTTP 404') });
    send({ type: 'classify', id: 7, input: { kind: 'tensor', data: new Float32Array(48 * 48 * 3), batch: 1 } });
    expect(await answer(7)).toMatchObject({ type: 'done' });
  });

  it('refuses an input of the wrong size with a message that says why', async () => {
    send({ type: 'classify', id: 8, input: { kind: 'tensor', data: new Float32Array(10), batch: 1 } });
    expect(await answer(8)).toMatchObject({ type: 'failed', message: expect.stringContaining('need 6912') });
  });

  it('answers a slider edit while a long map runs, cancels a superseded map, and keeps the tensor count flat', async () => {
    const memory = async (id: number) => {
      send({ type: 'memory', id });
      return ((await answer(id)) as { result: { numTensors: number } }).result.numTensors;
    };
    const order = () => posted.filter((m) => m.type !== 'progress').map((m) => m.id);
    const before = await memory(9);
    const ig = { method: 'integrated-gradients', objective: 'likelihood', target: 0, contrast: 'mean', steps: 512, patch: 8, stride: 4, fill: 0 } as const;
    send({ type: 'map', id: 10, request: ig });
    send({ type: 'edit', id: 11, from: 0, sliders: [{ direction: { kind: 'toward', to: 1 }, amount: 1 }] });
    expect(await answer(11)).toMatchObject({ type: 'done', result: { original: false } });
    expect(order()).not.toContain(10);
    send({ type: 'map', id: 12, request: { ...ig, steps: 16 } });
    expect(await answer(10)).toEqual({ type: 'superseded', id: 10 });
    expect(await answer(12)).toMatchObject({ type: 'done', result: { request: { steps: 16 } } });
    send({ type: 'sample', id: 13, classIndex: 0, count: 64, seed: 1, temperature: 1, typical: null });
    send({ type: 'classify', id: 14, input: { kind: 'tensor', data: new Float32Array(48 * 48 * 3), batch: 1 } });
    expect(await answer(13)).toEqual({ type: 'superseded', id: 13 });
    expect(await answer(14)).toMatchObject({ type: 'done' });
    expect(await memory(15)).toBe(before);
  });

  it('answers a new image first: waiting and running work about the old image is superseded, not waited for', async () => {
    const ig = { method: 'integrated-gradients', objective: 'likelihood', target: 0, contrast: 'mean', steps: 512, patch: 8, stride: 4, fill: 0 } as const;
    const settled = () => posted.filter((m) => m.type !== 'progress' && m.id >= 20).map((m) => `${m.id}:${m.type}`);
    send({ type: 'map', id: 20, request: ig });
    send({ type: 'sample', id: 21, classIndex: 0, count: 64, seed: 1, temperature: 1, typical: null });
    send({ type: 'latentGuide', id: 22, a: 0, b: 1, dims: 3, principal: 2 });
    send({ type: 'edit', id: 23, from: 0, sliders: [{ direction: { kind: 'toward', to: 1 }, amount: 1 }] });
    send({ type: 'memory', id: 24 });
    send({ type: 'classify', id: 25, input: { kind: 'tensor', data: new Float32Array(48 * 48 * 3).fill(0.25), batch: 1 } });
    expect(await answer(25)).toMatchObject({ type: 'done' });
    await answer(24);
    // Nothing about the old image was answered, and the memory request sent before the image waited for it.
    expect(settled()).toEqual(expect.arrayContaining(['20:superseded', '21:superseded', '22:superseded', '23:superseded']));
    const order = settled();
    expect(order.indexOf('25:done')).toBeLessThan(order.indexOf('24:done'));
    expect(order.filter((m) => m.endsWith(':done'))).toEqual(['25:done', '24:done']);
  });

  it('reports the progress of a long map within its first pass of 8 path points, and stops it on cancel', async () => {
    const ig = { method: 'integrated-gradients', objective: 'likelihood', target: 0, contrast: 'mean', steps: 512, patch: 8, stride: 4, fill: 0 } as const;
    send({ type: 'map', id: 30, request: ig });
    await vi.waitFor(() => expect(posted.some((m) => m.id === 30 && m.type === 'progress')).toBe(true), { timeout: 60_000, interval: 20 });
    const first = posted.find((m) => m.id === 30 && m.type === 'progress') as { done: number; total: number };
    expect(first.total).toBe(512);
    expect(first.done).toBeGreaterThan(0);
    expect(first.done).toBeLessThanOrEqual(8);
    send({ type: 'cancel', id: 31, kind: 'map' });
    expect(await answer(31)).toEqual({ type: 'done', id: 31, result: true });
    expect(await answer(30)).toEqual({ type: 'superseded', id: 30 });
  });
});
