// Runs the eliminate stage as its own process: `npm start -- --transport kafka --brokers HOST:PORT`.
import { serveStage } from '@evolflow/runtime';
import { createEliminateStage } from './index.ts';

process.exitCode = await serveStage({ name: 'eliminate', create: createEliminateStage, argv: process.argv.slice(2) });
