/** The bench worker's code (benchWorker.ts imports it): tests/browser/benchCore.ts's calls, answered in a dedicated worker. */
import { type Bench, bench } from './benchCore';

const scope = self as unknown as { postMessage(message: unknown): void };

export async function onMessage({ data: { id, method, args } }: MessageEvent<{ id: number; method: keyof Bench; args: unknown[] }>): Promise<void> {
  try {
    const result = await (bench[method] as (...a: unknown[]) => Promise<unknown>)(...args);
    scope.postMessage({ id, result });
  } catch (e) {
    scope.postMessage({ id, error: e instanceof Error ? e.message : String(e) });
  }
}
