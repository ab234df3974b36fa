// Word lists the simulator writes with: stop words, content-word extraction, and word banks that
// give clean evolutions new, varied vocabulary.
import { words } from '@evolflow/core';
import { pick } from './hash.ts';

/** Common English stop words (a subset of every usual list, NLTK's included). */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'i me my we our you your he him his she her it its they them their what which who whom this that these those am is are was were be been ' +
    'being have has had having do does did doing a an the and but if or because as until while of at by for with about against between into ' +
    'through during before after above below to from up down in out on off over under again further then once here there when where why how ' +
    'all any both each few more most other some such no nor not only own same so than too very can will just should now also would could ' +
    'may might must shall one two get make like use using want need please give tell write'
  ).split(' '),
);

/** The distinct content words of a text, in order of first appearance. */
export function contentWords(text: string): string[] {
  const seen = new Set<string>();
  for (const w of words(text)) {
    const clean = w.replace(/[^a-z0-9]/g, '');
    if (clean.length >= 3 && !STOP_WORDS.has(clean) && !/^\d+$/.test(clean)) seen.add(clean);
  }
  return [...seen];
}

/** Verbs and fillers that make poor topics ("explore the scalability behind try"). */
const WEAK = new Set(
  (
    'following given find show create explain describe include includes including try yet avoid every concerning ' +
    'based provide suggest answer question task think know says said able many much well still even really best better good new way ' +
    'things thing something anything list add take keep let help makes made following whether'
  ).split(' '),
);

/** Topic candidates: content words that read as subjects, longest-first order kept stable. */
export function topicWords(text: string): string[] {
  const all = contentWords(text);
  const strong = all.filter((w) => !WEAK.has(w) && w.length >= 4);
  return strong.length > 0 ? strong : all;
}

/** Content words of `next` that `prev` does not have. */
export function newContentWords(prev: string, next: string): string[] {
  const before = new Set(contentWords(prev));
  return contentWords(next).filter((w) => !before.has(w));
}

export const BANKS = {
  quality: [
    'measurable',
    'verifiable',
    'concise',
    'balanced',
    'practical',
    'rigorous',
    'transparent',
    'reproducible',
    'accessible',
    'inclusive',
    'sustainable',
    'affordable',
    'seasonal',
    'regional',
    'historical',
    'quantitative',
  ],
  noun: [
    'budget',
    'deadline',
    'audience',
    'citation',
    'tradeoff',
    'benchmark',
    'checklist',
    'timeline',
    'stakeholder',
    'assumption',
    'risk',
    'metric',
    'glossary',
    'caveat',
    'counterexample',
    'precedent',
    'regulation',
    'prototype',
    'workflow',
    'baseline',
  ],
  aspect: [
    'origins',
    'mechanisms',
    'limitations',
    'consequences',
    'controversies',
    'alternatives',
    'incentives',
    'bottlenecks',
    'ethics',
    'economics',
    'psychology',
    'ecology',
    'governance',
    'scalability',
    'maintenance',
    'variability',
  ],
  audience: [
    'beginners',
    'nurses',
    'retirees',
    'teenagers',
    'engineers',
    'farmers',
    'librarians',
    'investors',
    'teachers',
    'tourists',
    'students',
    'journalists',
    'volunteers',
    'founders',
  ],
  place: [
    'Lisbon',
    'Osaka',
    'Nairobi',
    'Montreal',
    'Bergen',
    'Cusco',
    'Hanoi',
    'Adelaide',
    'Tbilisi',
    'Valparaiso',
    'Krakow',
    'Kyoto',
    'Marrakesh',
    'Reykjavik',
  ],
  step: ['identify', 'estimate', 'compare', 'rank', 'derive', 'verify', 'classify', 'quantify', 'justify', 'outline', 'contrast', 'test'],
  genre: ['dialogue', 'limerick', 'memo', 'fable', 'briefing', 'riddle', 'review', 'postcard', 'eulogy', 'manifesto', 'sonnet', 'proposal'],
  rare: [
    'overlooked',
    'unconventional',
    'little-known',
    'niche',
    'obscure',
    'counterintuitive',
    'forgotten',
    'unusual',
    'rarely-studied',
    'peculiar',
  ],
} as const;

/** Bank words that are not already in `avoid`; the chosen ones are added to `avoid`. */
export function fresh(bank: readonly string[], avoid: Set<string>, r: () => number): string {
  for (let i = 0; i < 6; i++) {
    const w = pick(bank, r);
    const key = w.toLowerCase().replace(/[^a-z0-9]/g, '');
    if (!avoid.has(key)) {
      avoid.add(key);
      return w;
    }
  }
  const w = bank.find((b) => !avoid.has(b.toLowerCase().replace(/[^a-z0-9]/g, ''))) ?? pick(bank, r);
  avoid.add(w.toLowerCase().replace(/[^a-z0-9]/g, ''));
  return w;
}

/** An identifier-safe word (lower case letters only), or `fallback`. */
export function ident(word: string | undefined, fallback: string): string {
  const w = (word ?? '').toLowerCase().replace(/[^a-z]/g, '');
  return w.length >= 3 ? w : fallback;
}
