#!/usr/bin/env node
// Runs the TypeScript sources through tsx (no build step inside the workspace).
import { register } from 'tsx/esm/api';
register();
await import('../src/bin.ts');
