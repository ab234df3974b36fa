// Runs the respond stage as its own process: `npm start -- --transport kafka --brokers HOST:PORT`.
import { serveStage } from '@evolflow/runtime';
import { createRespondStage } from './index.ts';

process.exitCode = await serveStage({ name: 'respond', create: createRespondStage, argv: process.argv.slice(2) });
