/** The in-page probe of npm run bench:explorer and the steps it times in the built app. */
import type { Page } from 'playwright-core';

/**
 * In-page probe, as plain JavaScript (functions passed to page.evaluate would carry the bundler's helpers).
 * Times are taken with the page's clock: input event → store update (state) → first animation frame at
 * which the new result is on screen (shown), polled once per frame. Every wait has a stated limit (ms).
 */
const PROBE = `(() => {
  const { store } = window.gcLens;
  const BARS = '[data-testid="posterior-chart"] rect.bar';
  const frame = () => new Promise((r) => requestAnimationFrame(() => r(performance.now())));
  const untilShown = async (check, limitMs, what) => {
    const start = performance.now();
    for (;;) {
      const t = await frame();
      if (check()) return t;
      if (t - start > limitMs) throw new Error(what + ' was not shown within ' + limitMs / 1000 + ' s');
    }
  };
  const hash = (canvases) => {
    let h = 0;
    for (const canvas of canvases) {
      const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 0; i < d.length; i++) h = (Math.imul(h, 31) + d[i]) | 0;
    }
    return h;
  };
  const canvases = (testId) => [...document.querySelectorAll('[data-testid="' + testId + '"] canvas')];
  /** The page's time at which done(state) first holds, from now on. */
  const stateTime = (done) => {
    let at = null;
    const stop = store.subscribe((s) => { if (at === null && done(s)) at = performance.now(); });
    return () => { stop(); return at; };
  };
  const failed = (task, what) => { if (task.status === 'failed') throw new Error(what + ' failed: ' + task.message); };
  const dropEvent = (file) => {
    const dt = new DataTransfer();
    dt.items.add(file);
    document.querySelector('main').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  };
  window.benchProbe = {
    /** Nothing computing, and every panel's result for the current image there. */
    settled() {
      const s = store.getState();
      return !s.classifying && !s.loading && !s.conversion && s.classification !== null && s.reconstruction !== null && s.map.status !== 'running' && s.samples.status !== 'running' &&
        s.interpolation.status !== 'running' && s.counterfactual !== null && s.guide !== null;
    },
    armSlider(limitMs) {
      const shownHash = () => hash([document.querySelector('[data-testid="counterfactual-image"]')]);
      const before = shownHash();
      const previous = store.getState().counterfactual;
      const stateAt = stateTime((s) => s.counterfactual !== previous);
      this.result = new Promise((resolve, reject) => {
        document.addEventListener('keydown', () => {
          const t0 = performance.now();
          untilShown(() => shownHash() !== before, limitMs, 'the edited image').then((shown) => {
            const { timing } = store.getState().counterfactual;
            resolve({ shownMs: shown - t0, stateMs: stateAt() - t0, workerMs: timing.totalMs, inverseMs: timing.inverseMs });
          }, reject);
        }, { capture: true, once: true });
      });
    },
    async drop(base64, name, limitMs) {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const previous = store.getState().classification;
      const stateAt = stateTime((s) => s.classification !== previous);
      const t0 = performance.now();
      dropEvent(new File([bytes], name, { type: 'image/png' }));
      const shown = await untilShown(() => [...document.querySelectorAll('figcaption')].some((f) => f.textContent.includes(name)), limitMs, name);
      const { timing } = store.getState().classification;
      return { shownMs: shown - t0, stateMs: stateAt() - t0, workerMs: timing.totalMs, forwardMs: timing.forwardMs };
    },
    /** Drops a checkpoint (fetched first, not timed): converted, stored, loaded, and its first posteriors shown. */
    async convert(url, name, limitMs) {
      const file = new File([await (await fetch(url)).blob()], name);
      let converting = false;
      const convertedAt = stateTime((s) => {
        converting ||= s.conversion !== null;
        return converting && s.conversion === null;
      });
      const loadedAt = stateTime((s) => s.model !== null && s.model.entry.origin === 'stored' && !s.loading);
      const t0 = performance.now();
      dropEvent(file);
      const shown = await untilShown(() => {
        const s = store.getState();
        if (s.error) throw new Error('the conversion failed: ' + s.error);
        return s.model !== null && s.model.entry.origin === 'stored' && s.classification !== null && !s.classifying && document.querySelector(BARS) !== null;
      }, limitMs, 'the converted model\\'s first posterior');
      return { convertedMs: convertedAt() - t0, loadedMs: loadedAt() - t0, shownMs: shown - t0, classes: store.getState().model.spec.classes.length };
    },
    /** One map of this kind for the current image, with the view's steps, patch and stride. */
    async map(method, limitMs) {
      const previous = store.getState().map;
      const done = (s) => s.map !== previous && s.map.status === 'done';
      const stateAt = stateTime(done);
      // The passes the worker reports (occlusion's patches, integrated gradients' steps), if it does.
      let passes = null;
      const stopPasses = store.subscribe((s) => { if (s.map.status === 'running' && s.map.steps) passes = s.map.steps.total; });
      const t0 = performance.now();
      store.getState().setMap({ method });
      const shown = await untilShown(() => {
        const s = store.getState();
        failed(s.map, 'the ' + method + ' map');
        const facts = document.querySelector('[data-testid="map-facts"]');
        return done(s) && facts !== null && facts.dataset.method === method && facts.textContent.includes('computed in ' + Math.round(s.map.value.elapsedMs) + ' ms');
      }, limitMs, 'the ' + method + ' map').finally(stopPasses);
      return { shownMs: shown - t0, stateMs: stateAt() - t0, workerMs: store.getState().map.value.elapsedMs, passes };
    },
    /** Samples of the chosen class with a new seed. */
    async samples(seed, limitMs) {
      const before = hash(canvases('samples'));
      const previous = store.getState().samples;
      const done = (s) => s.samples !== previous && s.samples.status === 'done';
      const stateAt = stateTime(done);
      const t0 = performance.now();
      store.getState().setSampling({ seed });
      const shown = await untilShown(() => {
        const s = store.getState();
        failed(s.samples, 'the samples');
        return done(s) && hash(canvases('samples')) !== before;
      }, limitMs, 'the samples');
      return { shownMs: shown - t0, stateMs: stateAt() - t0 };
    },
    /** The interpolation from the current image to a second one (a dropped file). */
    async interpolate(base64, name, steps, limitMs) {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const previous = store.getState().interpolation;
      const done = (s) => s.interpolation !== previous && s.interpolation.status === 'done';
      const stateAt = stateTime(done);
      const t0 = performance.now();
      void store.getState().interpolateWith({ file: new File([bytes], name, { type: 'image/png' }), name });
      const shown = await untilShown(() => {
        const s = store.getState();
        failed(s.interpolation, 'the interpolation');
        return done(s) && canvases('interpolation').length >= steps;
      }, limitMs, 'the interpolation');
      return { shownMs: shown - t0, stateMs: stateAt() - t0 };
    },
    async device() {
      if (navigator.gpu) {
        const adapter = await navigator.gpu.requestAdapter();
        const info = adapter && (adapter.info ?? {});
        if (info) return 'WebGPU: ' + [info.vendor, info.architecture, info.description].filter(Boolean).join(' ');
      }
      return '';
    },
    webglRenderer() {
      const gl = document.createElement('canvas').getContext('webgl2');
      const debug = gl && gl.getExtension('WEBGL_debug_renderer_info');
      return gl ? String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER)) : '';
    },
  };
})()`;

/** One timed step: page times (shown, state) and the worker's own, where it reports them. */
export interface Sample {
  shownMs: number;
  stateMs: number;
  workerMs?: number;
  /** The model's forward pass inside classify (drops). */
  forwardMs?: number;
  /** The model's inverse pass inside an edit (slider steps). */
  inverseMs?: number;
}

export type Medians = { [K in keyof Sample]-?: number | null };

export const median = (values: number[]) => {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export const medians = (samples: Sample[]): Medians => {
  const of = (key: keyof Sample) => median(samples.flatMap((s) => (s[key] === undefined || s[key] === null ? [] : [s[key]])));
  return { shownMs: of('shownMs'), stateMs: of('stateMs'), workerMs: of('workerMs'), forwardMs: of('forwardMs'), inverseMs: of('inverseMs') };
};

/** How long a step and the page's settling may take: the bundled models' and the full-size model's. */
export interface Limits {
  stepMs: number;
  settleMs: number;
}

export const installProbe = (page: Page) => page.evaluate(PROBE);

/** Waits until nothing computes and every panel shows the current image's result; its duration (ms). */
export async function settle(page: Page, limits: Limits): Promise<number> {
  const started = Date.now();
  await page.waitForFunction('window.benchProbe.settled()', undefined, { timeout: limits.settleMs, polling: 50 });
  return Date.now() - started;
}

/** Calls window.benchProbe[name](...args) in the page. */
export function probe<T>(page: Page, name: string, ...args: unknown[]): Promise<T> {
  return page.evaluate(
    ([n, a]) => (window as unknown as { benchProbe: Record<string, (...x: unknown[]) => Promise<T>> }).benchProbe[n as string](...(a as unknown[])),
    [name, args] as const,
  );
}

export interface PngFile {
  name: string;
  buffer: Buffer;
}

/**
 * Drops each image and times it to its posteriors on screen. settled: the page settles after each drop. Otherwise
 * each measured drop follows an unmeasured one at once, while that image's maps, guide and samples still compute.
 */
export async function measureDrops(page: Page, images: PngFile[], limits: Limits, settled = true): Promise<Sample[]> {
  const out: Sample[] = [];
  const drop = (image: PngFile) => probe<Sample>(page, 'drop', image.buffer.toString('base64'), image.name, limits.stepMs);
  for (let i = 0; i < images.length; i++) {
    if (settled) out.push(await drop(images[i]));
    else if (i % 2) out.push(await drop(images[i]));
    else await drop(images[i]);
    if (settled || i % 2) await settle(page, limits);
  }
  return out;
}

/** Keyboard steps on the first slider ("toward"), between 0.05 and 0.10, so that every step decodes a new image. */
export async function measureSlider(page: Page, count: number, limits: Limits): Promise<Sample[]> {
  const slider = page.getByTestId('latent-slider').first();
  await slider.focus();
  const out: Sample[] = [];
  for (let i = 0; i < count; i++) {
    await page.evaluate((limit) => (window as unknown as { benchProbe: { armSlider(l: number): void } }).benchProbe.armSlider(limit), limits.stepMs);
    await page.keyboard.press(i % 2 ? 'ArrowLeft' : 'ArrowRight');
    out.push((await page.evaluate('window.benchProbe.result')) as Sample);
    await settle(page, limits);
  }
  return out;
}
