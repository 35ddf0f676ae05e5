import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { TFJS_WASM_DIR } from './src/worker/wasmAssets.js';

const WASM_DIST = fileURLToPath(new URL('./node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url));

/** The app serves tfjs-backend-wasm's binaries itself: from node_modules in dev, copied into the build. */
function tfjsWasmBinaries(): Plugin {
  const files = readdirSync(WASM_DIST).filter((f) => f.endsWith('.wasm'));
  return {
    name: 'gc-lens:tfjs-wasm-binaries',
    configureServer(server) {
      server.middlewares.use(`${server.config.base}${TFJS_WASM_DIR}/`, (req, res, next) => {
        const name = (req.url ?? '').slice(1).split('?')[0];
        if (!files.includes(name)) return next();
        res.setHeader('Content-Type', 'application/wasm');
        createReadStream(join(WASM_DIST, name)).pipe(res);
      });
    },
    generateBundle() {
      for (const name of files) this.emitFile({ type: 'asset', fileName: `${TFJS_WASM_DIR}/${name}`, source: readFileSync(join(WASM_DIST, name)) });
    },
  };
}

export default defineConfig({
  plugins: [react(), tfjsWasmBinaries()],
  // The worker imports backends lazily, which needs code splitting.
  worker: { format: 'es' },
  // The dependency scan does not follow the worker: pre-bundle its imports up front rather than reload the page.
  optimizeDeps: { include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-wasm'] },
});
