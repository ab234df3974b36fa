// Files the CLI package ships beside its code (the sample seeds): found from the running module, so
// the same code works from the TypeScript sources in a clone and from the bundle in dist/.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The root of the @evolflow/cli package (the nearest folder above this module holding its data/ folder). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'data', 'sample-seeds.jsonl'))) {
    const up = dirname(dir);
    if (up === dir)
      throw new Error(`@evolflow/cli: no data/ folder above ${fileURLToPath(import.meta.url)}; the package is incomplete, reinstall it`);
    dir = up;
  }
  return dir;
}

/** The absolute path of `rel` (a path inside the package, such as data/sample-seeds.jsonl). */
export function packageFile(rel: string): string {
  return join(packageRoot(), rel);
}

/** The small bundled sample of seeds used when no --seeds is given. */
export const SAMPLE_SEEDS = packageFile('data/sample-seeds.jsonl');
