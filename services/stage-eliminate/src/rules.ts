// The eliminator's response rules (the paper's rules 2 and 3, plus a minimum length and refusals).
import { findRefusal, words, type Config } from '@evolflow/core';

/**
 * Stop words: English (the NLTK list plus a few contractions) and Chinese. The Chinese entries are
 * the function words (particles, pronouns, conjunctions, prepositions, question words) of the
 * stopwords-iso `zh` list (MIT, github.com/stopwords-iso/stopwords-zh, which merges the HIT, Baidu
 * and Sichuan University lists used with jieba and HanLP), kept where `Intl.Segmenter` yields them
 * as one word, so that words() of a Chinese answer can be compared with them.
 */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    "i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers herself it its itself they them their theirs themselves what which who whom this that these those am is are was were be been being have has had having do does did doing a an the and but if or because as until while of at by for with about against between into through during before after above below to from up down in out on off over under again further then once here there when where why how all any both each few more most other some such no nor not only own same so than too very s t can will just don should now d ll m o re ve y ain aren couldn didn doesn hadn hasn haven isn ma mightn mustn needn shan shouldn wasn weren won wouldn it's don't i'm you're that's " +
    '的 了 着 过 是 在 和 与 及 或 而 但 也 都 就 又 还 很 太 更 最 把 被 让 给 对 向 从 自 于 以 为 因为 所以 如果 虽然 但是 而且 并且 或者 还是 然后 ' +
    '我 你 您 他 她 它 我们 你们 他们 她们 它们 咱们 自己 这 那 这个 那个 这些 那些 这里 那里 这样 那样 这么 那么 如此 什么 怎么 怎样 如何 为什么 哪 哪里 哪个 哪些 谁 多少 几 ' +
    '啊 吧 呢 吗 嘛 么 哦 呀 哈 嗯 啦 之 其 此 彼 个 些 一 一个 有 没有 没 不 无 也是 就是 只是 都是 不是 是不是 可以 能 会 要 将 已 已经 曾 等 等等 地 得 所 由 则 即 乃 且 并 ' +
    '而已 罢了 其他 其它 各 每 某 该 本 此外 以及 及其 关于 对于 由于 因此 于是 即使 尽管 只要 只有 除了 比如 例如 如 像 跟 同 以便 以免 为了 当 才 再'
  ).split(/\s+/),
);

export interface ResponseVerdict {
  reason: 'too-short' | 'sorry' | 'stopwords-only' | 'refusal';
  detail: string;
}

/**
 * The first response rule broken, or undefined: `stopwords-only`, `too-short`, `sorry` (the paper's
 * rule: "sorry" in a short response), then `refusal` (declining in any length and wording, English
 * or Chinese: "I can't help with that", "As an AI language model, I ...", "很抱歉，我无法...").
 */
export function responseRules(response: string, config: Readonly<Config['eliminate']>): ResponseVerdict | undefined {
  const list = words(response);
  if (list.length > 0 && list.every((w) => STOP_WORDS.has(w)))
    return { reason: 'stopwords-only', detail: `only stop words and punctuation (${list.length} words)` };
  if (list.length === 0 && response.trim() !== '') return { reason: 'stopwords-only', detail: 'only punctuation' };
  if (list.length < config.minResponseWords)
    return { reason: 'too-short', detail: `${list.length} words, fewer than eliminate.minResponseWords = ${config.minResponseWords}` };
  if (/\bsorry\b/i.test(response) && list.length < config.sorryMaxWords)
    return { reason: 'sorry', detail: `"sorry" in a response of ${list.length} words (< ${config.sorryMaxWords})` };
  const refusal = findRefusal(response);
  if (refusal) return { reason: 'refusal', detail: `the responder declined: "${refusal.phrase}" at character ${refusal.index}` };
  return undefined;
}
