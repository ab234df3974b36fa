// Runs the verify stage as its own process: `npm start -- --transport kafka --brokers HOST:PORT`.
import { serveStage } from '@evolflow/runtime';
import { create } from './index.ts';

process.exitCode = await serveStage({ name: 'verify', create, argv: process.argv.slice(2) });
