import { selectBackend } from '../model/backend.js';

/** Activates the best tfjs backend (or the one asked for) and returns its name for the CLI's first line. */
export async function initBackend(options: {
  prefer?: string | undefined;
  purpose: 'train' | 'infer';
}): Promise<string> {
  const selection = await selectBackend({
    purpose: options.purpose,
    ...(options.prefer ? { prefer: options.prefer } : {}),
  });
  return selection.name;
}
