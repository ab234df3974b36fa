// The language filters of issue 11 (refusal, meta-copy, not-a-task) measured three ways:
//  1. recall per kind and language on the corpus written before the rules
//     (packages/core/fixtures/filter-corpus), beside the old rules' (the `sorry` word rule, the
//     old too-short on regex word counts, the old META_PATTERNS; no task check existed);
//  2. false rejects on clean text: the corpus's clean tasks and answers, the 255 real seed
//     instructions (self-instruct + vicuna-80) and our 12 Chinese seeds, and the 175 human-written
//     self-instruct answers;
//  3. on REAL model output: the exchanges of SmolLM2-135M-Instruct recorded in
//     packages/local-llm/fixtures, labelled by hand in filter-corpus/smollm2-labels.jsonl: false
//     rejects on the clean answers and rewrites, and what the rules catch of the failures.
// Run: npx tsx bench/filters.ts
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CONFIG, findMeta, findRefusal, looksLikeTask, parseRewrite } from '@evolflow/core';
import { cheapRules, lostInput } from '@evolflow/stage-validate';
import { responseRules } from '@evolflow/stage-eliminate';
import { seedTasksPath, vicunaPath } from '@evolflow/testdata';
import { ROOT, writeResults } from './support.ts';

interface Line {
  text: string;
  kind: string;
  lang: 'en' | 'zh';
  source: string;
  where?: string;
  role?: string;
}
const jsonl = <T>(path: string): T[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
const CORPUS = join(ROOT, 'packages/core/fixtures/filter-corpus');
const corpus = (name: string) => jsonl<Line>(join(CORPUS, `${name}.jsonl`));

// The rules as they were before issue 11 (services/stage-validate and stage-eliminate at 040df6a).
const OLD_META_PATTERNS: readonly RegExp[] = [
  /#\s*rewritten\s+prompt\s*#/i,
  /#\s*(the\s+)?given\s+prompt\s*#/i,
  /#\s*created\s+prompt\s*#/i,
  /\b(the\s+)?given\s+prompt\b/i,
  /\brewritten\s+prompt\b/i,
  /\bcreated\s+prompt\b/i,
];
const oldWords = (text: string): string[] => text.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}'_-]*/gu) ?? [];
const oldSorry = (text: string): boolean => /\bsorry\b/i.test(text) && oldWords(text).length < 80;
const oldTooShort = (text: string): boolean => oldWords(text).length < 3;
const oldMeta = (text: string): boolean => OLD_META_PATTERNS.some((p) => p.test(text));

const ratio = (n: number, d: number): number => (d === 0 ? 0 : Math.round((n / d) * 1000) / 1000);
function perLang(lines: Line[], caught: (l: Line) => boolean) {
  const out: Record<string, { n: number; caught: number; recall: number; missed: string[] }> = {};
  for (const lang of ['en', 'zh'] as const) {
    const mine = lines.filter((l) => l.lang === lang);
    const missed = mine.filter((l) => !caught(l)).map((l) => l.text);
    out[lang] = { n: mine.length, caught: mine.length - missed.length, recall: ratio(mine.length - missed.length, mine.length), missed };
  }
  return out;
}

// 1. Recall on the corpus.
const refusals = corpus('refusal');
const metas = corpus('meta');
const nonTasks = corpus('not-a-task');
const clean = corpus('clean');
const recall = {
  refusal: {
    response: perLang(refusals, (l) => findRefusal(l.text) !== undefined),
    rewrite: perLang(refusals, (l) => findRefusal(l.text, { rewrite: true }) !== undefined),
    baselineSorry: perLang(refusals, (l) => oldSorry(l.text)),
    baselineSorryOrTooShort: perLang(refusals, (l) => oldSorry(l.text) || oldTooShort(l.text)),
  },
  meta: {
    detected: perLang(metas, (l) => findMeta(l.text) !== undefined),
    leadingStripped: perLang(
      metas.filter((l) => l.where === 'leading'),
      (l) => {
        const s = parseRewrite(l.text);
        return 'instruction' in s && findMeta(s.instruction) === undefined && s.instruction !== l.text;
      },
    ),
    baselineOldPatterns: perLang(metas, (l) => oldMeta(l.text)),
  },
  notATask: {
    detected: perLang(nonTasks, (l) => !looksLikeTask(l.text)),
    baseline: 'no rule before issue 11 (recall 0)',
  },
};

// 2. False rejects on clean text.
const languageRules = (text: string, parent = ''): string | undefined => {
  const verdict = cheapRules(text, parent, DEFAULT_CONFIG.validate);
  return verdict && ['refusal', 'meta-copy', 'not-a-task'].includes(verdict.reason) ? verdict.reason : undefined;
};
const seedTasks = jsonl<{ id: string; instruction: string; instances: { input: string; output: string }[] }>(seedTasksPath);
const vicuna = jsonl<{ turns: string[] }>(vicunaPath).map((v) => v.turns[0] ?? '');
const zhSeeds = jsonl<{ instruction: string }>(join(ROOT, 'packages/core/fixtures/zh-seeds.jsonl')).map((s) => s.instruction);
const realInstructions = [...seedTasks.map((s) => s.instruction), ...vicuna, ...zhSeeds];
// By hand: the one self-instruct answer that declines ("... I cannot answer") is a refusal.
const humanAnswers = seedTasks.flatMap((s) => s.instances.map((i) => i.output)).filter((o) => !/I cannot answer/.test(o));
const flagged = (texts: string[], rule: (t: string) => string | undefined) => {
  const hits = texts.map((t) => ({ t, why: rule(t) })).filter((h) => h.why !== undefined);
  return {
    n: texts.length,
    falseRejects: hits.length,
    rate: ratio(hits.length, texts.length),
    examples: hits.slice(0, 10).map((h) => `${h.why}: ${h.t.slice(0, 120)}`),
  };
};
const falseRejects = {
  corpusCleanTasks: flagged(
    clean.filter((l) => l.role === 'task').map((l) => l.text),
    (t) => languageRules(t),
  ),
  corpusCleanAnswers: flagged(
    clean.filter((l) => l.role === 'answer').map((l) => l.text),
    (t) => (findRefusal(t) ? 'refusal' : undefined),
  ),
  // Each seed against itself as parent would be `unchanged`; an empty parent checks the language rules alone.
  realSeedInstructions: flagged(realInstructions, (t) => languageRules(t)),
  realSeedInstructionsDetectorsOnly: flagged(realInstructions, (t) =>
    findRefusal(t, { rewrite: true }) ? 'refusal' : findMeta(t) ? 'meta' : !looksLikeTask(t) ? 'not-a-task' : undefined,
  ),
  humanAnswers: flagged(humanAnswers, (t) => (findRefusal(t) ? 'refusal' : undefined)),
  baselineOnHumanAnswers: flagged(humanAnswers, (t) => (oldSorry(t) ? 'sorry' : undefined)),
};

// 3. Real model output, labelled by hand.
interface Exchange {
  key: string;
  request: { messages: { role: string; content: string }[] };
  answer: { text: string; finish_reason?: string };
}
interface Label {
  key: string;
  role: 'evolver' | 'mutation' | 'responder';
  label: 'clean' | 'meta' | 'refusal' | 'not-a-task' | 'unclear';
  note: string;
}
const recordings = ['smollm2-corpus.jsonl', 'smollm2-run.jsonl']
  .map((f) => join(ROOT, 'packages/local-llm/fixtures', f))
  .filter((p) => existsSync(p));
const exchanges = new Map(recordings.flatMap((p) => jsonl<Exchange>(p)).map((e) => [e.key, e]));
const labels = jsonl<Label>(join(CORPUS, 'smollm2-labels.jsonl'));
const parentOf = (content: string): string =>
  /#(?:The )?Given Prompt#:\n([\s\S]*?)\n\n#(?:Rewritten|Created) Prompt#/.exec(content)?.[1] ?? '';
const real = {
  rewrites: {
    clean: 0,
    cleanRejected: [] as string[],
    failures: 0,
    caught: 0,
    caughtByStages: 0,
    caughtBaseline: 0,
    byReason: {} as Record<string, number>,
    missed: [] as string[],
  },
  answers: { clean: 0, refusalRejects: [] as string[], anyRuleRejects: [] as string[] },
};
let labelled = 0;
for (const l of labels) {
  const ex = exchanges.get(l.key);
  if (!ex || l.label === 'unclear') continue;
  labelled++;
  const content = ex.request.messages[0]?.content ?? '';
  if (l.role === 'responder') {
    if (l.label !== 'clean') continue;
    real.answers.clean++;
    if (findRefusal(ex.answer.text)) real.answers.refusalRejects.push(ex.answer.text.slice(0, 120));
    const v = responseRules(ex.answer.text, DEFAULT_CONFIG.eliminate);
    if (v) real.answers.anyRuleRejects.push(`${v.reason}: ${ex.answer.text.slice(0, 100)}`);
    continue;
  }
  const parsed = parseRewrite(ex.answer.text);
  const instruction = 'instruction' in parsed ? parsed.instruction : '';
  // What the evolve and validate stages decide: evolve rejects a cut answer (`truncated`) first.
  const language = instruction === '' ? undefined : languageRules(instruction, parentOf(content));
  // The evolver's prompt shows the parent as instruction, blank line, input: split it back for lostInput.
  const [parentInstruction = '', ...inputParts] = parentOf(content).split('\n\n');
  const parent = { instruction: parentInstruction, input: inputParts.join('\n\n') };
  const stage =
    ex.answer.finish_reason === 'length'
      ? 'truncated'
      : instruction === ''
        ? 'unparseable'
        : (
            cheapRules(instruction, parentOf(content), DEFAULT_CONFIG.validate) ??
            lostInput({ instruction }, parent, l.role === 'mutation' ? 'breadth' : 'depth')
          )?.reason;
  if (l.label === 'clean') {
    real.rewrites.clean++;
    if (stage) real.rewrites.cleanRejected.push(`${stage}: ${instruction.slice(0, 100)}`);
  } else {
    real.rewrites.failures++;
    if (language) real.rewrites.caught++;
    else
      real.rewrites.missed.push(`${l.label} (${ex.answer.finish_reason ?? ''}, stages: ${stage ?? 'kept'}): ${instruction.slice(0, 100)}`);
    if (stage) real.rewrites.caughtByStages++;
    real.rewrites.byReason[stage ?? 'kept'] = (real.rewrites.byReason[stage ?? 'kept'] ?? 0) + 1;
    if (oldMeta(ex.answer.text)) real.rewrites.caughtBaseline++;
  }
}

const summary = (r: Record<string, { recall: number; n: number }>) =>
  `en ${r.en?.recall} (n=${r.en?.n}), zh ${r.zh?.recall} (n=${r.zh?.n})`;
process.stderr.write(
  [
    'recall on the corpus (new | old rules):',
    `  refusal, responses: ${summary(recall.refusal.response)} | sorry rule: ${summary(recall.refusal.baselineSorry)}; sorry or old too-short: ${summary(recall.refusal.baselineSorryOrTooShort)}`,
    `  refusal, rewrites:  ${summary(recall.refusal.rewrite)}`,
    `  meta-copy:          ${summary(recall.meta.detected)} | old META_PATTERNS: ${summary(recall.meta.baselineOldPatterns)}`,
    `  leading meta stripped to a clean rewrite: ${summary(recall.meta.leadingStripped)}`,
    `  not-a-task:         ${summary(recall.notATask.detected)} | no rule before`,
    'false rejects:',
    `  corpus clean tasks ${falseRejects.corpusCleanTasks.falseRejects}/${falseRejects.corpusCleanTasks.n}, clean answers ${falseRejects.corpusCleanAnswers.falseRejects}/${falseRejects.corpusCleanAnswers.n}`,
    `  real seed instructions (validate language rules) ${falseRejects.realSeedInstructions.falseRejects}/${falseRejects.realSeedInstructions.n} (detectors alone ${falseRejects.realSeedInstructionsDetectorsOnly.falseRejects})`,
    `  human self-instruct answers: refusal ${falseRejects.humanAnswers.falseRejects}/${falseRejects.humanAnswers.n} (old sorry rule ${falseRejects.baselineOnHumanAnswers.falseRejects})`,
    `real SmolLM2 exchanges (${labelled} labelled by hand of ${exchanges.size} recorded):`,
    `  clean answers: refusal false rejects ${real.answers.refusalRejects.length}/${real.answers.clean} (${ratio(real.answers.refusalRejects.length, real.answers.clean)}); any response rule ${real.answers.anyRuleRejects.length}/${real.answers.clean}`,
    `  clean rewrites: false rejects ${real.rewrites.cleanRejected.length}/${real.rewrites.clean}`,
    `  failed rewrites caught by the language rules ${real.rewrites.caught}/${real.rewrites.failures} (old META_PATTERNS ${real.rewrites.caughtBaseline}); by evolve+validate ${real.rewrites.caughtByStages}/${real.rewrites.failures} ${JSON.stringify(real.rewrites.byReason)}`,
    '',
  ].join('\n'),
);
writeResults('filters', {
  recall,
  falseRejects,
  real: { recordings: recordings.map((p) => p.slice(ROOT.length + 1)), exchanges: exchanges.size, labelled, ...real },
});
