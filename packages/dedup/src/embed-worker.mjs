// Boot file of an embedder worker thread: Node 20 cannot load TypeScript, and a worker does not inherit
// the parent's loader, so register tsx in this thread, then load the TypeScript worker body.
import { register } from 'tsx/esm/api';

register();
await import('./embed-worker.ts');
