// Worker threads do not inherit tsx's loader hooks on Node 20, so this plain-JS entry loads the TypeScript worker
// through tsx's API.
import { tsImport } from 'tsx/esm/api';

await tsImport('./annotation.worker.ts', import.meta.url);
