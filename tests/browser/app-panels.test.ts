/** Each panel's own class, the β comparison row and its link, export captions, and drops of several files, links and text. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { BARS, dropFile, probePng, RESULTS, readBars, recordDownloads, waitForInput } from './app-helpers';
import { useBrowserSession } from './session';

const POLL = { timeout: 90_000 };
const OPEN = '?backend=wasm';
const heading = (page: Page, panel: string) => page.getByTestId(`${panel}-classes`).textContent();

/** Opens the app at a fragment and waits for the posterior and the counterfactual. */
async function openAt(page: Page, url: string, fragment: string): Promise<void> {
  await page.goto(`${url}${OPEN}${fragment}`);
  await page.locator(BARS).first().waitFor(POLL);
  await page.getByTestId('counterfactual-image').waitFor(POLL);
}

/** Drops text (a link or words) the way a browser does: text/uri-list and text/plain. */
async function dropText(page: Page, text: string, uriList: boolean): Promise<void> {
  await page.evaluate(
    ({ text, uriList }) => {
      const dt = new DataTransfer();
      if (uriList) dt.setData('text/uri-list', text);
      dt.setData('text/plain', text);
      document.querySelector('main')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    },
    { text, uriList },
  );
}

describe('GC Lens panels (wasm)', () => {
  const session = useBrowserSession({ viewport: { width: 1400, height: 1000 }, timeout: 90_000 });
  const shot = (name: string, page = session.page) => page.screenshot({ path: join(RESULTS, `app-panels-${name}.png`), fullPage: true });

  it("changes one panel's class without changing another's, names each in its heading, and keeps each in the link", async () => {
    const { page } = session;
    await openAt(page, session.url, '#v=2&model=mnist-beta2&img=g:mnist-0');
    expect(await heading(page, 'map')).toMatch(/“0” against “\d”/);
    expect(await heading(page, 'latent')).toMatch(/from “0” toward “\d”/);
    expect(await heading(page, 'samples')).toContain('“0”');

    await page.getByTestId('map-target').selectOption('6');
    await expect.poll(() => page.getByTestId('map-facts').textContent(), POLL).toMatch(/^logit\(6\)/);
    expect(await heading(page, 'map')).toContain('“6” against');
    expect(await heading(page, 'latent')).toMatch(/from “0”/);
    expect(await heading(page, 'samples')).toContain('“0”');

    await page.getByTestId('latent-from').selectOption('3');
    await page.getByTestId('latent-toward').selectOption('8');
    await expect.poll(() => heading(page, 'latent'), POLL).toContain('from “3” toward “8”');
    await page.locator('[data-testid="latent-slider"][data-direction="toward-8"]').waitFor(POLL);
    await page.getByTestId('samples-class').selectOption('5');
    await expect.poll(() => heading(page, 'samples'), POLL).toContain('“5”');
    expect(await heading(page, 'map')).toContain('“6” against');
    expect(await heading(page, 'latent')).toContain('from “3” toward “8”');
    await expect.poll(() => page.locator('section[aria-busy]').count(), POLL).toBe(0);
    await shot('classes');

    await page.getByTestId('copy-permalink').click();
    const href = (await page.getByTestId('permalink-status').getAttribute('data-href'))!;
    expect(href).toMatch(/#v=2&model=mnist-beta2&img=g:mnist-0&a=6&from=3&to=8&sample=5(&|$)/);
    const fresh = await session.context.newPage();
    await fresh.goto(href);
    await fresh.getByTestId('counterfactual-image').waitFor(POLL);
    expect([await heading(fresh, 'map'), await heading(fresh, 'latent'), await heading(fresh, 'samples')]).toEqual([
      await heading(page, 'map'),
      await heading(page, 'latent'),
      await heading(page, 'samples'),
    ]);

    await fresh.close();

    // A link written before the panels had their own classes: the class it shared, in all three.
    const old = await session.context.newPage();
    await openAt(old, session.url, '#v=1&model=mnist-beta2&img=g:mnist-0&a=6');
    await expect.poll(() => heading(old, 'samples'), POLL).toContain('“6”');
    expect(await heading(old, 'map')).toContain('“6” against');
    expect(await heading(old, 'latent')).toMatch(/from “6”/);
    await old.close();
  });

  it('shows two models side by side in one row and keeps the comparison in the link', async () => {
    const { page } = session;
    await openAt(page, session.url, '#v=2&model=mnist-beta2&img=g:mnist-0');
    await page.getByTestId('compare-model').selectOption('mnist-beta16');
    const row = page.getByTestId('compare-row');
    await row.getByTestId('compare-posterior-chart').waitFor(POLL);
    for (const id of ['bits-per-dim', 'typicality', 'posterior-chart']) {
      await row.getByTestId(`compare-current-${id}`).waitFor();
      await row.getByTestId(`compare-${id}`).waitFor();
    }
    await row.getByTestId('reliability-diagram').waitFor();
    await row.getByTestId('compare-reliability-diagram').waitFor();
    // One row: the two columns side by side, top edges level.
    const [left, right] = await Promise.all([row.getByTestId('compare-current').boundingBox(), row.getByTestId('compare-other').boundingBox()]);
    expect(right!.x).toBeGreaterThan(left!.x + left!.width - 1);
    expect(Math.abs(right!.y - left!.y)).toBeLessThan(2);
    expect(await row.getByTestId('compare-current').textContent()).toContain('β = 2');
    expect(await row.getByTestId('compare-other').textContent()).toContain('β = 16');
    // The loaded model's column says what the posterior panel says; the other model answers differently.
    expect(await readBars(page, 'compare-current-posterior-chart')).toEqual(new Map([...(await readBars(page))].slice(0, 5)));
    const bits = await Promise.all(['compare-current-bits-per-dim', 'compare-bits-per-dim'].map((id) => row.getByTestId(id).getAttribute('data-value')));
    expect(Number(bits[0])).toBeCloseTo(Number(await page.getByTestId('bits-per-dim').getAttribute('data-value')), 6);
    expect(Math.abs(Number(bits[0]) - Number(bits[1]))).toBeGreaterThan(0.1);
    await page.locator('section[data-panel="calibration"]').screenshot({ path: join(RESULTS, 'app-panels-compare.png') });

    await expect.poll(() => page.url(), POLL).toContain('&cmp=mnist-beta16');
    const fresh = await session.context.newPage();
    await fresh.goto(page.url());
    await fresh.getByTestId('compare-row').getByTestId('compare-posterior-chart').waitFor(POLL);
    expect(await fresh.getByTestId('compare-model').inputValue()).toBe('mnist-beta16');
    await fresh.close();

    // A model this page does not have: said so, and the rest of the view is shown.
    const unknown = await session.context.newPage();
    await openAt(unknown, session.url, '#v=2&model=mnist-beta2&img=g:mnist-0&cmp=beta-404');
    expect(await unknown.getByTestId('link-notice').textContent()).toContain('The model to compare with in the link ("beta-404") is not available here');
    expect(await unknown.getByTestId('compare-model').inputValue()).toBe('');
    expect(await unknown.getByTestId('compare-row').count()).toBe(0);
    await unknown.close();
  });

  it('exports every panel with its title, model, class(es) and method, the latent editor with its slider labels', async () => {
    const { page } = session;
    await openAt(
      page,
      session.url,
      '#v=2&model=mnist-beta2&img=g:mnist-0&a=6&to=6&dir=toward-6:0.5&panels=input,posterior,map,latent,samples,interpolation,calibration',
    );
    await page.getByTestId('interpolation-gallery').selectOption({ index: 2 });
    await page.getByTestId('interpolation').waitFor(POLL);
    await expect.poll(() => page.locator('section[aria-busy]').count(), POLL).toBe(0);
    const nextDownload = await recordDownloads(page);
    const panels = await page.locator('section.panel').evaluateAll((s) => s.map((e) => e.getAttribute('data-panel')!));
    expect(panels).toHaveLength(7);
    const svgs = new Map<string, string>();
    for (const id of panels) {
      const title = (await page.locator(`section[data-panel="${id}"] h2`).evaluate((h) => h.firstChild?.textContent ?? '')).trim();
      const classes = (await heading(page, id))!.replace(/^\s*·\s*/, '');
      const svg = (await nextDownload(() => page.getByTestId(`export-${id}-svg`).click())).bytes.toString('utf8');
      svgs.set(id, svg);
      const doc = await page.evaluate((text) => {
        const parsed = new DOMParser().parseFromString(text, 'image/svg+xml').documentElement;
        const own = (tag: string) => Array.from(parsed.children).filter((c) => c.tagName === tag);
        return {
          title: own('title')[0]?.textContent,
          desc: own('desc')[0]?.textContent,
          texts: own('text').map((t) => t.textContent),
          width: Number(parsed.getAttribute('width')),
          height: Number(parsed.getAttribute('height')),
        };
      }, svg);
      expect(doc.title, id).toBe(title);
      expect(doc.desc, id).toContain('model: MNIST digits (β = 2)');
      expect(doc.desc, id).toContain(`class: ${classes}`);
      expect(doc.desc, id).toMatch(/method: \S/);
      // The same words are visible: the caption band's text (long lines wrap there).
      const words = (lines: (string | null)[]) => lines.join(' ').replace(/\s+/g, ' ');
      expect(doc.texts[0], id).toBe(title);
      expect(words(doc.texts.slice(1)), id).toBe(words(doc.desc!.split('\n')));
      expect(Math.max(...doc.texts.map((t) => t?.length ?? 0)), id).toBeLessThanOrEqual(96);
      const pngBytes = (await nextDownload(() => page.getByTestId(`export-${id}-png`).click())).bytes;
      if (id === 'latent' || id === 'map') await writeFile(join(RESULTS, `app-panels-export-${id}.png`), pngBytes);
      const png = PNG.sync.read(pngBytes);
      expect([png.width, png.height], id).toEqual([2 * doc.width, 2 * doc.height]);
    }
    expect(svgs.get('map')).toContain('class: “6” against');
    expect(svgs.get('map')).toContain('method: Exact latent decomposition');
    const latent = svgs.get('latent')!;
    expect(latent).toContain('class: from “0” toward “6”');
    expect(latent).toMatch(/toward “6” \(1 = all the way\)(; p\(6\) overtakes p\(0\) at [0-9.]+)?: 0\.50/);
    expect(latent).toMatch(/z\[\d+\] \(share of the logit difference [^)]*%\): 0\.00/);
    expect(latent).toMatch(/PC 1 \(.*\): 0\.00/);
  });

  it('says which of several dropped files it explains, fetches an image link that allows it, and says why not otherwise', async () => {
    const { page, context } = session;
    const image = probePng(3).buffer;
    await context.route('https://images.example/**', (route) => {
      const path = new URL(route.request().url()).pathname;
      if (path === '/open.png' || path === '/pasted.png')
        return route.fulfill({ body: image, headers: { 'content-type': 'image/png', 'access-control-allow-origin': '*' } });
      // Playwright adds "allow any origin" to fulfilled responses that name none: this one allows another site only.
      if (path === '/closed.png')
        return route.fulfill({ body: image, headers: { 'content-type': 'image/png', 'access-control-allow-origin': 'https://elsewhere.example' } });
      if (path === '/page.html')
        return route.fulfill({ body: '<!doctype html><p>hi', headers: { 'content-type': 'text/html', 'access-control-allow-origin': '*' } });
      return route.fulfill({ status: 404, body: 'no', headers: { 'access-control-allow-origin': '*' } });
    });
    await openAt(page, session.url, '#v=2&model=mnist-beta2&img=g:mnist-0');
    const notice = page.getByTestId('input-notice');

    await page.evaluate(
      ({ base64 }) => {
        const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], 'first.png', { type: 'image/png' }));
        dt.items.add(new File([bytes], 'second.png', { type: 'image/png' }));
        document.querySelector('main')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      },
      { base64: image.toString('base64') },
    );
    await waitForInput(page, 'first.png');
    expect(await notice.textContent()).toContain('2 files dropped; explaining first.png, the first.');
    await shot('two-files');

    await dropText(page, 'https://images.example/open.png', true);
    await waitForInput(page, 'open.png (images.example)');
    expect(await notice.count()).toBe(0);

    const said = async (text: string, uriList: boolean) => {
      await dropText(page, text, uriList);
      await expect.poll(() => notice.getAttribute('data-ok'), POLL).toBe('false');
      return notice.textContent();
    };
    expect(await said('https://images.example/closed.png', true)).toMatch(/^images\.example did not let this page read the image: .*no CORS permission/);
    await shot('url-blocked');
    expect(await said('https://images.example/page.html', true)).toContain('The dropped link is not an image: images.example sent “text/html”');
    expect(await said('https://images.example/missing.png', false)).toContain('images.example answered HTTP 404');
    expect(await said('a handwritten seven', false)).toContain('The dropped text is not an image or an image URL');
    // None of the refused drops replaced the image.
    expect(await page.locator('figcaption', { hasText: 'open.png (images.example)' }).count()).toBe(1);
    await page.getByRole('button', { name: 'Dismiss the note on the dropped input' }).click();
    // A link pasted outside a field is fetched too; text pasted into a field stays the field's.
    const paste = (selector: string, text: string) =>
      page.evaluate(
        ({ selector, text }) => {
          const dt = new DataTransfer();
          dt.setData('text/plain', text);
          document.querySelector(selector)!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
        },
        { selector, text },
      );
    await paste('[data-testid="sample-seed"]', 'https://images.example/page.html');
    await paste('main', 'https://images.example/pasted.png');
    await waitForInput(page, 'pasted.png (images.example)');
    expect(await notice.count(), 'the paste into the seed field was left alone').toBe(0);
    expect(await said('not a link at all', false)).toContain('The dropped text is not an image or an image URL');
    await paste('main', 'seven');
    await expect.poll(() => notice.textContent(), POLL).toContain('The pasted text is not an image or an image URL');
    await dropFile(page, { name: 'single.png', type: 'image/png', bytes: image });
    await waitForInput(page, 'single.png');
    expect(await notice.count()).toBe(0);
  });
});
