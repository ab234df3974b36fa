// Runs the evolve stage as its own process: `npm start -- --transport kafka --brokers HOST:PORT`.
import { serveStage } from '@evolflow/runtime';
import { createEvolveStage } from './index.ts';

process.exitCode = await serveStage({ name: 'evolve', create: createEvolveStage, argv: process.argv.slice(2) });
