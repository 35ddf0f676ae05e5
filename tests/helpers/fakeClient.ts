import type { InferenceCalls, ProgressListener } from '../../src/worker/client';
import type { Calls, CallType } from '../../src/worker/protocol';

export interface RecordedCall {
  type: CallType;
  args: Calls[CallType]['args'];
  onProgress?: ProgressListener;
  resolve(result: unknown): void;
  reject(error: Error): void;
}

/** A client whose calls the test answers by hand, in any order. */
export class FakeClient implements InferenceCalls {
  calls: RecordedCall[] = [];
  call<K extends CallType>(type: K, args: Calls[K]['args'], onProgress?: ProgressListener): Promise<Calls[K]['result']> {
    return new Promise((resolve, reject) => this.calls.push({ type, args, onProgress, resolve: resolve as (r: unknown) => void, reject }));
  }
  last(type: CallType): RecordedCall {
    const found = this.calls.filter((c) => c.type === type).at(-1);
    if (!found) throw new Error(`no ${type} call`);
    return found;
  }
}
