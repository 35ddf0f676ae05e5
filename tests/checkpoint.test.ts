import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArchitectureError } from '../src/formats/architectureError';
import { type ByteSource, memoryByteSource } from '../src/formats/byteSource';
import { convertToPackage } from '../src/formats/convertToPackage';
import { describeValue } from '../src/formats/describeValue';
import { ElementBudget, MAX_CHANNELS, MAX_CLASSES, MAX_KERNEL, MAX_LATENT_DIMS, MAX_MODULE_INDEX, MAX_STRETCH, STRETCH_FLOOR } from '../src/formats/limits';
import { DEFAULT_LIMITS, type UnpickleHooks, unpickle } from '../src/formats/pickle';
import {
  CheckpointError,
  isTensorRecord,
  type PyKey,
  type PyValue,
  readTorchCheckpoint,
  type TensorData,
  type TensorRecord,
} from '../src/formats/torchCheckpoint';
import { fileByteSource } from '../tools/lib/nodeByteSource';
import { CORPUS, corpusBytes, EXPECTED } from './helpers/corpus';
import { FIXTURES } from './helpers/fixtures';

const FORMATS = { zip: 'mini_gc.zip.pt', legacy: 'mini_gc.legacy.pt' } as const;

interface LayoutEntry {
  key: string;
  shape: number[];
  dtype: string;
}
const layout = JSON.parse(readFileSync(join(FIXTURES, 'mini_layout.json'), 'utf8')) as { inn_state_dict: LayoutEntry[] };
const ITEM_BYTES: Record<string, number> = { float32: 4, int64: 8 };
const isWeight = (key: string) => !key.startsWith('tmp_var_');
const innWeightBytes = layout.inn_state_dict
  .filter((entry) => isWeight(entry.key))
  .reduce((sum, entry) => sum + entry.shape.reduce((a, b) => a * b, 1) * ITEM_BYTES[entry.dtype], 0);

// ---- helpers ----------------------------------------------------------------------------------

/** Wraps a source to count the bytes read through it. */
function countingSource(src: ByteSource): ByteSource & { bytesRead: number } {
  const counted = {
    name: src.name,
    size: src.size,
    bytesRead: 0,
    async read(offset: number, length: number) {
      const bytes = await src.read(offset, length);
      counted.bytesRead += bytes.length;
      return bytes;
    },
  };
  return counted;
}

function dict(value: PyValue | undefined): Map<PyKey, PyValue> {
  if (!(value instanceof Map)) throw new Error(`expected a dict, got ${String(value)}`);
  return value;
}

function tensor(value: PyValue | undefined): TensorRecord {
  if (!isTensorRecord(value)) throw new Error(`expected a tensor, got ${String(value)}`);
  return value;
}

function bytesOf(data: TensorData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

async function openFixture(file: string): Promise<{ root: Map<PyKey, PyValue>; source: ByteSource & { bytesRead: number } }> {
  const source = countingSource(await fileByteSource(join(FIXTURES, file)));
  return { root: dict(await readTorchCheckpoint(source)), source };
}

/** Expected values computed with torch 1.13 from mini_gc.zip.pt (float64 sums of the float32 values). */
const TORCH_VALUES: Record<string, { shape: number[]; sum: number; weighted: number; first: number[]; last: number }> = {
  'inn.module_list.1.s_hi.0.weight': {
    shape: [8, 2, 3, 3],
    sum: 0.9412833828246221,
    weighted: 2.3489822156261653,
    first: [0.059742286801338196, -0.12165915966033936, -0.0224309079349041, -0.1417120397090912],
    last: 0.004650231450796127,
  },
  // Stored transposed (stride [1, 3]): read() must reorder it.
  'inn.module_list.12.weight': {
    shape: [3, 3],
    sum: 6.0,
    weighted: 15.535898447036743,
    first: [2, 2, 2, 1.7320507764816284],
    last: 1,
  },
  // Permutation matrices stored as transposed views.
  'inn.module_list.1.w_inv': { shape: [12, 12, 1, 1], sum: 12, weighted: 51, first: [0, 0, 0, 0], last: 0 },
  'inn.module_list.8.w_inv': { shape: [768, 768, 1, 1], sum: 768, weighted: 3061, first: [0, 0, 0, 0], last: 0 },
  // A view at storage offset 3072.
  'inn.tmp_var_4': {
    shape: [2, 3840],
    sum: 2.677638308218775,
    weighted: 14.110686983957748,
    first: [0.06337939202785492, 0.015153598971664906, -0.06426504999399185, 0.01951410062611103],
    last: 0.05295286327600479,
  },
  // Rows of 3072 in a storage with row stride 6912.
  'inn.tmp_var_16': {
    shape: [2, 3072],
    sum: -1.080066596207871,
    weighted: 2.378612067216636,
    first: [0.050296735018491745, 0.17002955079078674, 0.07112540304660797, -0.12282566726207733],
    last: 0.026825837790966034,
  },
  mu: {
    shape: [1, 10, 3072],
    sum: 556.6950308940113,
    weighted: 2133.611382368984,
    first: [0.361983984708786, -0.3099796175956726, 0.2740747332572937, 0.09588741511106491],
    last: -0.36731165647506714,
  },
  mu_t: {
    shape: [10, 8],
    sum: -0.49031995539553463,
    weighted: -9.023696371354163,
    first: [0.42515555024147034, 0.07051027566194534, 0.18162593245506287, 1.2752480506896973],
    last: -0.4506787359714508,
  },
  mu_m: {
    shape: [8, 3840],
    sum: 2.82774349104551,
    weighted: 17.60541695004872,
    first: [0.06517638266086578, 0.023525375872850418, -0.08600643277168274, -0.11797421425580978],
    last: -0.030561039224267006,
  },
};

function lookup(root: Map<PyKey, PyValue>, path: string): TensorRecord {
  return path.startsWith('inn.') ? tensor(dict(root.get('inn')).get(path.slice(4))) : tensor(root.get(path));
}

// ---- the two fixtures -------------------------------------------------------------------------

describe.each(Object.entries(FORMATS))('%s fixture', (_format, file) => {
  it('has the top-level keys and the exact inn layout of mini_layout.json', async () => {
    const { root } = await openFixture(file);
    expect([...root.keys()]).toEqual(['inn', 'mu', 'mu_t', 'mu_m', 'opt']);
    const inn = dict(root.get('inn'));
    const found = [...inn].map(([key, value]) => ({ key, shape: tensor(value).shape, dtype: tensor(value).dtype }));
    expect(found).toEqual(layout.inn_state_dict);
    expect(tensor(root.get('mu')).shape).toEqual([1, 10, 3072]);
    expect(tensor(root.get('mu_t')).shape).toEqual([10, 8]);
    expect(tensor(root.get('mu_m')).shape).toEqual([8, 3840]);
  });

  it('gives the values torch gives, including strided and offset views', async () => {
    const { root } = await openFixture(file);
    for (const [path, expected] of Object.entries(TORCH_VALUES)) {
      const record = lookup(root, path);
      expect(record.shape, path).toEqual(expected.shape);
      const values = await record.readFloat32();
      expect(values.length).toBe(expected.shape.reduce((a, b) => a * b, 1));
      let sum = 0;
      let weighted = 0;
      values.forEach((v, i) => {
        sum += v;
        weighted += v * ((i % 7) + 1);
      });
      expect(Math.abs(sum - expected.sum), `${path} sum`).toBeLessThan(1e-6);
      expect(Math.abs(weighted - expected.weighted), `${path} weighted sum`).toBeLessThan(1e-6 * Math.max(1, Math.abs(expected.weighted)));
      expect(Array.from(values.subarray(0, 4)), path).toEqual(expected.first);
      expect(values[values.length - 1], path).toBe(expected.last);
    }
  });

  it('reads int64 num_batches_tracked as bigint', async () => {
    const { root } = await openFixture(file);
    const counter = tensor(dict(root.get('inn')).get('module_list.1.s_hi.1.num_batches_tracked'));
    expect(counter.dtype).toBe('int64');
    expect(counter.shape).toEqual([]);
    expect(Array.from((await counter.read()) as BigInt64Array)).toEqual([1001n]);
    expect(Array.from(await counter.readFloat32())).toEqual([1001]);
  });

  it('exposes the optimizer state without reading it', async () => {
    const { root, source } = await openFixture(file);
    const afterOpen = source.bytesRead;
    const opt = dict(root.get('opt'));
    const state = dict(opt.get('state'));
    expect(state.size).toBe(154);
    const momentum = tensor(dict(state.get(0)).get('momentum_buffer'));
    expect(momentum.shape).toEqual([1, 12, 1, 1]);
    const groups = opt.get('param_groups') as PyValue[];
    expect(dict(groups[0]).get('momentum')).toBe(0.9);
    expect(dict(groups[0]).get('nesterov')).toBe(false);
    expect(dict(groups[0]).get('foreach')).toBe(null);
    expect(source.bytesRead).toBe(afterOpen);
  });

  it('opens without reading tensor data and then reads only what is asked', async () => {
    const { root, source } = await openFixture(file);
    // Opening reads the pickles and the zip directory: tens of KB out of 21 MB.
    expect(source.bytesRead).toBeLessThan(200_000);
    const afterOpen = source.bytesRead;

    const weight = tensor(dict(root.get('inn')).get('module_list.9.w'));
    expect(weight.shape).toEqual([768, 768, 1, 1]);
    await weight.read();
    const zipLocalHeader = file.includes('zip') ? 30 : 0;
    expect(source.bytesRead - afterOpen).toBe(768 * 768 * 4 + zipLocalHeader);

    const beforeWeights = source.bytesRead;
    for (const [key, value] of dict(root.get('inn'))) {
      if (isWeight(key as string) && value !== weight) await tensor(value).read();
    }
    // All inn weights (plus a 30-byte zip local header per entry), but no tmp_var_* activations
    // and no optimizer state.
    const readForWeights = source.bytesRead - beforeWeights;
    const weightBytesLeft = innWeightBytes - 768 * 768 * 4;
    expect(readForWeights).toBeGreaterThanOrEqual(weightBytesLeft);
    expect(readForWeights).toBeLessThanOrEqual(weightBytesLeft + zipLocalHeader * 310);
    // The 3.1 MB of momentum buffers and 0.7 MB of activations stay unread.
    expect(source.bytesRead).toBeLessThan(source.size - 3_000_000);
  });

  it('reports progress as bytes read against the file size', async () => {
    const calls: Array<[number, number]> = [];
    const source = await fileByteSource(join(FIXTURES, file));
    const root = dict(await readTorchCheckpoint(source, (read, total) => calls.push([read, total])));
    expect(calls.length).toBeGreaterThan(0);
    await tensor(root.get('mu')).read();
    const [lastRead, total] = calls[calls.length - 1];
    expect(total).toBe(source.size);
    expect(lastRead).toBeGreaterThanOrEqual(1 * 10 * 3072 * 4);
    for (let i = 1; i < calls.length; i++) expect(calls[i][0]).toBeGreaterThan(calls[i - 1][0]);
  });
});

describe('zip and legacy fixtures', () => {
  it('hold bitwise identical tensors', async () => {
    const zip = (await openFixture(FORMATS.zip)).root;
    const legacy = (await openFixture(FORMATS.legacy)).root;
    const zipInn = dict(zip.get('inn'));
    const legacyInn = dict(legacy.get('inn'));
    let compared = 0;
    for (const [key, value] of zipInn) {
      const a = bytesOf(await tensor(value).read());
      const b = bytesOf(await tensor(legacyInn.get(key)).read());
      expect(Buffer.compare(a, b), String(key)).toBe(0);
      compared++;
    }
    for (const key of ['mu', 'mu_t', 'mu_m']) {
      expect(Buffer.compare(bytesOf(await tensor(zip.get(key)).read()), bytesOf(await tensor(legacy.get(key)).read()))).toBe(0);
    }
    expect(compared).toBe(layout.inn_state_dict.length);
  });

  it('read the same from memory (unaligned legacy offsets) as from disk', async () => {
    const bytes = readFileSync(join(FIXTURES, FORMATS.legacy));
    const root = dict(await readTorchCheckpoint(memoryByteSource(bytes, 'in-memory')));
    const fromMemory = lookup(root, 'inn.module_list.1.s_hi.0.weight');
    const fromDisk = lookup((await openFixture(FORMATS.legacy)).root, 'inn.module_list.1.s_hi.0.weight');
    expect(Array.from(await fromMemory.readFloat32())).toEqual(Array.from(await fromDisk.readFloat32()));
    // The returned array must be a copy, not a view into the caller's buffer.
    expect((await fromMemory.read()).buffer).not.toBe(bytes.buffer);
  });
});

// ---- tiny checkpoints covering every dtype and layout ----------------------------------------

describe.each(['tiny.zip.pt', 'tiny.legacy.pt', 'tiny.p1.legacy.pt', 'tiny.p4.zip.pt', 'tiny.zip64.pt'])('valid/%s', (file) => {
  const open = async () => dict(await readTorchCheckpoint(memoryByteSource(readFileSync(join(CORPUS, 'valid', file)), file)));

  it('reads every dtype with its bits intact', async () => {
    const t = dict((await open()).get('tensors'));
    const read = async (key: string) => Array.from((await tensor(t.get(key)).read()) as ArrayLike<number | bigint>);
    const floats = async (key: string) => Array.from(await tensor(t.get(key)).readFloat32());
    expect(await read('f32')).toEqual([1.5, -2, 3.25]);
    expect(await read('f64')).toEqual([1 / 3, -1e300]);
    expect(await read('f16')).toEqual([0x3e00, 0xc000, 0x7bff, 0x0001]);
    expect(await floats('f16')).toEqual([1.5, -2, 65504, 2 ** -24]);
    expect(await read('bf16')).toEqual([0x3fc0, 0xc010, 0x7180, 0x0d80]);
    expect(await floats('bf16')).toEqual([1.5, -2.25, 2 ** 100, 2 ** -100]);
    expect(await read('i64')).toEqual([-(2n ** 62n), 5n, 2n ** 53n + 1n]);
    expect(await floats('i64')).toEqual([-(2 ** 62), 5, 2 ** 53]);
    expect(await read('i32')).toEqual([-(2 ** 31), 2 ** 31 - 1]);
    expect(await read('i16')).toEqual([-32768, 7]);
    expect(await read('i8')).toEqual([-128, 127]);
    expect(await read('u8')).toEqual([0, 255]);
    expect(await read('bool')).toEqual([1, 0, 1]);
    expect(tensor(t.get('bool')).dtype).toBe('bool');
    expect(tensor(t.get('bf16')).dtype).toBe('bfloat16');
  });

  it('makes strided, offset, expanded, empty and scalar views contiguous', async () => {
    const t = dict((await open()).get('tensors'));
    const check = async (key: string, shape: number[], values: Array<number | bigint>) => {
      const record = tensor(t.get(key));
      expect(record.shape, key).toEqual(shape);
      expect(Array.from((await record.read()) as ArrayLike<number | bigint>), key).toEqual(values);
    };
    await check('transposed', [3, 2], [0, 3, 1, 4, 2, 5]);
    await check('window', [4], [3, 4, 5, 6]);
    await check('base', [10], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await check('expanded', [3, 2], [1, 2, 1, 2, 1, 2]);
    await check('empty', [0, 3], []);
    await check('scalar', [], [7]);
    await check('param', [1, 2], [0.5, -0.5]);
    await check('i64_strided', [3, 2], [0n, 2n, 4n, 6n, 8n, 10n]);
  });

  it('unpickles plain Python values', async () => {
    const extras = dict((await open()).get('extras'));
    expect(extras.get('none')).toBe(null);
    expect(extras.get('flag')).toBe(true);
    expect(extras.get('count')).toBe(3);
    expect(extras.get('big')).toBe(2n ** 70n);
    expect(extras.get('neg')).toBe(-5);
    expect(extras.get('rate')).toBe(0.1);
    expect(extras.get('name')).toBe('ünï');
    expect(extras.get('pair')).toEqual([1, 'a']);
    expect(Object.isFrozen(extras.get('pair'))).toBe(true);
    expect(extras.get('list')).toEqual([1, 2.5]);
    expect([...dict(extras.get('ids'))]).toEqual([
      [0, 'zero'],
      [1, 'one'],
    ]);
    if (file.includes('p4')) expect(extras.get('bytes')).toEqual(new Uint8Array([0, 1]));
  });
});

// ---- the pickle VM on plain Python pickles ---------------------------------------------------

/** pickle.dumps(value, protocol=p) from Python 3.11, for protocols 2-5 (see the test below). */
const PYTHON_PICKLES: Record<number, string> = {
  2: '80027d71002858010000006171015d7102284b018a0d000000000000000000000000108a090000000000000000c047c00c0000000000004e88894b014b02867103294b01857104284b014b024b034b047471055802000000c3a971065d71077d71086558010000006271094d2c01580100000063710a4a70110100580100000064710b4affffffff580100000070710c5d710d4b0761580100000071710e680d752e',
  3: '80037d71002858010000006171015d7102284b018a0d000000000000000000000000108a090000000000000000c047c00c0000000000004e88894b014b02867103294b01857104284b014b024b034b047471055802000000c3a971065d71077d71086558010000006271094d2c01580100000063710a4a70110100580100000064710b4affffffff580100000070710c5d710d4b0761580100000071710e680d58050000006279746573710f430200ff7110752e',
  4: '8004959f000000000000007d94288c0161945d94284b018a0d000000000000000000000000108a090000000000000000c047c00c0000000000004e88894b014b028694294b018594284b014b024b034b0474948c02c3a9945d947d94658c0162944d2c018c0163944a701101008c0164944affffffff8c0170945d944b07618c017194680d8c05627974657394430200ff948c03736574948f94284b03908c02667394284b049194752e',
  5: '8005959f000000000000007d94288c0161945d94284b018a0d000000000000000000000000108a090000000000000000c047c00c0000000000004e88894b014b028694294b018594284b014b024b034b0474948c02c3a9945d947d94658c0162944d2c018c0163944a701101008c0164944affffffff8c0170945d944b07618c017194680d8c05627974657394430200ff948c03736574948f94284b03908c02667394284b049194752e',
};

const noGlobals: UnpickleHooks = {
  findGlobal: (module, name) => {
    throw new CheckpointError('forbidden-global', `${module}.${name}`);
  },
  call: () => null,
  build: (obj) => obj,
  persistentLoad: () => null,
};

function runPickle(hex: string) {
  const bytes = Uint8Array.from(Buffer.from(hex, 'hex'));
  return unpickle(bytes, 0, noGlobals, { ...DEFAULT_LIMITS, maxLength: bytes.length }, 'test');
}

describe('pickle VM', () => {
  // shared = [7]; {'a': [1, 2**100, -(2**70), -3.5, None, True, False, (1, 2), (), (1,), (1, 2, 3, 4), 'é', [], {}],
  //  'b': 300, 'c': 70000, 'd': -1, 'p': shared, 'q': shared} (+ 'bytes': b'\x00\xff' from protocol 3,
  //  + 'set': {3}, 'fs': frozenset([4]) from protocol 4)
  it.each([2, 3, 4, 5])('reads what Python writes at protocol %i', (protocol) => {
    const hex = PYTHON_PICKLES[protocol];
    const { value, end } = runPickle(hex);
    expect(end).toBe(hex.length / 2);
    const root = dict(value);
    expect(root.get('a')).toEqual([1, 2n ** 100n, -(2n ** 70n), -3.5, null, true, false, [1, 2], [], [1], [1, 2, 3, 4], 'é', [], new Map()]);
    expect([root.get('b'), root.get('c'), root.get('d')]).toEqual([300, 70000, -1]);
    expect(root.get('p')).toEqual([7]);
    expect(root.get('q')).toBe(root.get('p')); // memo keeps shared objects shared
    if (protocol >= 3) expect(root.get('bytes')).toEqual(new Uint8Array([0, 0xff]));
    if (protocol >= 4) {
      expect(root.get('set')).toEqual(new Set([3]));
      expect(root.get('fs')).toEqual(new Set([4]));
    }
  });

  it('refuses to append to a tuple', () => {
    // PROTO 2, EMPTY_TUPLE, BININT1 1, APPEND, STOP
    expect(() => runPickle('8002294b01612e')).toThrow(/APPEND on something that is not a list/);
  });

  it('stops at STOP and reports where the next pickle starts', () => {
    // Two pickles back to back, as in a legacy checkpoint: 1001 then None.
    const { value, end } = runPickle('80024de9032e80024e2e');
    expect(value).toBe(1001);
    expect(end).toBe(6);
  });
});

// ---- the corpus of broken files ---------------------------------------------------------------

describe('broken corpus', () => {
  it('lists every corpus file in expected.json', () => {
    // JSON files are manifests (expected.json here; other suites keep theirs in this folder too).
    const files = readdirSync(CORPUS).filter((name) => !name.endsWith('.json') && name !== 'valid');
    const listed = Object.entries(EXPECTED)
      .filter(([, e]) => !e.from)
      .map(([name]) => name);
    expect(files.sort()).toEqual(listed.sort());
    expect(files.length).toBeGreaterThanOrEqual(20);
  });

  for (const [name, expectation] of Object.entries(EXPECTED)) {
    it(`${name} fails with ${expectation.code}`, async () => {
      const source = memoryByteSource(corpusBytes(name), name);
      const root = await readTorchCheckpoint(source).then(
        (value) => ({ value }),
        (e: unknown) => ({ error: e }),
      );
      let error = 'error' in root ? root.error : undefined;
      if (expectation.stage === 'convert') {
        expect(error).toBeUndefined();
        const options = { id: 'x', name: 'x', storage: 'float32' as const, source: { name } };
        error = await convertToPackage(source, async () => {}, options).then(
          () => undefined,
          (e: unknown) => e,
        );
      }
      const code = error instanceof CheckpointError ? error.code : error instanceof ArchitectureError ? 'wrong-architecture' : String(error);
      expect(code).toBe(expectation.code);
      expect((error as Error).message).toContain(expectation.message);
      expect((error as Error).message).not.toContain('\n');
      expect((error as Error).message.length).toBeLessThan(600);
    });
  }
});

// ---- the resource budget ----------------------------------------------------------------------

describe('resource limits', () => {
  // The released ImageNet model's shapes: every limit must leave it far inside.
  const imagenet = JSON.parse(readFileSync(join(FIXTURES, 'imagenet_layout.json'), 'utf8')) as {
    n_classes: number;
    input: number[];
    inn_state_dict: LayoutEntry[];
    mu_tensors: Record<string, number[]>;
  };
  const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

  it('leave the released ImageNet model far inside every limit', () => {
    expect(imagenet.n_classes).toBe(1000);
    expect(imagenet.n_classes * 10).toBeLessThanOrEqual(MAX_CLASSES);
    const [c, h, w] = imagenet.input;
    expect(c * h * w * 10).toBeLessThanOrEqual(MAX_LATENT_DIMS);
    let elements = 0;
    for (const { key, shape } of imagenet.inn_state_dict) {
      elements += count(shape);
      const module = Number(/^module_list\.(\d+)\./.exec(key)?.[1]);
      expect(module * 10, key).toBeLessThanOrEqual(MAX_MODULE_INDEX);
      const subnetIndex = /\.(\d+)\.\w+$/.exec(key);
      if (subnetIndex) expect(Number(subnetIndex[1]) * 2, key).toBeLessThan(64); // MAX_SUBNET_MODULES in subnet.ts
      for (const [i, d] of shape.entries()) expect(d * 4, key).toBeLessThanOrEqual(shape.length === 4 && i >= 2 ? MAX_KERNEL : MAX_CHANNELS);
    }
    for (const shape of Object.values(imagenet.mu_tensors)) elements += count(shape);
    expect(imagenet.mu_tensors.mu_t[1] * 4).toBeLessThanOrEqual(MAX_CHANNELS);
    expect(elements).toBeGreaterThan(140e6);
    // As float32 the file is ~4 bytes an element; a float16 copy would be half that. Either way the budget is 3x+ wider.
    expect(new ElementBudget(4 * elements).limit).toBeGreaterThan(7 * elements);
    expect(new ElementBudget(2 * elements).limit).toBeGreaterThan(3 * elements);
  });

  it('count declared elements until the file checks out, produced ones before allocating', () => {
    expect(MAX_STRETCH).toBeLessThan(STRETCH_FLOOR);
    const budget = new ElementBudget(1 << 20, 'f.pt');
    budget.declare(budget.limit + 1, 'x');
    expect(() => budget.checkDeclared()).toThrow(/^f.pt: its tensors declare \d+ elements .* for a file of this size/);
    expect(() => budget.produce(budget.limit, 'x')).not.toThrow();
    expect(() => budget.produce(1, 'x')).toThrow(/would produce/);
    expect(() => new ElementBudget(2 ** 40).produce(2 ** 30 + 1, 'x')).toThrow(/at most 1073741824 \(MAX_CHECKPOINT_ELEMENTS\)/);
  });
});

describe('describeValue', () => {
  it('stays short for DAGs, deep nesting and long strings', () => {
    let dag: PyValue = null;
    for (let i = 0; i < 40; i++) dag = Object.freeze([dag, dag]) as PyValue[];
    expect(describeValue(dag).length).toBeLessThan(200);
    let deep: PyValue = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(describeValue(deep)).toBe('[[[[…]]]]');
    expect(describeValue('x'.repeat(1e6))).toBe(`"${'x'.repeat(40)}…"`);
    expect(
      describeValue(
        new Map<PyKey, PyValue>([
          ['a', 1],
          ['b', [1, 2]],
        ]),
      ),
    ).toBe('{"a": 1, "b": [1, 2]}');
    expect(describeValue(Array.from({ length: 1000 }, (_, i) => i))).toBe('[0, 1, 2, 3, … (1000 items)]');
  });
});
