// The public contracts of @evolflow/dedup: the deduper the dedup stage calls, its options, and the embedder.

/** What `Deduper.decide` concluded about one record. */
export interface DedupDecision {
  /** True when the record repeats something kept before (exact copy or nearest neighbour at or above the threshold). */
  duplicate: boolean;
  /** Id of the nearest kept record (the exact copy when `exact`); null when nothing else is kept. */
  nearestId: string | null;
  /** Cosine similarity to `nearestId`: 1 for an exact copy, 0 when the index is empty. */
  similarity: number;
  /** True when the decision came from the normalised-text hash (no embedding needed). */
  exact: boolean;
}

/** One kept record as the changelog carries it: enough to rebuild a deduper without re-embedding. */
export interface KeptEntry {
  id: string;
  /** Hash of the normalised text (`hashText(normalizeText(text))`). */
  hash: string;
  /** Unit-length embedding; absent in exact mode. */
  vector?: Float32Array;
}

/** Streaming keep-first deduper: everything kept so far (seeds included) is the reference set. */
export interface Deduper {
  /** Decide whether `text` duplicates something kept; if not, keep it under `id` (keep-first, streaming). Idempotent for an id it already kept (returns not-duplicate with nearestId = its own nearest other). */
  decide(id: string, text: string): Promise<DedupDecision>;
  /** Keep `text` under `id` without deciding (the original seeds: they are in the index but never rejected). */
  register(id: string, text: string): Promise<void>;
  /** Number of kept records. */
  size(): number;
  /** Write the index, the id map and the exact-hash set to `dir` (default: `snapshotDir`) atomically. */
  snapshot(dir?: string): Promise<void>;
  /** Called once for every newly kept entry, in keep order: what a Kafka changelog topic carries. */
  onKept?(listener: (entry: KeptEntry) => void): void;
  /** Replay kept entries into this deduper (after a snapshot, before new decisions); known ids are skipped. */
  restore?(entries: Iterable<KeptEntry>): Promise<void>;
  /** Every kept entry, in keep order (with its vector in semantic mode): what a changelog must hold. */
  entries?(): Iterable<KeptEntry>;
  close(): Promise<void>;
}

/** HNSW parameters (hnswlib): graph degree, build beam width, query beam width, first capacity. */
export interface HnswOptions {
  M?: number;
  efConstruction?: number;
  ef?: number;
  initialCapacity?: number;
}

export interface DeduperOptions {
  mode: 'exact' | 'semantic';
  /** Cosine similarity at or above which a record is a duplicate (semantic mode). */
  threshold: number;
  /** Model cache folder (config `dedup.modelDir`). */
  modelDir: string;
  /** Model folder name under `modelDir`; default all-MiniLM-L6-v2. */
  model?: string;
  /** Which ONNX file of the model to run; default 'quantized'. */
  variant?: EmbedderVariant;
  /** Restore from here at start when present; default target of `snapshot()`. */
  snapshotDir?: string;
  hnsw?: HnswOptions;
  /** Embed in batches of this size: concurrent decide() calls are micro-batched together. Default 32. */
  batchSize?: number;
  /** An embedder to use instead of loading `model` (tests, or sharing one model between dedupers). */
  embedder?: Embedder;
}

/** Which ONNX file of a model: the published quantized one, full precision, or our signed-int8 quantization. */
export type EmbedderVariant = 'quantized' | 'fp32' | 'int8';

export interface EmbedderOptions {
  modelDir: string;
  model?: string;
  variant?: EmbedderVariant;
  /** Sentence pooling; default the model's own (KNOWN_MODELS: bge 'cls', the others 'mean'; unknown models 'mean'). */
  pooling?: 'mean' | 'cls';
  /** Put before every text; default the model's own (e5: "query: "; others none). */
  prefix?: string;
  /** Lower-case every text first; default the model's own (bge-small-zh-v1.5: yes, see KNOWN_MODELS). */
  lowercase?: boolean;
  /** Token limit per text (sentence-transformers uses 256 for all-MiniLM-L6-v2). */
  maxTokens?: number;
  /** Largest batch handed to the model at once; longer inputs are split. Default 32. */
  batchSize?: number;
  /** Intra-op threads of onnxruntime per worker; default 1 when row-wise (one worker per core), else all cores. */
  threads?: number;
  /** Run each text alone (no padding): default for the quantized variants, whose batched results depend on the batch. */
  rowWise?: boolean;
  /** Worker threads running the model; default one per core when row-wise, else 1; 0 = the calling thread. */
  workers?: number;
}

/** Sentence embedder: the model's pooling (mean over tokens or [CLS]), then L2 normalisation. */
export interface Embedder {
  embed(texts: string[]): Promise<Float32Array[]>;
  dimension: number;
  /**
   * How callers get the most from it: `rows` = it runs texts one at a time, `parallel` at once (so keep
   * `parallel` small calls in flight); `batches` = padded batches, one call at a time. Default batches.
   */
  schedule?: { kind: 'rows' | 'batches'; parallel: number };
  close(): Promise<void>;
}
