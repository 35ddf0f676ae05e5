"""Writes a checkpoint in the exact layout of a released model, with seeded synthetic weights.

usage: /usr/bin/python3 tools/make_synthetic_checkpoint.py <layout.json> <out.pt> [--legacy] [--seed N]

Every key, shape and dtype of the layout is present (tmp_var_* activations included), the
coupling permutations are full C x C permutation matrices, the DCT node holds the real DCT-II
matrix, BatchNorm variances are positive: the converter treats it exactly like a released file.
"""
import argparse
import json
import math
from collections import OrderedDict

import torch


def synthetic_tensor(key, shape, dtype, gen):
    if dtype == 'int64':
        return torch.zeros(shape, dtype=torch.int64)
    leaf = key.split('.')[-1]
    if leaf in ('w', 'w_inv'):
        c = shape[0]
        perm = torch.randperm(c, generator=gen)
        w = torch.zeros(c, c)
        w[torch.arange(c), perm] = 1.0
        return (w if leaf == 'w' else w.t().contiguous()).view(shape)
    if leaf in ('weight', 'inv_weight') and len(shape) == 2:
        n = shape[0]
        k = torch.arange(n, dtype=torch.float64).view(-1, 1)
        i = torch.arange(n, dtype=torch.float64).view(1, -1)
        dct = 2 * torch.cos(math.pi * k * (2 * i + 1) / (2 * n))
        return (dct if leaf == 'weight' else torch.linalg.inv(dct)).float()
    if leaf == 'act_norm':
        return 7 + 0.1 * torch.randn(shape, generator=gen)
    if leaf == 'running_var':
        return 1 + 0.1 * torch.randn(shape, generator=gen).abs()
    if leaf == 'weight' and len(shape) == 1:
        return 1 + 0.1 * torch.randn(shape, generator=gen)
    if len(shape) == 4:
        fan_in = shape[1] * shape[2] * shape[3]
        return torch.randn(shape, generator=gen) * math.sqrt(2 / fan_in) * 0.5
    return 0.1 * torch.randn(shape, generator=gen)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('layout')
    ap.add_argument('out')
    ap.add_argument('--legacy', action='store_true', help='pre-1.6 serialization')
    ap.add_argument('--seed', type=int, default=0)
    args = ap.parse_args()
    layout = json.load(open(args.layout))
    gen = torch.Generator().manual_seed(args.seed)
    inn = OrderedDict((e['key'], synthetic_tensor(e['key'], e['shape'], e['dtype'], gen)) for e in layout['inn_state_dict'])
    k, r = layout['n_classes'], layout['mu_low_rank_k']
    total = math.prod(layout['input'])
    fc = layout['n_loss_dims_1d']
    checkpoint = {
        'inn': inn,
        'mu': torch.nn.Parameter(0.1 * torch.randn(1, k, fc, generator=gen)),
        'mu_t': torch.nn.Parameter(0.1 * torch.randn(k, r, generator=gen)),
        'mu_m': torch.nn.Parameter(0.1 * torch.randn(r, total - fc, generator=gen)),
    }
    torch.save(checkpoint, args.out, _use_new_zipfile_serialization=not args.legacy)


if __name__ == '__main__':
    main()
