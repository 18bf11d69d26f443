import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Model versions live in `<modelsDir>/v<N>/` as bundles; the highest complete one is current. */
export function versionDir(modelsDir: string, version: number): string {
  return join(modelsDir, `v${String(version).padStart(4, '0')}`);
}

export async function listVersions(modelsDir: string): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(modelsDir);
  } catch {
    return [];
  }
  return names
    .map((n) => /^v(\d+)$/.exec(n)?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}
