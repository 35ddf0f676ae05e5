import { beforeAll, describe, expect, it } from 'vitest';
import type { StoredModel } from '../../src/storage/packageStore';
import { fixture, maxElementRelativeError } from '../helpers/fixtures';
import type { ConvertRequest } from './conversion';
import { FIXTURE_ROUTE } from './fixtureRoute';
import { useBrowserSession } from './session';

const TOLERANCE = 1e-4;
const MINI: ConvertRequest = { url: `${FIXTURE_ROUTE}mini_gc.zip.pt`, name: 'mini_gc.zip.pt' };

/** The browser path: File → conversion worker → OPFS → loadModelPackage, with the reference mini model. */
describe('converting a checkpoint in the browser into OPFS', () => {
  const session = useBrowserSession({ profile: true });
  let model: StoredModel;

  const convert = (request: ConvertRequest) => session.page.evaluate((r) => window.conversionPage!.convert(r), request);
  const stored = () => session.page.evaluate(async () => ({ models: await window.conversionPage!.list(), folders: await window.conversionPage!.folders() }));

  beforeAll(async () => {
    await session.page.goto(`${session.url}tests/browser/conversion.html`);
    await session.page.waitForFunction(() => window.conversionPage !== undefined, undefined, { timeout: 30_000 });
  });

  it('converts mini_gc.zip.pt in the worker and the stored package reproduces the reference logits', async () => {
    const outcome = await convert({ ...MINI, options: { storage: 'float32' } });
    expect(outcome.failure).toBeUndefined();
    model = outcome.model!;
    console.log(`mini conversion: ${outcome.convertMs.toFixed(0)} ms, ${outcome.progressMessages} progress messages`, model);
    expect(model).toMatchObject({ sourceFile: 'mini_gc.zip.pt', classes: 10, storage: 'float32' });
    expect(await stored()).toEqual({ models: [model], folders: [model.id] });
    const logits = await session.page.evaluate((id) => window.conversionPage!.miniLogits(id), model.id);
    const error = maxElementRelativeError(logits, await fixture('mini_logits.f32'));
    console.log(`browser-converted mini logits: max relative error ${error.toExponential(2)}`);
    expect(error).toBeLessThan(TOLERANCE);
  });

  it('keeps the model across a reload', async () => {
    const { page } = session;
    await page.reload();
    await page.waitForFunction(() => window.conversionPage !== undefined);
    expect((await stored()).models).toEqual([model]);
    const logits = await page.evaluate((id) => window.conversionPage!.miniLogits(id), model.id);
    expect(maxElementRelativeError(logits, await fixture('mini_logits.f32'))).toBeLessThan(TOLERANCE);
  });

  it('reports a truncated checkpoint as truncated and leaves the store unchanged', async () => {
    const before = await stored();
    const { failure } = await convert({ ...MINI, truncateTo: 5_000_000 });
    expect(failure?.code).toBe('truncated');
    expect(failure?.message).toContain('the download or copy probably stopped early');
    expect(await stored()).toEqual(before);
  });

  it('cancels mid-way and leaves nothing behind', async () => {
    const before = await stored();
    const { failure } = await convert({ ...MINI, cancelAfterNodes: 2 });
    expect(failure?.code).toBe('canceled');
    expect(await stored()).toEqual(before);
  });
});
