// Refusal detection for responses and rewrites, in English and Chinese, beyond the word "sorry".
// Built from public refusal lists: the GCG/AdvBench evaluation's `test_prefixes` (llm-attacks),
// the phrase lists that cleaned "As an AI language model" answers out of ShareGPT/WizardLM
// (the "unfiltered" datasets' optional_clean.py / wizardlm_clean.py), the refusal phrasings that
// keyword refusal judges in HarmBench/StrongREJECT-style evaluations look for, and a public Chinese
// refusal-judge prompt ("我很抱歉", "对不起，因为...", "我不能..."); sources in the root README.
// A refusal is the model declining: "I can't help with that", "As an AI language model, I ...",
// "我无法提供...". Apologies and refusals as a TOPIC ("Write an apology letter", "I'm sorry I
// missed your party", "Explain why a model might refuse") are not refusals: the declining phrases
// need the model itself as subject, a verb of helping or answering, and (but for the self-report
// "As an AI language model, I") the opening of the text, outside quotation marks.
import { looksLikeTask } from './task.ts';

/** A refusal found in a text. */
export interface RefusalHit {
  phrase: string;
  index: number;
}

// Verbs a model declines with: what it will not do for the asker.
const HELP_VERBS = String.raw`(?:help(?!\s+(?:but|it)\b)|assist|provide|fulfil+|comply|answer|respond|create|generate|write|produce|complete|engage|participate|support|give(?!\s+up)|share|offer|discuss|rewrite|modify|perform|process|access|browse|continue|carry\s+out|tell(?!\s+you\s+how)|express(?!\s+(?:how|my|enough))|predict|do\s+(?:that|this|so|it)\b|make\s+(?:this|that|the|your|it\s+(?:harder|more))|comment|condone|facilitate|accommodate|go\s+along|be\s+of\s+(?:help|assistance)|look\s+up|search|verify|guarantee|translate|promote)`;
const CANNOT = String.raw`(?:can(?:'|’)?t|cannot|can\s+not|won(?:'|’)t|will\s+not|(?:am|(?:'|’)m)\s+(?:not\s+able|unable)\s+to|(?:am|(?:'|’)m)\s+not\s+(?:allowed|permitted|authorized|programmed|designed)\s+to|(?:won(?:'|’)t|will\s+not)\s+be\s+able\s+to|(?:am|(?:'|’)m)\s+afraid\s+I\s+can(?:'|’)?t)`;
/** What follows "I'm sorry, (but)" in a refusal, not in an apology ("I'm sorry I missed your call"). */
const SORRY_TAIL = String.raw`(?:I\s*(?:can(?:'|’)?t|cannot|won(?:'|’)t|will\s+not|do\s+not|don(?:'|’)t|(?:am|(?:'|’)m)\s+(?:not|unable|just|only|an\s+AI)|must|have\s+to|need\s+to)|(?:that|this|it)(?:(?:'|’)s|\s+is|\s+would\s+(?:not\s+)?be)\s+(?:not|beyond|outside|against|inappropriate)|as\s+an?\b|(?:that|this)\s+(?:request|question|topic))`;
const ZH_HELP =
  '(?:帮助|帮忙|帮你|帮您|帮|协助|提供|回答|答复|满足|完成|处理|生成|编写|撰写|写|创作|执行|参与|支持|讨论|评论|回应|透露|给出|告诉|为你|为您|就此|对此|这样做|照做|遵守|确认|访问|浏览|预测|做到|改写|重写|创建|修改|翻译|推荐|查看|查询|获取|分享|表达|描述)';

/**
 * Declining phrases that count in the opening of a text (the first sentences). `weak` ones ("I can't
 * access ...", "我无法提供...") are also how a user describes a problem, so in a rewrite that reads
 * as a task they do not count.
 */
const OPENING: ReadonlyArray<{ re: RegExp; weak?: true }> = [
  { re: new RegExp(String.raw`\bI\s*${CANNOT}\s+(?:\w+ly\s+)?${HELP_VERBS}`, 'i'), weak: true },
  {
    re: new RegExp(
      String.raw`\b(?:I(?:'|’)?m|I\s+am)\s+(?:(?:really|very|so|truly|terribly)\s+)?(?:sorry|afraid)\s*[,.!]?\s*(?:but\s*,?\s*)?${SORRY_TAIL}`,
      'i',
    ),
  },
  { re: new RegExp(String.raw`^\W*(?:(?:really|very|so)\s+)?sorry\s*[,.!]?\s*(?:but\s*,?\s*)?${SORRY_TAIL}`, 'i') },
  {
    re: new RegExp(
      String.raw`\b(?:I\s+(?:do\s+)?apologi[sz]e|my\s+apologies|apologies)\s*(?:for\s+the\s+inconvenience)?\s*[,.!]?\s*(?:but|however)?\s*,?\s*${SORRY_TAIL}`,
      'i',
    ),
  },
  {
    re: /\bI\s+(?:must|have\s+to|need\s+to|will\s+have\s+to|(?:'|’)ll\s+have\s+to|am\s+going\s+to\s+have\s+to)\s+(?:respectfully\s+|politely\s+)?(?:decline|refuse|refrain)\b/i,
  },
  { re: /\bI\s+(?:respectfully\s+|politely\s+)?(?:decline|refuse)\s+to\b/i },
  {
    re: /\b(?:it|that|this)(?:(?:'|’)s|\s+is|\s+would(?:\s+not|n(?:'|’)t)?\s+be)\s+(?:not\s+)?(?:appropriate|ethical|responsible|possible|right)\s+for\s+me\b/i,
  },
  {
    re: /\b(?:not\s+something|nothing)\s+I\s+(?:can|could|am\s+able\s+to|will|(?:'|’)m\s+able\s+to)\s+(?:help|assist|do|provide|answer|write)/i,
  },
  { re: /\bI\s+(?:do\s+not|don(?:'|’)t|am\s+not|(?:'|’)m\s+not)\s+(?:feel\s+)?comfortable\b/i },
  { re: /\bI(?:'|’)?d\s+(?:prefer|rather)\s+not\s+(?:to\s+)?(?:answer|respond|help|provide|write|discuss|comment|share|engage|do)/i },
  {
    re: /\b(?:against|violates?|outside(?:\s+of)?|beyond)\s+(?:my|our)\s+(?:\w+\s+)?(?:guidelines|programming|polic(?:y|ies)|principles|capabilities|scope|abilities|ethical\s+\w+|content\s+polic(?:y|ies)|purpose)\b/i,
  },
  {
    re: /\bI\s+(?:do\s+not|don(?:'|’)t)\s+have\s+(?:the\s+(?:ability|capability|capacity)|(?:real-time\s+)?access\s+to\s+(?:the\s+internet|real-time|current|your|personal|external)|personal\s+(?:opinions|feelings|experiences|preferences|beliefs|emotions|views)|feelings|emotions|opinions)\b/i,
  },
  {
    re: /\bI\s*(?:(?:'|’)m|\s+am)\s+(?:just|only)\s+an?\s+(?:AI|language\s+model|text-based|computer\s+program|virtual\s+assistant|assistant|chatbot)\b/i,
  },
  {
    re: /\b(?:unfortunately|regrettably)\s*,?\s*I\s*(?:can(?:'|’)?t|cannot|(?:am|(?:'|’)m)\s+(?:unable|not\s+able)|won(?:'|’)t)\s+(?:\w+ly\s+)?(?:help|assist|provide|answer|fulfil+|comply|do|complete|create|generate|write|give|share)/i,
  },
  {
    re: /\bI\s+(?:can(?:'|’)?t|cannot|(?:am|(?:'|’)m)\s+unable\s+to)\s+(?:\w+\s+){0,3}(?:this|that|your|such|the\s+(?:given|following|above))\s+(?:request|prompt|instruction|question|task|query)\b/i,
  },
  // Chinese: 很抱歉，我无法 / 对不起，我不能 / 我无法提供 / 恕我无法 / 我必须拒绝 / 超出了我的能力
  {
    re: new RegExp(
      `(?:我|本模型|本助手)(?:目前|暂时|实在|恐怕|真的|并|确实)?(?:无法|不能|不可以|没法|没办法|不便|不会|不被允许|不允许|不方便)(?:再|继续|为你|为您|帮你|帮您|直接|在这里|对)?${ZH_HELP}`,
    ),
    weak: true,
  },
  {
    re: new RegExp(
      `(?:抱歉|对不起|不好意思|遗憾)[，,。！!\\s]*(?:但|不过)?[，,\\s]*(?:我|这|作为)[^。！!？?\\n]{0,12}?(?:(?:无法|不能|没法|没办法|不便|不会)[^。！!？?\\n，,]{0,16}?(?:${ZH_HELP}|更难|更复杂|更具挑战)|拒绝|超出)`,
    ),
  },
  { re: /恕我(?:无法|不能|直言不能)/ },
  { re: /我(?:必须|只能|不得不)?(?:拒绝|婉拒)(?:这个|此|你的|您的|回答|提供|该)/ },
  { re: /(?:超出|超过)了?我的(?:能力|职责|服务)?范围|(?:超出|超过)了?我的能力/ },
  { re: /我(?:并)?没有(?:能力|权限|办法(?:帮|回答|提供)|个人(?:观点|感受|情感|意见|偏好|看法))/ },
  { re: /(?:这个问题|此问题|这个请求|该请求|这类问题|这个话题)(?:不适合|不宜)由?我/ },
];

/** Patterns that mark a refusal anywhere: the model reporting itself as an AI before declining. */
const ANYWHERE: readonly RegExp[] = [
  /\bas\s+an?\s+(?:AI|artificial\s+intelligence)(?:[\s-]+(?:based|powered))?(?:\s+(?:language\s+model|model|assistant|chatbot|system|program|developed\s+by\s+\w+))?\s*,\s*I\b/i,
  /\bas\s+an?\s+(?:large\s+)?language\s+model(?:\s+\w+){0,3}\s*,\s*I\b/i,
  /\bI\s+am\s+an\s+AI\s+language\s+model\b|\bI(?:'|’)m\s+an\s+AI\s+language\s+model\b/i,
  /作为(?:一个|一名|一款|一位)?(?:AI|人工智能|ai)(?:语言)?(?:模型|助手|助理|程序|系统)?[，,]\s*我/,
  /我(?:只)?是(?:一个|一名|一款)?(?:AI|人工智能|ai)(?:语言)?(?:模型|助手|助理|程序)[，,。]?\s*(?:没有|无法|不能|不具备)/,
];

/** A letter's or message's salutation: what follows is the letter (an apology or a rejection letter is an answer). */
const SALUTATION =
  /^\W*(?:(?:dear|hi|hello|hey|greetings|good\s+(?:morning|afternoon|evening))\b[^\n,:]{0,40}[,:\n]|to\s+whom\s+it\s+may\s+concern|(?:亲爱的|尊敬的|致|嗨|你好|您好)[^\n，,：:]{0,20}[，,：:\n])/i;

/** Cuts `text` to its opening: the first three sentences within the first 300 characters. */
function opening(text: string): string {
  const head = text.slice(0, 300);
  const ends = [...head.matchAll(/[.!?。！？\n]+/g)];
  const third = ends[2];
  return third === undefined ? head : head.slice(0, (third.index ?? head.length) + third[0].length);
}

/** True when offset `index` of `text` lies inside a quotation on its line ("..." or “...” or 「...」). */
function quoted(text: string, index: number): boolean {
  const lineStart = text.lastIndexOf('\n', index - 1) + 1;
  const before = text.slice(lineStart, index);
  const straight = (before.match(/"/g) ?? []).length;
  const open = (before.match(/[“「『]/g) ?? []).length - (before.match(/[”」』]/g) ?? []).length;
  return straight % 2 === 1 || open > 0;
}

// A refusal's closing offer, which must not make it read as a question: "Is there anything else I can help with?"
const OFFER =
  /(?:is\s+there\s+(?:anything|something)\s+else|can\s+I\s+help\s+(?:you\s+)?with\s+(?:anything|something)\s+else|how\s+(?:else\s+)?can\s+I\s+help)[^?？\n]*[?？]|(?:还有|有没有)(?:其他|别的|什么)[^？?\n]{0,12}(?:帮忙|帮助|协助)[^？?\n]{0,6}[？?]/gi;

/**
 * True when the sentence at `index` is a user's problem inside a task ("I can't access my files,
 * what should I do?"): it asks something itself, or the rest of the text reads as a task.
 */
function userProblem(text: string, index: number): boolean {
  const stop = /[.!?。！？\n]/g;
  let start = 0;
  let end = text.length;
  for (const m of text.matchAll(stop)) {
    const at = m.index ?? 0;
    if (at < index) start = at + 1;
    else {
      end = at + 1;
      break;
    }
  }
  const sentence = text.slice(start, end).replace(OFFER, '');
  const rest = (text.slice(0, start) + text.slice(end)).replace(OFFER, '');
  return /[?？]/.test(sentence) || looksLikeTask(rest);
}

/** Options of `findRefusal`. */
export interface RefusalOptions {
  /** The text is an evolver's rewrite: a user's "I can't access my files, what should I do?" is a task, not a refusal. */
  rewrite?: boolean;
}

/**
 * The refusal in `text`, or undefined: declining phrases in the opening sentences (outside
 * quotation marks, and not in a letter that opens with a salutation), or the model's "As an AI
 * language model, I ..." anywhere. Used by the eliminate stage on responses and by the validate
 * stage on rewrites (an evolver that refuses to rewrite).
 */
export function findRefusal(text: string, options: RefusalOptions = {}): RefusalHit | undefined {
  const trimmed = text.trimStart();
  const offset = text.length - trimmed.length;
  if (!SALUTATION.test(trimmed)) {
    const head = opening(trimmed);
    for (const { re, weak } of OPENING) {
      const m = re.exec(head);
      if (!m || quoted(head, m.index)) continue;
      if (weak && options.rewrite === true && userProblem(trimmed, m.index)) continue;
      return { phrase: m[0].trim(), index: m.index + offset };
    }
  }
  for (const re of ANYWHERE) {
    const m = re.exec(text);
    if (m && !quoted(text, m.index)) return { phrase: m[0].trim(), index: m.index };
  }
  return undefined;
}
