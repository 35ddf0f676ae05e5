/** The bench in a dedicated worker (bench.html?worker); its entry only imports its code, as the app's workers do. */
import { startWorker } from '../../src/worker/lazyWorkerEntry';

startWorker(() => import('./benchWorkerCode'));
