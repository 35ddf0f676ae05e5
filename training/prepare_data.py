"""Builds the data directory that training and evaluation read, from the official files.

usage:
  python3 training/prepare_data.py [--out DIR] [--mnist DIR] [--fashion-mnist DIR] [--cifar10 FILE]
  python3 training/prepare_data.py [--out DIR] --from-grids SHARED_DATASETS_DIR

  --out            the data directory (default: $GC_LENS_DATA, else data/ at the repository root)
  --mnist DIR      a folder with MNIST's train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
                   t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz
  --fashion-mnist DIR  the same four files of Fashion-MNIST (Debian: apt-get install
                   dataset-fashion-mnist puts them in /usr/share/datasets/fashion-mnist)
  --cifar10 FILE   the official cifar-10-python.tar.gz
  --from-grids DIR a folder with mnist/ and/or cifar10/ holding lossless image grids
                   ({train_k,test_0}.png|webp, 100x100 tiles each) and {train,test}_y.u8

Layout written, per data set (mnist, fashion_mnist, cifar10):
  DIR/<name>/train_x.u8, test_x.u8   images, uint8, NCHW, C order, no header
  DIR/<name>/train_y.u8, test_y.u8   one class index byte per image
  DIR/<name>/meta.json               {"shape": [C, H, W], "train": N, "test": M, "source": ...}
"""
import argparse
import gzip
import io
import json
import os
import pickle
import struct
import tarfile

import numpy as np

# $GC_LENS_DATA, else data/ at the repository root (git-ignored); data.py reads the same place.
DEFAULT_DATA_DIR = os.environ.get('GC_LENS_DATA') or os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'data'))

IDX_IMAGES_MAGIC = 0x00000803  # unsigned byte data, 3 dimensions
IDX_LABELS_MAGIC = 0x00000801  # unsigned byte data, 1 dimension
IDX_FILES = {'train': ('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'),
             'test': ('t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz')}
CIFAR_BATCHES = {'train': [f'data_batch_{k}' for k in range(1, 6)], 'test': ['test_batch']}
GRID_FILES = {'mnist': ('png', 1, 28), 'cifar10': ('webp', 3, 32)}


def read_idx(path, magic):
    """An idx file (gzip'd): big-endian magic, big-endian uint32 dims, then uint8 data."""
    with gzip.open(path, 'rb') as f:
        raw = f.read()
    found = struct.unpack('>I', raw[:4])[0]
    if found != magic:
        raise ValueError(f'{path}: magic 0x{found:08x}, expected 0x{magic:08x}')
    n_dims = magic & 0xff
    dims = struct.unpack(f'>{n_dims}I', raw[4:4 + 4 * n_dims])
    data = np.frombuffer(raw, np.uint8, offset=4 + 4 * n_dims)
    if data.size != int(np.prod(dims)):
        raise ValueError(f'{path}: {data.size} data bytes for dims {dims}')
    return data.reshape(dims)


def from_idx(directory):
    splits = {}
    for split, (images_file, labels_file) in IDX_FILES.items():
        images = read_idx(os.path.join(directory, images_file), IDX_IMAGES_MAGIC)
        labels = read_idx(os.path.join(directory, labels_file), IDX_LABELS_MAGIC)
        if len(images) != len(labels):
            raise ValueError(f'{directory} {split}: {len(images)} images but {len(labels)} labels')
        splits[split] = (images[:, None, :, :], labels)
    return splits


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """The CIFAR batches are pickles: allow only what a numpy array needs, never arbitrary code.

    _codecs.encode is how Python 3 writes bytes at protocol 2 (a re-pickled copy of the batches)."""
    ALLOWED = {('numpy', 'ndarray'), ('numpy', 'dtype'), ('numpy.core.multiarray', '_reconstruct'),
               ('numpy._core.multiarray', '_reconstruct'), ('_codecs', 'encode')}

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f'refusing {module}.{name} in a CIFAR-10 batch')
        return super().find_class(module, name)


def from_cifar_tar(path):
    batches = {}
    with tarfile.open(path, 'r:gz') as tar:
        for member in tar.getmembers():
            base = os.path.basename(member.name)
            if member.isfile() and base in sum(CIFAR_BATCHES.values(), []):
                batches[base] = _NumpyOnlyUnpickler(io.BytesIO(tar.extractfile(member).read()), encoding='bytes').load()
    splits = {}
    for split, names in CIFAR_BATCHES.items():
        missing = [n for n in names if n not in batches]
        if missing:
            raise ValueError(f'{path}: no {", ".join(missing)}')
        # Each row is 3072 bytes: the 1024 red, then green, then blue values: already CHW.
        images = np.concatenate([np.asarray(batches[n][b'data'], np.uint8).reshape(-1, 3, 32, 32) for n in names])
        labels = np.concatenate([np.asarray(batches[n][b'labels'], np.uint8) for n in names])
        if len(images) != len(labels):
            raise ValueError(f'{path} {split}: {len(images)} images but {len(labels)} labels')
        splits[split] = (images, labels)
    return splits


def read_grid(path, size, channels):
    """A grid image of size x size tiles, row by row, as [N, C, size, size]."""
    from PIL import Image
    img = np.asarray(Image.open(path).convert('L' if channels == 1 else 'RGB'))
    if channels == 1:
        img = img[:, :, None]
    rows, per_row = img.shape[0] // size, img.shape[1] // size
    img = img.reshape(rows, size, per_row, size, channels)
    return img.transpose(0, 2, 4, 1, 3).reshape(-1, channels, size, size)


def from_grids(directory, name):
    ext, channels, size = GRID_FILES[name]
    splits = {}
    for split in ('train', 'test'):
        labels = np.fromfile(os.path.join(directory, f'{split}_y.u8'), np.uint8)
        images, k = [], 0
        while sum(len(a) for a in images) < len(labels):
            path = os.path.join(directory, f'{split}_{k}.{ext}')
            if not os.path.exists(path):
                raise ValueError(f'{path} missing: {len(labels)} labels but fewer images')
            images.append(read_grid(path, size, channels))
            k += 1
        # A grid's last row may hold blank tiles beyond the labeled images.
        splits[split] = (np.concatenate(images)[:len(labels)], labels)
    return splits


def write(out, name, splits, source):
    folder = os.path.join(out, name)
    os.makedirs(folder, exist_ok=True)
    for split, (images, labels) in splits.items():
        np.ascontiguousarray(images, np.uint8).tofile(os.path.join(folder, f'{split}_x.u8'))
        np.ascontiguousarray(labels, np.uint8).tofile(os.path.join(folder, f'{split}_y.u8'))
    meta = {'shape': list(splits['train'][0].shape[1:]), 'train': len(splits['train'][1]),
            'test': len(splits['test'][1]), 'source': source}
    with open(os.path.join(folder, 'meta.json'), 'w') as f:
        json.dump(meta, f, indent=1)
        f.write('\n')
    print(f'{folder}: {meta["train"]} train, {meta["test"]} test, shape {meta["shape"]}')


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', default=DEFAULT_DATA_DIR)
    p.add_argument('--mnist')
    p.add_argument('--fashion-mnist')
    p.add_argument('--cifar10')
    p.add_argument('--from-grids')
    args = p.parse_args(argv)
    if not (args.mnist or args.fashion_mnist or args.cifar10 or args.from_grids):
        p.error('nothing to build: give --mnist, --fashion-mnist, --cifar10 or --from-grids')
    if args.mnist:
        write(args.out, 'mnist', from_idx(args.mnist), f'official idx files in {args.mnist}')
    if args.fashion_mnist:
        write(args.out, 'fashion_mnist', from_idx(args.fashion_mnist), f'official idx files in {args.fashion_mnist}')
    if args.cifar10:
        write(args.out, 'cifar10', from_cifar_tar(args.cifar10), f'official {os.path.basename(args.cifar10)}')
    if args.from_grids:
        found = [n for n in GRID_FILES if os.path.isdir(os.path.join(args.from_grids, n))]
        if not found:
            p.error(f'no mnist/ or cifar10/ in {args.from_grids}')
        for name in found:
            write(args.out, name, from_grids(os.path.join(args.from_grids, name), name),
                  f'lossless grids in {os.path.join(args.from_grids, name)}')


if __name__ == '__main__':
    main()
