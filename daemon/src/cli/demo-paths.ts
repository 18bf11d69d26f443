import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repo's root, found from this file so the demo works from any working directory. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The bundled real demo data set (AxonDeepSeg SEM, MIT): images/ and masks-myelin/. */
export const DEMO_DATA_DIR = join(REPO_ROOT, 'demo', 'axondeepseg-sem');
