/**
 * WGSL programs for tfjs-backend-webgpu that fuse the flow's element-wise tails (see fused.ts).
 * Each follows tfjs-webgpu's WebGPUProgram contract: tfjs declares the output buffer `result`,
 * one read-only buffer per variable name and the uniforms (`size` = output elements), and calls
 * `main(index)` once per output element with a flat dispatch. Layer constants (channel counts,
 * clamp) are baked into the source and the shader key, so each distinct layer shape compiles once.
 * The arithmetic repeats the plain tfjs path op for op (tfjs-webgpu's tanh formula included), so
 * the fused results match it to rounding.
 */

/** The part of tfjs-webgpu's WebGPUProgram these programs fill in (the backend adds the rest). */
export interface FusedProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  size: boolean;
  getUserCode(): string;
}

const WORKGROUP = 64;
/** Threads of the one-workgroup-per-output reductions. */
const REDUCE_WORKGROUP = 256;

const f32Bits = new Float32Array(1);
const u32Bits = new Uint32Array(f32Bits.buffer);
/** An exact f32 literal: the float32 rounding of x, by its bits. */
export function f32(x: number): string {
  f32Bits[0] = x;
  return `bitcast<f32>(${u32Bits[0]}u)`;
}

/** tfjs-webgpu's TANH (unary_op_util), so fused and plain paths agree bit for bit. */
const TANH = `
fn tanhTf(a : f32) -> f32 {
  let e2x = exp(-2.0 * abs(a));
  return sign(a) * (1.0 - e2x) / (1.0 + e2x);
}`;

/** Tree sum over a workgroup of REDUCE_WORKGROUP lanes; call in uniform control flow. */
const WORKGROUP_SUM = `
var<workgroup> partial : array<f32, ${REDUCE_WORKGROUP}>;
fn workgroupSum(v : f32, lane : i32) -> f32 {
  partial[lane] = v;
  workgroupBarrier();
  for (var s = ${REDUCE_WORKGROUP / 2}; s > 0; s = s >> 1u) {
    if (lane < s) {
      partial[lane] = partial[lane] + partial[lane + s];
    }
    workgroupBarrier();
  }
  return partial[0];
}`;

const elements = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** A program with one thread per output element. */
function elementwise(name: string, key: string, variableNames: string[], outputShape: number[], body: string, helpers = ''): FusedProgram {
  return {
    variableNames,
    outputShape,
    shaderKey: `${name}_${key}`,
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: [Math.ceil(elements(outputShape) / WORKGROUP), 1, 1],
    workgroupSize: [WORKGROUP, 1, 1],
    size: true,
    getUserCode: () => `${helpers}
fn main(index : i32) {
  if (index < uniforms.size) {
${body}
  }
}`,
  };
}

/** A program with one workgroup of REDUCE_WORKGROUP threads per output element. */
function reduction(name: string, key: string, variableNames: string[], outputShape: number[], body: string, helpers = ''): FusedProgram {
  return {
    variableNames,
    outputShape,
    shaderKey: `${name}_${key}`,
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: [elements(outputShape), 1, 1],
    workgroupSize: [REDUCE_WORKGROUP, 1, 1],
    size: true,
    getUserCode: () => `${helpers}
${WORKGROUP_SUM}
fn main(index : i32) {
  let group = index / ${REDUCE_WORKGROUP};
  let lane = index % ${REDUCE_WORKGROUP};
${body}
}`,
  };
}

/** Compensated (Kahan) accumulation, so the fused sums are at least as exact as tfjs's. */
const KAHAN = `
struct Kahan { sum : f32, c : f32, };
fn kahanAdd(k : Kahan, term : f32) -> Kahan {
  let y = term - k.c;
  let t = k.sum + y;
  return Kahan(t, (t - k.sum) - y);
}`;

/**
 * AffineCoupling forward tail: y = P(concat(x1, x2·exp(clamp·tanh(0.1 a_s)) + 0.1 a_t)·scale + offset).
 * Inputs X [B,H,W,C], A (subnet output) [B,H,W,2·len2], S scale [C], O offset [C], P permutation [C] (int32).
 */
export function couplingForward(shape: number[], len1: number, len2: number, clamp: number): FusedProgram {
  const c = len1 + len2;
  return elementwise(
    'gcCouplingFwd',
    `${c}_${len1}_${f32(clamp)}`,
    ['X', 'A', 'S', 'O', 'P'],
    shape,
    `
    let pix = index / ${c};
    let j = P[index - pix * ${c}];
    var v = X[pix * ${c} + j];
    if (j >= ${len1}) {
      let a = pix * ${2 * len2} + j - ${len1};
      let logS = ${f32(clamp)} * tanhTf(${f32(0.1)} * A[a]);
      v = v * exp(logS) + ${f32(0.1)} * A[a + ${len2}];
    }
    setOutputAtIndex(index, v * S[j] + O[j]);`,
    TANH,
  );
}

/**
 * The act-norm inverse of channels [from, from + count) of a permuted output: (y[P⁻¹] − offset) / scale.
 * Inputs Y [B,H,W,C], S, O, Q inverse permutation [C] (int32). Output [B,H,W,count].
 */
export function actNormInverseSlice(shape: number[], from: number, count: number): FusedProgram {
  const c = shape[3];
  return elementwise(
    'gcActNormInvSlice',
    `${c}_${from}_${count}`,
    ['Y', 'S', 'O', 'Q'],
    [...shape.slice(0, 3), count],
    `
    let pix = index / ${count};
    let j = index - pix * ${count} + ${from};
    setOutputAtIndex(index, (Y[pix * ${c} + Q[j]] - O[j]) / S[j]);`,
  );
}

/**
 * AffineCoupling inverse tail: x = concat(u1, (u2 − 0.1 a_t)·exp(−clamp·tanh(0.1 a_s))), u = act-norm⁻¹(P⁻¹ y).
 * Inputs Y [B,H,W,C], A [B,H,W,2·len2] (subnet of u1), S, O, Q inverse permutation.
 */
export function couplingInverse(shape: number[], len1: number, len2: number, clamp: number): FusedProgram {
  const c = len1 + len2;
  return elementwise(
    'gcCouplingInv',
    `${c}_${len1}_${f32(clamp)}`,
    ['Y', 'A', 'S', 'O', 'Q'],
    shape,
    `
    let pix = index / ${c};
    let j = index - pix * ${c};
    var v = (Y[pix * ${c} + Q[j]] - O[j]) / S[j];
    if (j >= ${len1}) {
      let a = pix * ${2 * len2} + j - ${len1};
      let logS = ${f32(clamp)} * tanhTf(${f32(0.1)} * A[a]);
      v = (v - ${f32(0.1)} * A[a + ${len2}]) * exp(-logS);
    }
    setOutputAtIndex(index, v);`,
    TANH,
  );
}

/** One log-scale term of a log-determinant: clamp·tanh(factor·a_s) summed over the first k of every 2k channels. */
export interface LogScaleTerm {
  /** Elements per sample of the subnet output. */
  perSample: number;
  /** Channels of a_s (the subnet output has 2k). */
  k: number;
  factor: number;
}

/**
 * Per-sample log-determinant [B]: Σ over the terms of Σ clamp·tanh(factor·a_s), plus a constant
 * (the act-norm's). Inputs A0, A1, … the subnet outputs. One workgroup per sample.
 */
export function logScaleSum(batch: number, terms: LogScaleTerm[], clamp: number, constant: number): FusedProgram {
  const names = terms.map((_, i) => `A${i}`);
  const loops = terms
    .map(
      (t, i) => `
  for (var e = lane; e < ${t.perSample / 2}; e = e + ${REDUCE_WORKGROUP}) {
    let pix = e / ${t.k};
    acc = kahanAdd(acc, ${f32(clamp)} * tanhTf(${f32(t.factor)} * A${i}[group * ${t.perSample} + pix * ${2 * t.k} + e - pix * ${t.k}]));
  }`,
    )
    .join('');
  const key = terms.map((t) => `${t.perSample}_${t.k}_${f32(t.factor)}`).join('_');
  return reduction(
    'gcLogScaleSum',
    `${key}_${f32(clamp)}_${f32(constant)}`,
    names,
    [batch],
    `
  var acc = Kahan(0.0, 0.0);${loops}
  let total = workgroupSum(acc.sum - acc.c, lane);
  if (lane == 0 && group < uniforms.size) {
    setOutputAtIndex(group, total + ${f32(constant)});
  }`,
    `${TANH}\n${KAHAN}`,
  );
}

/**
 * DownsampleCoupling forward, first half: y2 = s2d(x2)·exp(clamp·tanh(0.2 a_s)) + a_t.
 * Inputs X [B,H,W,C], A (strided subnet of x1) [B,H/2,W/2,8·len2]. Output [B,H/2,W/2,4·len2].
 */
export function downsampleForwardHalf(shape: number[], len1: number, len2: number, clamp: number): FusedProgram {
  const [b, h, w, c] = shape;
  const out = 4 * len2;
  return elementwise(
    'gcDownFwdHalf',
    `${h}_${w}_${c}_${len1}_${f32(clamp)}`,
    ['X', 'A'],
    [b, h / 2, w / 2, out],
    `
    let pix = index / ${out};
    let ch = index - pix * ${out};
    ${sourcePixel(h, w, c)}
    let v = X[src + ${len1} + ch / 4];
    let a = pix * ${2 * out} + ch;
    let logS = ${f32(clamp)} * tanhTf(${f32(0.2)} * A[a]);
    setOutputAtIndex(index, v * exp(logS) + A[a + ${out}]);`,
    TANH,
  );
}

/**
 * WGSL computing `src`, the flat index of channel 0 of the full-resolution pixel that
 * space-to-depth puts at low-resolution pixel `pix`, channel `ch` (offset k = ch % 4 = 2·dy + dx).
 */
function sourcePixel(h: number, w: number, c: number): string {
  return `let n = pix / ${(h / 2) * (w / 2)};
    let ij = pix - n * ${(h / 2) * (w / 2)};
    let i = ij / ${w / 2};
    let jj = ij - i * ${w / 2};
    let k = ch % 4;
    let src = ((n * ${h} + 2 * i + k / 2) * ${w} + 2 * jj + k % 2) * ${c};`;
}

/**
 * DownsampleCoupling forward output: P(concat(s2d(x1)·exp(clamp·tanh(0.2 a_s)) + a_t, y2)·scale + offset).
 * Inputs X [B,H,W,C], A (low-res subnet of y2) [B,H/2,W/2,8·len1], Y2 [B,H/2,W/2,4·len2], S, O, P [4C].
 */
export function downsampleForwardOut(shape: number[], len1: number, len2: number, clamp: number): FusedProgram {
  const [b, h, w, c] = shape;
  const c4 = 4 * c;
  const l1 = 4 * len1;
  return elementwise(
    'gcDownFwdOut',
    `${h}_${w}_${c}_${len1}_${f32(clamp)}`,
    ['X', 'A', 'Y2', 'S', 'O', 'P'],
    [b, h / 2, w / 2, c4],
    `
    let pix = index / ${c4};
    let j = P[index - pix * ${c4}];
    var v : f32;
    if (j < ${l1}) {
      let ch = j;
      ${sourcePixel(h, w, c)}
      let a = pix * ${2 * l1} + j;
      let logS = ${f32(clamp)} * tanhTf(${f32(0.2)} * A[a]);
      v = X[src + ch / 4] * exp(logS) + A[a + ${l1}];
    } else {
      v = Y2[pix * ${4 * len2} + j - ${l1}];
    }
    setOutputAtIndex(index, v * S[j] + O[j]);`,
    TANH,
  );
}

/**
 * WGSL computing, for a full-resolution output element (`index` over [B,H,W,channels]), its
 * pixel `pix` and channel `ch` = 4c + 2dy + dx at low resolution.
 */
function lowResPixel(h: number, w: number, channels: number): string {
  return `let q = index / ${channels};
    let cc = index - q * ${channels};
    let n = q / ${h * w};
    let yx = q - n * ${h * w};
    let py = yx / ${w};
    let px = yx - py * ${w};
    let pix = (n * ${h / 2} + py / 2) * ${w / 2} + px / 2;
    let k = 2 * (py % 2) + px % 2;`;
}

/**
 * DownsampleCoupling inverse, first half: x1 = d2s((u1 − a_t)·exp(−clamp·tanh(0.2 a_s))), u = act-norm⁻¹(P⁻¹ y).
 * Inputs Y [B,H/2,W/2,4C], A (low-res subnet of u2) [B,H/2,W/2,8·len1], S, O, Q. Output [B,H,W,len1].
 */
export function downsampleInverseHalf(shape: number[], len1: number, clamp: number): FusedProgram {
  const [b, h, w, c] = shape;
  const c4 = 4 * c;
  const l1 = 4 * len1;
  return elementwise(
    'gcDownInvHalf',
    `${h}_${w}_${c}_${len1}_${f32(clamp)}`,
    ['Y', 'A', 'S', 'O', 'Q'],
    [b, h, w, len1],
    `
    ${lowResPixel(h, w, len1)}
    let ch = 4 * cc + k;
    let u = (Y[pix * ${c4} + Q[ch]] - O[ch]) / S[ch];
    let a = pix * ${2 * l1} + ch;
    let logS = ${f32(clamp)} * tanhTf(${f32(0.2)} * A[a]);
    setOutputAtIndex(index, (u - A[a + ${l1}]) * exp(-logS));`,
    TANH,
  );
}

/**
 * DownsampleCoupling inverse output: concat(x1, d2s((u2 − a_t)·exp(−clamp·tanh(0.2 a_s)))).
 * Inputs X1 [B,H,W,len1], U2 [B,H/2,W/2,4·len2], A (strided subnet of x1) [B,H/2,W/2,8·len2]. Output [B,H,W,C].
 */
export function downsampleInverseOut(shape: number[], len1: number, len2: number, clamp: number): FusedProgram {
  const [, h, w, c] = shape;
  const l2 = 4 * len2;
  return elementwise(
    'gcDownInvOut',
    `${h}_${w}_${c}_${len1}_${f32(clamp)}`,
    ['X1', 'U2', 'A'],
    shape,
    `
    ${lowResPixel(h, w, c)}
    if (cc < ${len1}) {
      setOutputAtIndex(index, X1[q * ${len1} + cc]);
    } else {
      let ch = 4 * (cc - ${len1}) + k;
      let a = pix * ${2 * l2} + ch;
      let logS = ${f32(clamp)} * tanhTf(${f32(0.2)} * A[a]);
      setOutputAtIndex(index, (U2[pix * ${l2} + ch] - A[a + ${l2}]) * exp(-logS));
    }`,
    TANH,
  );
}

/**
 * Gaussian-mixture head, step 1: [B, R+1] with column r < R = z_conv · mu_m[r] and column R = ‖z_fc‖² + ‖z_conv‖².
 * Inputs ZC [B, D], M mu_m [R, D], ZF [B, F]. One workgroup per output.
 */
export function mixtureProjection(batch: number, fcDims: number, convDims: number, rank: number): FusedProgram {
  return reduction(
    'gcMixtureProj',
    `${fcDims}_${convDims}_${rank}`,
    ['ZC', 'M', 'ZF'],
    [batch, rank + 1],
    `
  let b = group / ${rank + 1};
  let r = group - b * ${rank + 1};
  var acc = Kahan(0.0, 0.0);
  if (r < ${rank}) {
    for (var e = lane; e < ${convDims}; e = e + ${REDUCE_WORKGROUP}) {
      acc = kahanAdd(acc, ZC[b * ${convDims} + e] * M[r * ${convDims} + e]);
    }
  } else {
    for (var e = lane; e < ${convDims}; e = e + ${REDUCE_WORKGROUP}) {
      let z = ZC[b * ${convDims} + e];
      acc = kahanAdd(acc, z * z);
    }
    for (var e = lane; e < ${fcDims}; e = e + ${REDUCE_WORKGROUP}) {
      let z = ZF[b * ${fcDims} + e];
      acc = kahanAdd(acc, z * z);
    }
  }
  let total = workgroupSum(acc.sum - acc.c, lane);
  if (lane == 0 && group < uniforms.size) {
    setOutputAtIndex(group, total);
  }`,
    KAHAN,
  );
}

/**
 * Gaussian-mixture head, step 2: the relative logits [B, K], z_fc · mu_fc[k] + (mu_m z_conv) · mu_t[k] − ‖mu_k‖²/2.
 * Inputs ZF [B, F], MF mu_fc [K, F], PR step 1's output [B, R+1], MT mu_t [K, R], MS ‖mu_k‖² [K].
 */
export function mixtureRelativeLogits(batch: number, fcDims: number, rank: number, classes: number): FusedProgram {
  return reduction(
    'gcMixtureRel',
    `${fcDims}_${rank}_${classes}`,
    ['ZF', 'MF', 'PR', 'MT', 'MS'],
    [batch, classes],
    `
  let b = group / ${classes};
  let kk = group - b * ${classes};
  var acc = Kahan(0.0, 0.0);
  for (var e = lane; e < ${fcDims}; e = e + ${REDUCE_WORKGROUP}) {
    acc = kahanAdd(acc, ZF[b * ${fcDims} + e] * MF[kk * ${fcDims} + e]);
  }
  let fc = workgroupSum(acc.sum - acc.c, lane);
  if (lane == 0 && group < uniforms.size) {
    var conv = Kahan(0.0, 0.0);
    for (var r = 0; r < ${rank}; r = r + 1) {
      conv = kahanAdd(conv, PR[b * ${rank + 1} + r] * MT[kk * ${rank} + r]);
    }
    setOutputAtIndex(group, (fc + (conv.sum - conv.c)) - ${f32(0.5)} * MS[kk]);
  }`,
    KAHAN,
  );
}

/** Gaussian-mixture head, step 3: logits = relative − ‖z‖²/2. Inputs REL [B, K], PR [B, R+1]. */
export function mixtureLogits(batch: number, rank: number, classes: number): FusedProgram {
  return elementwise(
    'gcMixtureLogits',
    `${rank}_${classes}`,
    ['REL', 'PR'],
    [batch, classes],
    `
    let b = index / ${classes};
    setOutputAtIndex(index, REL[index] - ${f32(0.5)} * PR[b * ${rank + 1} + ${rank}]);`,
  );
}

/**
 * A subnet's per-channel affine (a BatchNorm not after a conv), optionally with ReLU, on the first
 * `channels` channels of X [B,H,W,C]: relu(x·scale + shift). Inputs X, S [channels], T [channels].
 */
export function affinePrefix(shape: number[], channels: number, relu: boolean): FusedProgram {
  const c = shape[3];
  return elementwise(
    'gcAffine',
    `${c}_${channels}_${relu}`,
    ['X', 'S', 'T'],
    [...shape.slice(0, 3), channels],
    `
    let pix = index / ${channels};
    let j = index - pix * ${channels};
    let v = X[pix * ${c} + j] * S[j] + T[j];
    setOutputAtIndex(index, ${relu ? 'max(v, 0.0)' : 'v'});`,
  );
}
