/** Backend names and the choice made among them: no tfjs here, so the page can import it without loading tfjs. */
export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export const BACKEND_ORDER: BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

export interface BackendChoice {
  name: BackendName;
  /** Why each backend before it was passed over. */
  skipped: { name: BackendName; reason: string }[];
  /** The renderer or adapter, when the chosen GPU backend is emulated on the CPU (only when asked for by name). */
  emulatedBy?: string;
  /** wasm only: the threads XNNPACK computes with (1 unless the page is cross-origin isolated). */
  threads?: number;
}
