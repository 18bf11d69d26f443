import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findVulkanLoader } from '../model/find-vulkan-loader.js';

const BIN = fileURLToPath(new URL('../../bin/activeseg.js', import.meta.url));

describe('activeseg doctor', () => {
  it('prints only our own words about WebGPU: no native Vulkan warning from Dawn', () => {
    const r = spawnSync(process.execPath, [BIN, 'doctor', '--preset', 'tiny'], { encoding: 'utf8', timeout: 110_000 });
    const output = `${r.stdout}\n${r.stderr}`;
    expect(r.status, output).toBe(0);
    expect(output).toMatch(/^ {2}webgpu +(yes|no)/m);
    expect(output).not.toMatch(/Couldn't load Vulkan|BackendVk|node-webgpu/);
    if (findVulkanLoader() === null) {
      expect(output).toMatch(/^ {2}webgpu +no +failed to init: no GPU driver: libvulkan\.so\.1 is not installed/m);
      expect(output).not.toMatch(/Vulkan/);
    }
  });
});
