"""Train a generative classifier (IB-INN objective) on MNIST or CIFAR-10.

loss = nll_joint / (1+beta) + beta/(1+beta) * cross_entropy(label-smoothed),
nll_joint = (-logsumexp_y(-d_y/2) - log|det J|) / D  (the reference's definition).

Writes every epoch: <out> (the exported checkpoint, no optimizer) and
<run-dir>/resume.pt (model + optimizer + RNG state; pass it to --resume).
"""
import argparse
import json
import math
import os
import platform
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import DATASETS, DEFAULT_DATA_DIR, load_split, normalize, train_batch  # noqa: E402
from from_package import load_package_into  # noqa: E402
from gc_model import build_from_config  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def int_list(s):
    return [int(v) for v in s.split(',')]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--dataset', choices=sorted(DATASETS), default='mnist')
    p.add_argument('--data-dir', default=DEFAULT_DATA_DIR)
    p.add_argument('--base-width', type=int, default=16)
    p.add_argument('--blocks', type=int_list, default=None, help='blocks per stage, e.g. 3,4')
    p.add_argument('--strides', type=int_list, default=None, help='stride per stage (1 or 2)')
    p.add_argument('--n-loss', type=int, default=None, help='dims with full class means (z_fc)')
    p.add_argument('--low-rank', type=int, default=16, help='rank of the z_conv class means')
    p.add_argument('--clamp', type=float, default=0.7)
    p.add_argument('--act-norm', type=float, default=0.7)
    p.add_argument('--mu-init', type=float, default=5.0)
    p.add_argument('--beta', type=float, default=1.0, help='IB weight; inf = cross-entropy only')
    p.add_argument('--label-smoothing', type=float, default=0.05)
    p.add_argument('--epochs', type=int, default=10)
    p.add_argument('--batch-size', type=int, default=128)
    p.add_argument('--optimizer', choices=['adam', 'sgd'], default='adam')
    p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument('--weight-decay', type=float, default=1e-5)
    p.add_argument('--actnorm-lr-mult', type=float, default=20.0,
                   help='lr multiplier for act-norm scales/offsets (their softplus moves slowly)')
    p.add_argument('--warmup-steps', type=int, default=300)
    p.add_argument('--clip-grad', type=float, default=8.0)
    p.add_argument('--no-augment', action='store_true')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--limit', type=int, default=None, help='train on the first N images only')
    p.add_argument('--test-limit', type=int, default=None, help='test on the first N test images')
    p.add_argument('--max-steps', type=int, default=None, help='stop after this many steps (smoke)')
    p.add_argument('--time-budget', type=float, default=None,
                   help='seconds of training: the lr schedule then follows elapsed time, and '
                        'training stops when it is spent (--epochs stays an upper bound)')
    p.add_argument('--test-every', type=int, default=1, help='test accuracy every N epochs (and at the end)')
    p.add_argument('--threads', type=int, default=1, help='torch CPU threads')
    p.add_argument('--run-dir', default=None, help='resume file and history (default training/runs/<name>)')
    p.add_argument('--out', default=None, help='exported checkpoint (default <run-dir>/model.pt)')
    p.add_argument('--resume', default=None, help='a resume.pt written by this script')
    p.add_argument('--init', default=None,
                   help='warm start: weights from an exported checkpoint (.pt) or a converted '
                        'package folder (public/models/<id>); optimizer and schedule start fresh')
    return p.parse_args(argv)


def default_topology(args):
    """Defaults per data set; see training/README.md for the reasoning."""
    if args.dataset == 'mnist':
        # Haar 1->4 ch (14x14), 1x1 coupling, stage 0 at 14x14, stage 1 opens with a
        # downsampling coupling -> 16x7x7 (odd map, as the released model's 7x7).
        return dict(entry='haar', blocks=args.blocks or [3, 4], strides=args.strides or [1, 2],
                    n_loss=args.n_loss or 160)
    # CIFAR-10: downsampling coupling 3->12 (16x16), Haar -> 48x8x8, 1x1 coupling,
    # stages; strides [1,1,2] end on 192x4x4.
    return dict(entry='downsample_haar', blocks=args.blocks or [2, 2, 2],
                strides=args.strides or [1, 1, 2], n_loss=args.n_loss or 1000)


def hardware_string(device):
    if device.type == 'cuda':
        return torch.cuda.get_device_name(device)
    cpu = platform.processor() or 'CPU'
    try:
        with open('/proc/cpuinfo') as f:
            cpu = next(l.split(':', 1)[1].strip() for l in f if l.startswith('model name'))
    except (OSError, StopIteration):
        pass
    return f'{cpu} ({torch.get_num_threads()} thread(s))'


def make_config(args, topo):
    spec = DATASETS[args.dataset]
    return {
        'format': 'gclens-gc/1', 'dataset': args.dataset, 'input_shape': list(spec['shape']),
        'n_classes': len(spec['class_names']), 'class_names': list(spec['class_names']),
        'mean': list(spec['mean']), 'std': list(spec['std']),
        'entry': topo['entry'], 'blocks': list(topo['blocks']), 'strides': list(topo['strides']),
        'base_width': args.base_width, 'n_loss': topo['n_loss'], 'low_rank': args.low_rank,
        'clamp': args.clamp, 'act_norm': args.act_norm, 'haar_rebalance': 0.5, 'dct_rebalance': 0.5,
        'permute_seed': 0, 'beta': args.beta if math.isfinite(args.beta) else 'inf',
        'label_smoothing': args.label_smoothing, 'batch_size': args.batch_size,
        'optimizer': args.optimizer, 'lr': args.lr, 'epochs': args.epochs, 'seed': args.seed,
        'train_images': args.limit or 0, 'augment': not args.no_augment,
    }


def ib_loss(model, logits, logdet, labels, beta, smoothing):
    k = logits.shape[1]
    y = torch.full_like(logits, smoothing / k)
    y.scatter_(1, labels[:, None], 1 - smoothing + smoothing / k)
    ce = -(y * torch.log_softmax(logits, 1)).sum(1).mean()
    nll = model.nll_joint(logits, logdet).mean()
    if math.isinf(beta):
        return ce, nll, ce
    return nll / (1 + beta) + beta / (1 + beta) * ce, nll, ce


@torch.no_grad()
def test_accuracy(model, images, labels, cfg, device, batch=500):
    model.eval()
    correct, nll_sum = 0, 0.0
    for i in range(0, len(images), batch):
        x = normalize(torch.from_numpy(images[i:i + batch]).to(device).float() / 255.0,
                      cfg['mean'], cfg['std'])
        logits, logdet = model(x)
        correct += (logits.argmax(1).cpu() == torch.from_numpy(labels[i:i + batch])).sum().item()
        nll_sum += model.nll_joint(logits, logdet).sum().item()
    model.train()
    return correct / len(images), nll_sum / len(images)


def warm_start(model, source, train_x, cfg, device):
    """Loads `source` (checkpoint file or package folder) into the freshly built model; returns
    what the card says about it (`init_from`: where the weights came from and how they were trained)."""
    if os.path.isdir(source):
        gen = torch.Generator().manual_seed(0)
        x = torch.from_numpy(train_x[:5000]).float() / 255.0
        calib = normalize(x + torch.rand(x.shape, generator=gen) / 256.0, cfg['mean'], cfg['std'])
        spec = load_package_into(model, source, calib.to(device))
        before = spec.get('card', {}).get('training', {})
        origin = {'package': spec.get('id', os.path.basename(os.path.normpath(source)))}
    else:
        ckpt = torch.load(source, map_location='cpu', weights_only=False)
        model.inn.load_state_dict(ckpt['inn'], strict=True)
        for name in ('mu', 'mu_t', 'mu_m'):
            getattr(model, name).data.copy_(ckpt[name])
        before = ckpt.get('gclens', {})
        origin = {'checkpoint': os.path.basename(source)}
    model.train()
    print(f'warm start from {source}', flush=True)
    return dict(origin, **{k: before[k] for k in ('beta', 'epochs_done', 'train_seconds', 'init_from') if k in before})


def atomic_save(obj, path):
    tmp = path + '.tmp'
    torch.save(obj, tmp)
    os.replace(tmp, path)


def lr_at(step, total, args, elapsed):
    """Linear warm-up, then cosine decay over steps (or over the time budget)."""
    if step < args.warmup_steps:
        return args.lr * (step + 1) / args.warmup_steps
    t = (step - args.warmup_steps) / max(1, total - args.warmup_steps)
    if args.time_budget:
        t = max(t, elapsed / args.time_budget)
    return args.lr * 0.5 * (1 + math.cos(math.pi * min(1.0, t)))


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    if device.type == 'cuda':
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = True

    resume = None
    if args.resume:
        resume = torch.load(args.resume, map_location='cpu', weights_only=False)
    if resume:  # the run's own settings win, except where to write and how long
        saved = resume['args']
        for k in ('epochs', 'threads', 'max_steps', 'time_budget', 'test_every', 'out', 'run_dir',
                  'data_dir'):
            saved[k] = getattr(args, k) if getattr(args, k) is not None else saved.get(k)
        args = argparse.Namespace(**saved)
    name = f'{args.dataset}-w{args.base_width}-b{args.beta:g}-s{args.seed}'
    args.run_dir = args.run_dir or os.path.join(HERE, 'runs', name)
    os.makedirs(args.run_dir, exist_ok=True)
    args.out = args.out or os.path.join(args.run_dir, 'model.pt')
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)

    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    topo = default_topology(args)
    cfg = make_config(args, topo)
    model = build_from_config(cfg).to(device)
    n_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    print(f'{name}: {n_params / 1e6:.3f} M trainable parameters (class means included), '
          f'final map {model.inn.final_shape}, {len(model.inn.module_list)} graph nodes, '
          f'device {device}', flush=True)

    train_x, train_y = load_split(args.dataset, 'train', args.data_dir, args.limit)
    train_x_dev = torch.from_numpy(train_x).to(device)  # uint8; fits any GPU
    train_y_dev = torch.from_numpy(train_y).to(device)
    test_x, test_y = load_split(args.dataset, 'test', args.data_dir, args.test_limit)
    if getattr(args, 'init', None) and not resume:
        cfg['init_from'] = warm_start(model, args.init, train_x, cfg, device)
    elif resume and 'init_from' in resume:
        cfg['init_from'] = resume['init_from']
    steps_per_epoch = len(train_x) // args.batch_size
    if steps_per_epoch == 0:
        raise SystemExit('fewer training images than one batch')
    total_steps = steps_per_epoch * args.epochs

    inn_params = [p for p in model.inn.parameters() if p.requires_grad]
    actnorm = [p for n, p in model.inn.named_parameters() if n.endswith(('.act_norm', '.act_offset'))]
    others = [p for p in inn_params if all(p is not q for q in actnorm)]
    mult = getattr(args, 'actnorm_lr_mult', 1.0)
    groups = [{'params': others, 'weight_decay': args.weight_decay, 'lr_mult': 1.0},
              {'params': actnorm, 'weight_decay': 0.0, 'lr_mult': mult},
              {'params': [model.mu, model.mu_t, model.mu_m], 'weight_decay': 0.0, 'lr_mult': 1.0}]
    if args.optimizer == 'adam':
        opt = torch.optim.Adam(groups, lr=args.lr)
    else:
        opt = torch.optim.SGD(groups, lr=args.lr, momentum=0.9)

    gen = torch.Generator().manual_seed(args.seed)
    epoch, step, elapsed = 0, 0, 0.0
    if resume:
        model.load_state_dict(resume['model'])
        opt.load_state_dict(resume['optimizer'])
        gen.set_state(resume['generator'])
        epoch, step, elapsed = resume['epoch'], resume['step'], resume['train_seconds']
        print(f'resumed at epoch {epoch}, step {step}', flush=True)
    hardware = hardware_string(device)

    model.train()
    out_of_time = False
    while epoch < args.epochs and not out_of_time:
        order = torch.randperm(len(train_x), generator=gen).numpy()
        t0 = time.time()
        sums = torch.zeros(4, dtype=torch.float64, device=device)  # no per-step GPU sync
        for i in range(steps_per_epoch):
            idx = torch.from_numpy(order[i * args.batch_size:(i + 1) * args.batch_size]).to(device)
            xb, yb = train_x_dev[idx], train_y_dev[idx]
            x = train_batch(xb, args.dataset, gen, not args.no_augment)
            x = normalize(x, cfg['mean'], cfg['std'])
            lr = lr_at(step, total_steps, args, elapsed + time.time() - t0)
            for g in opt.param_groups:
                g['lr'] = lr * g['lr_mult']
            logits, logdet = model(x)
            loss, nll, ce = ib_loss(model, logits, logdet, yb, args.beta, args.label_smoothing)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(inn_params, args.clip_grad)
            opt.step()
            step += 1
            acc = (logits.detach().argmax(1) == yb).double().mean()
            sums += torch.stack([loss.detach().double(), nll.detach().double(),
                                 ce.detach().double(), acc])
            if step % 100 == 0 and not torch.isfinite(sums).all():
                raise SystemExit(f'non-finite loss before step {step}')
            if args.max_steps and step >= args.max_steps:
                break
            if args.time_budget and elapsed + time.time() - t0 >= args.time_budget:
                out_of_time = True
                break
        n = i + 1
        sums = sums.cpu().numpy()
        if not np.isfinite(sums).all():
            raise SystemExit(f'non-finite loss in epoch {epoch + 1}')
        epoch += 1
        elapsed += time.time() - t0
        last = epoch >= args.epochs or out_of_time or (args.max_steps and step >= args.max_steps)
        test_acc, test_nll = (test_accuracy(model, test_x, test_y, cfg, device)
                              if last or epoch % args.test_every == 0 else (None, None))
        record = dict(epoch=epoch, step=step, loss=sums[0] / n, nll=sums[1] / n, ce=sums[2] / n,
                      train_acc=sums[3] / n, test_acc=test_acc, test_nll_joint=test_nll,
                      train_seconds=round(elapsed, 1), lr=opt.param_groups[0]['lr'])
        print(json.dumps(record), flush=True)
        with open(os.path.join(args.run_dir, 'history.jsonl'), 'a') as f:
            f.write(json.dumps(record) + '\n')

        gclens = dict(cfg, epochs_done=epoch, train_seconds=round(elapsed, 1), hardware=hardware,
                      torch_version=str(torch.__version__))
        if test_acc is not None:
            gclens['test_accuracy'] = test_acc
        atomic_save(model.export_dict(gclens), args.out)
        atomic_save({'model': model.state_dict(), 'optimizer': opt.state_dict(), 'epoch': epoch,
                     'step': step, 'train_seconds': elapsed, 'generator': gen.get_state(),
                     'args': vars(args), **({'init_from': cfg['init_from']} if 'init_from' in cfg else {})}, os.path.join(args.run_dir, 'resume.pt'))
        if args.max_steps and step >= args.max_steps:
            break
    print(f'done: {args.out}', flush=True)


if __name__ == '__main__':
    main()
