/**
 * A stored annotation mask (PNG, 0 background / 255 myelin, the region's size) as one byte per pixel, 0 or 1.
 * Decoded by the browser (createImageBitmap + canvas), so no PNG code ships with the plugin.
 */
export async function decodeMaskPng(png: Blob, width: number, height: number): Promise<Uint8Array> {
  const bitmap = await createImageBitmap(png);
  if (bitmap.width !== width || bitmap.height !== height) {
    throw new Error(`mask is ${bitmap.width}×${bitmap.height}, its region ${width}×${height}`);
  }
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('canvas 2D is not available');
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  const rgba = ctx.getImageData(0, 0, width, height).data;
  const mask = new Uint8Array(width * height);
  for (let i = 0; i < mask.length; i++) mask[i] = rgba[i * 4]! > 127 ? 1 : 0;
  return mask;
}
