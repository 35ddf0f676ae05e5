/// <reference lib="webworker" />
/** Converts checkpoint files into the browser's package store, off the page's thread. */
import type { ConversionProgress } from '../formats/convertToPackage';
import { conversionFailure, convertFileIntoStore } from '../storage/convertIntoStore';
import { browserPackageStore } from '../storage/packageStore';
import type { ConversionRequest, ConversionResponse } from './conversionProtocol';

declare const self: DedicatedWorkerGlobalScope;

/** The converter reports every read; the page needs each stage and node, and a few updates a second. */
const PROGRESS_INTERVAL_MS = 100;

const running = new Map<number, AbortController>();
const post = (message: ConversionResponse) => self.postMessage(message);

async function convert({ id, file, options }: Extract<ConversionRequest, { type: 'convert' }>): Promise<void> {
  const controller = new AbortController();
  running.set(id, controller);
  let lastPost = 0;
  let lastStep = '';
  // Reads report no node counts: carry the last ones over.
  let nodes: Pick<ConversionProgress, 'nodesDone' | 'nodesTotal'> = {};
  const onProgress = (reported: ConversionProgress) => {
    if (reported.nodesDone !== undefined) nodes = { nodesDone: reported.nodesDone, nodesTotal: reported.nodesTotal };
    const progress = { ...reported, ...nodes };
    const now = performance.now();
    const step = `${progress.stage} ${progress.nodesDone}`;
    if (step === lastStep && now - lastPost < PROGRESS_INTERVAL_MS) return;
    [lastPost, lastStep] = [now, step];
    post({ type: 'progress', id, progress });
  };
  try {
    const model = await convertFileIntoStore(browserPackageStore(), file, { ...options, onProgress, signal: controller.signal });
    post({ type: 'done', id, model });
  } catch (error) {
    post({ type: 'failed', id, failure: conversionFailure(error, file.name, controller.signal) });
  } finally {
    running.delete(id);
  }
}

self.onmessage = (event: MessageEvent<ConversionRequest>) => {
  const request = event.data;
  if (request.type === 'convert') void convert(request);
  else running.get(request.id)?.abort();
};
