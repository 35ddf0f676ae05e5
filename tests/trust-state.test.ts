import { describe, expect, it } from 'vitest';
import type { ModelSpec } from '../src/formats/modelSpec';
import { trustAttackSummary } from '../src/state/trustAttack';
import { matchLabel, selectionFromFiles, selectionNotes } from '../src/state/trustInput';
import { reportJson, trustReport, trustSummary } from '../src/state/trustReport';
import { createTrustStore, trustBatchSize } from '../src/state/trustStore';
import { tableCsv, tableRows, viewRows } from '../src/state/trustTable';
import { type InferenceCalls, SupersededError } from '../src/worker/client';
import type { Calls, CallType, TrustImageResult } from '../src/worker/protocol';
import { writeZip } from './helpers/zipWriter';

const CLASSES = ['zero', 'one', 'two'];

/** A File with the relative path a folder picker gives. */
function fileAt(path: string, bytes = 'x'): File {
  const file = new File([bytes], path.slice(path.lastIndexOf('/') + 1), { type: path.endsWith('.png') ? 'image/png' : 'text/plain' });
  Object.defineProperty(file, 'webkitRelativePath', { value: path });
  return file;
}

describe('trust input', () => {
  it('matches folder names to class names or indices, case-insensitively', () => {
    expect(matchLabel('set/One', CLASSES)).toEqual({ label: 1, match: 'name' });
    expect(matchLabel('set/ TWO ', CLASSES)).toEqual({ label: 2, match: 'name' });
    expect(matchLabel('set/0', CLASSES)).toEqual({ label: 0, match: 'index' });
    expect(matchLabel('set/3', CLASSES)).toEqual({ label: null, match: 'none' });
    expect(matchLabel('set/cats', CLASSES)).toEqual({ label: null, match: 'none' });
  });

  it('groups files by folder, opens zips in place, and words empty folders and unmatched names', async () => {
    const zip = new File(
      [
        new Uint8Array(
          writeZip([
            { name: 'two/c.png', data: new Uint8Array([1, 2, 3]) },
            { name: 'empty/', data: new Uint8Array() },
          ]),
        ),
      ],
      'more.zip',
      { type: 'application/zip' },
    );
    Object.defineProperty(zip, 'webkitRelativePath', { value: 'set/more.zip' });
    const selection = await selectionFromFiles([fileAt('set/one/a.png'), fileAt('set/one/b.png'), fileAt('set/cats/c.png'), zip], CLASSES);
    expect(selection.folders.map((f) => [f.path, f.files, f.label, f.role])).toEqual([
      ['set/cats', 1, null, 'none'],
      ['set/more/two', 1, 2, 'in'],
      ['set/one', 2, 1, 'in'],
    ]);
    expect(new Uint8Array(await (await selection.files[3].read()).arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
    const notes = selectionNotes(selection, CLASSES);
    expect(notes).toContain('The folder “set/more/empty” is empty.');
    expect(notes.join(' ')).toContain('“cats” matches no class name or index (0–2)');
    expect(selectionNotes(await selectionFromFiles([], CLASSES), CLASSES)).toEqual(['There is nothing to run: the selection holds no files.']);
  });

  it('batches are sized to the input: 32 digits, 3 images at 224²', () => {
    expect(trustBatchSize({ channels: 1, height: 28, width: 28 })).toBe(32);
    expect(trustBatchSize({ channels: 3, height: 224, width: 224 })).toBe(3);
  });
});

/** A worker that classifies a file as the class its first byte names, and fails files that start with "!". */
function fakeClient(onBatch: (n: number) => void = () => undefined): InferenceCalls & { batches: number[] } {
  const batches: number[] = [];
  return {
    batches,
    async call<K extends CallType>(type: K, args: Calls[K]['args']): Promise<Calls[K]['result']> {
      if (type !== 'trustBatch') throw new Error(`unexpected ${type}`);
      const { images } = args as Calls['trustBatch']['args'];
      batches.push(images.length);
      onBatch(batches.length);
      const results: TrustImageResult[] = [];
      for (const { file, name } of images) {
        const text = await file.text();
        if (text.startsWith('!')) results.push({ ok: false, error: `“${name}” could not be decoded` });
        else results.push({ ok: true, predicted: Number(text[0]), confidence: 0.9, negLogPx: 100 * Number(text[0]), bitsPerDim: 1 });
      }
      return results as Calls[K]['result'];
    },
  };
}

const spec = {
  classes: CLASSES,
  input: { channels: 1, height: 28, width: 28 },
  card: { typicality: { mean: 0, std: 100 }, measured: [{ name: 'typicality AUROC vs fashion_mnist_test', value: 0.98, source: 'evaluate.py' }] },
} as unknown as ModelSpec;

describe('trust run', () => {
  it('classifies in batches, skips what is not an image, and computes the report from folder labels and roles', async () => {
    const files = [
      ...Array.from({ length: 40 }, (_, i) => fileAt(`set/one/${i}.png`, i < 36 ? '1' : '2')),
      fileAt('set/odd/x.png', '2'),
      fileAt('set/odd/bad.txt', '!'),
    ];
    const client = fakeClient();
    const store = createTrustStore(client, { model: () => ({ id: 'm', spec }), explore: async () => undefined, now: () => 0 });
    await store.getState().choose(files);
    store.getState().setRole('set/odd', 'out');
    await store.getState().run();
    const s = store.getState();
    expect(client.batches).toEqual([32, 10]);
    expect(s.status).toBe('done');
    expect(s.progress).toMatchObject({ done: 42, total: 42 });
    expect(s.skipped).toEqual([{ path: 'set/odd/bad.txt', reason: '“set/odd/bad.txt” could not be decoded' }]);
    const report = trustReport(s.rows, s.selection?.folders ?? [], 3, spec.card);
    expect(report.labelled).toBe(40);
    expect(report.accuracy).toBe(36 / 40);
    expect(report.matrix?.[1]).toEqual([0, 36, 4]);
    expect(report.inImages).toBe(40);
    expect(report.outImages).toBe(1);
    // Scores: in 100 (×36) and 200 (×4); out 200: P(out > in) + ½ P(equal) = (36 + 2) / 40.
    expect(report.auroc).toBe(38 / 40);
    expect(report.references).toEqual([{ name: 'typicality AUROC vs fashion_mnist_test', value: 0.98, source: 'evaluate.py' }]);
    expect(JSON.parse(reportJson(report, s.selection?.folders ?? [], 'm', CLASSES))).toMatchObject({ model: 'm', accuracy: 0.9, auroc: 0.95 });
    // A label chosen after the run changes the report without a rerun.
    store.getState().setLabel('set/odd', 2);
    expect(trustReport(store.getState().rows, store.getState().selection?.folders ?? [], 3, spec.card).labelled).toBe(41);

    const rows = tableRows(s.rows, s.selection?.folders ?? [], { mean: 0, std: 100 });
    const wrongFirst = viewRows(rows, { sort: 'predicted', descending: true, text: '', show: 'all' }, CLASSES);
    expect(wrongFirst[0].predicted).toBe(2);
    expect(viewRows(rows, { sort: 'path', descending: false, text: '', show: 'wrong' }, CLASSES)).toHaveLength(4);
    expect(viewRows(rows, { sort: 'path', descending: false, text: 'ODD', show: 'all' }, CLASSES).map((r) => r.path)).toEqual(['set/odd/x.png']);
    const csv = tableCsv(viewRows(rows, { sort: 'path', descending: false, text: 'odd', show: 'all' }, CLASSES), CLASSES).split('\n');
    expect(csv[0]).toBe('file,folder,label,label_index,predicted,predicted_index,p_y_given_x,neg_log_px_nats,bits_per_dim,typicality_z');
    expect(csv[1]).toBe('set/odd/x.png,set/odd,,,two,2,0.9,200,1,2');
  });

  it('cancel keeps the batches that finished and says so', async () => {
    const files = Array.from({ length: 100 }, (_, i) => fileAt(`set/one/${i}.png`, '1'));
    let store: ReturnType<typeof createTrustStore> | null = null;
    const client = fakeClient((n) => {
      if (n === 2) store?.getState().cancel();
    });
    store = createTrustStore(client, { model: () => ({ id: 'm', spec }), explore: async () => undefined, now: () => 0 });
    await store.getState().choose(files);
    await store.getState().run();
    const s = store.getState();
    expect(s.status).toBe('cancelled');
    expect(s.rows).toHaveLength(64);
    expect(s.message).toBe('Cancelled after 64 of 100 images: the report below covers those 64.');
  });

  it('a model change during the run stops it with what finished', async () => {
    const files = Array.from({ length: 40 }, (_, i) => fileAt(`set/one/${i}.png`, '1'));
    let calls = 0;
    const client: InferenceCalls = {
      async call<K extends CallType>(_type: K, args: Calls[K]['args']): Promise<Calls[K]['result']> {
        if (++calls === 2) throw new SupersededError();
        return (args as Calls['trustBatch']['args']).images.map(() => ({
          ok: true,
          predicted: 1,
          confidence: 1,
          negLogPx: 0,
          bitsPerDim: 0,
        })) as Calls[K]['result'];
      },
    };
    const store = createTrustStore(client, { model: () => ({ id: 'm', spec }), explore: async () => undefined, now: () => 0 });
    await store.getState().choose(files);
    await store.getState().run();
    expect(store.getState().status).toBe('failed');
    expect(store.getState().rows).toHaveLength(32);
    expect(store.getState().message).toBe('The run stopped after 32 of 40 images (the model was changed during the run); the report below covers those.');
  });
});

describe('trust report: batch attack', () => {
  /**
   * A worker whose trust batches classify a file as the class its first byte names (−log p(x) = 100·class), and whose attacks
   * flip the images of class 1 to class 2 and move their −log p(x) by 300; `cancelAt`: the attack batch that the user cancels.
   */
  function attackClient(cancelAt = 0) {
    const calls: string[] = [];
    let attackBatches = 0;
    let cancelled = false;
    const client: InferenceCalls = {
      async call<K extends CallType>(type: K, args: Calls[K]['args'], onProgress?: (done: number, total: number) => void): Promise<Calls[K]['result']> {
        calls.push(type);
        if (type === 'cancel') {
          cancelled = true;
          return true as Calls[K]['result'];
        }
        const { images } = args as Calls['trustBatch']['args'];
        const classes = await Promise.all(images.map(async ({ file }) => Number((await file.text())[0])));
        if (type === 'trustBatch')
          return classes.map((y) => ({ ok: true, predicted: y, confidence: 0.9, negLogPx: 100 * y, bitsPerDim: 1 })) as Calls[K]['result'];
        if (type !== 'attackBatch') throw new Error(`unexpected ${type}`);
        onProgress?.(1, 2);
        if (++attackBatches === cancelAt) {
          store.getState().cancelAttack();
          if (cancelled) throw new SupersededError();
        }
        return classes.map((y) => ({
          ok: true,
          cleanClass: y,
          attackedClass: y === 1 ? 2 : y,
          flipped: y === 1,
          cleanNll: 100 * y,
          attackedNll: 100 * y + (y === 1 ? 300 : 0),
        })) as Calls[K]['result'];
      },
    };
    const store = createTrustStore(client, { model: () => ({ id: 'm', spec }), explore: async () => undefined, now: () => 0 });
    return { store, calls };
  }
  const settings = { target: null, norm: 'linf' as const, epsilon: 8, steps: 10, stepSize: 2 };

  it('attacks the classified images in batches; the success rate and the clean-against-attacked AUROC reach the JSON and the link summary', async () => {
    const { store, calls } = attackClient();
    // 36 images of class 1 (flipped) and 4 of class 0 (held).
    await store.getState().choose(Array.from({ length: 40 }, (_, i) => fileAt(`set/one/${i}.png`, i < 36 ? '1' : '0')));
    await store.getState().run();
    await store.getState().runAttack(settings);
    const s = store.getState();
    expect(calls.filter((c) => c === 'attackBatch')).toHaveLength(2);
    expect(s.attack).toMatchObject({ status: 'done', settings, progress: { done: 40, total: 40 }, skipped: [] });
    expect(s.attack.images.map((im) => im.file)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    const report = trustReport(s.rows, s.selection?.folders ?? [], 3, spec.card);
    const figures = trustAttackSummary(s.attack, report.typicalityMean?.value ?? null);
    // Card mean 0: clean scores 100 (×36) and 0 (×4), attacked 400 (×36) and 0 (×4); attacked > clean in 36·40 pairs, ties 4·4.
    expect(figures).toEqual({ settings, attacked: 40, successRate: 0.9, typicalityAuroc: (36 * 40 + 0.5 * 16) / 1600 });
    expect(JSON.parse(reportJson(report, s.selection?.folders ?? [], 'm', CLASSES, figures)).attack).toMatchObject({ successRate: 0.9 });
    expect(trustSummary(report, figures).attack).toEqual({ ...settings, attacked: 40, successRate: 0.9, auroc: figures?.typicalityAuroc });
    // A new run makes the attack stale.
    await store.getState().run();
    expect(store.getState().attack.status).toBe('idle');
  });

  it('cancel stops the worker and keeps the batches that finished', async () => {
    const { store, calls } = attackClient(2);
    await store.getState().choose(Array.from({ length: 40 }, (_, i) => fileAt(`set/one/${i}.png`, '1')));
    await store.getState().run();
    await store.getState().runAttack(settings);
    const { attack } = store.getState();
    expect(calls).toContain('cancel');
    expect(attack.status).toBe('cancelled');
    expect(attack.images).toHaveLength(32);
    expect(attack.message).toBe('Cancelled after 32 of 40 images: the figures below cover those.');
    expect(trustAttackSummary(attack, 0)).toMatchObject({ attacked: 32, successRate: 1, typicalityAuroc: 1 });
  });
});
