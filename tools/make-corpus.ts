/**
 * Regenerates tests/corpus: small valid checkpoints (written by Debian's PyTorch, for dtype and
 * layout coverage) and hand-made broken ones. Run: npx tsx tools/make-corpus.ts
 * Truncated copies of the large fixtures are recipes in tests/corpus/expected.json, made at test time.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { memoryByteSource } from '../src/formats/byteSource';
import { openZip } from '../src/formats/zip';

const CORPUS = join(import.meta.dirname, '..', 'tests', 'corpus');
const VALID = join(CORPUS, 'valid');
const PYTHON = '/usr/bin/python3';

// ---- valid checkpoints from PyTorch -------------------------------------------------------

const TINY_CHECKPOINTS_PY = String.raw`
import collections, sys, torch
out = sys.argv[1]
base = torch.arange(10, dtype=torch.float32)
t = collections.OrderedDict()
t['f32'] = torch.tensor([1.5, -2.0, 3.25], dtype=torch.float32)
t['f64'] = torch.tensor([1 / 3, -1e300], dtype=torch.float64)
t['f16'] = torch.tensor([1.5, -2.0, 65504.0, 2.0 ** -24], dtype=torch.float16)
t['bf16'] = torch.tensor([1.5, -2.25, 2.0 ** 100, 2.0 ** -100], dtype=torch.bfloat16)
t['i64'] = torch.tensor([-(2 ** 62), 5, 2 ** 53 + 1], dtype=torch.int64)
t['i32'] = torch.tensor([-(2 ** 31), 2 ** 31 - 1], dtype=torch.int32)
t['i16'] = torch.tensor([-32768, 7], dtype=torch.int16)
t['i8'] = torch.tensor([-128, 127], dtype=torch.int8)
t['u8'] = torch.tensor([0, 255], dtype=torch.uint8)
t['bool'] = torch.tensor([True, False, True])
t['transposed'] = torch.arange(6, dtype=torch.float32).reshape(2, 3).t()
t['window'] = base[3:7]
t['base'] = base
t['expanded'] = torch.tensor([1.0, 2.0]).expand(3, 2)
t['empty'] = torch.zeros(0, 3)
t['scalar'] = torch.tensor(7.0)
t['param'] = torch.nn.Parameter(torch.tensor([[0.5, -0.5]]))
t['i64_strided'] = torch.arange(12, dtype=torch.int64).reshape(3, 4)[:, ::2]
extras = {'none': None, 'flag': True, 'count': 3, 'big': 2 ** 70, 'neg': -5, 'rate': 0.1,
          'name': '\u00fcn\u00ef', 'pair': (1, 'a'), 'list': [1, 2.5], 'ids': {0: 'zero', 1: 'one'}}
obj = {'tensors': t, 'extras': extras}
torch.save(obj, out + '/tiny.zip.pt')
torch.save(obj, out + '/tiny.legacy.pt', _use_new_zipfile_serialization=False)
# Protocol 1 starts with the magic number as text ("L1195…L\n"), not 0x80; torch.load reads it.
torch.save(obj, out + '/tiny.p1.legacy.pt', _use_new_zipfile_serialization=False, pickle_protocol=1)
extras['bytes'] = b'\x00\x01'  # bytes need protocol 3+: at protocol 2 Python pickles them via _codecs.encode
torch.save(obj, out + '/tiny.p4.zip.pt', pickle_protocol=4)
`;

// ---- a minimal zip writer (stored or deflated entries, optional zip64 records) ---------------

interface ZipInput {
  name: string;
  data: Uint8Array;
  deflate?: boolean;
}

function u16(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff];
}
function u32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}
function u64(n: number): number[] {
  return [...u32(n >>> 0), ...u32(Math.floor(n / 2 ** 32))];
}

/** `zip64: true` writes every size and offset through zip64 extra fields, as >4 GiB archives must. */
function writeZip(inputs: ZipInput[], zip64 = false): Uint8Array {
  const parts: number[] = [];
  const central: number[] = [];
  const FULL = 0xffffffff;
  for (const input of inputs) {
    const name = new TextEncoder().encode(input.name);
    const stored = input.deflate ? deflateRawSync(input.data) : input.data;
    const method = input.deflate ? 8 : 0;
    const crc = crc32(input.data);
    const offset = parts.length;
    const localExtra = zip64 ? [...u16(1), ...u16(16), ...u64(input.data.length), ...u64(stored.length)] : [];
    parts.push(...u32(0x04034b50), ...u16(45), ...u16(0), ...u16(method), ...u16(0), ...u16(0x21), ...u32(crc));
    parts.push(...u32(zip64 ? FULL : stored.length), ...u32(zip64 ? FULL : input.data.length));
    parts.push(...u16(name.length), ...u16(localExtra.length), ...name, ...localExtra);
    for (const byte of stored) parts.push(byte);
    const centralExtra = zip64 ? [...u16(1), ...u16(24), ...u64(input.data.length), ...u64(stored.length), ...u64(offset)] : [];
    central.push(...u32(0x02014b50), ...u16(45), ...u16(45), ...u16(0), ...u16(method), ...u16(0), ...u16(0x21));
    central.push(...u32(crc), ...u32(zip64 ? FULL : stored.length), ...u32(zip64 ? FULL : input.data.length));
    central.push(...u16(name.length), ...u16(centralExtra.length), ...u16(0), ...u16(0), ...u16(0), ...u32(0));
    central.push(...u32(zip64 ? FULL : offset), ...name, ...centralExtra);
  }
  const centralOffset = parts.length;
  parts.push(...central);
  if (zip64) {
    const zip64EndOffset = parts.length;
    parts.push(...u32(0x06064b50), ...u64(44), ...u16(45), ...u16(45), ...u32(0), ...u32(0));
    parts.push(...u64(inputs.length), ...u64(inputs.length), ...u64(central.length), ...u64(centralOffset));
    parts.push(...u32(0x07064b50), ...u32(0), ...u64(zip64EndOffset), ...u32(1));
  }
  const count = zip64 ? 0xffff : inputs.length;
  parts.push(...u32(0x06054b50), ...u16(0), ...u16(0), ...u16(count), ...u16(count));
  parts.push(...u32(zip64 ? FULL : central.length), ...u32(zip64 ? FULL : centralOffset), ...u16(0));
  return Uint8Array.from(parts);
}

// ---- a minimal pickle writer ---------------------------------------------------------------

type Op = number | number[] | Uint8Array;
function pickle(...ops: Op[]): Uint8Array {
  const out: number[] = [];
  for (const op of ops) {
    if (typeof op === 'number') out.push(op);
    else for (const byte of op) out.push(byte); // no spread: some ops are hundreds of thousands long
  }
  return Uint8Array.from(out);
}
const PROTO2 = [0x80, 2];
const PROTO4 = [0x80, 4];
const STOP = 0x2e;
const MARK = 0x28;
const TUPLE = 0x74;
const TUPLE1 = 0x85;
const EMPTY_TUPLE = 0x29;
const EMPTY_DICT = 0x7d;
const EMPTY_LIST = 0x5d;
const SETITEM = 0x73;
const SETITEMS = 0x75;
const APPENDS = 0x65;
const REDUCE = 0x52;
const BINPERSID = 0x51;
const NEWFALSE = 0x89;
const NEWTRUE = 0x88;
const STACK_GLOBAL = 0x93;
const str = (s: string): number[] => {
  const bytes = new TextEncoder().encode(s);
  return [0x58, ...u32(bytes.length), ...bytes];
};
const int = (n: number): number[] => [0x4a, ...u32(n)];
const global = (module: string, name: string): number[] => [0x63, ...new TextEncoder().encode(`${module}\n${name}\n`)];
const intTuple = (values: number[]): number[] => [MARK, ...values.flatMap(int), TUPLE];
/** The start of a storage's persistent id: ('storage', FloatStorage, key, 'cpu', … */
const storageHead = (key: string): number[] => [MARK, ...str('storage'), ...global('torch', 'FloatStorage'), ...str(key), ...str('cpu')];

/** OrderedDict([('w', tensor(shape, stride) over storage '0' of `numel` floats)]) */
function tensorDictPickle(opts: { numel: number; shape: number[]; stride: number[]; legacy?: boolean }): Uint8Array {
  const pid = [...storageHead('0'), ...int(opts.numel)];
  if (opts.legacy) pid.push(0x4e); // view_metadata = None
  pid.push(TUPLE);
  return pickle(
    PROTO2,
    global('collections', 'OrderedDict'),
    EMPTY_TUPLE,
    REDUCE,
    str('w'),
    global('torch._utils', '_rebuild_tensor_v2'),
    MARK,
    pid,
    BINPERSID,
    int(0),
    intTuple(opts.shape),
    intTuple(opts.stride),
    NEWFALSE,
    global('collections', 'OrderedDict'),
    EMPTY_TUPLE,
    REDUCE,
    TUPLE,
    REDUCE,
    SETITEM,
    STOP,
  );
}

/** _rebuild_tensor_v2 of a float32 view of storage `key` (holding `numel` elements), for building whole checkpoints. */
function tensorOps(shape: number[], stride: number[], key = '0', numel = 0): number[] {
  const pid = [...storageHead(key), ...int(numel), TUPLE];
  return [
    ...global('torch._utils', '_rebuild_tensor_v2'),
    MARK,
    ...pid,
    BINPERSID,
    ...int(0),
    ...intTuple(shape),
    ...intTuple(stride),
    NEWFALSE,
    ...global('collections', 'OrderedDict'),
    EMPTY_TUPLE,
    REDUCE,
    TUPLE,
    REDUCE,
  ];
}
const contiguous = (shape: number[]): number[] => shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
const dictOps = (items: Array<[number[], number[]]>): number[] => [EMPTY_DICT, MARK, ...items.flat(2), SETITEMS];

/**
 * A checkpoint dict {'inn': {key: tensor}, 'mu', 'mu_t', 'mu_m'} whose tensors are all views of one empty
 * storage: zero-element shapes cost no data, yet declare any class or channel count.
 */
function emptyGcCheckpoint(inn: Record<string, number[]>, mu: number[], muT: number[], muM: number[]): Uint8Array {
  const tensor = (shape: number[]) => tensorOps(shape, contiguous(shape));
  return zipCheckpoint(
    pickle(
      PROTO2,
      dictOps([
        [str('inn'), dictOps(Object.entries(inn).map(([key, shape]) => [str(key), tensor(shape)]))],
        [str('mu'), tensor(mu)],
        [str('mu_t'), tensor(muT)],
        [str('mu_m'), tensor(muM)],
      ]),
      STOP,
    ),
    { '0': new Uint8Array(0) },
  );
}

const float32Bytes = (values: number[]): Uint8Array => new Uint8Array(Float32Array.from(values).buffer);

function zipCheckpoint(dataPkl: Uint8Array, storages: Record<string, Uint8Array> = {}, deflate: string[] = []): Uint8Array {
  const entries: ZipInput[] = [{ name: 'archive/data.pkl', data: dataPkl }];
  for (const [key, data] of Object.entries(storages)) entries.push({ name: `archive/data/${key}`, data });
  entries.push({ name: 'archive/version', data: new TextEncoder().encode('3\n') });
  for (const entry of entries) entry.deflate = deflate.includes(entry.name);
  return writeZip(entries);
}

const LEGACY_MAGIC = pickle(PROTO2, 0x8a, 10, ...[0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19], STOP);
const LEGACY_PROTOCOL = pickle(PROTO2, 0x4d, ...u16(1001), STOP);
const LEGACY_SYS_INFO = pickle(
  PROTO2,
  EMPTY_DICT,
  MARK,
  str('protocol_version'),
  0x4d,
  u16(1001),
  str('little_endian'),
  NEWTRUE,
  str('type_sizes'),
  EMPTY_DICT,
  MARK,
  str('short'),
  int(2),
  str('int'),
  int(4),
  str('long'),
  int(4),
  SETITEMS,
  SETITEMS,
  STOP,
);

/** Magic, protocol, sys_info, main pickle, key list, then each storage as int64 count + data. */
function legacyCheckpoint(main: Uint8Array, storages: Array<{ key: string; count: number; data: Uint8Array }> = []): Uint8Array {
  const keys = pickle(PROTO2, EMPTY_LIST, MARK, ...storages.map((s) => str(s.key)), APPENDS, STOP);
  const data = storages.flatMap((s) => [...u64(s.count), ...s.data]);
  return pickle(LEGACY_MAGIC, LEGACY_PROTOCOL, LEGACY_SYS_INFO, main, keys, data);
}

// ---- the corpus ---------------------------------------------------------------------------

const posixSystem = pickle(PROTO2, global('posix', 'system'), str('echo owned'), TUPLE1, REDUCE, STOP);
const fourFloats = float32Bytes([1, 2, 3, 4]);
// 1x1 gray PNG
const PNG = Uint8Array.from(
  Buffer.from(
    '89504e470d0a1a0a0000000d4948445200000001000000010800000000' + '3a7e9b550000000a49444154789c636800000082008177cd72b60000000049454e44ae426082',
    'hex',
  ),
);

async function main(): Promise<void> {
  mkdirSync(VALID, { recursive: true });
  execFileSync(PYTHON, ['-W', 'ignore', '-c', TINY_CHECKPOINTS_PY, VALID], { stdio: 'inherit' });

  // The same archive with every size and offset in zip64 extra fields and no alignment padding.
  const tiny = readFileSync(join(VALID, 'tiny.zip.pt'));
  const archive = await openZip(memoryByteSource(tiny));
  const entries: ZipInput[] = [];
  for (const entry of archive.entries.values()) entries.push({ name: entry.name, data: (await archive.readEntry(entry)).slice() });
  writeFileSync(join(VALID, 'tiny.zip64.pt'), writeZip(entries, true));

  const broken: Record<string, Uint8Array> = {
    'forbidden-global.zip.pt': zipCheckpoint(posixSystem),
    'forbidden-global.legacy.pt': legacyCheckpoint(posixSystem),
    'forbidden-stack-global.zip.pt': zipCheckpoint(
      pickle(
        PROTO4,
        0x8c,
        8,
        ...new TextEncoder().encode('builtins'),
        0x8c,
        4,
        ...new TextEncoder().encode('eval'),
        STACK_GLOBAL,
        str('1+1'),
        TUPLE1,
        REDUCE,
        STOP,
      ),
    ),
    // torch.storage._load_from_bytes would run torch.load on nested bytes: refused even though it is torch's own.
    'forbidden-torch-global.zip.pt': zipCheckpoint(pickle(PROTO2, global('torch.storage', '_load_from_bytes'), [0x43, 1, 0], TUPLE1, REDUCE, STOP)),
    'extension-code.zip.pt': zipCheckpoint(pickle(PROTO2, [0x82, 1], EMPTY_TUPLE, REDUCE, STOP)),
    'compressed-pickle.zip.pt': zipCheckpoint(tensorDictPickle({ numel: 4, shape: [4], stride: [1] }), { '0': fourFloats }, ['archive/data.pkl']),
    'compressed-storage.zip.pt': zipCheckpoint(tensorDictPickle({ numel: 4, shape: [4], stride: [1] }), { '0': fourFloats }, ['archive/data/0']),
    'not-a-checkpoint.png': PNG,
    'not-a-checkpoint.txt': new TextEncoder().encode('this is a text file, not a model\n'),
    'empty.pt': new Uint8Array(0),
    'plain.zip': writeZip([{ name: 'readme.txt', data: new TextEncoder().encode('hello') }]),
    'plain-pickle.pkl': pickle(PROTO2, EMPTY_DICT, str('a'), int(1), SETITEM, STOP),
    'shape-exceeds-storage.zip.pt': zipCheckpoint(tensorDictPickle({ numel: 4, shape: [1000, 1000], stride: [1000, 1] }), { '0': fourFloats }),
    'shape-exceeds-storage.legacy.pt': legacyCheckpoint(tensorDictPickle({ numel: 4, shape: [1000, 1000], stride: [1000, 1], legacy: true }), [
      { key: '0', count: 4, data: fourFloats },
    ]),
    'stride-exceeds-storage.zip.pt': zipCheckpoint(tensorDictPickle({ numel: 4, shape: [2, 2], stride: [4, 1] }), { '0': fourFloats }),
    'absurd-shape.zip.pt': zipCheckpoint(tensorDictPickle({ numel: 4, shape: [2 ** 30, 2 ** 30, 2 ** 30], stride: [1, 1, 1] }), { '0': fourFloats }),
    'missing-storage.zip.pt': zipCheckpoint(tensorDictPickle({ numel: 4, shape: [4], stride: [1] })),
    'storage-too-small.zip.pt': zipCheckpoint(tensorDictPickle({ numel: 100, shape: [4], stride: [1] }), { '0': fourFloats }),
    'count-mismatch.legacy.pt': legacyCheckpoint(tensorDictPickle({ numel: 4, shape: [4], stride: [1], legacy: true }), [
      { key: '0', count: 3, data: fourFloats },
    ]),
    'huge-string.zip.pt': zipCheckpoint(pickle(PROTO2, 0x58, u32(0x7ffffff0), STOP)),
    'missing-memo.zip.pt': zipCheckpoint(pickle(PROTO2, 0x68, 7, STOP)),
    'unknown-opcode.zip.pt': zipCheckpoint(pickle(PROTO2, 0xff, STOP)),
    'no-stop.zip.pt': zipCheckpoint(pickle(PROTO2, EMPTY_DICT)),
    'deep-marks.zip.pt': zipCheckpoint(pickle(PROTO2, new Array<number>(5000).fill(MARK), STOP)),
    // ---- hostile files (issue 12): each must fail fast, in bounded memory, with a bounded message
    // 1 stored float repeated by stride 0 into 134M elements (512 MiB of weights).
    'stride-zero-bomb.zip.pt': zipCheckpoint(
      pickle(PROTO2, dictOps([[str('inn'), dictOps([[str('module_list.1.s_hi.0.weight'), tensorOps([2, 1, 8192, 8192], [0, 0, 0, 0], '0', 1)]])]]), STOP),
      { '0': float32Bytes([1]) },
    ),
    // 400 full views of one 64 KiB storage: no single tensor stretches, the total does.
    'shared-storage-bomb.zip.pt': zipCheckpoint(
      pickle(PROTO2, dictOps(Array.from({ length: 400 }, (_, i) => [str(`t${i}`), tensorOps([16384], [1], '0', 16384)])), STOP),
      { '0': new Uint8Array(65536) },
    ),
    'huge-module-index.zip.pt': emptyGcCheckpoint({ 'module_list.99999999999.w': [0] }, [1, 0, 16], [0, 0], [0, 0]),
    // A coupling node (s., w, act_norm with 4 channels, 2x2 input) whose subnet names module 99999999999.
    'huge-subnet-index.zip.pt': emptyGcCheckpoint(
      { 'module_list.0.w': [0, 4, 1, 1], 'module_list.0.act_norm': [0, 4, 1, 1], 'module_list.0.s.99999999999.weight': [0, 2, 3, 3] },
      [1, 0, 16],
      [0, 0],
      [0, 0],
    ),
    'huge-class-count.zip.pt': emptyGcCheckpoint({}, [1, 1e8, 0], [1e8, 0], [0, 0]),
    'huge-channel-count.zip.pt': emptyGcCheckpoint({ 'module_list.0.w': [1e9, 0, 1, 1] }, [1, 0, 16], [0, 0], [0, 0]),
    // 40 levels of (x, x): 2^40 leaves behind 80 bytes of DUP, TUPLE2, in a tensor's size.
    'tuple-dag.zip.pt': zipCheckpoint(
      pickle(
        PROTO2,
        global('torch._utils', '_rebuild_tensor_v2'),
        MARK,
        storageHead('0'),
        int(1),
        TUPLE,
        BINPERSID,
        int(0),
        0x4e,
        ...new Array<number[]>(40).fill([0x32, 0x86]).flat(),
        TUPLE1,
        intTuple([1]),
        TUPLE,
        REDUCE,
        STOP,
      ),
      { '0': float32Bytes([1]) },
    ),
    // A storage element count that is a list nested 100,000 deep.
    'deep-list.zip.pt': zipCheckpoint(
      pickle(
        PROTO2,
        global('torch._utils', '_rebuild_tensor_v2'),
        MARK,
        storageHead('0'),
        new Array<number>(100_000).fill(EMPTY_LIST),
        new Array<number>(99_999).fill(0x61),
        TUPLE,
        BINPERSID,
        int(0),
        intTuple([1]),
        intTuple([1]),
        TUPLE,
        REDUCE,
        STOP,
      ),
      { '0': float32Bytes([1]) },
    ),
    // 300,000 top-level keys (empty tuples: distinct keys at 2 bytes an item) and no 'inn'.
    'many-keys.zip.pt': zipCheckpoint(pickle(PROTO2, EMPTY_DICT, MARK, new Array<number[]>(300_000).fill([EMPTY_TUPLE, 0x4e]).flat(), SETITEMS, STOP)),
    // torch.load reads the first data.pkl (an empty dict), a last-wins reader the second (a forbidden call).
    'duplicate-entry.zip.pt': writeZip([
      { name: 'archive/data.pkl', data: pickle(PROTO2, EMPTY_DICT, STOP) },
      { name: 'archive/data.pkl', data: posixSystem },
      { name: 'archive/version', data: new TextEncoder().encode('3\n') },
    ]),
    'bad-central-directory.zip.pt': (() => {
      const zip = zipCheckpoint(pickle(PROTO2, EMPTY_DICT, STOP));
      // Point the end record's directory offset past the directory.
      new DataView(zip.buffer).setUint32(zip.length - 6, zip.length, true);
      return zip;
    })(),
  };
  for (const [name, bytes] of Object.entries(broken)) writeFileSync(join(CORPUS, name), bytes);
  console.log(`wrote ${Object.keys(broken).length} broken files and 4 valid ones to ${CORPUS}`);
}

await main();
