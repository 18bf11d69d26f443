import { defineConfig } from 'vite';

/**
 * Two builds from one config, picked by mode (`vite build --mode lib` and `vite build`):
 * - lib: `dist/activeseg-viewer.js`, an ES module for hosts that bring their own OpenSeadragon (kept external
 *   so plugin and host share one OSD), itk-wasm external too (the host bundles or serves it).
 * - page: `dist/page/`, the self-contained page the daemon serves at `/`, with relative asset URLs.
 * Nothing is fetched from a CDN in either.
 */
export default defineConfig(({ mode }) =>
  mode === 'lib'
    ? {
        build: {
          outDir: 'dist',
          emptyOutDir: false,
          sourcemap: true,
          lib: { entry: 'src/index.ts', formats: ['es'], fileName: () => 'activeseg-viewer.js' },
          rollupOptions: { external: ['openseadragon', /^@itk-wasm\//, /^itk-wasm/] },
        },
      }
    : {
        base: './',
        build: { outDir: 'dist/page', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 2000 },
      },
);
