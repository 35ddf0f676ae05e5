/** Where the app serves tfjs-backend-wasm's .wasm binaries, relative to its base URL (see vite.config.ts). */
export const TFJS_WASM_DIR = 'tfjs-wasm';
