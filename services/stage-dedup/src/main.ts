// Runs the dedup stage as its own process: `npm start -- --transport kafka --brokers HOST:PORT`.
import { serveStage } from '@evolflow/runtime';
import { createDedupStage } from './index.ts';

process.exitCode = await serveStage({ name: 'dedup', create: createDedupStage, argv: process.argv.slice(2) });
