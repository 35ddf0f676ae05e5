/**
 * A pickle reader that never executes anything.
 *
 * It understands the opcodes of protocols 0–5 that describe data. Every name a pickle refers to
 * (GLOBAL, STACK_GLOBAL, INST) goes to `hooks.findGlobal`, which decides what is allowed, and every
 * call (REDUCE, NEWOBJ, OBJ) goes to `hooks.call`, so the host decides what a "call" builds.
 */
import { CheckpointError } from './checkpointError';

/** Host-made values (tensors, storages, allowed globals) carry a `kind` tag. */
export interface PyObjectRef {
  readonly kind: string;
}

/**
 * An unpickled value. Lists and tuples are both arrays (tuples are frozen); dict and OrderedDict
 * are both Maps (tuple keys compare by identity); bytes are Uint8Array; Python ints are numbers
 * when they fit in a double exactly, bigints otherwise.
 */
export type PyValue = null | boolean | number | bigint | string | Uint8Array | PyValue[] | Map<PyKey, PyValue> | Set<PyKey> | PyObjectRef;
export type PyKey = PyValue;

export interface UnpickleHooks {
  /** Resolve `module.name`; must throw for anything outside the allow-list. */
  findGlobal(module: string, name: string): PyValue;
  /** Apply a callable that findGlobal returned (REDUCE, NEWOBJ, INST, OBJ). */
  call(callable: PyValue, args: PyValue[]): PyValue;
  /** BUILD: give `state` to `obj`; returns the object that replaces it on the stack. */
  build(obj: PyValue, state: PyValue): PyValue;
  /** BINPERSID / PERSID: turn a persistent id into a value (torch: storages). */
  persistentLoad(pid: PyValue): PyValue;
}

export interface UnpickleLimits {
  /** No string, bytes or frame can be longer than this (the bytes the pickle could possibly have). */
  maxLength: number;
  maxMemo: number;
  maxStack: number;
  maxMarks: number;
}

/** Real checkpoints have pickles of kilobytes; a longer one is hostile, not a model. */
export const MAX_PICKLE_BYTES = 64 * 1024 * 1024;

export const DEFAULT_LIMITS: Omit<UnpickleLimits, 'maxLength'> = {
  maxMemo: 1 << 22,
  maxStack: 1 << 22,
  maxMarks: 1 << 12,
};

/**
 * Thrown when the pickle runs past the end of the bytes it was given. The caller either supplies
 * more bytes and starts again, or reports a truncated file.
 */
export class PickleNeedsMoreBytes extends Error {
  constructor(readonly neededEnd: number) {
    super(`pickle needs bytes up to ${neededEnd}`);
    this.name = 'PickleNeedsMoreBytes';
  }
}

const MARK = 0x28;
const OPCODE_NAMES: Record<number, string> = {
  0x28: 'MARK',
  0x2e: 'STOP',
  0x30: 'POP',
  0x31: 'POP_MARK',
  0x32: 'DUP',
  0x46: 'FLOAT',
  0x49: 'INT',
  0x4a: 'BININT',
  0x4b: 'BININT1',
  0x4c: 'LONG',
  0x4d: 'BININT2',
  0x4e: 'NONE',
  0x50: 'PERSID',
  0x51: 'BINPERSID',
  0x52: 'REDUCE',
  0x53: 'STRING',
  0x54: 'BINSTRING',
  0x55: 'SHORT_BINSTRING',
  0x56: 'UNICODE',
  0x58: 'BINUNICODE',
  0x61: 'APPEND',
  0x62: 'BUILD',
  0x63: 'GLOBAL',
  0x64: 'DICT',
  0x7d: 'EMPTY_DICT',
  0x65: 'APPENDS',
  0x67: 'GET',
  0x68: 'BINGET',
  0x69: 'INST',
  0x6a: 'LONG_BINGET',
  0x6c: 'LIST',
  0x5d: 'EMPTY_LIST',
  0x6f: 'OBJ',
  0x70: 'PUT',
  0x71: 'BINPUT',
  0x72: 'LONG_BINPUT',
  0x73: 'SETITEM',
  0x74: 'TUPLE',
  0x29: 'EMPTY_TUPLE',
  0x75: 'SETITEMS',
  0x47: 'BINFLOAT',
  0x80: 'PROTO',
  0x81: 'NEWOBJ',
  0x82: 'EXT1',
  0x83: 'EXT2',
  0x84: 'EXT4',
  0x85: 'TUPLE1',
  0x86: 'TUPLE2',
  0x87: 'TUPLE3',
  0x88: 'NEWTRUE',
  0x89: 'NEWFALSE',
  0x8a: 'LONG1',
  0x8b: 'LONG4',
  0x42: 'BINBYTES',
  0x43: 'SHORT_BINBYTES',
  0x8c: 'SHORT_BINUNICODE',
  0x8d: 'BINUNICODE8',
  0x8e: 'BINBYTES8',
  0x8f: 'EMPTY_SET',
  0x90: 'ADDITEMS',
  0x91: 'FROZENSET',
  0x92: 'NEWOBJ_EX',
  0x93: 'STACK_GLOBAL',
  0x94: 'MEMOIZE',
  0x95: 'FRAME',
  0x96: 'BYTEARRAY8',
  0x97: 'NEXT_BUFFER',
  0x98: 'READONLY_BUFFER',
};

const utf8 = new TextDecoder('utf-8');
const latin1 = new TextDecoder('latin1');

/** Python's -0x7fff...-style big ints as number when exact, bigint otherwise. */
function normalizeInt(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

/** Little-endian two's-complement integer of any length (LONG1 / LONG4). */
function decodeLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]);
  if (bytes[bytes.length - 1] & 0x80) value -= 1n << BigInt(8 * bytes.length);
  return normalizeInt(value);
}

/**
 * Runs the pickle starting at `start` in `bytes` up to its STOP opcode.
 * Returns the value and the offset just after STOP.
 */
export function unpickle(bytes: Uint8Array, start: number, hooks: UnpickleHooks, limits: UnpickleLimits, label = 'pickle'): { value: PyValue; end: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = start;
  let opPos = start;
  const stack: PyValue[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PyValue>();

  const fail = (message: string): never => {
    throw new CheckpointError('bad-pickle', `${label}: ${message} (at byte ${opPos})`);
  };
  const need = (n: number): void => {
    if (n > limits.maxLength) fail(`a length of ${n} bytes exceeds the ${limits.maxLength} bytes there are`);
    if (pos + n > bytes.length) throw new PickleNeedsMoreBytes(pos + n);
  };
  const take = (n: number): Uint8Array => {
    need(n);
    const out = bytes.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  const u8 = (): number => {
    need(1);
    return bytes[pos++];
  };
  const u16 = (): number => {
    need(2);
    pos += 2;
    return view.getUint16(pos - 2, true);
  };
  const i32 = (): number => {
    need(4);
    pos += 4;
    return view.getInt32(pos - 4, true);
  };
  const u32 = (): number => {
    need(4);
    pos += 4;
    return view.getUint32(pos - 4, true);
  };
  const u64 = (): number => {
    need(8);
    pos += 8;
    const value = view.getBigUint64(pos - 8, true);
    if (value > BigInt(limits.maxLength)) fail(`a length of ${value} bytes exceeds the ${limits.maxLength} bytes there are`);
    return Number(value);
  };
  /** A newline-terminated text argument (protocol 0 opcodes). */
  const line = (): string => {
    const limit = Math.min(bytes.length, pos + 4096);
    for (let i = pos; i < limit; i++) {
      if (bytes[i] === 0x0a) {
        const text = latin1.decode(bytes.subarray(pos, i));
        pos = i + 1;
        return text;
      }
    }
    if (limit === bytes.length) throw new PickleNeedsMoreBytes(bytes.length + 1);
    return fail('a text argument is longer than 4096 bytes');
  };

  const push = (value: PyValue): void => {
    if (stack.length >= limits.maxStack) fail(`the stack grew past ${limits.maxStack} items`);
    stack.push(value);
  };
  const pop = (): PyValue => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= marks[marks.length - 1])) fail('pop from an empty stack');
    return stack.pop() as PyValue;
  };
  const top = (): PyValue => {
    if (stack.length === 0) fail('the stack is empty');
    return stack[stack.length - 1];
  };
  /** Everything pushed since the last MARK, removing it and the mark. */
  const popToMark = (): PyValue[] => {
    const mark = marks.pop();
    if (mark === undefined) return fail('no MARK to pop to');
    return stack.splice(mark);
  };
  const memoPut = (index: number, value: PyValue): void => {
    if (!memo.has(index) && memo.size >= limits.maxMemo) fail(`the memo grew past ${limits.maxMemo} entries`);
    memo.set(index, value);
  };
  const memoGet = (index: number): PyValue => {
    const value = memo.get(index);
    if (value === undefined) return fail(`memo entry ${index} was never stored`);
    return value;
  };
  const tuple = (items: PyValue[]): PyValue[] => Object.freeze(items) as PyValue[];
  const asList = (target: PyValue, opcode: string): PyValue[] => {
    if (!Array.isArray(target) || Object.isFrozen(target)) return fail(`${opcode} on something that is not a list`);
    return target;
  };
  const asDict = (target: PyValue, opcode: string): Map<PyKey, PyValue> => {
    if (!(target instanceof Map)) return fail(`${opcode} on something that is not a dict`);
    return target;
  };
  const asArgs = (value: PyValue, opcode: string): PyValue[] => {
    if (!Array.isArray(value)) return fail(`${opcode} arguments are not a tuple`);
    return value;
  };
  const setItems = (dict: Map<PyKey, PyValue>, items: PyValue[]): void => {
    if (items.length % 2 !== 0) fail('SETITEMS with an odd number of items');
    for (let i = 0; i < items.length; i += 2) dict.set(items[i], items[i + 1]);
  };
  const text = (raw: Uint8Array): string => utf8.decode(raw);
  // A fresh array: `bytes` may be a Node Buffer, whose slice() is a view, not a copy.
  const copy = (raw: Uint8Array): Uint8Array => new Uint8Array(raw);

  try {
    for (;;) {
      opPos = pos;
      const op = u8();
      switch (op) {
        case 0x80: // PROTO
          if (u8() > 5) fail('pickle protocol newer than 5');
          break;
        case 0x95: // FRAME: only a read-ahead hint
          u64();
          break;
        case 0x2e: // STOP
          if (stack.length !== 1 || marks.length !== 0) fail(`STOP with ${stack.length} values on the stack`);
          return { value: stack[0], end: pos };

        case MARK:
          if (marks.length >= limits.maxMarks) fail(`more than ${limits.maxMarks} nested MARKs`);
          marks.push(stack.length);
          break;
        case 0x30: // POP
          pop();
          break;
        case 0x31: // POP_MARK
          popToMark();
          break;
        case 0x32: // DUP
          push(top());
          break;

        case 0x4e:
          push(null);
          break; // NONE
        case 0x88:
          push(true);
          break; // NEWTRUE
        case 0x89:
          push(false);
          break; // NEWFALSE
        case 0x4b:
          push(u8());
          break; // BININT1
        case 0x4d:
          push(u16());
          break; // BININT2
        case 0x4a:
          push(i32());
          break; // BININT
        case 0x8a:
          push(decodeLong(take(u8())));
          break; // LONG1
        case 0x8b: {
          // LONG4
          const n = i32();
          if (n < 0 || n > 1024) fail(`LONG4 of ${n} bytes`);
          push(decodeLong(take(n)));
          break;
        }
        case 0x47: // BINFLOAT (big-endian)
          need(8);
          push(view.getFloat64(pos, false));
          pos += 8;
          break;
        case 0x49: {
          // INT (text); "00"/"01" are False/True
          const digits = line();
          if (digits === '00' || digits === '01') push(digits === '01');
          else if (/^[+-]?\d{1,30}$/.test(digits)) push(normalizeInt(BigInt(digits)));
          else fail(`bad INT argument ${JSON.stringify(digits.slice(0, 40))}`);
          break;
        }
        case 0x4c: {
          // LONG (text)
          const digits = line().replace(/L$/, '');
          if (!/^[+-]?\d{1,400}$/.test(digits)) fail('bad LONG argument');
          push(normalizeInt(BigInt(digits)));
          break;
        }
        case 0x46: {
          // FLOAT (text)
          const value = Number(line());
          if (Number.isNaN(value)) fail('bad FLOAT argument');
          push(value);
          break;
        }

        case 0x58:
          push(text(take(u32())));
          break; // BINUNICODE
        case 0x8c:
          push(text(take(u8())));
          break; // SHORT_BINUNICODE
        case 0x8d:
          push(text(take(u64())));
          break; // BINUNICODE8
        // Python 2 str; torch.load decodes these as UTF-8.
        case 0x54: {
          // BINSTRING
          const n = i32();
          if (n < 0) fail('negative BINSTRING length');
          push(text(take(n)));
          break;
        }
        case 0x55:
          push(text(take(u8())));
          break; // SHORT_BINSTRING
        case 0x42:
          push(copy(take(u32())));
          break; // BINBYTES
        case 0x43:
          push(copy(take(u8())));
          break; // SHORT_BINBYTES
        case 0x8e:
          push(copy(take(u64())));
          break; // BINBYTES8
        case 0x96:
          push(copy(take(u64())));
          break; // BYTEARRAY8

        case 0x29:
          push(tuple([]));
          break; // EMPTY_TUPLE
        case 0x85:
          push(tuple([pop()]));
          break; // TUPLE1
        case 0x86: {
          // TUPLE2
          const b = pop();
          push(tuple([pop(), b]));
          break;
        }
        case 0x87: {
          // TUPLE3
          const c = pop();
          const b = pop();
          push(tuple([pop(), b, c]));
          break;
        }
        case 0x74:
          push(tuple(popToMark()));
          break; // TUPLE
        case 0x5d:
          push([]);
          break; // EMPTY_LIST
        case 0x6c:
          push(popToMark());
          break; // LIST
        case 0x7d:
          push(new Map());
          break; // EMPTY_DICT
        case 0x64: {
          // DICT
          const dict = new Map<PyKey, PyValue>();
          setItems(dict, popToMark());
          push(dict);
          break;
        }
        case 0x8f:
          push(new Set());
          break; // EMPTY_SET
        case 0x91:
          push(new Set(popToMark()));
          break; // FROZENSET
        case 0x90: {
          // ADDITEMS
          const items = popToMark();
          const set = top();
          if (!(set instanceof Set)) fail('ADDITEMS on something that is not a set');
          for (const item of items) (set as Set<PyKey>).add(item);
          break;
        }
        case 0x61: {
          // APPEND
          const item = pop();
          asList(top(), 'APPEND').push(item);
          break;
        }
        case 0x65: {
          // APPENDS
          const items = popToMark();
          const list = asList(top(), 'APPENDS');
          for (const item of items) list.push(item);
          break;
        }
        case 0x73: {
          // SETITEM
          const value = pop();
          const key = pop();
          asDict(top(), 'SETITEM').set(key, value);
          break;
        }
        case 0x75: {
          // SETITEMS
          const items = popToMark();
          setItems(asDict(top(), 'SETITEMS'), items);
          break;
        }

        case 0x71:
          memoPut(u8(), top());
          break; // BINPUT
        case 0x72:
          memoPut(u32(), top());
          break; // LONG_BINPUT
        case 0x94:
          memoPut(memo.size, top());
          break; // MEMOIZE
        case 0x70: {
          // PUT (text)
          const index = Number(line());
          if (!Number.isSafeInteger(index) || index < 0) fail('bad PUT index');
          memoPut(index, top());
          break;
        }
        case 0x68:
          push(memoGet(u8()));
          break; // BINGET
        case 0x6a:
          push(memoGet(u32()));
          break; // LONG_BINGET
        case 0x67:
          push(memoGet(Number(line())));
          break; // GET (text)

        case 0x63: {
          // GLOBAL "module\nname\n"
          const module = line();
          push(hooks.findGlobal(module, line()));
          break;
        }
        case 0x93: {
          // STACK_GLOBAL
          const name = pop();
          const module = pop();
          if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
          push(hooks.findGlobal(module as string, name as string));
          break;
        }
        case 0x69: {
          // INST "module\nname\n", arguments since MARK
          const module = line();
          const callable = hooks.findGlobal(module, line());
          push(hooks.call(callable, popToMark()));
          break;
        }
        case 0x6f: {
          // OBJ: MARK callable args...
          const items = popToMark();
          if (items.length === 0) fail('OBJ without a class');
          push(hooks.call(items[0], items.slice(1)));
          break;
        }
        case 0x52: {
          // REDUCE
          const args = asArgs(pop(), 'REDUCE');
          push(hooks.call(pop(), args));
          break;
        }
        case 0x81: {
          // NEWOBJ
          const args = asArgs(pop(), 'NEWOBJ');
          push(hooks.call(pop(), args));
          break;
        }
        case 0x92: {
          // NEWOBJ_EX
          const kwargs = pop();
          const args = asArgs(pop(), 'NEWOBJ_EX');
          if (!(kwargs instanceof Map) || kwargs.size > 0) fail('NEWOBJ_EX with keyword arguments');
          push(hooks.call(pop(), args));
          break;
        }
        case 0x62: {
          // BUILD
          const state = pop();
          const obj = pop();
          push(hooks.build(obj, state));
          break;
        }
        case 0x51:
          push(hooks.persistentLoad(pop()));
          break; // BINPERSID
        case 0x50:
          push(hooks.persistentLoad(line()));
          break; // PERSID

        case 0x82: // EXT1
        case 0x83: // EXT2
        case 0x84: {
          // EXT4: a global named by a number in copyreg's registry
          const code = op === 0x82 ? u8() : op === 0x83 ? u16() : i32();
          throw new CheckpointError(
            'forbidden-global',
            `${label}: refers to a global by extension code ${code}; only tensors, parameters and ordered dicts are allowed`,
          );
        }
        default: {
          const name = OPCODE_NAMES[op];
          fail(name ? `opcode ${name} is not supported` : `unknown opcode 0x${op.toString(16).padStart(2, '0')}`);
        }
      }
    }
  } catch (error) {
    // Errors raised by the hooks (forbidden globals, bad tensors) learn where they happened.
    if (error instanceof CheckpointError && !error.message.startsWith(label)) {
      throw new CheckpointError(error.code, `${label}: ${error.message} (at byte ${opPos})`);
    }
    throw error;
  }
}
