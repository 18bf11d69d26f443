import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { atomicWrite } from '../store/atomic-write.js';

/**
 * Model versions live in `<modelsDir>/v<N>/` as bundles. Which one is current is `<modelsDir>/current.json`; a
 * project from before the promotion rule has none, and then the highest readable version is current.
 */
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

const CURRENT_FILE = 'current.json';
const CurrentPointer = z.object({ version: z.number().int().positive(), changedAt: z.string() });

/**
 * The version made current last (by a promoted training, a promotion or a rollback); undefined when none was
 * recorded or the file is unreadable (the caller falls back to the newest version and says so).
 */
export async function readCurrentVersion(modelsDir: string): Promise<number | undefined> {
  const text = await readFile(join(modelsDir, CURRENT_FILE), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const parsed = CurrentPointer.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data.version : undefined;
  } catch {
    return undefined;
  }
}

/** Written atomically, so a crash leaves the old pointer or the new one, never a torn file. */
export async function writeCurrentVersion(modelsDir: string, version: number): Promise<void> {
  const body = `${JSON.stringify({ version, changedAt: new Date().toISOString() })}\n`;
  await atomicWrite(join(modelsDir, CURRENT_FILE), new TextEncoder().encode(body));
}
