"""Dataset loading (uint8 arrays, NCHW) and the batch-level augmentations."""
import json
import os

import numpy as np
import torch

from prepare_data import DEFAULT_DATA_DIR  # noqa: E402  (the builder of the data directory owns its location)

DATASETS = {
    'mnist': dict(shape=[1, 28, 28], mean=[0.1307], std=[0.3081],
                  class_names=[str(i) for i in range(10)],
                  citation='Y. LeCun, C. Cortes: The MNIST database of handwritten digits. '
                           'Copyright LeCun & Cortes, CC BY-SA 3.0.'),
    'cifar10': dict(shape=[3, 32, 32], mean=[0.4914, 0.4822, 0.4465], std=[0.2470, 0.2435, 0.2616],
                    class_names=['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog',
                                 'horse', 'ship', 'truck'],
                    citation='A. Krizhevsky: Learning Multiple Layers of Features from Tiny Images. '
                             'Technical Report, University of Toronto, 2009.'),
}
FASHION_CITATION = ('H. Xiao, K. Rasul, R. Vollgraf: Fashion-MNIST: a Novel Image Dataset for '
                    'Benchmarking Machine Learning Algorithms. arXiv:1708.07747, 2017. MIT license.')


def load_split(name, split, data_dir=DEFAULT_DATA_DIR, limit=None):
    """Returns (uint8 images [N,C,H,W], int64 labels [N]) in the official order.

    name: a folder of data_dir (mnist, fashion_mnist, cifar10), as training/prepare_data.py writes it."""
    folder = os.path.join(data_dir, name)
    meta_path = os.path.join(folder, 'meta.json')
    if not os.path.exists(meta_path):
        raise FileNotFoundError(f'no {meta_path}: build the data directory with training/prepare_data.py '
                                f'(see training/README.md, "Data directory")')
    with open(meta_path) as f:
        meta = json.load(f)
    count = meta[split] if not limit else min(limit, meta[split])
    item = int(np.prod(meta['shape']))
    images = np.fromfile(os.path.join(folder, f'{split}_x.u8'), np.uint8, count=count * item)
    labels = np.fromfile(os.path.join(folder, f'{split}_y.u8'), np.uint8, count=count)
    if images.size != count * item or labels.size != count:
        raise ValueError(f'{folder}: {split} files are shorter than meta.json says ({meta[split]} images)')
    return images.reshape(count, *meta['shape']), labels.astype(np.int64)


def normalize(x01, mean, std):
    """x in [0,1] (float tensor NCHW) -> the network's input."""
    m = torch.tensor(mean, dtype=x01.dtype, device=x01.device).view(1, -1, 1, 1)
    s = torch.tensor(std, dtype=x01.dtype, device=x01.device).view(1, -1, 1, 1)
    return (x01 - m) / s


def random_crop(x, pad, gen):
    """Per-sample random crop after zero padding (a random shift of up to `pad` px)."""
    b, _, h, w = x.shape
    xp = torch.nn.functional.pad(x, (pad, pad, pad, pad))
    oy = torch.randint(0, 2 * pad + 1, (b,), generator=gen).to(x.device)
    ox = torch.randint(0, 2 * pad + 1, (b,), generator=gen).to(x.device)
    rows = (oy[:, None] + torch.arange(h, device=x.device))[:, :, None]
    cols = (ox[:, None] + torch.arange(w, device=x.device))[:, None, :]
    idx = torch.arange(b, device=x.device)[:, None, None]
    return xp[idx, :, rows, cols].permute(0, 3, 1, 2)  # advanced indices go first: [B,H,W,C]


def random_hflip(x, gen):
    flip = (torch.rand(x.shape[0], generator=gen) < 0.5).to(x.device)
    return torch.where(flip[:, None, None, None], x.flip(3), x)


def train_batch(images_u8, dataset, gen, augment=True):
    """uint8 NCHW batch -> dequantized, augmented [0,1] float batch."""
    x = images_u8.float() / 255.0
    if augment:
        if dataset == 'cifar10':
            x = random_hflip(random_crop(x, 4, gen), gen)
        else:
            x = random_crop(x, 2, gen)  # shifts of up to 2 px, no flips for digits
    noise = torch.rand(x.shape, generator=gen).to(x.device)
    return x + noise / 256.0
