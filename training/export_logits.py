"""Run a checkpoint on the first N test images and write reference outputs for the
TypeScript runtime to compare with.

Writes to --out-dir (float32 little-endian, C order):
  x.f32        [N,C,H,W] the normalized input that was used (clean, no noise)
  logits.f32   [N,K]     -d_y/2
  z_fc.f32     [N,n_loss], z_conv.f32 [N,D-n_loss], log_jac.f32 [N] (reference log|det J|)
  labels.u8    [N]
  outputs.json shapes, file names, the checkpoint's config
Computed in float64 from the float32 weights (as the reference fixtures are), unless
--float32.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import DEFAULT_DATA_DIR, load_split, normalize  # noqa: E402
from gc_model import load_checkpoint  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('checkpoint')
    p.add_argument('--n', type=int, default=8)
    p.add_argument('--out-dir', required=True)
    p.add_argument('--data-dir', default=DEFAULT_DATA_DIR)
    p.add_argument('--float32', action='store_true')
    args = p.parse_args(argv)
    torch.set_num_threads(1)

    model, cfg = load_checkpoint(args.checkpoint)
    images, labels = load_split(cfg['dataset'], 'test', args.data_dir, args.n)
    x = normalize(torch.from_numpy(images).float() / 255.0, cfg['mean'], cfg['std']).float()
    if not args.float32:
        model = model.double()
    with torch.no_grad():
        z_fc, z_conv, log_jac = model.inn(x.to(next(model.parameters()).dtype))
        logits = model.logits(z_fc, z_conv)

    os.makedirs(args.out_dir, exist_ok=True)
    arrays = {'x': x, 'logits': logits, 'z_fc': z_fc, 'z_conv': z_conv, 'log_jac': log_jac}
    manifest = {}
    for name, t in arrays.items():
        a = t.detach().cpu().numpy().astype('<f4')
        a.tofile(os.path.join(args.out_dir, f'{name}.f32'))
        manifest[name] = {'file': f'{name}.f32', 'shape': list(a.shape),
                          'dtype': 'float32 little-endian, C order'}
    labels.astype(np.uint8).tofile(os.path.join(args.out_dir, 'labels.u8'))
    manifest['labels'] = {'file': 'labels.u8', 'shape': [len(labels)], 'dtype': 'uint8'}
    manifest['computed_in'] = 'float32' if args.float32 else 'float64 from float32 weights'
    manifest['checkpoint'] = os.path.abspath(args.checkpoint)
    manifest['gclens'] = cfg
    with open(os.path.join(args.out_dir, 'outputs.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
    pred = logits.argmax(1).numpy()
    print(f'wrote {args.out_dir}: {len(labels)} images, predictions {pred.tolist()}, '
          f'labels {labels.tolist()}')


if __name__ == '__main__':
    main()
