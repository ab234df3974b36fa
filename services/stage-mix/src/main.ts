// Runs the mix stage as its own process: `npm start -- --transport kafka --brokers HOST:PORT --out DIR`.
import { serveStage } from '@evolflow/runtime';
import { createMixStage } from './index.ts';

process.exitCode = await serveStage({
  name: 'mix',
  create: (env) => createMixStage({ config: env.config, outDir: env.outDir, logger: env.logger, cwd: env.cwd }),
  argv: process.argv.slice(2),
});
