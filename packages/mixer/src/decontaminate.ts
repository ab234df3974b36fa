// Decontamination: evolved records that are copies or close rewordings of an item in a configured
// evaluation set are dropped, so users do not train on their benchmark. Two tests: weighted n-gram
// containment of the evaluation item in the record (always available), or the dedup package's
// embedding test when semantic dedup is configured.
import { readFileSync } from 'node:fs';
import { EvolflowError, words } from '@evolflow/core';

/** One evaluation item. */
export interface EvalItem {
  /** `<file>:<line>`, unique across the loaded sets. */
  id: string;
  text: string;
}

/** What the decontaminator concluded about one text. */
export interface ContaminationVerdict {
  contaminated: boolean;
  /** The closest evaluation item, when one scored above zero. */
  itemId?: string;
  /** Its score: containment (n-gram test) or cosine similarity (embedding test), 0 to 1. */
  score: number;
}

export interface Decontaminator {
  /** How the test works, for the dataset card and logs. */
  readonly method: string;
  readonly items: number;
  /** Called once per evolved record; `id` is the record id. */
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
    const first = messages.find((m: { role?: string; from?: string }) => m.role === 'user' || m.from === 'human') as { content?: unknown; value?: unknown } | undefined;
    const t = first?.content ?? first?.value;
    if (typeof t === 'string') return t;
  }
  return null;
}

/**
 * Read evaluation sets: JSONL (fields instruction / question / prompt / text / query / problem /
 * input, vicuna `turns`, or chat `messages`), or plain text with one item per line.
 */
export function loadEvalSets(files: readonly string[]): EvalItem[] {
  const items: EvalItem[] = [];
  for (const file of files) {
    let content: string;
    try {
      content = readFileSync(file, 'utf8');
    } catch (cause) {
      throw new EvolflowError('config', `mix.decontaminate.sets: cannot read evaluation set ${file}: ${(cause as Error).message}; fix the path or remove it from the list`, { cause, details: { file } });
    }
    content.split('\n').forEach((line, i) => {
      let text: string | null;
      try {
        text = evalText(line);
      } catch (cause) {
        throw new EvolflowError('input', `${file}:${i + 1}: evaluation item is not valid JSON (${(cause as Error).message}); fix the line or use one item per plain-text line`, { cause, details: { file, line: i + 1 } });
      }
      if (text !== null) items.push({ id: `${file}:${i + 1}`, text });
    });
  }
  return items;
}

// Function words carry no topic; dropping them makes containment a measure of content overlap.
const STOPWORDS = new Set(
  ('a an the and or but if then else of to in on at by for with from as is are was were be been being do does did doing have has had ' +
    'i me my we our you your he she it its they them their this that these those what which who whom whose how why when where ' +
    'can could would should will shall may might must not no nor so than too very just also about into over under again further ' +
    'some any each few more most other such only own same all both up down out off there here please give tell write me us one ' +
    "i'm it's don't can't let's"
  ).split(/\s+/),
);

/** Crude stemming: the first five letters, so inflections and derivations meet (resolve / resolution). */
function stem(word: string): string {
  return word.length > 5 ? word.slice(0, 5) : word;
}

/** Content tokens of a text: lower-cased words without function words, stemmed. */
export function contentTokens(text: string): string[] {
  return words(text)
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
    method: `content ${n}-gram containment >= ${options.threshold}`,
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

/** The part of `@evolflow/dedup`'s deduper the embedding test uses. */
export interface EmbeddingDeduper {
  decide(id: string, text: string): Promise<{ duplicate: boolean; nearestId: string | null; similarity: number }>;
  register(id: string, text: string): Promise<void>;
  close(): Promise<void>;
}

const EVAL_PREFIX = 'eval\u0000';

/**
 * The embedding test, through a deduper of the dedup package (the same model and threshold as
 * dedup): the evaluation items are registered, and a record whose nearest kept neighbour is an
 * evaluation item at or above the threshold is contaminated.
 */
export async function createEmbeddingDecontaminator(options: { items: readonly EvalItem[]; deduper: EmbeddingDeduper; threshold: number }): Promise<Decontaminator> {
  const byKey = new Map(options.items.map((item) => [EVAL_PREFIX + item.id, item]));
  for (const [key, item] of byKey) await options.deduper.register(key, item.text);
  return {
    method: `embedding cosine >= ${options.threshold} (dedup model)`,
    items: options.items.length,
    async check(id, text) {
      const d = await options.deduper.decide(`mix\u0000${id}`, text);
      const item = d.nearestId !== null ? byKey.get(d.nearestId) : undefined;
      if (!item) return { contaminated: false, score: 0 };
      return { contaminated: d.duplicate, itemId: item.id, score: Math.round(d.similarity * 1000) / 1000 };
    },
    close: () => options.deduper.close(),
  };
}
