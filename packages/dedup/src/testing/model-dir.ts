// Where tests keep the model cache: EVOLFLOW_DEDUP__MODEL_DIR, else the config default under the repo root.
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { DEFAULT_CONFIG } from '@evolflow/core';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
export const MODEL_DIR = resolve(root, process.env.EVOLFLOW_DEDUP__MODEL_DIR ?? DEFAULT_CONFIG.dedup.modelDir);
