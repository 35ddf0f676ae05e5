"""Decodes latents with PyTorch the way the app does with TensorFlow.js, so the two can be compared.

usage: /usr/bin/python3 training/decode.py request.json out_dir

request.json (every part optional except checkpoint):
  checkpoint     a train.py export, or the authors' mini checkpoint (no `gclens` config: the
                 fixture architecture of check_reference.py is used)
  sample         {class, count, seed, temperature}: z = mu_y + T*eps,
                 eps = numpy.random.RandomState(seed).standard_normal(count*D), row after row
  class_means    [y, ...]: f^-1(mu_y)
  interpolation  {x, steps}: x a float32 file of two normalized NCHW images;
                 z_A + s (z_B - z_A) for s = 0, 1/(steps-1), ..., 1
  edits          {x, from, principal_count, list}: x a float32 file of one normalized NCHW image,
                 list of single edits applied to z = f(x), each decoded on its own:
                   {kind: toward, to, amount}      z + amount (mu_to - mu_from)
                   {kind: principal, index, amount, sign_at, sign}
                                                    z + amount v_j, v_j the unit principal direction
                                                    j of the class means; eigenvectors have no sign,
                                                    so v_j is flipped to give v_j[sign_at] the sign `sign`
                   {kind: dimension, index, amount} z + amount e_index
                   {kind: residual, amount}         z + amount r, r the part of z - mean(mu) outside
                                                    the first principal_count principal directions
Latents are flat [z_fc (after PermuteRandom), z_conv], the app's order. Computed in float64 from
the float32 weights. Writes <part>.f32 (float32 little-endian, NCHW) and manifest.json into out_dir.
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gc_model import GenerativeClassifier, build_from_config  # noqa: E402

# The authors' mini fixture (tests/fixtures/reference-gc), as check_reference.py builds it.
REFERENCE_MINI = dict(input_shape=[3, 48, 48], n_classes=10, n_loss=3072, low_rank=8, base_width=8,
                      blocks=[2, 2, 2, 1], strides=[1, 2, 2, 1], clamp=0.7, act_norm=0.7,
                      entry='downsample_haar')


def load_any(path):
    ckpt = torch.load(path, map_location='cpu', weights_only=False)  # our files and the authors' fixture
    cfg = ckpt.get('gclens')
    model = build_from_config(cfg) if cfg else GenerativeClassifier(**REFERENCE_MINI)
    model.inn.load_state_dict({k: v for k, v in ckpt['inn'].items() if not k.startswith('tmp_var_')}, strict=True)
    for name in ('mu', 'mu_t', 'mu_m'):
        getattr(model, name).data.copy_(ckpt[name].data)
    return model.double().eval()


def class_means(model):
    """[K, D]: mu_y on z_fc and mu_t @ mu_m on z_conv."""
    return torch.cat([model.mu[0], model.mu_t @ model.mu_m], 1)


def encode(model, x):
    z_fc, z_conv, _ = model.inn(x)
    return torch.cat([z_fc, z_conv], 1)


def decode(model, z):
    n_loss = model.inn.n_loss
    return model.inn.reverse(z[:, :n_loss], z[:, n_loss:])


def principal_directions(means, count):
    """Unit principal directions of the class means (rows), largest variance first."""
    centered = means - means.mean(0, keepdim=True)
    values, vectors = torch.linalg.eigh(centered @ centered.t())
    order = torch.argsort(values, descending=True)[:count]
    return (centered.t() @ vectors[:, order] / values[order].sqrt()).t()


def edit_direction(model, z, request, edit):
    means = class_means(model)
    kind = edit['kind']
    if kind == 'toward':
        return means[edit['to']] - means[request['from']]
    if kind == 'dimension':
        e = torch.zeros_like(z)
        e[edit['index']] = 1.0
        return e
    v = principal_directions(means, request['principal_count'])
    if kind == 'principal':
        d = v[edit['index']]
        return d if (d[edit['sign_at']] >= 0) == (edit['sign'] >= 0) else -d
    if kind == 'residual':
        offset = z - means.mean(0)
        return offset - v.t() @ (v @ offset)
    raise ValueError(f'unknown edit kind {kind!r}')


def read_images(path, shape):
    return torch.from_numpy(np.fromfile(path, dtype='<f4').reshape(shape).astype(np.float64))


def run(request):
    model = load_any(request['checkpoint'])
    c, h, w = model.inn.input_shape
    dims = model.n_dims
    out = {}
    with torch.no_grad():
        means = class_means(model)
        if 'sample' in request:
            s = request['sample']
            eps = np.random.RandomState(s['seed']).standard_normal(s['count'] * dims).reshape(s['count'], dims)
            out['sample'] = decode(model, means[s['class']][None] + s['temperature'] * torch.from_numpy(eps))
        if 'class_means' in request:
            out['class_means'] = decode(model, means[request['class_means']])
        if 'interpolation' in request:
            p = request['interpolation']
            z = encode(model, read_images(p['x'], [2, c, h, w]))
            s = torch.linspace(0, 1, p['steps'], dtype=torch.float64)[:, None]
            out['interpolation'] = decode(model, (1 - s) * z[0] + s * z[1])
        if 'edits' in request:
            e = request['edits']
            z = encode(model, read_images(e['x'], [1, c, h, w]))[0]
            moved = [z + edit['amount'] * edit_direction(model, z, e, edit) for edit in e['list']]
            out['edits'] = decode(model, torch.stack(moved))
    return out


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__)
    with open(argv[0]) as f:
        request = json.load(f)
    os.makedirs(argv[1], exist_ok=True)
    manifest = {}
    for name, images in run(request).items():
        a = images.numpy().astype('<f4')
        a.tofile(os.path.join(argv[1], f'{name}.f32'))
        manifest[name] = {'file': f'{name}.f32', 'shape': list(a.shape), 'layout': 'NCHW, normalized'}
    with open(os.path.join(argv[1], 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=1)


if __name__ == '__main__':
    main(sys.argv[1:])
