import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers/fixtures';
import { idxGz, patternBytes, prepareData, tinyMnistSplit, writeMnistFiles } from './helpers/officialData';
import { requirePythonTorch } from './helpers/requirements';

const run = promisify(execFile);

/** Wraps raw batch bytes into the official cifar-10-python.tar.gz: protocol-2 pickles of {b'data', b'labels', ...}. */
const MAKE_CIFAR_TAR = `
import io, pickle, sys, tarfile
import numpy as np
src, out = sys.argv[1], sys.argv[2]
with tarfile.open(out, 'w:gz') as tar:
    for name in ['data_batch_%d' % k for k in range(1, 6)] + ['test_batch']:
        data = np.fromfile('%s/%s.data' % (src, name), np.uint8).reshape(-1, 3072)
        labels = [int(v) for v in np.fromfile('%s/%s.labels' % (src, name), np.uint8)]
        batch = {b'batch_label': name.encode(), b'labels': labels, b'data': data,
                 b'filenames': [b'img%d.png' % i for i in range(len(labels))]}
        blob = pickle.dumps(batch, protocol=2)
        info = tarfile.TarInfo('cifar-10-batches-py/' + name)
        info.size = len(blob)
        tar.addfile(info, io.BytesIO(blob))
`;

const readBytes = async (path: string) => new Uint8Array(await readFile(path));
const readMeta = async (dir: string) => JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8'));

describe('training/prepare_data.py builds the data directory from the official files', () => {
  let python: string;
  beforeAll(() => {
    python = requirePythonTorch();
  });

  it('copies MNIST and Fashion-MNIST idx files to raw NCHW bytes, exactly', async () => {
    const root = await tempDir('gc-prepare-idx-');
    const mnist = { train: tinyMnistSplit(5, 1), test: tinyMnistSplit(3, 2) };
    const fashion = { train: tinyMnistSplit(4, 3), test: tinyMnistSplit(2, 4) };
    await writeMnistFiles(join(root, 'mnist-src'), mnist.train, mnist.test);
    await writeMnistFiles(join(root, 'fashion-src'), fashion.train, fashion.test);
    const out = join(root, 'data');
    await prepareData(python, ['--out', out, '--mnist', join(root, 'mnist-src'), '--fashion-mnist', join(root, 'fashion-src')]);

    for (const [name, splits] of [
      ['mnist', mnist],
      ['fashion_mnist', fashion],
    ] as const) {
      const dir = join(out, name);
      expect(await readBytes(join(dir, 'train_x.u8'))).toEqual(splits.train.images);
      expect(await readBytes(join(dir, 'train_y.u8'))).toEqual(splits.train.labels);
      expect(await readBytes(join(dir, 'test_x.u8'))).toEqual(splits.test.images);
      expect(await readBytes(join(dir, 'test_y.u8'))).toEqual(splits.test.labels);
      expect(await readMeta(dir)).toMatchObject({ shape: [1, 28, 28], train: splits.train.labels.length, test: splits.test.labels.length });
    }
  });

  it('refuses an idx file whose magic is not the images magic 0x00000803', async () => {
    const root = await tempDir('gc-prepare-magic-');
    await writeMnistFiles(join(root, 'src'), tinyMnistSplit(2, 5), tinyMnistSplit(2, 6));
    // A labels-style magic on the images file: a swapped or truncated download.
    await writeFile(join(root, 'src', 'train-images-idx3-ubyte.gz'), idxGz([2, 28, 28], patternBytes(2 * 784, 7), 0x801));
    await expect(prepareData(python, ['--out', join(root, 'data'), '--mnist', join(root, 'src')])).rejects.toThrow(/magic 0x00000801, expected 0x00000803/);
  });

  it('concatenates the CIFAR-10 batches data_batch_1..5 and test_batch in order, rows kept as CHW planes', async () => {
    const root = await tempDir('gc-prepare-cifar-');
    const src = join(root, 'batches');
    await mkdir(src);
    const names = ['data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4', 'data_batch_5', 'test_batch'];
    const batches = names.map((name, k) => {
      const n = 2 + (k % 2); // uneven batch sizes, so a wrong order or a dropped batch shows
      return { name, data: patternBytes(n * 3072, 10 + k), labels: Uint8Array.from({ length: n }, (_, i) => (3 * k + i) % 10) };
    });
    for (const b of batches) {
      await writeFile(join(src, `${b.name}.data`), b.data);
      await writeFile(join(src, `${b.name}.labels`), b.labels);
    }
    const tar = join(root, 'cifar-10-python.tar.gz');
    await run(python, ['-c', MAKE_CIFAR_TAR, src, tar]);
    const out = join(root, 'data');
    await prepareData(python, ['--out', out, '--cifar10', tar]);

    const train = batches.slice(0, 5);
    const concat = (parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => Array.from(p)));
    const dir = join(out, 'cifar10');
    expect(await readBytes(join(dir, 'train_x.u8'))).toEqual(concat(train.map((b) => b.data)));
    expect(await readBytes(join(dir, 'train_y.u8'))).toEqual(concat(train.map((b) => b.labels)));
    expect(await readBytes(join(dir, 'test_x.u8'))).toEqual(batches[5].data);
    expect(await readBytes(join(dir, 'test_y.u8'))).toEqual(batches[5].labels);
    expect(await readMeta(dir)).toMatchObject({ shape: [3, 32, 32], train: 12, test: 3 });
  });

  it('--from-grids cuts lossless grid images into tiles row by row, as many as there are labels', async () => {
    const root = await tempDir('gc-prepare-grid-');
    const grids = join(root, 'datasets', 'mnist');
    await mkdir(grids, { recursive: true });
    // train: 2 rows of 3 tiles with 5 labels (the 6th tile is blank padding); test: 1 row of 2 tiles.
    const splits = { train: { rows: 2, perRow: 3, ...tinyMnistSplit(5, 8) }, test: { rows: 1, perRow: 2, ...tinyMnistSplit(2, 9) } };
    for (const [split, s] of Object.entries(splits)) {
      const png = new PNG({ width: 28 * s.perRow, height: 28 * s.rows });
      for (let i = 0; i < s.labels.length; i++) {
        const [top, left] = [28 * Math.floor(i / s.perRow), 28 * (i % s.perRow)];
        for (let p = 0; p < 784; p++) {
          const v = s.images[784 * i + p];
          png.data.set([v, v, v, 255], 4 * ((top + Math.floor(p / 28)) * png.width + left + (p % 28)));
        }
      }
      await writeFile(join(grids, `${split}_0.png`), PNG.sync.write(png, { colorType: 0 }));
      await writeFile(join(grids, `${split}_y.u8`), s.labels);
    }
    const out = join(root, 'data');
    await prepareData(python, ['--out', out, '--from-grids', join(root, 'datasets')]);
    const dir = join(out, 'mnist');
    expect(await readBytes(join(dir, 'train_x.u8'))).toEqual(splits.train.images);
    expect(await readBytes(join(dir, 'train_y.u8'))).toEqual(splits.train.labels);
    expect(await readBytes(join(dir, 'test_x.u8'))).toEqual(splits.test.images);
    expect(await readMeta(dir)).toMatchObject({ shape: [1, 28, 28], train: 5, test: 2 });
  });
});
