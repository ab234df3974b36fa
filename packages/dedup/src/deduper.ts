// The streaming keep-first deduper: exact normalised-text hash first, then embedding + HNSW nearest neighbour.
import { EvolflowError, hashText, normalizeText, type Config } from '@evolflow/core';
import { createEmbedder } from './embedder.ts';
import { createVectorIndex, type VectorIndex } from './hnsw-index.ts';
import { createMicroBatcher } from './micro-batcher.ts';
import { readSnapshot, writeSnapshot, type KeptRow, type SnapshotHeader } from './snapshot.ts';
import { createTurnQueue } from './turns.ts';
import type { DedupDecision, Deduper, DeduperOptions, Embedder, KeptEntry } from './types.ts';

export const DEFAULT_MODEL = 'all-MiniLM-L6-v2';

/** The exact-dedup key of a text: sha256 of its normalised form. */
export const textHash = (text: string): string => hashText(normalizeText(text));

/** Deduper options from the config's `dedup` section (plus where snapshots live). */
export function deduperOptionsFromConfig(dedup: Readonly<Config['dedup']>, extra: Partial<DeduperOptions> = {}): DeduperOptions {
  return {
    mode: dedup.mode,
    threshold: dedup.threshold,
    modelDir: dedup.modelDir,
    model: dedup.model,
    variant: dedup.variant,
    hnsw: { ...dedup.hnsw },
    ...extra,
  };
}

interface Kept {
  hash: string;
  /** HNSW label, or -1 when kept without a vector (exact mode). */
  label: number;
}

const NOT_DUPLICATE_EMPTY: DedupDecision = Object.freeze({ duplicate: false, nearestId: null, similarity: 0, exact: false });

/**
 * Build a deduper. In semantic mode the embedder is loaded from `modelDir` (call `pullModel` first);
 * when `snapshotDir` holds a snapshot, the deduper starts from it.
 */
export async function createDeduper(options: DeduperOptions): Promise<Deduper> {
  if (!(options.threshold >= 0 && options.threshold <= 1)) {
    throw new EvolflowError('config', `dedup.threshold must be a number from 0 to 1, got ${String(options.threshold)}`, {
      details: { path: 'dedup.threshold' },
    });
  }
  const semantic = options.mode === 'semantic';
  const model = options.model ?? DEFAULT_MODEL;
  const variant = options.variant ?? 'quantized';
  const ownsEmbedder = semantic && options.embedder === undefined;
  const embedder: Embedder | null = !semantic
    ? null
    : (options.embedder ??
      (await createEmbedder({
        modelDir: options.modelDir,
        model,
        variant,
        ...(options.batchSize ? { batchSize: options.batchSize } : {}),
      })));
  const dimension = embedder?.dimension ?? 0;

  const kept = new Map<string, Kept>();
  const byHash = new Map<string, string>();
  const idsByLabel: string[] = [];
  const listeners: ((entry: KeptEntry) => void)[] = [];
  let index: VectorIndex | null = null;

  const snap = options.snapshotDir === undefined ? null : await readSnapshot(options.snapshotDir);
  if (snap) {
    const { header: state, indexFile } = snap;
    const embedding = options.embedder ? state.variant : variant;
    if (
      state.mode !== options.mode ||
      (semantic && (state.model !== model || state.variant !== embedding || state.dimension !== dimension))
    ) {
      throw new EvolflowError(
        'config',
        `dedup snapshot in ${options.snapshotDir} was made with mode ${state.mode}, model ${String(state.model)} ${String(state.variant)} (dimension ${state.dimension}); this deduper uses mode ${options.mode}, model ${semantic ? `${model} ${variant}` : 'none'}: delete the snapshot folder or use the same dedup settings`,
        { details: { path: 'dedup' } },
      );
    }
    if (semantic && indexFile) index = createVectorIndex({ dimension, ...(options.hnsw ? { hnsw: options.hnsw } : {}), file: indexFile });
    for await (const [id, hash, label] of snap.rows()) {
      kept.set(id, { hash, label });
      if (!byHash.has(hash)) byHash.set(hash, id);
      if (label >= 0) idsByLabel[label] = id;
    }
  }
  if (semantic && !index) index = createVectorIndex({ dimension, ...(options.hnsw ? { hnsw: options.hnsw } : {}) });

  // A row-wise embedder gets small micro-batches (4 texts: few messages, no long batch tail), two per
  // parallel run in flight so no worker waits; a batching one gets batches of `batchSize`, one at a time.
  const rows = embedder?.schedule?.kind === 'rows';
  const batchSize = options.batchSize ?? 32;
  const batcher = embedder
    ? createMicroBatcher(embedder, rows ? Math.min(4, batchSize) : batchSize, rows ? 2 * (embedder.schedule?.parallel ?? 1) : 1)
    : null;
  const turns = createTurnQueue();
  // Texts being embedded, by hash: an exact copy decided concurrently reuses the same embedding.
  const inflight = new Map<string, Promise<Float32Array>>();

  const embedOnce = (hash: string, text: string): Promise<Float32Array> => {
    let p = inflight.get(hash);
    if (!p) {
      p = (batcher as NonNullable<typeof batcher>).embedOne(text);
      inflight.set(hash, p);
      const clear = () => inflight.delete(hash);
      p.then(clear, clear);
    }
    return p;
  };

  /** Keep `id`; `embedded` (its vector and the same as a plain array for hnswlib) when the semantic check ran. */
  const keep = (id: string, hash: string, embedded?: { vector: Float32Array; plain: number[] }): void => {
    const vector = embedded?.vector;
    let label = -1;
    if (index && embedded) {
      label = index.add(embedded.plain);
      idsByLabel[label] = id;
    }
    kept.set(id, { hash, label });
    if (!byHash.has(hash)) byHash.set(hash, id);
    const entry: KeptEntry = vector ? { id, hash, vector } : { id, hash };
    for (const listener of listeners) listener(entry);
  };

  /** Nearest kept record other than `self`, by vector. */
  const nearest = (vector: Float32Array | number[], self: string | null): { id: string; similarity: number } | null => {
    if (!index) return null;
    for (const n of index.search(vector, self === null ? 1 : 2)) {
      const id = idsByLabel[n.label];
      if (id !== undefined && id !== self) return { id, similarity: Math.min(1, n.similarity) };
    }
    return null;
  };

  /** The answer for an id already kept: not a duplicate, nearest other kept record. */
  const selfDecision = (id: string, k: Kept): DedupDecision => {
    if (!index || k.label < 0) return NOT_DUPLICATE_EMPTY;
    const other = nearest(index.raw.getPoint(k.label), id);
    return other ? { duplicate: false, nearestId: other.id, similarity: other.similarity, exact: false } : NOT_DUPLICATE_EMPTY;
  };

  const decideOrKeep = async (id: string, text: string, force: boolean): Promise<DedupDecision> => {
    const hash = textHash(text);
    const known = kept.get(id);
    if (known) return selfDecision(id, known);
    const copyNow = byHash.get(hash);
    if (copyNow !== undefined && !force) return { duplicate: true, nearestId: copyNow, similarity: 1, exact: true };
    if (!semantic) {
      if (copyNow !== undefined && force) {
        keep(id, hash);
        return { duplicate: false, nearestId: copyNow, similarity: 1, exact: true };
      }
      keep(id, hash);
      return NOT_DUPLICATE_EMPTY;
    }
    const turn = turns.take();
    try {
      const vector = await embedOnce(hash, text);
      await turn.ready;
      // Critical section (no await below): runs in call order, so concurrent near-duplicates end keep-first.
      const again = kept.get(id);
      if (again) return selfDecision(id, again);
      const copy = byHash.get(hash);
      if (copy !== undefined && !force) return { duplicate: true, nearestId: copy, similarity: 1, exact: true };
      const plain = Array.from(vector); // hnswlib-node reads a JS array; convert once for query and insert
      const best = nearest(plain, null);
      if (best && best.similarity >= options.threshold && !force) {
        return { duplicate: true, nearestId: best.id, similarity: best.similarity, exact: false };
      }
      keep(id, hash, { vector, plain });
      return best ? { duplicate: false, nearestId: best.id, similarity: best.similarity, exact: false } : NOT_DUPLICATE_EMPTY;
    } finally {
      turn.release();
    }
  };

  const header = (): SnapshotHeader => ({
    mode: options.mode,
    model: semantic ? model : null,
    variant: semantic ? variant : null,
    dimension,
  });
  function* keptRows(): Generator<KeptRow> {
    for (const [id, k] of kept) yield [id, k.hash, k.label];
  }

  return {
    decide: (id, text) => decideOrKeep(id, text, false),
    async register(id, text) {
      await decideOrKeep(id, text, true);
    },
    size: () => kept.size,
    async snapshot(dir) {
      const target = dir ?? options.snapshotDir;
      if (target === undefined)
        throw new EvolflowError('config', 'dedup snapshot needs a folder: pass one to snapshot(dir) or set snapshotDir', {
          details: { path: 'dedup.snapshotDir' },
        });
      // State and index are written in one synchronous step, so no decision lands between them.
      writeSnapshot(target, { header: header(), rows: keptRows(), count: kept.size }, index ? (file) => index?.write(file) : null);
    },
    onKept(listener) {
      listeners.push(listener);
    },
    async restore(entries) {
      for (const entry of entries) {
        if (kept.has(entry.id)) continue;
        if (semantic) {
          if (!entry.vector)
            throw new EvolflowError(
              'input',
              `dedup changelog entry ${entry.id} has no vector but the deduper is semantic: rebuild the changelog with the same dedup mode`,
              { details: { recordId: entry.id } },
            );
          if (entry.vector.length !== dimension)
            throw new EvolflowError(
              'input',
              `dedup changelog entry ${entry.id} has dimension ${entry.vector.length}, the model ${model} gives ${dimension}: use the same model as the run that wrote it`,
              { details: { recordId: entry.id } },
            );
        }
        const k: Kept = { hash: entry.hash, label: -1 };
        if (index && entry.vector) {
          k.label = index.add(entry.vector);
          idsByLabel[k.label] = entry.id;
        }
        kept.set(entry.id, k);
        if (!byHash.has(entry.hash)) byHash.set(entry.hash, entry.id);
      }
    },
    *entries() {
      for (const [id, k] of kept) {
        yield index && k.label >= 0 ? { id, hash: k.hash, vector: Float32Array.from(index.raw.getPoint(k.label)) } : { id, hash: k.hash };
      }
    },
    async close() {
      if (ownsEmbedder && embedder) await embedder.close();
    },
  };
}
