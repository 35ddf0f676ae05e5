"""Proves gc_model.py is the authors' model: loads their mini checkpoint strictly and
compares every output with the fixture files, in float64.

usage: /usr/bin/python3 training/check_reference.py [fixture_dir]   (default: the repository's tests/fixtures/reference-gc)
"""
import json
import re
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gc_model import GenerativeClassifier, dct_matrix  # noqa: E402

FIXTURES = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'fixtures', 'reference-gc')
TOLERANCE = 1e-6


def load_f32(name, shape):
    return np.fromfile(os.path.join(FIXTURES, name), dtype='<f4').reshape(shape).astype(np.float64)


def rel_err(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-30))


def main():
    outputs = json.load(open(os.path.join(FIXTURES, 'mini_outputs.json')))
    model = GenerativeClassifier([3, 48, 48], n_classes=10, n_loss=3072, low_rank=8, base_width=8,
                                 blocks=[2, 2, 2, 1], strides=[1, 2, 2, 1], clamp=0.7, act_norm=0.7)
    ckpt = torch.load(os.path.join(FIXTURES, 'mini_gc.zip.pt'), map_location='cpu', weights_only=False)
    inn_state = {k: v for k, v in ckpt['inn'].items() if not k.startswith('tmp_var_')}
    # fixed tensors built by our code must equal the authors' (so fresh exports are right)
    fresh = model.inn.state_dict()
    fixed = [k for k in inn_state if 'haar_weights' in k or 'reshape_kernels' in k
             or re.match(r'module_list\.\d+\.(inv_)?weight$', k)]
    fixed_err = max(float((fresh[k] - inn_state[k]).abs().max()) for k in fixed)
    print(f'fixed tensors ({len(fixed)}: Haar, space-to-depth, DCT) max abs diff {fixed_err:.2e}')
    assert fixed_err < 1e-6
    model.inn.load_state_dict(inn_state, strict=True)
    for name in ('mu', 'mu_t', 'mu_m'):
        getattr(model, name).data.copy_(ckpt[name].data)
    model.double().eval()

    x = torch.from_numpy(load_f32('mini_x.f32', outputs['x']['shape']))
    nodes = {}
    with torch.no_grad():
        z_fc, z_conv, logdet = model.inn(x, node_outputs=nodes)
        logits = model.logits(z_fc, z_conv)
        nll = model.nll_joint(logits, logdet)
        x_rec = model.inn.reverse(z_fc, z_conv)

    checks = {
        'z_fc': (z_fc, 'z_fc'), 'z_conv': (z_conv, 'z_conv'), 'log_jac': (logdet, 'log_jac'),
        'logits': (logits, 'logits'), 'nll_joint': (nll, 'nll_joint_per_dim'),
        'x_reconstructed': (x_rec, 'x_reconstructed'),
    }
    worst = 0.0
    for label, (mine, key) in checks.items():
        ref = load_f32(outputs[key]['file'], outputs[key]['shape'])
        err = rel_err(mine.numpy(), ref)
        worst = max(worst, err)
        print(f'{label:16s} max rel err {err:.3e}')
    for idx, spec in outputs['per_module_forward_output_image0'].items():
        ref = load_f32(spec['file'], spec['shape'])
        err = rel_err(nodes[int(idx)][:1].numpy(), ref)
        worst = max(worst, err)
        print(f'node {int(idx):2d} {model.inn.module_list[int(idx)].__class__.__name__:20s} '
              f'max rel err {err:.3e}')
    print(f'worst {worst:.3e} (tolerance {TOLERANCE:g})')
    if worst > TOLERANCE:
        sys.exit(1)
    print('OK: matches the reference')
    check_grayscale_topology()


def check_grayscale_topology():
    """The MNIST graph (Haar entry) is not in the fixtures: check its inverse and its
    log|det J| against the autograd Jacobian (after swapping the DCT's reported term
    for its true one)."""
    torch.manual_seed(0)
    model = GenerativeClassifier([1, 28, 28], n_classes=10, n_loss=160, low_rank=16, base_width=8,
                                 blocks=[1, 1], strides=[1, 2], entry='haar').double()
    for p in model.parameters():  # move away from the initial values
        p.data += 0.05 * torch.randn_like(p) * p.requires_grad
    model.eval()
    dct = model.inn.dct
    dct.weight.data = torch.from_numpy(dct_matrix(dct.n))  # exact, not float32-rounded
    dct.inv_weight.data = torch.linalg.inv(dct.weight.data)
    x = torch.randn(1, 1, 28, 28, dtype=torch.float64)

    def flat(v):
        z_fc, z_conv, _ = model.inn(v.view(1, 1, 28, 28))
        return torch.cat([z_fc, z_conv], 1).view(-1)

    jac = torch.autograd.functional.jacobian(flat, x.view(-1), vectorize=True)
    true_logdet = float(torch.linalg.slogdet(jac)[1])
    with torch.no_grad():
        z_fc, z_conv, logdet = model.inn(x)
        inv_err = float((model.inn.reverse(z_fc, z_conv) - x).abs().max())
    reported_dct = dct.n ** 2 * dct.channels * np.log(dct.rebalance)
    mine = float(logdet) - reported_dct + dct.true_logdet()
    logdet_err = abs(mine - true_logdet) / abs(true_logdet)
    print(f'grayscale topology: inverse max abs err {inv_err:.1e}, log|det J| rel err {logdet_err:.1e}')
    if inv_err > 1e-9 or logdet_err > 1e-9:
        sys.exit(1)
    print('OK: grayscale topology is invertible with the right log-determinant')


if __name__ == '__main__':
    main()
