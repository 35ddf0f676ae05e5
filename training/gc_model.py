"""The generative classifier of Mackowiak et al. (CVPR 2021), written from
shared/docs/reference-gc.md. State-dict keys and node indices follow the authors'
FrEIA graph exactly (`module_list.N.<path>`), so checkpoints convert like theirs.

Every node's forward returns (output, log|det J| per sample); `reverse` inverts it.
"""
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

BN_MOMENTUM = 0.05  # the authors' value


def _init_subnet(seq):
    for m in seq.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
    return seq


def _bn(c):
    return nn.BatchNorm2d(c, momentum=BN_MOMENTUM)


# ---- subnets (indices in state-dict keys count ReLUs, so layer order matters) ----

def bottleneck(cin, cout, width, stride=1):
    """Pre-activation bottleneck; stride sits on the 3x3 conv."""
    return _init_subnet(nn.Sequential(
        _bn(cin), nn.ReLU(),
        nn.Conv2d(cin, width, 1, bias=False), _bn(width), nn.ReLU(),
        nn.Conv2d(width, width, 3, stride=stride, padding=1, bias=False), _bn(width), nn.ReLU(),
        nn.Conv2d(width, 4 * width, 1, bias=False), _bn(4 * width), nn.ReLU(),
        nn.Conv2d(4 * width, cout, 1)))


def entry_strided(cin, cout, width):
    """s_hi of the entry downsampling coupling: stride 2 on the last 3x3 conv."""
    return _init_subnet(nn.Sequential(
        nn.Conv2d(cin, width, 3, padding=1, bias=False), _bn(width), nn.ReLU(),
        nn.Conv2d(width, width, 3, stride=2, padding=1, bias=False), _bn(width), nn.ReLU(),
        nn.Conv2d(width, cout, 1)))


def entry_low_res(cin, cout, width):
    """s_lo of the entry downsampling coupling (last conv has no bias)."""
    return _init_subnet(nn.Sequential(
        nn.Conv2d(cin, width, 3, padding=1, bias=False), _bn(width), nn.ReLU(),
        nn.Conv2d(width, cout, 1, bias=False)))


def conv1x1_net(cin, cout, hidden):
    return _init_subnet(nn.Sequential(
        nn.Conv2d(cin, hidden, 1), nn.ReLU(), nn.Conv2d(hidden, cout, 1)))


# ---- act-norm + fixed channel permutation, shared by both coupling kinds ----

class _ActNormPermute(nn.Module):
    def _init_actnorm_permute(self, channels, act_norm, rng):
        # softplus parametrisation: 0.1*softplus_{beta=0.5}(10*a) ~= a at init
        self.act_norm = nn.Parameter(torch.full((1, channels, 1, 1), 10.0 * act_norm))
        self.act_offset = nn.Parameter(torch.zeros(1, channels, 1, 1))
        w = np.zeros((channels, channels), dtype=np.float32)
        w[np.arange(channels), rng.permutation(channels)] = 1.0
        self.w = nn.Parameter(torch.from_numpy(w).view(channels, channels, 1, 1), requires_grad=False)
        self.w_inv = nn.Parameter(torch.from_numpy(w.T.copy()).view(channels, channels, 1, 1),
                                  requires_grad=False)

    def _scale(self):
        return 0.1 * F.softplus(self.act_norm, beta=0.5)

    def _actnorm_logdet(self, hw):
        return hw * torch.log(self._scale() + 1e-12).sum()

    def _permute(self, x):
        return F.conv2d(x * self._scale() + self.act_offset, self.w)

    def _unpermute(self, y):
        return (F.conv2d(y, self.w_inv) - self.act_offset) / self._scale()


class Coupling(_ActNormPermute):
    """AIO_SlowCouplingBlock: affine coupling, then act-norm and permutation."""

    def __init__(self, channels, subnet_constructor, clamp, act_norm, rng):
        super().__init__()
        self.len1 = channels - channels // 2
        self.len2 = channels // 2
        self.clamp = clamp
        self._init_actnorm_permute(channels, act_norm, rng)
        self.s = subnet_constructor(self.len1, 2 * self.len2)

    def _log_s(self, a):
        return self.clamp * torch.tanh(0.1 * a[:, :self.len2])

    def forward(self, x):
        x1, x2 = torch.split(x, [self.len1, self.len2], dim=1)
        a = self.s(x1)
        log_s = self._log_s(a)
        x2 = x2 * torch.exp(log_s) + 0.1 * a[:, self.len2:]
        out = torch.cat((x1, x2), 1)
        logdet = log_s.sum(dim=(1, 2, 3)) + self._actnorm_logdet(out.shape[2] * out.shape[3])
        return self._permute(out), logdet

    def reverse(self, y):
        y = self._unpermute(y)
        x1, x2 = torch.split(y, [self.len1, self.len2], dim=1)
        a = self.s(x1)
        x2 = (x2 - 0.1 * a[:, self.len2:]) * torch.exp(-self._log_s(a))
        return torch.cat((x1, x2), 1)


def _space_to_depth_kernels(n):
    """Grouped stride-2 kernels: output channel 4c+k = input c at offset k."""
    k = torch.zeros(4, 1, 2, 2)
    k[0, 0, 0, 0] = k[1, 0, 0, 1] = k[2, 0, 1, 0] = k[3, 0, 1, 1] = 1.0
    return k.repeat(n, 1, 1, 1)


class DownsampleCoupling(_ActNormPermute):
    """AIO_DownsampleCouplingBlock: C -> 4C channels at half resolution."""

    def __init__(self, channels, strided_constructor, low_res_constructor, clamp, act_norm, rng):
        super().__init__()
        self.len1 = channels - channels // 2
        self.len2 = channels // 2
        self.clamp = clamp
        self.s_hi = strided_constructor(self.len1, 8 * self.len2)
        self.s_lo = low_res_constructor(4 * self.len2, 8 * self.len1)
        self.reshape_kernels = nn.ParameterList([
            nn.Parameter(_space_to_depth_kernels(n), requires_grad=False)
            for n in (self.len1, self.len2)])
        self._init_actnorm_permute(4 * channels, act_norm, rng)

    def _down(self, x, i):
        return F.conv2d(x, self.reshape_kernels[i], stride=2, groups=x.shape[1])

    def _up(self, x, i):
        return F.conv_transpose2d(x, self.reshape_kernels[i], stride=2, groups=x.shape[1] // 4)

    def _log_s(self, a, n):
        return self.clamp * torch.tanh(0.2 * a[:, :n])

    def forward(self, x):
        x1, x2 = torch.split(x, [self.len1, self.len2], dim=1)
        n2, n1 = 4 * self.len2, 4 * self.len1
        a1 = self.s_hi(x1)
        log_s2 = self._log_s(a1, n2)
        y2 = self._down(x2, 1) * torch.exp(log_s2) + a1[:, n2:]
        a2 = self.s_lo(y2)
        log_s1 = self._log_s(a2, n1)
        y1 = self._down(x1, 0) * torch.exp(log_s1) + a2[:, n1:]
        out = torch.cat((y1, y2), 1)
        logdet = (log_s1.sum(dim=(1, 2, 3)) + log_s2.sum(dim=(1, 2, 3))
                  + self._actnorm_logdet(out.shape[2] * out.shape[3]))
        return self._permute(out), logdet

    def reverse(self, y):
        y = self._unpermute(y)
        n1, n2 = 4 * self.len1, 4 * self.len2
        y1, y2 = torch.split(y, [n1, n2], dim=1)
        a2 = self.s_lo(y2)
        x1 = self._up((y1 - a2[:, n1:]) * torch.exp(-self._log_s(a2, n1)), 0)
        a1 = self.s_hi(x1)
        x2 = self._up((y2 - a1[:, n2:]) * torch.exp(-self._log_s(a1, n2)), 1)
        return torch.cat((x1, x2), 1)


class HaarDownsampling(nn.Module):
    """Haar wavelets, ordered by wavelet, rebalance 0.5 (factor 0.25)."""

    def __init__(self, channels, rebalance=0.5):
        super().__init__()
        self.channels = channels
        self.fac_fwd = 0.5 * rebalance
        self.fac_rev = 0.5 / rebalance
        k = torch.ones(4, 1, 2, 2)
        k[1, 0, 0, 1] = k[1, 0, 1, 1] = -1
        k[2, 0, 1, 0] = k[2, 0, 1, 1] = -1
        k[3, 0, 1, 0] = k[3, 0, 0, 1] = -1
        self.haar_weights = nn.Parameter(k.repeat(channels, 1, 1, 1), requires_grad=False)
        # channel 4c+k -> position k*C + c
        perm = [k_ + 4 * c for k_ in range(4) for c in range(channels)]
        self.register_buffer('perm', torch.tensor(perm), persistent=False)
        self.register_buffer('perm_inv', torch.argsort(torch.tensor(perm)), persistent=False)

    def forward(self, x):
        out = F.conv2d(x, self.haar_weights, stride=2, groups=self.channels)[:, self.perm] * self.fac_fwd
        n_el = x.shape[1] * x.shape[2] * x.shape[3]
        logdet = n_el / 4 * (math.log(16.0) + 4 * math.log(self.fac_fwd))
        return out, x.new_full((x.shape[0],), logdet)

    def reverse(self, y):
        return F.conv_transpose2d(y[:, self.perm_inv] * self.fac_rev, self.haar_weights,
                                  stride=2, groups=self.channels)


def dct_matrix(n):
    """Unnormalized DCT-II: C[k, m] = 2 cos(pi k (2m+1) / 2n)."""
    k = np.arange(n)[:, None]
    m = np.arange(n)[None, :]
    return 2.0 * np.cos(np.pi * k * (2 * m + 1) / (2 * n))


class DCTPooling(nn.Module):
    """DCT along width then height, flattened as (k_w, k_h, c); rebalance 0.5.

    Reports log|det J| = N^2 C log(rebalance) like the reference, which is not the
    true determinant; `true_logdet()` gives the true one."""

    def __init__(self, channels, n, rebalance=0.5):
        super().__init__()
        self.channels, self.n, self.rebalance = channels, n, rebalance
        self.factor = 1.0 / (2 * (n + 1) / rebalance)
        c = dct_matrix(n)
        self.weight = nn.Parameter(torch.tensor(c, dtype=torch.float32), requires_grad=False)
        self.inv_weight = nn.Parameter(torch.tensor(np.linalg.inv(c), dtype=torch.float32),
                                       requires_grad=False)

    def forward(self, x):
        out = F.linear(x, self.weight)                       # along width -> k_w
        out = F.linear(out.transpose(-1, -2), self.weight)   # along height; now [B,C,k_w,k_h]
        out = out.permute(0, 2, 3, 1).reshape(x.shape[0], -1) * self.factor
        logdet = self.n ** 2 * self.channels * math.log(self.rebalance)
        return out, x.new_full((x.shape[0],), logdet)

    def reverse(self, z):
        x = z.view(z.shape[0], self.n, self.n, self.channels).permute(0, 3, 1, 2)  # [B,C,k_w,k_h]
        x = F.linear(x, self.inv_weight)                     # k_h -> height
        x = F.linear(x.transpose(-1, -2), self.inv_weight)   # k_w -> width; [B,C,H,W]
        return x / self.factor

    def true_logdet(self):
        _, logabs = np.linalg.slogdet(dct_matrix(self.n))
        return self.channels * (2 * self.n * logabs + self.n ** 2 * math.log(self.factor))


class PermuteRandom(nn.Module):
    """Fixed permutation numpy.random.seed(seed); permutation(n): out[i] = in[perm[i]]."""

    def __init__(self, n, seed=0):
        super().__init__()
        perm = np.random.RandomState(seed).permutation(n)
        self.register_buffer('perm', torch.from_numpy(perm), persistent=False)
        self.register_buffer('perm_inv', torch.from_numpy(np.argsort(perm)), persistent=False)

    def forward(self, z):
        return z[:, self.perm]

    def reverse(self, z):
        return z[:, self.perm_inv]


class Placeholder(nn.Module):
    """Parameterless graph node (input, output nodes, split): keeps indices aligned."""

    def __init__(self, kind):
        super().__init__()
        self.kind = kind


class GCGraph(nn.Module):
    """The invertible network; node i of the authors' graph is self.module_list[i].

    entry='downsample_haar' (RGB, the released model): downsampling coupling, Haar,
    1x1 coupling. entry='haar' (grayscale): Haar, 1x1 coupling. Then one stage per
    entry of `blocks`; a stride-2 stage opens with a downsampling coupling. Stage i
    has bottleneck width base_width * 2**i (planes 64*2**i as in the reference)."""

    def __init__(self, input_shape, n_loss, base_width, blocks, strides, clamp=0.7,
                 act_norm=0.7, entry='downsample_haar', seed=0):
        super().__init__()
        rng = np.random.RandomState(seed)
        self.input_shape = tuple(input_shape)
        c, h, w = input_shape
        nodes = [Placeholder('input')]
        if entry == 'downsample_haar':
            nodes.append(DownsampleCoupling(
                c, lambda i, o: entry_strided(i, o, base_width),
                lambda i, o: entry_low_res(i, o, base_width), clamp, act_norm, rng))
            c, h, w = 4 * c, h // 2, w // 2
        elif entry != 'haar':
            raise ValueError(entry)
        nodes.append(HaarDownsampling(c))
        c, h, w = 4 * c, h // 2, w // 2
        nodes.append(Coupling(c, lambda i, o, hid=c: conv1x1_net(i, o, hid), clamp, act_norm, rng))
        for stage, (n_blocks, stride) in enumerate(zip(blocks, strides)):
            width = int(64 * 2 ** stage * base_width / 64)
            for b in range(n_blocks):
                if b == 0 and stride == 2:
                    nodes.append(DownsampleCoupling(
                        c, lambda i, o, wd=width: bottleneck(i, o, wd, 2),
                        lambda i, o, wd=width: bottleneck(i, o, wd, 1), clamp, act_norm, rng))
                    c, h, w = 4 * c, h // 2, w // 2
                else:
                    nodes.append(Coupling(c, lambda i, o, wd=width: bottleneck(i, o, wd, 1),
                                          clamp, act_norm, rng))
        assert h == w, 'DCT pooling needs a square map'
        self.n_backbone = len(nodes)
        self.final_shape = (c, h, w)
        self.n_dims = c * h * w
        self.n_loss = n_loss
        nodes.append(Placeholder('out_fc'))
        nodes.append(DCTPooling(c, h))
        nodes.append(Placeholder('out_conv'))
        nodes.append(PermuteRandom(n_loss, 0))
        nodes.append(Placeholder('split'))
        self.module_list = nn.ModuleList(nodes)

    @property
    def dct(self):
        return self.module_list[self.n_backbone + 1]

    @property
    def permute(self):
        return self.module_list[self.n_backbone + 3]

    def forward(self, x, node_outputs=None):
        """Returns z_fc, z_conv, log|det J|. node_outputs (a dict) collects node outputs."""
        logdet = x.new_zeros(x.shape[0])
        for i in range(1, self.n_backbone):
            x, j = self.module_list[i](x)
            logdet = logdet + j
            if node_outputs is not None:
                node_outputs[i] = x
        z, j = self.dct(x)
        logdet = logdet + j
        z_fc, z_conv = z[:, :self.n_loss], z[:, self.n_loss:]
        z_fc_perm = self.permute(z_fc)
        if node_outputs is not None:
            node_outputs[self.n_backbone + 1] = z
            node_outputs[self.n_backbone + 3] = z_fc_perm
            node_outputs[self.n_backbone + 4] = z_fc
        return z_fc_perm, z_conv, logdet

    def reverse(self, z_fc, z_conv):
        x = self.dct.reverse(torch.cat((self.permute.reverse(z_fc), z_conv), 1))
        for i in range(self.n_backbone - 1, 0, -1):
            x = self.module_list[i].reverse(x)
        return x


class GenerativeClassifier(nn.Module):
    """Invertible network + class-conditional unit-covariance Gaussian mixture with
    full means on z_fc (`mu`) and low-rank means mu_t @ mu_m on z_conv."""

    def __init__(self, input_shape, n_classes, n_loss, low_rank, base_width, blocks, strides,
                 clamp=0.7, act_norm=0.7, entry='downsample_haar', mu_init=5.0,
                 mu_conv_init=0.01, seed=0):
        super().__init__()
        self.inn = GCGraph(input_shape, n_loss, base_width, blocks, strides, clamp, act_norm,
                           entry, seed)
        self.n_classes = n_classes
        self.n_dims = self.inn.n_dims
        gen = torch.Generator().manual_seed(seed)
        mu = torch.zeros(1, n_classes, n_loss)
        scale = mu_init / math.sqrt(2 * (n_loss // n_classes))
        for k in range(n_loss // n_classes):
            mu[0, :, n_classes * k:n_classes * (k + 1)] = scale * torch.eye(n_classes)
        self.mu = nn.Parameter(mu)
        self.mu_t = nn.Parameter(mu_conv_init * torch.randn(n_classes, low_rank, generator=gen))
        self.mu_m = nn.Parameter(mu_conv_init * torch.randn(low_rank, self.n_dims - n_loss,
                                                            generator=gen))

    def logits(self, z_fc, z_conv):
        """-d_y/2; the conv part never materializes mu_t @ mu_m."""
        mu = self.mu[0]
        d_fc = (z_fc ** 2).sum(1, keepdim=True) - 2 * z_fc @ mu.t() + (mu ** 2).sum(1)[None]
        proj = z_conv @ self.mu_m.t()                                   # [B, r]
        gram = self.mu_m @ self.mu_m.t()                                # [r, r]
        mu_sq = ((self.mu_t @ gram) * self.mu_t).sum(1)                 # [K]
        d_conv = (z_conv ** 2).sum(1, keepdim=True) - 2 * proj @ self.mu_t.t() + mu_sq[None]
        return -0.5 * (d_fc + d_conv)

    def forward(self, x):
        z_fc, z_conv, logdet = self.inn(x)
        return self.logits(z_fc, z_conv), logdet

    def nll_joint(self, logits, logdet):
        """The reference's per-dim NLL, constants dropped."""
        return (-torch.logsumexp(logits, 1) - logdet) / self.n_dims

    def neg_log_px(self, logits, logdet):
        """-log p(x) in nats of the normalized input, uniform class prior, all constants."""
        return (-torch.logsumexp(logits, 1) + math.log(self.n_classes)
                + 0.5 * self.n_dims * math.log(2 * math.pi) - logdet)

    def export_dict(self, gclens):
        return {'inn': {k: v.detach().cpu().clone() for k, v in self.inn.state_dict().items()},
                'mu': self.mu.detach().cpu().clone(),
                'mu_t': self.mu_t.detach().cpu().clone(),
                'mu_m': self.mu_m.detach().cpu().clone(),
                'gclens': gclens}


def build_from_config(cfg):
    """Builds the model described by a checkpoint's `gclens` dict."""
    return GenerativeClassifier(cfg['input_shape'], cfg['n_classes'], cfg['n_loss'], cfg['low_rank'],
                                cfg['base_width'], cfg['blocks'], cfg['strides'], cfg['clamp'],
                                cfg['act_norm'], cfg['entry'], seed=cfg.get('seed', 0))


def load_checkpoint(path, device='cpu'):
    """Loads an exported checkpoint (train.py's --out) into a model in eval mode."""
    ckpt = torch.load(path, map_location='cpu', weights_only=False)  # our own files
    model = build_from_config(ckpt['gclens'])
    model.inn.load_state_dict(ckpt['inn'], strict=True)
    for name in ('mu', 'mu_t', 'mu_m'):
        getattr(model, name).data.copy_(ckpt[name])
    return model.to(device).eval(), ckpt['gclens']
