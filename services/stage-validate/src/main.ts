// Runs the validate stage as its own process: `npm start -- --transport kafka --brokers HOST:PORT`.
import { serveStage } from '@evolflow/runtime';
import { create } from './index.ts';

process.exitCode = await serveStage({ name: 'validate', create, argv: process.argv.slice(2) });
