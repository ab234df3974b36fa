// The eliminator's response rules (the paper's rules 2 and 3, plus a minimum length).
import { words, type Config } from '@evolflow/core';

/** English stop words (the NLTK list plus a few contractions). */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  ("i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers herself it its itself they them their theirs themselves what which who whom this that these those am is are was were be been being have has had having do does did doing a an the and but if or because as until while of at by for with about against between into through during before after above below to from up down in out on off over under again further then once here there when where why how all any both each few more most other some such no nor not only own same so than too very s t can will just don should now d ll m o re ve y ain aren couldn didn doesn hadn hasn haven isn ma mightn mustn needn shan shouldn wasn weren won wouldn it's don't i'm you're that's")
    .split(/\s+/),
);

export interface ResponseVerdict {
  reason: 'too-short' | 'sorry' | 'stopwords-only';
  detail: string;
}

/** The first response rule broken, or undefined. */
export function responseRules(response: string, config: Readonly<Config['eliminate']>): ResponseVerdict | undefined {
  const list = words(response);
  if (list.length > 0 && list.every((w) => STOP_WORDS.has(w))) return { reason: 'stopwords-only', detail: `only stop words and punctuation (${list.length} words)` };
  if (list.length === 0 && response.trim() !== '') return { reason: 'stopwords-only', detail: 'only punctuation' };
  if (list.length < config.minResponseWords) return { reason: 'too-short', detail: `${list.length} words, fewer than eliminate.minResponseWords = ${config.minResponseWords}` };
  if (/\bsorry\b/i.test(response) && list.length < config.sorryMaxWords) return { reason: 'sorry', detail: `"sorry" in a response of ${list.length} words (< ${config.sorryMaxWords})` };
  return undefined;
}
