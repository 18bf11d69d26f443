import { describe, expect, it } from 'vitest';
import { findVulkanLoader } from './find-vulkan-loader.js';

const CACHE_WITH = `3 libs found in cache \`/etc/ld.so.cache'
\tlibz.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libz.so.1
\tlibvulkan.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libvulkan.so.1
\tlibvulkan.so (libc6,x86-64) => /lib/x86_64-linux-gnu/libvulkan.so
`;
const CACHE_WITHOUT = `1 libs found in cache \`/etc/ld.so.cache'
\tlibz.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libz.so.1
`;
const files =
  (...paths: string[]) =>
  (p: string) =>
    paths.includes(p);

describe('findVulkanLoader', () => {
  it('finds the library through the ld.so cache', () => {
    const found = findVulkanLoader({
      ldLibraryPath: undefined,
      readLdCache: () => CACHE_WITH,
      exists: files('/lib/x86_64-linux-gnu/libvulkan.so.1'),
    });
    expect(found).toBe('/lib/x86_64-linux-gnu/libvulkan.so.1');
  });

  it('prefers LD_LIBRARY_PATH over the cache, as the dynamic loader does', () => {
    const found = findVulkanLoader({
      ldLibraryPath: '/opt/none::/opt/vk/lib',
      readLdCache: () => CACHE_WITH,
      exists: files('/opt/vk/lib/libvulkan.so.1', '/lib/x86_64-linux-gnu/libvulkan.so.1'),
    });
    expect(found).toBe('/opt/vk/lib/libvulkan.so.1');
  });

  it('falls back to the trusted folders when ldconfig cannot run', () => {
    const found = findVulkanLoader({
      ldLibraryPath: '',
      readLdCache: () => undefined,
      exists: files('/usr/lib/libvulkan.so.1'),
    });
    expect(found).toBe('/usr/lib/libvulkan.so.1');
  });

  it('is null when neither the cache nor any folder has it (a stale cache entry does not count)', () => {
    expect(findVulkanLoader({ ldLibraryPath: '/opt/x', readLdCache: () => CACHE_WITHOUT, exists: files() })).toBeNull();
    expect(findVulkanLoader({ ldLibraryPath: undefined, readLdCache: () => CACHE_WITH, exists: files() })).toBeNull();
  });
});
