/** Suffix → Content-Type for the files the daemon serves statically (page, assets, itk-wasm). Longest suffix wins. */
const TYPES: readonly (readonly [string, string])[] = [
  ['.wasm.zst', 'application/octet-stream'],
  ['.html', 'text/html; charset=utf-8'],
  ['.js', 'text/javascript; charset=utf-8'],
  ['.mjs', 'text/javascript; charset=utf-8'],
  ['.css', 'text/css; charset=utf-8'],
  ['.map', 'application/json; charset=utf-8'],
  ['.json', 'application/json; charset=utf-8'],
  // Lets WebAssembly.instantiateStreaming compile while downloading; itk-wasm ships .wasm.zst, handled above.
  ['.wasm', 'application/wasm'],
  ['.svg', 'image/svg+xml'],
  ['.png', 'image/png'],
  ['.ico', 'image/x-icon'],
  ['.woff2', 'font/woff2'],
  ['.txt', 'text/plain; charset=utf-8'],
];

export function contentTypeOf(fileName: string): string {
  const lower = fileName.toLowerCase();
  for (const [suffix, type] of TYPES) if (lower.endsWith(suffix)) return type;
  return 'application/octet-stream';
}
