// Runs the seed stage as its own process: `npm start -- --transport kafka --brokers HOST:PORT`.
import { serveStage } from '@evolflow/runtime';
import { createSeedStage } from './index.ts';

process.exitCode = await serveStage({ name: 'seed', create: createSeedStage, argv: process.argv.slice(2) });
