"""Rebuild a trainable model from a converted package (public/models/<id>), for warm starts.

The converter folds each BatchNorm into the conv before it (or into an affine when no conv
precedes it), so the original BatchNorm statistics are gone. We restore an equivalent
BatchNorm: for a folded map y = s*x + t whose input x has mean m and variance v on training
images, gamma = s*sqrt(v + eps), beta = s*m + t, running stats (m, v). In eval mode this is the
package's function exactly (up to float32 rounding); in train mode the batch statistics are
close to (m, v), so fine-tuning starts where the package is.
"""
import json
import os

import numpy as np
import torch
import torch.nn as nn

EPS = 1e-5  # torch BatchNorm2d default, also what the converter folds with


def read_package_weights(package_dir):
    """name -> numpy array, from model.json's weightsManifest and its shards."""
    with open(os.path.join(package_dir, 'model.json')) as f:
        spec = json.load(f)
    out = {}
    for group in spec['weightsManifest']:
        blob = b''.join(open(os.path.join(package_dir, p), 'rb').read() for p in group['paths'])
        offset = 0
        for w in group['weights']:
            dtype = {'float32': np.float32, 'float16': np.float16, 'int32': np.int32}[w['dtype']]
            n = int(np.prod(w['shape'])) if w['shape'] else 1
            arr = np.frombuffer(blob, dtype, count=n, offset=offset).reshape(w['shape'])
            out[w['name']] = arr.astype(np.float32) if dtype == np.float16 else arr
            offset += n * np.dtype(dtype).itemsize
    return spec, out


def _inverse_actnorm_scale(scale):
    """Inverse of 0.1 * softplus_{beta=0.5}(p) (train.py's act-norm parametrisation)."""
    s = torch.from_numpy(np.asarray(scale, np.float64))
    return (2.0 * torch.log(torch.expm1(5.0 * s))).float()


def _load_subnet(seq, prefix, weights, folded):
    """Copies one subnet; records each BatchNorm's target affine (s, t) in `folded`."""
    mods = list(seq)
    for i, m in enumerate(mods):
        key = f'{prefix}.{i}'
        if isinstance(m, nn.Conv2d):
            w = torch.from_numpy(weights[f'{key}.filter'].copy()).permute(3, 2, 0, 1)
            m.weight.data.copy_(w)
            bias = weights.get(f'{key}.bias')
            nxt = mods[i + 1] if i + 1 < len(mods) else None
            if isinstance(nxt, nn.BatchNorm2d):  # folded: conv(no bias) -> BN = W'x + b'
                folded[nxt] = (torch.ones(m.out_channels), torch.from_numpy(bias.copy()))
            elif m.bias is not None:
                m.bias.data.copy_(torch.from_numpy(bias.copy()))
        elif isinstance(m, nn.BatchNorm2d) and f'{key}.scale' in weights:
            folded[m] = (torch.from_numpy(weights[f'{key}.scale'].copy()),
                         torch.from_numpy(weights[f'{key}.shift'].copy()))


def _set_bn(bn, s, t, mean, var):
    bn.running_mean.copy_(mean)
    bn.running_var.copy_(var)
    bn.weight.data.copy_(s * torch.sqrt(var + EPS))
    bn.bias.data.copy_(s * mean + t)


@torch.no_grad()
def load_package_into(model, package_dir, calib_x):
    """Loads the package's weights into `model` (built with the same topology) and
    re-estimates BatchNorm statistics on `calib_x` (normalized training images)."""
    spec, weights = read_package_weights(package_dir)
    folded = {}
    for node in model.inn.module_list:
        name = next((f'module_list.{i}' for i, m in enumerate(model.inn.module_list) if m is node), None)
        if not hasattr(node, 'act_norm'):
            continue
        perm = weights[f'{name}.permutation']
        if not np.array_equal(node.w[:, :, 0, 0].argmax(1).numpy(), perm):
            raise ValueError(f'{name}: the package permutation differs from this topology\'s')
        node.act_norm.data.copy_(_inverse_actnorm_scale(weights[f'{name}.actnorm.scale']).view_as(node.act_norm))
        node.act_offset.data.copy_(torch.from_numpy(weights[f'{name}.actnorm.offset'].copy()).view_as(node.act_offset))
        for sub in ('s', 's_hi', 's_lo'):
            if hasattr(node, sub):
                _load_subnet(getattr(node, sub), f'{name}.{sub}', weights, folded)
    k, n = model.mu.shape[1:]
    model.mu.data.copy_(torch.from_numpy(weights['head.mu_fc'].copy()).view(1, k, n))
    model.mu_t.data.copy_(torch.from_numpy(weights['head.mu_t'].copy()))
    model.mu_m.data.copy_(torch.from_numpy(weights['head.mu_m'].copy()))

    # First pass: each BN as its exact affine (mean 0, var 1), capturing its real inputs.
    stats = {}
    for bn, (s, t) in folded.items():
        _set_bn(bn, s, t, torch.zeros_like(s), torch.ones_like(s) - EPS)
    hooks = [bn.register_forward_hook(
        lambda mod, inp, out: stats.setdefault(mod, []).append(
            (inp[0].mean((0, 2, 3)), inp[0].var((0, 2, 3), unbiased=False))))
        for bn in folded]
    model.eval()
    for i in range(0, len(calib_x), 500):
        model(calib_x[i:i + 500])
    for h in hooks:
        h.remove()
    for bn, (s, t) in folded.items():
        means = torch.stack([m for m, _ in stats[bn]])
        sq = torch.stack([v + m ** 2 for m, v in stats[bn]])
        mean = means.mean(0)
        var = (sq.mean(0) - mean ** 2).clamp_min(0)
        _set_bn(bn, s, t, mean, var)
    missing = [bn for bn in (m for m in model.modules() if isinstance(m, nn.BatchNorm2d)) if bn not in folded]
    if missing:
        raise ValueError(f'{len(missing)} BatchNorm layers have no weights in {package_dir}')
    return spec


def main(argv=None):
    """Check: rebuild CHECKPOINT's topology from PACKAGE and compare eval-mode outputs."""
    import argparse
    import sys
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from data import DEFAULT_DATA_DIR, load_split, normalize
    from gc_model import build_from_config, load_checkpoint
    p = argparse.ArgumentParser(description=main.__doc__)
    p.add_argument('package')
    p.add_argument('--checkpoint', required=True, help='the checkpoint the package was converted from')
    p.add_argument('--data-dir', default=DEFAULT_DATA_DIR)
    p.add_argument('--n', type=int, default=64, help='test images to compare on')
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    ref, cfg = load_checkpoint(args.checkpoint)
    model = build_from_config(cfg)
    train_x, _ = load_split(cfg['dataset'], 'train', args.data_dir, 2000)
    calib = normalize(torch.from_numpy(train_x).float() / 255.0, cfg['mean'], cfg['std'])
    load_package_into(model, args.package, calib)
    model.eval()
    test_x, _ = load_split(cfg['dataset'], 'test', args.data_dir, args.n)
    x = normalize(torch.from_numpy(test_x).float() / 255.0, cfg['mean'], cfg['std'])
    with torch.no_grad():
        (a, ja), (b, jb) = ref(x), model(x)
    err = max(((a - b).abs().max() / a.abs().max()).item(), ((ja - jb).abs().max() / ja.abs().max()).item())
    agree = (a.argmax(1) == b.argmax(1)).float().mean().item()
    print(json.dumps({'max_relative_error': err, 'argmax_agreement': agree, 'images': len(x)}))


if __name__ == '__main__':
    main()
