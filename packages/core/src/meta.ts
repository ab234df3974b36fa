// Prompt-meta detection: the evolver's answer talks about the prompt instead of being the prompt.
// Headers copied from the template (`#Rewritten Prompt#`, `#改写后的提示#`), preambles ("Here's a
// harder version:", "以下是改写后的提示："), mutation's framings ("The new prompt is:", "Your
// prompt:") and trailing notes ("This version adds ...", "注：我添加了..."), in English and Chinese.
// `stripLeadingMeta` removes a leading header or preamble when what follows is clean (the parser's
// job); `findMeta` finds any meta left anywhere (the validate stage's `meta-copy` rule).
// Measured on packages/core/fixtures/filter-corpus (written before these patterns): see filters.test.ts.

/** One piece of prompt meta found in a text. */
export interface MetaHit {
  /** The matched text, as it appears. */
  phrase: string;
  /** Character offset of the match in the text. */
  index: number;
  /** `header` (#...Prompt#), `label` ("New prompt:"), `preamble` ("Here's a harder version:"), `phrase` ("given prompt"), `note` (trailing meta). */
  kind: 'header' | 'label' | 'preamble' | 'phrase' | 'note';
}

// Words an evolver uses for what it wrote (English) and the nouns it calls it.
const EVOLVED = String.raw`(?:final(?:ly)?|re-?written|new(?:ly created)?|created|revised|modified|evolved|harder|updated|improved|complicated|deepened|reworded|rephrased|adjusted|enhanced|brand[- ]new|more\s+(?:complex|difficult|challenging|advanced|specific|demanding|detailed|concrete)|given|original)`;
const NOUN = String.raw`(?:prompts?|instructions?|versions?|questions?|tasks?|requests?|rewrites?)`;
const ZH_EVOLVED = '(?:最终|改写后|重写后|修改后|改写|重写|新创建|创建|新|更难|更复杂|更具挑战性|全新|给定|原始|原)';
const ZH_NOUN = '(?:提示词?|指令|版本|问题|题目|任务)';

/** Patterns that mark meta anywhere in a text; flags `i` and `m` (line starts). */
const ANYWHERE: ReadonlyArray<{ kind: MetaHit['kind']; re: RegExp }> = [
  // #Rewritten Prompt#, # Given Prompt #, #New Instruction#, #改写后的提示#
  { kind: 'header', re: /#[^\S\n]*[^#\n]{0,40}?\b(?:prompt|instruction)s?\b[^#\n]{0,12}#/i },
  { kind: 'header', re: /#[^\S\n]*[^#\n]{0,20}?(?:提示词?|指令)[^#\n]{0,8}#/ },
  // A markdown heading line that is only "Rewritten Prompt" / "改写后的提示".
  {
    kind: 'header',
    re: new RegExp(String.raw`^[^\S\n]*#{1,6}[^\S\n]*(?:${EVOLVED}[^\S\n]+)?(?:prompt|instruction)s?[^\S\n]*[:：]?[^\S\n]*$`, 'im'),
  },
  { kind: 'header', re: new RegExp(`^[^\\S\\n]*#{1,6}[^\\S\\n]*${ZH_EVOLVED}?的?${ZH_NOUN}[^\\S\\n]*[:：]?[^\\S\\n]*$`, 'm') },
  // Labels: "Rewritten prompt:", "**New Prompt:**", "The new prompt is:", "Harder version:", "Your prompt:"
  {
    kind: 'label',
    re: new RegExp(
      String.raw`^[^\S\n]*(?:\*\*|__)?[^\S\n]*(?:(?:the|my|your|a|an)\s+)?(?:${EVOLVED}\s+){1,2}${NOUN}(?:\s+(?:is|would be|reads|could be))?[^\S\n]*(?:\*\*|__)?[^\S\n]*[:：]`,
      'im',
    ),
  },
  { kind: 'label', re: /^[^\S\n]*(?:\*\*)?[^\S\n]*(?:your|my)\s+(?:prompt|rewrite|version|instruction)[^\S\n]*(?:\*\*)?[^\S\n]*[:：]/im },
  { kind: 'label', re: /^[^\S\n]*(?:\*\*)?[^\S\n]*(?:re-?written|rewrite|prompt|instruction)[^\S\n]*(?:\*\*)?[^\S\n]*:(?!\/)/i },
  {
    kind: 'label',
    re: new RegExp(`^[^\\S\\n]*(?:\\*\\*)?[^\\S\\n]*${ZH_EVOLVED}的?${ZH_NOUN}(?:是|为|如下)?[^\\S\\n]*(?:\\*\\*)?[^\\S\\n]*[:：]`, 'm'),
  },
  { kind: 'label', re: /^[^\S\n]*(?:改写|重写|修改)(?:如下|结果|版)[^\S\n]*[:：]/m },
  // Preambles: "Sure! Here is the rewritten prompt:", "Here's a harder version:", "以下是改写后的提示："
  {
    kind: 'preamble',
    re: new RegExp(
      String.raw`^[^\S\n]*(?:(?:sure|certainly|of course|okay|ok|absolutely|alright|great|no problem)[!.,]*\s*)?(?:here(?:'s|’s| is| are)|below is|this is|the following is)\s+(?:(?:a|an|the|my|your|one)\s+)?(?:(?:possible|slightly|much|more|less|bit|an?|\w+er|${EVOLVED})[\s-]+)*(?:${NOUN}|rewrite|variant|take|attempt|one)\b[^\n:：]{0,80}[:：\n]`,
      'im',
    ),
  },
  {
    kind: 'preamble',
    re: new RegExp(
      `^[^\\S\\n]*(?:(?:好的|当然|没问题|可以)[！!，,。.]*\\s*)?(?:以下是|下面是|这是|这里是|这就是)[^\\n：:。]{0,30}?(?:改写|重写|修改|新|更难|更复杂|更具挑战性|全新|创建)[^\\n：:。]{0,20}?${ZH_NOUN}[^\\n：:。]{0,10}[：:\\n]`,
      'm',
    ),
  },
  // The template's own words anywhere.
  { kind: 'phrase', re: /\b(?:the\s+)?(?:given|rewritten|created|original)\s+(?:prompt|instruction)s?\b/i },
  { kind: 'phrase', re: /(?:给定|改写后|重写后|修改后|创建)的?(?:提示|指令)|原始?提示(?![音语])/ },
  // Trailing notes about the rewrite.
  {
    kind: 'note',
    re: /\b(?:note|explanation|rationale|changes?(?: made)?)\s*[:：]\s*(?:I\b|we\b|the\s+(?:re-?written|new|revised|modified|updated)|this\s+(?:version|prompt|rewrite))/i,
  },
  {
    kind: 'note',
    re: /\bI(?:'ve|\s+have)?\s+(?:added|included|introduced|changed|modified|replaced|made|rewritten|rewrote|increased|kept|specified|inserted)\b[^.!?\n]{0,80}?\b(?:prompt|instruction|constraint|requirement|difficulty|original|version)s?\b/i,
  },
  {
    kind: 'note',
    re: /\b(?:this|the)\s+(?:re-?written\s+|new\s+|revised\s+|modified\s+|updated\s+|harder\s+)?(?:version|rewrite)\s+(?:adds|now|introduces|increases|specifies|makes\s+the|requires|asks)\b/i,
  },
  { kind: 'note', re: /\bin\s+this\s+(?:re-?written\s+|new\s+|revised\s+)?(?:version|rewrite|prompt)\b/i },
  { kind: 'note', re: /\bthis\s+(?:prompt|instruction)\s+(?:belongs|is\s+(?:more|harder|rarer|less)|adds|now)\b/i },
  { kind: 'note', re: /(?:注|说明|解释|备注|改写说明)\s*[:：]\s*(?:我|这个|改写|新的?|原)/ },
  {
    kind: 'note',
    re: /我(?:已经?|在[^，。\n]{0,12}中)?(?:添加|增加|加入|修改|补充|改写|重写)了[^，。\n]{0,20}?(?:要求|限制|约束|难度|条件|提示|指令)/,
  },
  { kind: 'note', re: /(?:这个|该|此)(?:版本|改写|新?提示)(?:增加|添加|加入|要求|更|与|属于|指定)/ },
  { kind: 'note', re: /在(?:这个|该|此)(?:改写|版本|新提示)中/ },
];

/** Removes fenced (```) blocks, keeping offsets (replaced by spaces), so data inside them is never read as meta. */
function blankFenced(text: string): string {
  return text.replace(/```[\s\S]*?(?:```|$)/g, (block) => block.replace(/[^\n]/g, ' '));
}

/** The first piece of prompt meta in `text` (fenced blocks ignored), or undefined. */
export function findMeta(text: string): MetaHit | undefined {
  const scan = blankFenced(text);
  let first: MetaHit | undefined;
  for (const { kind, re } of ANYWHERE) {
    const m = re.exec(scan);
    if (m && (first === undefined || m.index < first.index))
      first = { phrase: text.slice(m.index, m.index + m[0].length).trim(), index: m.index, kind };
  }
  return first;
}

// What may stand before a rewrite and be removed: one header, label or preamble line, or a chatty opener.
const LEADING: readonly RegExp[] = [
  /^\s*(?:\*\*|__)?#[^#\n]{0,48}#\s*(?:\*\*|__)?\s*[:：]?\s*/,
  /^\s*#{1,6}[^\n]{0,48}\n\s*/,
  /^\s*(?:(?:sure|certainly|of course|okay|ok|absolutely|alright|great|no problem)[!.,]*\s*)?[^\n:：]{0,100}[:：]\s*(?:\*\*|__)?\s*/i,
  /^\s*(?:(?:好的|当然|没问题|可以)[！!，,。.]*\s*)?[^\n:：]{0,40}[:：]\s*(?:\*\*)?\s*/,
  /^\s*(?:sure|certainly|of course|okay|absolutely|alright|no problem)[!.,]+\s+/i,
  /^\s*(?:好的|当然|没问题)[！!，,。.]+\s*/,
];

/**
 * The text without a leading meta header or preamble, when what follows is a clean rewrite:
 * `{ text, stripped }` with what was removed; otherwise the text unchanged (and no `stripped`),
 * so the validate stage rejects it as `meta-copy` with its evidence intact. Called by the
 * strategies' parse before the rewrite becomes the child's instruction.
 */
export function stripLeadingMeta(text: string): { text: string; stripped?: string } {
  let rest = text.trim();
  const removed: string[] = [];
  for (let round = 0; round < 3; round++) {
    const hit = findMeta(rest);
    if (hit === undefined || (hit.index > 0 && rest.slice(0, hit.index).trim() !== '')) break;
    const cut = LEADING.map((re) => re.exec(rest)).find(
      (m) => m !== null && m[0].trim() !== '' && findMeta(m[0]) !== undefined && m[0].length >= hit.phrase.length,
    );
    if (!cut) break;
    removed.push(cut[0].trim());
    rest = rest.slice(cut[0].length).trim();
  }
  rest = rest.replace(/^(?:\*\*|__)\s*|\s*(?:\*\*|__)$/g, '').trim();
  if (removed.length === 0 || rest === '' || findMeta(rest) !== undefined) return { text };
  return { text: rest, stripped: removed.join(' ') };
}
