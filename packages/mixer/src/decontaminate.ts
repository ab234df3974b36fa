// Decontamination: records (evolved ones and the seeds replayed into the dataset) that are copies,
// rewordings or paraphrases of an item in a configured evaluation set are dropped, so users do not
// train on their benchmark. Two tests, each with its own threshold, run together when configured:
// weighted n-gram containment of the evaluation item in the record (no model needed), and embedding
// cosine similarity to the nearest evaluation item (any sentence embedder, e.g. @evolflow/dedup's).
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { EvolflowError } from '@evolflow/core';

/** One evaluation item. */
export interface EvalItem {
  /** `<set>:<line>`, unique across the loaded sets (no folder: ids end up in dataset files). */
  id: string;
  text: string;
  /** The evaluation set's file name (`loadEvalSets` sets it; the folder is left out). */
  set?: string;
  /** 1-based line of the item in its file. */
  line?: number;
}

/** The decontamination tests, by the names `mix.decontaminate.tests` uses. */
export type DecontaminationTestName = 'ngram' | 'embedding';

/** What one test concluded about one text. */
export interface ContaminationVerdict {
  contaminated: boolean;
  /** The closest evaluation item, when one scored above zero. */
  itemId?: string;
  /** Its score: containment (n-gram test) or cosine similarity (embedding test), 0 to 1. */
  score: number;
}

export interface Decontaminator {
  /** Which test this is. */
  readonly test: DecontaminationTestName;
  /** How the test works, with its threshold, for the dataset card and logs. */
  readonly method: string;
  readonly threshold: number;
  readonly items: number;
  /** Called once per record that could reach the dataset (evolved or seed); `id` is the record id. */
  check(id: string, text: string): Promise<ContaminationVerdict>;
  close(): Promise<void>;
}

const TEXT_FIELDS = ['instruction', 'question', 'prompt', 'text', 'query', 'problem', 'input'] as const;

/** The text of one line of an evaluation file: a known field, the first of `turns`, or the line itself. */
function evalText(line: string): string | null {
  const trimmed = line.trim();
  if (trimmed === '') return null;
  if (!trimmed.startsWith('{')) return trimmed;
  const value = JSON.parse(trimmed) as Record<string, unknown>;
  for (const field of TEXT_FIELDS) {
    const v = value[field];
    if (typeof v === 'string' && v.trim() !== '') return v;
  }
  const turns = value.turns;
  if (Array.isArray(turns) && typeof turns[0] === 'string') return turns[0];
  const messages = value.messages ?? value.conversations;
  if (Array.isArray(messages)) {
    const first = messages.find((m: { role?: string; from?: string }) => m.role === 'user' || m.from === 'human') as
      { content?: unknown; value?: unknown } | undefined;
    const t = first?.content ?? first?.value;
    if (typeof t === 'string') return t;
  }
  return null;
}

/** Short names of evaluation set files: the file name, with its parent folders when two names clash. */
function setNames(files: readonly string[]): string[] {
  const name = (file: string, depth: number): string => {
    let dir = file;
    const parts: string[] = [];
    for (let i = 0; i <= depth; i++) {
      parts.unshift(basename(dir));
      dir = dirname(dir);
    }
    return parts.join('/');
  };
  for (let depth = 0; depth < 8; depth++) {
    const names = files.map((f) => name(f, depth));
    if (new Set(names).size === new Set(files).size) return names;
  }
  return [...files];
}

/** Each evaluation set's name and how many items were read from it, in load order. */
export function evalSetSizes(items: readonly EvalItem[]): { set: string; items: number }[] {
  const sizes = new Map<string, number>();
  for (const item of items) {
    const set = item.set ?? item.id.replace(/:\d+$/, '');
    sizes.set(set, (sizes.get(set) ?? 0) + 1);
  }
  return [...sizes].map(([set, n]) => ({ set, items: n }));
}

/**
 * Read evaluation sets: JSONL (fields instruction / question / prompt / text / query / problem /
 * input, vicuna `turns`, or chat `messages`), or plain text with one item per line.
 */
export function loadEvalSets(files: readonly string[]): EvalItem[] {
  const items: EvalItem[] = [];
  const names = setNames(files);
  for (const [k, file] of files.entries()) {
    const set = names[k] as string;
    let content: string;
    try {
      content = readFileSync(file, 'utf8');
    } catch (cause) {
      throw new EvolflowError(
        'config',
        `mix.decontaminate.sets: cannot read evaluation set ${file}: ${(cause as Error).message}; fix the path or remove it from the list`,
        { cause, details: { file } },
      );
    }
    content.split('\n').forEach((line, i) => {
      let text: string | null;
      try {
        text = evalText(line);
      } catch (cause) {
        throw new EvolflowError(
          'input',
          `${file}:${i + 1}: evaluation item is not valid JSON (${(cause as Error).message}); fix the line or use one item per plain-text line`,
          { cause, details: { file, line: i + 1 } },
        );
      }
      if (text !== null) items.push({ id: `${set}:${i + 1}`, text, set, line: i + 1 });
    });
  }
  return items;
}

// Function words carry no topic; dropping them makes containment a measure of content overlap.
const STOPWORDS = new Set(
  (
    'a an the and or but if then else of to in on at by for with from as is are was were be been being do does did doing have has had ' +
    'i me my we our you your he she it its they them their this that these those what which who whom whose how why when where ' +
    'can could would should will shall may might must not no nor so than too very just also about into over under again further ' +
    'some any each few more most other such only own same all both up down out off there here please give tell write me us one ' +
    "i'm it's don't can't let's " +
    // Chinese function words and request frames (as Intl.Segmenter cuts them).
    '的 了 是 在 和 与 及 或 我 你 您 他 她 它 我们 你们 他们 这 那 这个 那个 这些 那些 一个 一些 一下 一种 请 请问 如何 怎么 怎样 什么 ' +
    '为什么 哪些 哪个 吗 呢 吧 啊 把 被 对 从 到 给 也 都 就 还 又 很 更 最 可以 能 能够 会 要 需要 应该 并 以及 其 之 中 上 下 帮 帮我 告诉 一 个 ' +
    '我的 你的 他的 她的 我们的 自己 一封 一首 一篇 一段 一份'
  ).split(/\s+/),
);

/** Crude stemming: the first five letters, so inflections and derivations meet (resolve / resolution). */
function stem(word: string): string {
  return word.length > 5 ? word.slice(0, 5) : word;
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'word' });
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]/u;

/**
 * Words for the n-gram test: runs of letters and digits (keeping inner apostrophes, hyphens and
 * underscores, so "e-mail" stays one word); runs in scripts written without spaces (Chinese,
 * Japanese, Thai) are cut into dictionary words by `Intl.Segmenter`. Kept here, not shared, so the
 * test's calibration does not move when another stage's word count changes.
 */
function ngramWords(text: string): string[] {
  const out: string[] = [];
  for (const w of text.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}'_-]*/gu) ?? []) {
    if (!UNSPACED.test(w)) out.push(w);
    else for (const s of segmenter.segment(w)) if (s.isWordLike) out.push(s.segment);
  }
  return out;
}

/** Content tokens of a text: lower-cased words without function words, stemmed. */
export function contentTokens(text: string): string[] {
  return ngramWords(text)
    .map((w) => w.replace(/'s$/, ''))
    .filter((w) => !STOPWORDS.has(w))
    .map(stem);
}

/** The set of content n-grams of orders 1..n; each n-gram's words sorted, so a reordered phrase still meets. */
function features(tokens: readonly string[], n: number): Set<string> {
  const out = new Set<string>();
  for (let order = 1; order <= n; order++) {
    for (let i = 0; i + order <= tokens.length; i++) {
      const gram = tokens.slice(i, i + order);
      // Numbers count as words, but a phrase of numbers is no evidence of a shared text.
      if (order === 1 || gram.every((t) => /\p{L}/u.test(t))) out.add(gram.sort().join(' '));
    }
  }
  return out;
}

export interface NgramDecontaminatorOptions {
  items: readonly EvalItem[];
  /** Weighted share of an item's n-grams found in a record at or above which it is contaminated. */
  threshold: number;
  /** Highest n-gram order (1: content words only; 2: words and word pairs, the default). */
  ngram: number;
}

/**
 * The n-gram test: for each evaluation item, the share of its content n-grams (orders 1..n, each
 * weighted by its rarity across the evaluation items) that also occur in the record. Catches
 * copies, copies wrapped in extra text or constraints, and rewordings that keep the item's content
 * words; paraphrases that replace most content words need the embedding test.
 */
export function createNgramDecontaminator(options: NgramDecontaminatorOptions): Decontaminator {
  const n = Math.max(1, options.ngram);
  const itemFeatures = options.items.map((item) => features(contentTokens(item.text), n));
  const df = new Map<string, number>();
  for (const f of itemFeatures) for (const g of f) df.set(g, (df.get(g) ?? 0) + 1);
  const count = Math.max(1, options.items.length);
  const weight = (g: string) => Math.log(1 + count / (df.get(g) ?? 1)) * (g.includes(' ') ? 0.5 : 1);
  const hasPhrases = itemFeatures.map((f) => [...f].some((g) => g.includes(' ')));
  const totals = itemFeatures.map((f) => [...f].reduce((a, g) => a + weight(g), 0));
  const index = new Map<string, number[]>();
  itemFeatures.forEach((f, i) => {
    for (const g of f) {
      let list = index.get(g);
      if (!list) index.set(g, (list = []));
      list.push(i);
    }
  });
  return {
    test: 'ngram',
    method: `content ${n}-gram containment >= ${options.threshold}`,
    threshold: options.threshold,
    items: options.items.length,
    async check(_id, text) {
      const hits = new Map<number, { weight: number; phrases: number }>();
      for (const g of features(contentTokens(text), n)) {
        const phrase = g.includes(' ') ? 1 : 0;
        for (const i of index.get(g) ?? []) {
          const h = hits.get(i) ?? { weight: 0, phrases: 0 };
          h.weight += weight(g);
          h.phrases += phrase;
          hits.set(i, h);
        }
      }
      let best = -1;
      let score = 0;
      let phrases = 0;
      for (const [i, h] of hits) {
        const s = h.weight / (totals[i] as number);
        if (s > score || (s === score && i < best)) [best, score, phrases] = [i, s, h.phrases];
      }
      if (best < 0) return { contaminated: false, score: 0 };
      const itemId = (options.items[best] as EvalItem).id;
      // Shared words alone can be chance (a long record holds many); a shared phrase is evidence.
      const evidence = n === 1 || phrases > 0 || !hasPhrases[best];
      return { contaminated: evidence && score >= options.threshold, itemId, score: Math.round(score * 1000) / 1000 };
    },
    async close() {},
  };
}

/** A sentence embedder: unit-length vectors (e.g. `createEmbedder` of `@evolflow/dedup`). */
export interface TextEmbedder {
  embed(texts: string[]): Promise<Float32Array[]>;
  close(): Promise<void>;
}

export interface EmbeddingDecontaminatorOptions {
  items: readonly EvalItem[];
  embedder: TextEmbedder;
  /** Cosine similarity to the nearest evaluation item at or above which a record is contaminated. */
  threshold: number;
  /** The model's name, for the method line. */
  model?: string;
}

const dot = (a: Float32Array, b: Float32Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
};

/**
 * The embedding test: the evaluation items are embedded once, and a record whose cosine similarity
 * to its nearest evaluation item is at or above the threshold is contaminated. The search is exact
 * (every item is compared), and records never join the reference set, so an earlier training record
 * can never stand between a record and the evaluation item it copies.
 */
export async function createEmbeddingDecontaminator(options: EmbeddingDecontaminatorOptions): Promise<Decontaminator> {
  const vectors: Float32Array[] = [];
  const texts = options.items.map((i) => i.text);
  for (let i = 0; i < texts.length; i += 64) vectors.push(...(await options.embedder.embed(texts.slice(i, i + 64))));
  return {
    test: 'embedding',
    method: `embedding cosine >= ${options.threshold}${options.model ? ` (${options.model})` : ''}`,
    threshold: options.threshold,
    items: options.items.length,
    async check(_id, text) {
      const [v] = await options.embedder.embed([text]);
      let best = -1;
      let score = -Infinity;
      vectors.forEach((u, i) => {
        const s = dot(u, v as Float32Array);
        if (s > score) [best, score] = [i, s];
      });
      if (best < 0) return { contaminated: false, score: 0 };
      const rounded = Math.round(score * 1000) / 1000;
      return { contaminated: score >= options.threshold, itemId: (options.items[best] as EvalItem).id, score: rounded };
    },
    close: () => options.embedder.close(),
  };
}

/** One test that found a record contaminated, with the evaluation item it matched. */
export interface ContaminationMatch {
  test: DecontaminationTestName;
  score: number;
  threshold: number;
  /** The evaluation set's file name, the item's line in it, and the item's text. */
  set: string;
  line: number;
  itemId: string;
  text: string;
}

/** What every configured test concluded about one text. */
export interface DecontaminationResult {
  contaminated: boolean;
  /** The tests that fired, in configured order. */
  matches: ContaminationMatch[];
  /** Every test's best score, fired or not (for the record of a drop). */
  scores: Partial<Record<DecontaminationTestName, number>>;
}

/** Several tests run together: a text is contaminated when any of them says so. */
export interface DecontaminationSuite {
  readonly tests: readonly Decontaminator[];
  /** The evaluation sets by file name and size (items), never their paths. */
  readonly sets: readonly { set: string; items: number }[];
  check(id: string, text: string): Promise<DecontaminationResult>;
  close(): Promise<void>;
}

/** Run `tests` together on the evaluation `items` they were built from. */
export function createDecontaminationSuite(items: readonly EvalItem[], tests: readonly Decontaminator[]): DecontaminationSuite {
  const byId = new Map(items.map((item) => [item.id, item]));
  return {
    tests,
    sets: evalSetSizes(items),
    async check(id, text) {
      const matches: ContaminationMatch[] = [];
      const scores: DecontaminationResult['scores'] = {};
      for (const t of tests) {
        const v = await t.check(id, text);
        scores[t.test] = v.score;
        if (!v.contaminated || v.itemId === undefined) continue;
        const item = byId.get(v.itemId);
        matches.push({
          test: t.test,
          score: v.score,
          threshold: t.threshold,
          itemId: v.itemId,
          text: item?.text ?? '',
          set: item?.set ?? v.itemId.replace(/:\d+$/, ''),
          line: item?.line ?? Number(/:(\d+)$/.exec(v.itemId)?.[1] ?? 0),
        });
      }
      return { contaminated: matches.length > 0, matches, scores };
    },
    async close() {
      for (const t of tests) await t.close();
    },
  };
}
