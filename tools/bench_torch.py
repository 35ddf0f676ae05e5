"""PyTorch (eager, float32, CPU) timings of the same two models `npm run bench` times, at batch 1.

usage: /usr/bin/python3 tools/bench_torch.py <synthetic full-size .pt> <fixtures dir: tests/fixtures/reference-gc> [--reps N] [--threads N]
       [--device cpu|cuda] [--only mini|full] [--mini-checkpoint .pt]
On CUDA, TF32 is switched off (matmul and cuDNN) so both sides compute in true float32, and the
flags are printed with the result; each timed call ends with torch.cuda.synchronize().
Uses training/gc_model.py, proven equal to the authors' code by training/check_reference.py.
Prints one JSON object: median milliseconds of forward (x -> z), inverse (z -> x), posterior (z -> p(y|x)).
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'training'))
from gc_model import GenerativeClassifier  # noqa: E402


def load(model, path):
    ckpt = torch.load(path, map_location='cpu')
    model.inn.load_state_dict({k: v for k, v in ckpt['inn'].items() if not k.startswith('tmp_var_')}, strict=True)
    model.mu.data.copy_(ckpt['mu'].data)
    model.mu_t.data.copy_(ckpt['mu_t'].data)
    model.mu_m.data.copy_(ckpt['mu_m'].data)
    return model.eval()


def synchronize(device):
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def median_ms(fn, reps, device=torch.device('cpu')):
    fn()
    synchronize(device)
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        synchronize(device)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def posterior_fn(model):
    """p(y|x) with the class-mean norms precomputed once, as the TypeScript head does."""
    mu_fc, mu_t, mu_m = model.mu[0], model.mu_t, model.mu_m
    mean_sq = (mu_fc ** 2).sum(1) + ((mu_t @ (mu_m @ mu_m.t())) * mu_t).sum(1)
    return lambda z_fc, z_conv: torch.softmax(z_fc @ mu_fc.t() + (z_conv @ mu_m.t()) @ mu_t.t() - 0.5 * mean_sq, 1)


def bench(model, shape, reps, device=torch.device('cpu')):
    model = model.to(device)
    x = torch.randn(1, *shape, device=device)
    with torch.no_grad():
        z_fc, z_conv, _ = model.inn(x)
        posterior = posterior_fn(model)
        return {
            'forward': median_ms(lambda: model.inn(x), reps, device),
            'inverse': median_ms(lambda: model.inn.reverse(z_fc, z_conv), reps, device),
            'posterior': median_ms(lambda: posterior(z_fc, z_conv), reps, device),
            'reps': reps,
        }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('full_checkpoint')
    ap.add_argument('fixtures')
    ap.add_argument('--reps', type=int, default=5)
    ap.add_argument('--threads', type=int, default=torch.get_num_threads())
    ap.add_argument('--device', default='cpu')
    ap.add_argument('--only', choices=['mini', 'full'])
    ap.add_argument('--mini-checkpoint', help='default: <fixtures>/mini_gc.zip.pt')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    # True float32 on the GPU: TF32 would round matmul and conv inputs to 10 mantissa bits.
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    mini = GenerativeClassifier([3, 48, 48], n_classes=10, n_loss=3072, low_rank=8, base_width=8,
                                blocks=[2, 2, 2, 1], strides=[1, 2, 2, 1], clamp=0.7, act_norm=0.7)
    full = GenerativeClassifier([3, 224, 224], n_classes=1000, n_loss=3072, low_rank=128, base_width=64,
                                blocks=[3, 4, 6, 3], strides=[1, 2, 2, 2], clamp=0.7, act_norm=0.7)
    rows = {}
    if args.only in (None, 'mini'):
        mini_ckpt = args.mini_checkpoint or os.path.join(args.fixtures, 'mini_gc.zip.pt')
        rows['reference-mini 3x48x48'] = bench(load(mini, mini_ckpt), [3, 48, 48], args.reps * 2, device)
    if args.only in (None, 'full'):
        rows['full-size 3x224x224 (synthetic)'] = bench(load(full, args.full_checkpoint), [3, 224, 224], args.reps, device)
    print(json.dumps({
        'torch': torch.__version__, 'threads': args.threads, 'device': str(device),
        'gpu': torch.cuda.get_device_name(device) if device.type == 'cuda' else None,
        'allow_tf32': {'cuda.matmul': torch.backends.cuda.matmul.allow_tf32, 'cudnn': torch.backends.cudnn.allow_tf32},
        'rows': rows,
    }))


if __name__ == '__main__':
    main()
