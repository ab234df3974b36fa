// Is a text still a task? An evolved instruction must ask, command or request something; an
// evolver that answers the prompt instead ("Autumn leaves drift down in shades of gold...") or
// states a fact has produced no instruction. English and Chinese, by sentence shape: a question
// (a question mark, a question word or particle), an imperative opening a sentence or the clause
// after an introductory phrase ("Given a list of numbers, return ..."), or a request ("can you",
// "I need", "any tips", "请", "帮我"). Deliberately lenient: a rewrite rejected wrongly is lost
// data, an answer kept is caught later by the judge; the false-reject rate on real seed
// instructions is measured in task.test.ts and bench/filters.ts.

/** Verbs that open English instructions (lower case). */
const IMPERATIVES = new Set(
  (
    'write rewrite compose create generate produce draft craft make build design develop implement code program construct devise invent ' +
    'explain describe define discuss summarize summarise outline elaborate clarify illustrate demonstrate show teach walk narrate tell ' +
    'list enumerate name give provide offer suggest recommend propose brainstorm mention cite quote state specify point highlight note ' +
    'identify find detect locate spot determine decide choose select pick rank rate score grade order sort arrange group categorize categorise ' +
    'classify label tag match pair link map connect compare contrast distinguish differentiate evaluate assess analyze analyse examine ' +
    'investigate review critique criticize criticise judge check verify validate test prove disprove justify argue debate defend support ' +
    'refute calculate compute count estimate measure solve simplify factor derive integrate differentiate convert transform translate ' +
    'paraphrase rephrase reword shorten expand extend lengthen condense abbreviate edit revise modify change adjust update improve enhance ' +
    'optimize optimise refactor debug fix correct proofread replace remove delete add insert append include exclude combine merge join split ' +
    'separate extract parse format reformat structure organize organise plan schedule prepare formulate predict forecast infer deduce conclude ' +
    'interpret imagine pretend act assume suppose consider picture envision visualize visualise role-play roleplay play simulate answer respond ' +
    'reply complete fill finish continue use apply implement solve read look search sketch draw plot graph chart tabulate output print return ' +
    'recite sing reflect think come help guide advise instruct remind invite greet thank congratulate persuade convince encourage apologize ' +
    'apologise turn take put keep let get go do try start begin set send email introduce present report document record track ' +
    'need find research explore study learn memorize recall retell recount express convey communicate paint compose follow obey observe ensure'
  ).split(/\s+/),
);
/** Words after a verb that make it a noun or a statement ("Design patterns are", "Answer: 42"). */
const NOT_AFTER_VERB = new Set(['is', 'are', 'was', 'were', 'has', 'have', 'had', 'can', 'will', 'of', "'s", 'comprehension', 'theory']);
/** Openers after whose first comma an imperative may follow ("Given X, write ..."). */
const INTRODUCERS = new Set(
  (
    'to given using with for in based assuming if when after before without from as considering taking keeping focusing drawing ' +
    'suppose supposing imagine now then also next finally first second third lastly additionally moreover furthermore besides ' +
    'by within under at on starting beginning whether while once since instead'
  ).split(/\s+/),
);
const REQUEST =
  /\b(?:can|could|would|will)\s+you\b|\b(?:I|we)\s+(?:really\s+)?(?:need|want|would\s+like|(?:'|’)d\s+like|am\s+looking\s+for|(?:'|’)m\s+looking\s+for|wonder|was\s+wondering|am\s+wondering|(?:'|’)m\s+wondering)\b|\bhelp\s+me\b|\b(?:any|some)\s+(?:tips|advice|ideas|suggestions|recommendations|thoughts|pointers)\b|\bplease\b(?!\s+note)|\blet(?:'|’)s\b|\blet\s+us\b|\byour\s+(?:task|job|goal|assignment|challenge)\s+is\b|\byou\s+(?:are|will\s+be)\s+(?:given|asked|provided|required|expected|supposed)\b|\b(?:tell|show|give|teach)\s+me\b/i;
const SQL = /^\s*(?:SELECT|INSERT|UPDATE|DELETE|CREATE|WITH|ALTER|DROP)\b[\s\S]*\b(?:FROM|INTO|SET|TABLE|AS|WHERE)\b/;

// Chinese: question marks, words and particles; imperative openers; requests.
const ZH_QUESTION =
  /[？?]|(?:吗|呢|么)\s*[。.!！]?\s*$|如何|怎么|怎样|为什么|为何|是否|能否|可否|哪些|哪个|哪里|哪种|哪一|多少|多长|多久|多大|多远|几个|几种|什么样|是什么|有什么|有哪些|有没有|是不是|对不对|行不行/;
const ZH_IMPERATIVE =
  /^(?:请|麻烦|劳驾|能不能|能否|可不可以|试着|尝试)?\s*(?:写|列出|列举|解释|描述|翻译|总结|计算|比较|对比|给(?!予)|为(?!了|什么|何)|帮|设计|创作|生成|分析|说明|讨论|介绍|举|找出|找|判断|回答|编写|制定|提供|推荐|评价|评估|概括|改写|重写|将(?!来|军)|把|用(?!户)|根据|基于|假设|假如|如果|想象|以(?![下上前后及来为])|选择|选出|谈谈|谈一谈|说说|说一说|讲|阅读|完成|指出|估算|证明|求|画|编|起|定义|识别|分类|排序|整理|猜|预测|建议|构思|模拟|扮演|制作|规划|创建|实现|修改|纠正|检查|概述|归纳|阐述|论述|撰写|拟|起草|想一想|试|简述|简要|区分|列|设想|考虑|给定|已知|利用|使用|按照|按|参考|结合|针对|围绕|从(?![前来此小])|在(?=[^，。]{0,20}[，,]))/;
const ZH_REQUEST = /(?<![申邀聘宴延提])请|帮我|帮忙|我想|我需要|我希望|能不能|可不可以|有什么建议|求助|麻烦你|给我|告诉我|教我/;

/** The text without fenced (```) blocks and indented code lines: what a task's sentences are made of. */
function prose(text: string): string {
  return text
    .replace(/```[\s\S]*?(?:```|$)/g, '\n')
    .split('\n')
    .filter((l) => !/^(?: {2,}|\t)/.test(l))
    .join('\n');
}

function englishImperative(sentence: string): boolean {
  const cleaned = sentence
    .replace(/^[\s\-*•>#\d.)(\]]+/, '')
    .replace(
      /^(?:please|kindly|now|then|also|and|so|finally|next|first|lastly|additionally|just|simply|briefly|quickly|carefully)\b[\s,]*/i,
      '',
    )
    .replace(
      /^(?:you\s+(?:need|have|must|should|will\s+need|are\s+(?:asked|required|expected|supposed|going))\s+to|your\s+(?:task|job|goal)\s+is\s+to|you\s+(?:must|should|will))\s+/i,
      '',
    );
  const toks = cleaned.match(/[A-Za-z][A-Za-z'’-]*|[:]/g) ?? [];
  const first = toks[0]?.toLowerCase();
  const second = toks[1]?.toLowerCase();
  if (first === undefined) return false;
  const verbal = second === undefined || (second !== ':' && !NOT_AFTER_VERB.has(second));
  if (IMPERATIVES.has(first) && verbal) return true;
  // A gerund title: "Converting 85 F to Celsius.", "Solving the word problem with equations."
  const stem = first.endsWith('ing') ? first.slice(0, -3) : '';
  if (stem && verbal && [stem, `${stem}e`, stem.slice(0, -1)].some((v) => IMPERATIVES.has(v))) return true;
  if (INTRODUCERS.has(first) || first.endsWith('ing')) {
    const comma = cleaned.search(/[,，]/);
    if (comma > 0) return englishImperative(cleaned.slice(comma + 1));
  }
  return false;
}

/**
 * True when `text` reads as a task: it asks (a question), commands (an imperative) or requests
 * (can you / I need / 请). False for an answer or a plain statement. Used by the validate stage
 * (`not-a-task`) on every evolution, and by `findRefusal` to tell a user's "I can't access my files,
 * what should I do?" from a model's "I can't help with that."
 */
export function looksLikeTask(text: string): boolean {
  const body = prose(text).trim();
  if (body === '') return false;
  if (/[?？]/.test(body)) return true;
  if (REQUEST.test(body)) return true;
  if (ZH_QUESTION.test(body) || ZH_REQUEST.test(body)) return true;
  // List items ("- Stay hydrated", "2. Get enough sleep") under a prose line are an answer's tips or
  // steps, not the task's command; a text made of list items only is judged by them.
  const lines = body
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const item = (line: string) => /^(?:[-*•·+]|\d{1,2}[.)、]|[(（]?\d{1,2}[)）])\s*\S/.test(line);
  const plain = lines.filter((l) => !item(l));
  const sentences = (plain.length > 0 ? plain : lines)
    .flatMap((l) => l.split(/(?<=[.!;。！；])\s*/))
    .map((s) => s.trim())
    .filter(Boolean);
  for (const s of sentences) {
    if (SQL.test(s)) continue;
    if (englishImperative(s)) return true;
    if (ZH_IMPERATIVE.test(s.replace(/^[\s\-*•>#\d.)(\]、]+/, ''))) return true;
  }
  return false;
}
