import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { TFJS_WASM_DIR } from './src/worker/wasmAssets.js';

/**
 * Cross-origin isolation: with these headers on the page and its workers, SharedArrayBuffer exists and the wasm
 * backend runs threaded. Everything the app loads is same-origin, so require-corp blocks nothing. Static hosts
 * that cannot set headers: public/_headers (Netlify, Cloudflare Pages) or public/coi-sw.js (any host).
 */
export const CROSS_ORIGIN_ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

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
        for (const [header, value] of Object.entries(CROSS_ORIGIN_ISOLATION)) res.setHeader(header, value);
        createReadStream(join(WASM_DIST, name)).pipe(res);
      });
    },
    generateBundle() {
      for (const name of files) this.emitFile({ type: 'asset', fileName: `${TFJS_WASM_DIR}/${name}`, source: readFileSync(join(WASM_DIST, name)) });
    },
  };
}

/**
 * tfjs starts each wasm thread (a pthread worker) from the source text of the threaded module's factory
 * (`factory.toString()`), so that function must not use variables of the scope around it. Minified, it does: the
 * module's `_scriptDir` becomes a one-letter variable the function reads unguarded, and every thread fails with
 * "e is not defined". Declaring `_scriptDir` inside the function fixes it (it is undefined in a module worker anyway:
 * tfjs locates the .wasm through setWasmPaths, and the threads get the script as a Blob).
 */
function tfjsWasmThreadsSelfContained(): Plugin {
  const factory = 'function(WasmBackendModuleThreadedSimd) {';
  return {
    name: 'gc-lens:tfjs-wasm-threads-self-contained',
    transform(code, id) {
      if (!/tfjs-backend-wasm-threaded-simd\.js$/.test(id.split('?')[0])) return;
      if (!code.includes(factory)) this.error(`${id}: the threaded factory "${factory}" is gone: check tfjsWasmThreadsSelfContained`);
      return { code: code.replace(factory, `${factory}\n  var _scriptDir;`), map: null };
    },
  };
}

/**
 * Fails a worker's build when a chunk imports the worker's entry chunk: WebKit would evaluate the entry a second time
 * (see src/worker/lazyWorkerEntry.ts).
 */
function workerEntryImportedByNone(): Plugin {
  return {
    name: 'gc-lens:worker-entry-imported-by-none',
    generateBundle(_options, bundle) {
      const chunks = Object.values(bundle).filter((c) => c.type === 'chunk');
      for (const entry of chunks.filter((c) => c.isEntry))
        for (const c of chunks)
          if (c.imports.includes(entry.fileName) || c.dynamicImports.includes(entry.fileName))
            this.error(
              `${c.fileName} imports the worker entry ${entry.fileName}, which WebKit would evaluate twice: ` +
                'make the entry only import its code lazily (src/worker/lazyWorkerEntry.ts)',
            );
    },
  };
}

export default defineConfig({
  // The page's own tfjs (the test and bench pages) and the workers' both need the threads fix.
  plugins: [react(), tfjsWasmBinaries(), tfjsWasmThreadsSelfContained()],
  server: { headers: CROSS_ORIGIN_ISOLATION },
  preview: { headers: CROSS_ORIGIN_ISOLATION },
  // The worker imports backends lazily, which needs code splitting.
  worker: { format: 'es', plugins: () => [tfjsWasmThreadsSelfContained(), workerEntryImportedByNone()] },
  // The dependency scan does not follow the worker: pre-bundle its imports up front rather than reload the page.
  optimizeDeps: { include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-wasm'] },
});
