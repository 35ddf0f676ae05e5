/** The bench of tests/browser/benchCore.ts in a dedicated worker (bench.html?worker). */
import { type Bench, bench } from './benchCore';

const scope = self as unknown as { onmessage: ((e: MessageEvent) => void) | null; postMessage(message: unknown): void };

scope.onmessage = async ({ data: { id, method, args } }: MessageEvent<{ id: number; method: keyof Bench; args: unknown[] }>) => {
  try {
    const result = await (bench[method] as (...a: unknown[]) => Promise<unknown>)(...args);
    scope.postMessage({ id, result });
  } catch (e) {
    scope.postMessage({ id, error: e instanceof Error ? e.message : String(e) });
  }
};
