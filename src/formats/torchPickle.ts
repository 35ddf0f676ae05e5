/**
 * The unpickling policy shared by both checkpoint formats: the allow-list of globals and what
 * calling each of them builds. Nothing outside this list can be named by a checkpoint.
 */
import type { ByteSource } from './byteSource';
import { CheckpointError } from './checkpointError';
import { describeValue } from './describeValue';
import type { ElementBudget } from './limits';
import type { PyObjectRef, PyValue, UnpickleHooks } from './pickle';
import { isStorageType, isTensorRecord, rebuildTensor, STORAGE_DTYPES, type StorageType } from './torchTensor';

interface AllowedGlobal extends PyObjectRef {
  readonly kind: 'global';
  readonly qualifiedName: string;
}

const CALLABLE_GLOBALS = new Set([
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
  'torch._utils._rebuild_parameter_with_state',
]);

/** Allowed names map to inert tokens; everything else is refused by name. */
export function findTorchGlobal(module: string, name: string): PyValue {
  const qualifiedName = `${module}.${name}`;
  if (module === 'torch' && Object.hasOwn(STORAGE_DTYPES, name)) {
    const storageType: StorageType = { kind: 'storage-type', dtype: STORAGE_DTYPES[name] };
    return storageType;
  }
  if (CALLABLE_GLOBALS.has(qualifiedName)) {
    const allowed: AllowedGlobal = { kind: 'global', qualifiedName };
    return allowed;
  }
  const shown = qualifiedName.length > 200 ? `${qualifiedName.slice(0, 200)}…` : qualifiedName;
  throw new CheckpointError('forbidden-global', `checkpoint refers to the forbidden global ${shown}; only tensors, parameters and ordered dicts are allowed`);
}

function qualifiedNameOf(callable: PyValue): string | undefined {
  if (typeof callable !== 'object' || callable === null || Array.isArray(callable)) return undefined;
  const ref = callable as PyObjectRef;
  return ref.kind === 'global' ? (ref as AllowedGlobal).qualifiedName : undefined;
}

function orderedDict(args: PyValue[]): Map<PyValue, PyValue> {
  const dict = new Map<PyValue, PyValue>();
  if (args.length === 0) return dict;
  const items = args[0];
  if (args.length > 1 || !Array.isArray(items)) throw new CheckpointError('bad-pickle', 'OrderedDict called with unexpected arguments');
  for (const pair of items) {
    if (!Array.isArray(pair) || pair.length !== 2) throw new CheckpointError('bad-pickle', 'OrderedDict item is not a pair');
    dict.set(pair[0], pair[1]);
  }
  return dict;
}

export function torchUnpickleHooks(source: ByteSource, budget: ElementBudget, persistentLoad: (pid: PyValue) => PyValue): UnpickleHooks {
  return {
    findGlobal: findTorchGlobal,
    persistentLoad,
    call(callable, args) {
      switch (qualifiedNameOf(callable)) {
        case 'collections.OrderedDict':
          return orderedDict(args);
        case 'torch._utils._rebuild_tensor':
        case 'torch._utils._rebuild_tensor_v2':
          return rebuildTensor(source, args, budget);
        case 'torch._utils._rebuild_parameter':
        case 'torch._utils._rebuild_parameter_with_state':
          // A Parameter is its tensor plus requires_grad and hooks, which inference ignores.
          if (!isTensorRecord(args[0])) throw new CheckpointError('bad-pickle', 'a Parameter wraps something that is not a tensor');
          return args[0];
        default:
          throw new CheckpointError('bad-pickle', 'the pickle calls something that is not callable');
      }
    },
    build(obj, state) {
      // state_dict OrderedDicts carry `_metadata` (module versions) as attributes: not needed here.
      if (obj instanceof Map && (state instanceof Map || Array.isArray(state) || state === null)) return obj;
      throw new CheckpointError('bad-pickle', 'BUILD on an object that is not an OrderedDict');
    },
  };
}

/** Validates the common head of a storage persistent id: ('storage', StorageType, key, location, numel, ...). */
export function parseStoragePid(pid: PyValue): { storageType: StorageType; key: string; numel: number; rest: PyValue[] } {
  if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) {
    throw new CheckpointError('bad-pickle', 'a persistent id is not a storage reference');
  }
  const [, storageType, key, location, numel, ...rest] = pid;
  if (!isStorageType(storageType)) {
    throw new CheckpointError('bad-pickle', `storage ${describeValue(key)} has no storage type`);
  }
  if (typeof key !== 'string' || key.length > 256) throw new CheckpointError('bad-pickle', 'a storage key is not a short string');
  if (typeof location !== 'string') throw new CheckpointError('bad-pickle', `storage ${key} has no location`);
  if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) {
    throw new CheckpointError('bad-pickle', `storage ${key} has a bad element count ${describeValue(numel)}`);
  }
  return { storageType, key, numel, rest };
}
