"""Evaluate an exported checkpoint on the full test set and write model_card.json.

Definitions (also written into the card):
- -log p(x): nats, of the normalized input, uniform class prior, all constants
  (log K, D/2 log 2pi), log|det J| as the reference reports it (DCT term included).
- bits/dim: of the 8-bit image, on dequantized test images x = p/255 + u/256
  (u ~ U[0,1), one draw): (-log p(x_norm) + sum log std + D log 256) / (D ln 2).
- ECE: top-1, 15 equal-width confidence bins, sum_b |acc_b - conf_b| n_b / N.
- typicality AUROC: score |-log p(x) - m|, m = mean of -log p(x) on the clean
  in-distribution test set; OOD is the positive class; ties count one half.
"""
import argparse
import datetime
import json
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import DATASETS, DEFAULT_DATA_DIR, FASHION_CITATION, load_split, normalize  # noqa: E402
from gc_model import load_checkpoint  # noqa: E402

ROT_ALPHA = 0.35
NOISE_SIGMA = 0.015
ROT_DEFINITION = ('IB-INN RGB rotation, alpha = 0.35 (vislearn/IB-INN ood_datasets/cifar.py): '
                  'x01 -> clamp(R (x01 - 0.5) + 0.5, 0, 1) per pixel, R = Rx(a) Ry(b), '
                  'a = 0.2 pi alpha^0.7, b = pi alpha^1.2; not re-quantized')

# Mackowiak et al. (CVPR 2021) report ImageNet results only (released models, 3x224x224).
PAPER_REPORTED = {
    'mnist': None,
    'cifar10': None,
}
PAPER_NOTE = ('No paper value is quoted for this data set and model. The values reported by '
              'Mackowiak et al. (CVPR 2021) that we use are for their ImageNet models (top-1 '
              '67.30/71.73/73.69/74.59/75.54/76.18/76.27 % for beta = 1/2/4/8/16/32/inf) and do not '
              'transfer to this model.')


def rgb_rotation_matrix(alpha):
    """IB-INN's 'rot' OOD set (vislearn/IB-INN, ood_datasets/cifar.py, alpha=0.35):
    rotate RGB about (0.5,0.5,0.5) by R = Rx(a) Ry(b), a = 0.2 pi alpha^0.7,
    b = pi alpha^1.2, then clamp to [0,1]."""
    a = np.pi * 0.2 * alpha ** 0.7
    b = np.pi * alpha ** 1.2
    rx = np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])
    ry = np.array([[np.cos(b), 0, np.sin(b)], [0, 1, 0], [-np.sin(b), 0, np.cos(b)]])
    return rx @ ry


def rotate_rgb(x01, alpha):
    r = torch.tensor(rgb_rotation_matrix(alpha), dtype=x01.dtype)
    return (torch.einsum('ij,bjhw->bihw', r, x01 - 0.5) + 0.5).clamp(0, 1)


def add_noise(x01, sigma, gen):
    return (x01 + sigma * torch.randn(x01.shape, generator=gen)).clamp(0, 1)


@torch.no_grad()
def run(model, cfg, images01, device, batch):
    """images01: float [N,C,H,W] in [0,1] (CPU). Returns logits, -log p(x) (nats)."""
    logits_all, nlp_all = [], []
    for i in range(0, len(images01), batch):
        x = normalize(images01[i:i + batch].to(device), cfg['mean'], cfg['std'])
        logits, logdet = model(x)
        logits_all.append(logits.double().cpu())
        nlp_all.append(model.neg_log_px(logits.double(), logdet.double()).cpu())
    return torch.cat(logits_all).numpy(), torch.cat(nlp_all).numpy()


def auroc(in_scores, out_scores):
    """P(score_out > score_in) + 0.5 P(equal): Mann-Whitney with average ranks."""
    scores = np.concatenate([in_scores, out_scores])
    order = scores.argsort(kind='mergesort')
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i:j + 1]] = 0.5 * (i + j) + 1
        i = j + 1
    n_in, n_out = len(in_scores), len(out_scores)
    return float((ranks[n_in:].sum() - n_out * (n_out + 1) / 2) / (n_in * n_out))


def calibration(probs, labels, n_bins=15):
    conf = probs.max(1)
    correct = (probs.argmax(1) == labels).astype(np.float64)
    edges = np.linspace(0, 1, n_bins + 1)
    bins, ece = [], 0.0
    for b in range(n_bins):
        lo, hi = edges[b], edges[b + 1]
        sel = (conf > lo) & (conf <= hi) if b > 0 else (conf >= lo) & (conf <= hi)
        n = int(sel.sum())
        mean_conf = float(conf[sel].mean()) if n else None
        acc = float(correct[sel].mean()) if n else None
        if n:
            ece += abs(acc - mean_conf) * n / len(conf)
        bins.append({'lower': round(lo, 6), 'upper': round(hi, 6), 'count': n,
                     'mean_confidence': mean_conf, 'accuracy': acc})
    return ece, bins


def softmax(logits):
    e = np.exp(logits - logits.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('checkpoint')
    p.add_argument('--data-dir', default=DEFAULT_DATA_DIR)
    p.add_argument('--out', default=None, help='default: model_card.json next to the checkpoint')
    p.add_argument('--limit', type=int, default=None, help='first N test images only (quick check)')
    p.add_argument('--batch', type=int, default=500)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--seed', type=int, default=0)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    gen = torch.Generator().manual_seed(args.seed)

    model, cfg = load_checkpoint(args.checkpoint, device)
    name = cfg['dataset']
    d = model.n_dims
    test_u8, labels = load_split(name, 'test', args.data_dir, args.limit)
    clean = torch.from_numpy(test_u8).float() / 255.0

    logits, nlp = run(model, cfg, clean, device, args.batch)
    probs = softmax(logits)
    acc = float((probs.argmax(1) == labels).mean())
    ece, bins = calibration(probs, labels)
    mean_nlp, std_nlp = float(nlp.mean()), float(nlp.std())

    deq = clean + torch.rand(clean.shape, generator=gen) / 256.0
    _, nlp_deq = run(model, cfg, deq, device, args.batch)
    sum_log_std = float(np.sum(np.log(cfg['std'])) * d / len(cfg['std']))
    bpd = float((nlp_deq.mean() + sum_log_std + d * math.log(256)) / (d * math.log(2)))
    dct = model.inn.dct
    dct_reported = dct.n ** 2 * dct.channels * math.log(dct.rebalance)
    bpd_true_dct = bpd - (dct.true_logdet() - dct_reported) / (d * math.log(2))

    def typicality(ood01):
        _, nlp_ood = run(model, cfg, ood01, device, args.batch)
        return {'auroc': auroc(np.abs(nlp - mean_nlp), np.abs(nlp_ood - mean_nlp)),
                'ood_neg_log_px_mean': float(nlp_ood.mean()), 'n_ood': int(len(nlp_ood))}

    ood = {}
    fashion_dir = os.path.join(args.data_dir, 'fashion_mnist')
    if name == 'mnist' and not os.path.isdir(fashion_dir):
        print(f'no Fashion-MNIST at {fashion_dir} (training/prepare_data.py --fashion-mnist): typicality AUROC skipped')
    elif name == 'mnist':
        fashion, _ = load_split('fashion_mnist', 'test', args.data_dir, args.limit)
        fashion = torch.from_numpy(fashion).float() / 255.0
        ood['fashion_mnist_test'] = dict(typicality(fashion), source=fashion_dir)
    else:
        ood['cifar10_rgb_rotation_0.35'] = dict(
            typicality(rotate_rgb(clean, ROT_ALPHA)),
            definition=ROT_DEFINITION,
            matrix=rgb_rotation_matrix(ROT_ALPHA).round(6).tolist())
        ood['cifar10_gaussian_noise_0.015'] = dict(
            typicality(add_noise(clean, NOISE_SIGMA, gen)),
            definition='x + N(0, 0.015^2) per pixel in [0,1] RGB, clamped to [0,1], not re-quantized '
                       '(IB-INN uses this construction with sigma 0.01)')

    n_params = sum(v.numel() for v in model.parameters() if v.requires_grad)
    card = {
        'model': {'checkpoint': os.path.basename(args.checkpoint), 'dataset': name,
                  'input_shape': cfg['input_shape'], 'n_classes': cfg['n_classes'],
                  'class_names': cfg['class_names'], 'entry': cfg['entry'], 'blocks': cfg['blocks'],
                  'strides': cfg['strides'], 'base_width': cfg['base_width'], 'n_loss': cfg['n_loss'],
                  'low_rank': cfg['low_rank'], 'final_map': list(model.inn.final_shape),
                  'trainable_parameters_incl_class_means': int(n_params),
                  'family': 'Mackowiak et al., Generative Classifiers as a Basis for Trustworthy '
                            'Computer Vision, CVPR 2021 (own implementation, verified against the '
                            'reference code on its mini checkpoint)'},
        'training': {k: cfg.get(k) for k in ('beta', 'label_smoothing', 'epochs', 'epochs_done',
                                             'batch_size', 'optimizer', 'lr', 'seed', 'augment',
                                             'train_seconds', 'hardware', 'torch_version')}
                    | ({'init_from': cfg['init_from']} if 'init_from' in cfg else {}),
        'measured': {
            'n_test_images': int(len(labels)),
            'test_accuracy': acc,
            'bits_per_dim': {'value': bpd, 'value_with_true_dct_logdet': bpd_true_dct,
                             'definition': 'of the 8-bit image, base 2: (-log p(x_norm) + sum log std '
                                           '+ D log 256) / (D ln 2), dequantized test images '
                                           'x = p/255 + u/256 (one draw); "value" uses log|det J| as '
                                           'the reference reports it (DCT pooling term N^2 C log 0.5, '
                                           'not its true determinant); "value_with_true_dct_logdet" '
                                           'uses the true one'},
            'ece': {'value': ece, 'definition': 'top-1, 15 equal-width bins over (0,1]'},
            'reliability_bins': bins,
            'neg_log_px': {'mean': mean_nlp, 'std': std_nlp, 'mean_per_dim': mean_nlp / d,
                           'unit': 'nats',
                           'definition': '-log p(x) of the clean normalized test image: '
                                         '-logsumexp_y(-d_y/2) + log K + D/2 log 2pi - log|det J| '
                                         '(reference log|det J|)'},
            'typicality': {'score': '|-log p(x) - mean_test|', **ood},
        },
        'paper_reported': {'values': PAPER_REPORTED[name], 'note': PAPER_NOTE},
        'datasets': {name: DATASETS[name]['citation'],
                     **({'fashion_mnist': FASHION_CITATION} if name == 'mnist' else {})},
        'evaluated': {'date': datetime.datetime.utcnow().strftime('%Y-%m-%dT%H:%M:%SZ'),
                      'device': str(device), 'torch_version': str(torch.__version__)},
    }
    out = args.out or os.path.join(os.path.dirname(os.path.abspath(args.checkpoint)), 'model_card.json')
    with open(out, 'w') as f:
        json.dump(card, f, indent=1)
    summary = {k: card['measured'][k] for k in ('test_accuracy',)}
    summary.update(bpd=bpd, ece=ece, neg_log_px_mean=mean_nlp,
                   auroc={k: v['auroc'] for k, v in ood.items()})
    print(json.dumps(summary))
    print(f'wrote {out}')


if __name__ == '__main__':
    main()
