// Runs the mix stage as its own process: `npm start -- --transport kafka --brokers HOST:PORT --out DIR`.
import { serveStage } from '@evolflow/runtime';
import { create } from './index.ts';

process.exitCode = await serveStage({ name: 'mix', create, argv: process.argv.slice(2) });
