/// <reference lib="webworker" />
/** The inference worker's entry: see lazyWorkerEntry.ts for why the code is imported, not here. */
import { startWorker } from './lazyWorkerEntry';

startWorker(() => import('./inferenceWorker'));
