"""Projected-gradient attack (PGD) in PyTorch: the reference for src/explain/attack.ts.

Pixel units [0, 255] of the model input (NHWC, as GC Lens holds it), float32, no random start.
J = log p(t|x) (targeted) or -log p(y0|x) (untargeted), x = (p - 255 mean) / (255 std).
L-inf: p += a sign(grad J), delta clipped to [-eps, eps]; L2: p += a grad J / ||grad J||,
delta scaled by min(1, eps / ||delta||); then p clipped to [0, 255].

usage: /usr/bin/python3 training/attack_pgd.py config.json
config: {"model": "reference-mini" | path of a train.py checkpoint, "start": f32 file [H, W, C],
         "shape": [H, W, C], "mean": [...], "std": [...], "clean_class": y0, "target": t | null,
         "norm": "linf" | "l2", "epsilon": e, "steps": n, "step_size": a, "out": folder,
         "iterates": optional f32 file [k, H, W, C]: also write the gradient at each of them,
         "float64": optional, run in float64 (the yardstick for float32 rounding)}
writes out/pixels.f32 (the perturbed input) and out/gradients.f32 (grad J at each iterate, if asked).
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gc_model import GenerativeClassifier, load_checkpoint  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'fixtures', 'reference-gc')


def reference_mini():
    """The authors' mini checkpoint (tests/fixtures/reference-gc), float32."""
    model = GenerativeClassifier([3, 48, 48], n_classes=10, n_loss=3072, low_rank=8, base_width=8,
                                 blocks=[2, 2, 2, 1], strides=[1, 2, 2, 1], clamp=0.7, act_norm=0.7)
    ckpt = torch.load(os.path.join(FIXTURES, 'mini_gc.zip.pt'), map_location='cpu', weights_only=False)
    model.inn.load_state_dict({k: v for k, v in ckpt['inn'].items() if not k.startswith('tmp_var_')}, strict=True)
    for name in ('mu', 'mu_t', 'mu_m'):
        getattr(model, name).data.copy_(ckpt[name].data)
    return model.eval()


class PixelObjective:
    """J(p) and its gradient with respect to the pixels p [1, H, W, C]."""

    def __init__(self, model, mean, std, class_index, ascent, dtype):
        self.model = model
        self.dtype = dtype
        self.mean_pixels = torch.tensor([255.0 * m for m in mean], dtype=dtype)
        self.scale = torch.tensor([1.0 / (255.0 * s) for s in std], dtype=dtype)
        self.class_index = class_index
        self.ascent = ascent

    def gradient(self, p):
        p = p.detach().to(self.dtype).requires_grad_(True)
        x = ((p - self.mean_pixels) * self.scale).permute(0, 3, 1, 2)
        logits, _ = self.model(x)
        log_posterior = logits[0, self.class_index] - torch.logsumexp(logits, 1)[0]
        (self.ascent * log_posterior).backward()
        return p.grad.detach()


def pgd(objective, start, norm, epsilon, steps, step_size):
    origin = start.clone()
    p = origin.clone()
    for _ in range(steps):
        g = objective.gradient(p)
        if norm == 'linf':
            moved = p + step_size * torch.sign(g)
        else:
            moved = p + step_size * (g / torch.clamp(g.norm(), min=1e-30))
        delta = moved - origin
        if norm == 'linf':
            delta = delta.clamp(-epsilon, epsilon)
        else:
            delta = delta * torch.clamp(epsilon / torch.clamp(delta.norm(), min=1e-30), max=1.0)
        p = (origin + delta).clamp(0.0, 255.0)
    return p


def main(config_path):
    cfg = json.load(open(config_path))
    torch.set_num_threads(1)
    dtype = torch.float64 if cfg.get('float64') else torch.float32
    model = reference_mini() if cfg['model'] == 'reference-mini' else load_checkpoint(cfg['model'])[0]
    model = model.to(dtype)
    shape = cfg['shape']
    start = torch.from_numpy(np.fromfile(cfg['start'], dtype='<f4').reshape([1] + shape)).to(dtype)
    target = cfg['target']
    objective = PixelObjective(model, cfg['mean'], cfg['std'], cfg['clean_class'] if target is None else target,
                               -1.0 if target is None else 1.0, dtype)
    os.makedirs(cfg['out'], exist_ok=True)
    p = pgd(objective, start, cfg['norm'], cfg['epsilon'], cfg['steps'], cfg['step_size'])
    p.numpy().astype('<f4').tofile(os.path.join(cfg['out'], 'pixels.f32'))
    if cfg.get('iterates'):
        iterates = torch.from_numpy(np.fromfile(cfg['iterates'], dtype='<f4').reshape([-1, 1] + shape))
        grads = torch.cat([objective.gradient(it) for it in iterates])
        grads.numpy().astype('<f4').tofile(os.path.join(cfg['out'], 'gradients.f32'))


if __name__ == '__main__':
    main(sys.argv[1])
