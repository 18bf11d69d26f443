import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const VULKAN_LOADER = 'libvulkan.so.1';

export interface FindVulkanLoaderOptions {
  /** Colon-separated folders searched before the cache (default: process.env.LD_LIBRARY_PATH). */
  ldLibraryPath?: string | undefined;
  /** The text of `ldconfig -p`, or undefined when ldconfig cannot run (default: runs it). */
  readLdCache?: () => string | undefined;
  exists?: (path: string) => boolean;
}

// The folders the dynamic loader searches last, whatever the cache says.
const TRUSTED_DIRS = ['/lib', '/usr/lib', '/lib64', '/usr/lib64'];

function readLdCache(): string | undefined {
  // ldconfig lives in /sbin, which a non-root PATH often lacks.
  for (const exe of ['ldconfig', '/sbin/ldconfig', '/usr/sbin/ldconfig']) {
    try {
      return execFileSync(exe, ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5_000 });
    } catch {}
  }
  return undefined;
}

/**
 * Where the dynamic loader would find the Vulkan loader library (LD_LIBRARY_PATH, then the ld.so cache, then the
 * trusted folders), or null. On Linux, Dawn (the `webgpu` package) reaches a GPU only through it, and when it is
 * absent Dawn prints its own warning with a path from its build machine: checking first keeps that off the user's
 * terminal.
 */
export function findVulkanLoader(options: FindVulkanLoaderOptions = {}): string | null {
  const exists = options.exists ?? existsSync;
  const ldLibraryPath = 'ldLibraryPath' in options ? options.ldLibraryPath : process.env.LD_LIBRARY_PATH;
  for (const dir of (ldLibraryPath ?? '').split(':').filter(Boolean)) {
    const candidate = join(dir, VULKAN_LOADER);
    if (exists(candidate)) return candidate;
  }
  const cache = (options.readLdCache ?? readLdCache)();
  const cached = cache?.match(/^\s*libvulkan\.so\.1 \([^)]*\) => (\S+)\s*$/m)?.[1];
  if (cached !== undefined && exists(cached)) return cached;
  for (const dir of TRUSTED_DIRS) {
    const candidate = join(dir, VULKAN_LOADER);
    if (exists(candidate)) return candidate;
  }
  return null;
}
