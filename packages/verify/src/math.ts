// Math answer cross-checking: extract a final answer from a response, normalise it, and keep a response only
// when k independent samples agree with it by majority. Owned by the math-pack work (issue 16); the verify
// stage calls judgeMath with the kept response and its k samples.
import { all, create, type MathNode } from 'mathjs';

/** The verdict of one math cross-check. */
export interface MathVerdict {
  readonly ok: boolean;
  /** Why it was not kept: no final answer in the response, or the samples do not agree with it by majority. */
  readonly reason?: 'no-answer' | 'no-consensus';
  /** The normalised final answer of the response, when one was found. */
  readonly answer?: string;
  /** Normalised answer -> number of samples (the response included) that gave it. */
  readonly votes: Readonly<Record<string, number>>;
  readonly samples: number;
  /** One line for the record's check detail. */
  readonly detail: string;
}

// ---------------------------------------------------------------- looksLikeMath

const CODE_ASK =
  /\b(write|implement|create|develop|build|code|design)\b[^.?!\n]{0,60}\b(program|function|script|class|method|code|algorithm|query|regex|regular expression|app|api)\b|\b(python|javascript|typescript|java|c\+\+|sql|rust|golang)\b|(写|编写|实现|用)[^。？！\n]{0,20}(程序|函数|代码|脚本|算法|计算器)|python|javascript|java\b|sql/i;
const CREATIVE_ASK =
  /\b(essay|poem|haiku|story|stories|letter|email|slogan|title|headline|names? for|summari[sz]e|translate|describe|explain|recommend|suggest|classify|categor(y|ies)|intent|list \d+ (tips|ways|ideas|books|reasons))\b|作文|诗|绝句|故事|翻译|介绍|解释|描述|推荐|总结|宣传语|标题|设计一个|分类/i;
/** Asks that, when numbers are in sight, mean a computed answer. */
const MATH_ASK =
  /\b(solve|solving|calculate|compute|evaluate|simplify|convert(ing)?|determine|how (many|much|far|long|old)|find (the|all|x|y)|math (problem|question)|word problem|equations?|integral|derivative|divisors?|remainder|probability|percent(age)?|fraction|lowest terms|factorial|lcm|gcd|greatest common divisor|least common multiple|perfect numbers?|sum to|largest one from a set of numbers)\b|\bwhat (is|was|are|were|will be)\s+(the|its|his|her|their|each)?\s*(\w+\s+){0,3}?(value|sum|total|difference|product|quotient|area|perimeter|volume|price|cost|profit|change|number|speed|distance|time|age|weight|height|length|width|ratio|rate|probability|remainder|average|mean|median|slope|circumference|root|multiple|divisor|determinant|largest|smallest|percentage)\b|\d(\.\d+)?\s*%\s*of\b|(计算|求|多少|几(个|天|小时|只|人|种|次|岁)|解方程|方程|等于|平均数|平均值|面积|周长|体积|概率|最大公约数|最小公倍数|不等式|百分之|最简分数|化成|还剩|一共|共有|整除|打[一二三四五六七八九]折)/i;
/** Unmistakably mathematical text whatever the wording around it: LaTeX, f(x) =, 3x + 5 = 20, x². */
const MATH_FORM = /\\(frac|sqrt|int|sum|boxed)\b|\b[a-z]\s*\(\s*x\s*\)\s*=|\d\s*[a-z]\s*[-+=]\s*\d|[xy]\s*[²³^]|\blog (base )?\d/i;
/** Arithmetic between numbers (not a phone number, a date or a range such as 700-1000). */
const ARITHMETIC = /\d\s*[+*×÷^]\s*\d|\d\s+[-−/]\s+\d|\d\s*=\s*[-\d]|\d\s*\/\s*\d+\b(?!\s*\/)/;
const HAS_NUMBER =
  /\d|[一二三四五六七八九十百千万两半]|\b(one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|hundred|thousand|twice|half|third|quarter)\b/i;

/**
 * Whether an instruction (its text with any Alpaca input) asks for a numeric or mathematical final answer,
 * the kind `judgeMath` can cross-check. English and Chinese. Asks for code, essays, stories, titles,
 * translations, classifications or explanations are not math even when they carry numbers ("Write a Python
 * function that returns the nth Fibonacci number", "写一篇300字的作文") unless the text holds a formula. A
 * response holding `\boxed{}` or a GSM8K `####` line tips an instruction with numbers in it over.
 */
export function looksLikeMath(instruction: string, response?: string): boolean {
  const text = instruction.normalize('NFKC');
  if (CODE_ASK.test(text)) return false;
  if (MATH_FORM.test(text)) return true;
  if (CREATIVE_ASK.test(text)) return false;
  const numbers = HAS_NUMBER.test(text);
  if (numbers && (MATH_ASK.test(text) || ARITHMETIC.test(text))) return true;
  return numbers && response !== undefined && /\\boxed\{|^####\s*\S/m.test(response);
}

// ---------------------------------------------------------------- extractFinalAnswer

/** The body of the last `\boxed{...}` (or `\fbox{...}`), braces balanced. */
function lastBoxed(text: string): string | undefined {
  const at = Math.max(text.lastIndexOf('\\boxed{'), text.lastIndexOf('\\fbox{'));
  if (at < 0) return undefined;
  const open = text.indexOf('{', at);
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(open + 1, i).trim();
  }
  return undefined;
}

/** The stated part of an answer line: up to the end of its first sentence (a decimal point is no end). */
function sentenceOf(rest: string): string {
  const line = rest.split('\n')[0] ?? '';
  const end = line.search(/[.。;；!！?？](?!\d)|,\s+(so|which|because|since|and)\b|，/u);
  return (end < 0 ? line : line.slice(0, end)).replace(/^[\s:：*_$`]+|[\s*_$`]+$/gu, '').trim();
}

const ANSWER_PHRASE =
  /(?:final answer|the answer|answer)\s*(?:is|:|would be|will be|=)\s*:?|(?:最终答案|正确答案|答案|答)\s*(?:是|为|：|:)|####/giu;
const NUMBER = /[-−+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s*\/\s*\d+)?%?|[-−+]?\.\d+/gu;

/**
 * The final answer stated in a response, raw, in this order of trust: the last `\boxed{}`; the last
 * "the answer is" / "Answer:" / "答案是" / GSM8K `####` statement; the value after the last `=` on the last
 * line; else the last number anywhere. Undefined when the response holds none of these.
 */
export function extractFinalAnswer(text: string): string | undefined {
  const boxed = lastBoxed(text);
  if (boxed !== undefined && boxed !== '') return boxed;
  let stated: string | undefined;
  for (const m of text.matchAll(ANSWER_PHRASE)) {
    const s = sentenceOf(text.slice((m.index ?? 0) + m[0].length));
    // "Answer: Let's think step by step." opens a solution; it states nothing.
    if (s !== '' && (/\d/.test(s) || s.split(/\s+/).length <= 4)) stated = s;
  }
  if (stated !== undefined) return stated;
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^```/.test(l));
  const last = lines[lines.length - 1] ?? '';
  // A solution of a system on the last line (x = 3, y = 2) is the answer as a whole.
  if (/^[^=]*\b[a-z]\s*=\s*[^=,]+[,;]\s*(and\s+)?[a-z]\s*=\s*[^=]+$/i.test(last))
    return sentenceOf(last.replace(/^.*?(?=\b[a-z]\s*=)/i, ''));
  const eq = last.lastIndexOf('=');
  if (eq >= 0) {
    const value = sentenceOf(last.slice(eq + 1));
    if (/\d/.test(value)) return value;
  }
  const numbers = [...text.matchAll(NUMBER)].map((m) => m[0]);
  return numbers[numbers.length - 1]?.trim();
}

// ---------------------------------------------------------------- normaliseAnswer

const math = create(all as NonNullable<typeof all>);
const FUNCTIONS = new Set(['sqrt', 'cbrt', 'abs', 'exp', 'log', 'log10', 'log2', 'sin', 'cos', 'tan']);
const CONSTANTS = new Set(['pi', 'e']);

/** LaTeX and typographic forms to mathjs syntax. */
function delatex(s: string): string {
  let t = s;
  for (let i = 0; i < 4; i++) {
    t = t
      .replace(/\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}/g, '(($1)/($2))')
      .replace(/\\[dt]?frac\s*(\d)(\d)/g, '(($1)/($2))')
      .replace(/\\sqrt\s*\{([^{}]*)\}/g, 'sqrt($1)')
      .replace(/\\sqrt\s*(\d+)/g, 'sqrt($1)')
      .replace(/\\(?:text|mathrm|textbf|mbox|operatorname)\s*\{([^{}]*)\}/g, ' $1 ')
      .replace(/\^\s*\{([^{}]*)\}/g, '^($1)');
  }
  return t
    .replace(/\\left|\\right|\\[,;!: ]|\\quad|\\displaystyle/g, ' ')
    .replace(/\\(?:cdot|times)/g, '*')
    .replace(/\\div/g, '/')
    .replace(/\\pi\b/g, 'pi')
    .replace(/\\%/g, '%')
    .replace(/\^\s*\\circ|\\circ|\\degree|°/g, '')
    .replace(/\\\$|\$/g, '')
    .replace(/[{}]/g, '')
    .replace(/[×✕]/g, '*')
    .replace(/÷/g, '/')
    .replace(/[−–]/g, '-')
    .replace(/π/g, 'pi')
    .replace(/√\s*(\d+|\([^)]*\))/g, 'sqrt($1)')
    .replace(/²/g, '^2')
    .replace(/³/g, '^3');
}

const UNIT_WORDS = /(?:\s*(?:[a-zA-Z]{2,}|[a-z])\.?(?:\s*\/\s*[a-zA-Z]+)?(?:\^?[23])?|[\u3400-\u9fff]+)$/u;

/** Drop trailing unit words ("apples", "km/h", "cm^2", "个", "平方厘米") but not pi or a variable glued to a number. */
function stripUnits(s: string): string {
  let t = s.trim();
  for (let i = 0; i < 8; i++) {
    const m = UNIT_WORDS.exec(t);
    if (!m || m.index === 0) break;
    const word = m[0].trim().toLowerCase();
    if (CONSTANTS.has(word) || FUNCTIONS.has(word)) break;
    if (/^[a-z]$/.test(word) && !/\s/.test(m[0])) break; // 2x: a variable, not a unit
    t = t.slice(0, m.index).trim();
  }
  return t;
}

const NUMBER_WORDS = new Map<string, number>([
  ...[
    'zero',
    'one',
    'two',
    'three',
    'four',
    'five',
    'six',
    'seven',
    'eight',
    'nine',
    'ten',
    'eleven',
    'twelve',
    'thirteen',
    'fourteen',
    'fifteen',
    'sixteen',
    'seventeen',
    'eighteen',
    'nineteen',
    'twenty',
  ].map((w, i) => [w, i] as [string, number]),
  ...['零', '一', '二', '三', '四', '五', '六', '七', '八', '九', '十'].map((w, i) => [w, i] as [string, number]),
  ['两', 2],
  ['thirty', 30],
  ['forty', 40],
  ['fifty', 50],
  ['hundred', 100],
  ['a hundred', 100],
  ['one hundred', 100],
]);

function numberKey(v: number): string | undefined {
  if (!Number.isFinite(v)) return undefined;
  const r = Math.round(v);
  if (Math.abs(v - r) <= 1e-9 * Math.max(1, Math.abs(v))) return String(r === 0 ? 0 : r);
  return String(Number.parseFloat(v.toPrecision(10)));
}

/** Parse with mathjs and accept only arithmetic: numbers, + - * / ^ %, a few functions, pi, e and single-letter variables. */
function safeParse(expr: string): MathNode | undefined {
  let node: MathNode;
  try {
    node = math.parse(expr);
  } catch {
    return undefined;
  }
  let ok = true;
  node.traverse((n, path, parent) => {
    switch (n.type) {
      case 'ConstantNode':
      case 'ParenthesisNode':
        break;
      case 'OperatorNode':
        if (
          !['add', 'subtract', 'multiply', 'divide', 'pow', 'unaryMinus', 'unaryPlus', 'mod'].includes((n as unknown as { fn: string }).fn)
        )
          ok = false;
        break;
      case 'FunctionNode':
        if (!FUNCTIONS.has((n as unknown as { fn: { name: string } }).fn.name)) ok = false;
        break;
      case 'SymbolNode': {
        const name = (n as unknown as { name: string }).name;
        const isFn = path === 'fn' && parent?.type === 'FunctionNode';
        if (!isFn && !CONSTANTS.has(name) && !/^[a-z]$/i.test(name)) ok = false;
        break;
      }
      default:
        ok = false;
    }
  });
  return ok ? node : undefined;
}

/** One value: a number key, or a canonical expression in variables ("2*x+3"). */
function valueKey(raw: string): string | undefined {
  let t = stripUnits(raw.replace(/^[\s(]*[a-zA-Z]\s*=\s*/, ''));
  // A percentage is its fraction (40% = 0.4 = 2/5), so answers in either form agree.
  t = t.replace(/^百分之(\d+(?:\.\d+)?)$/u, '$1%').replace(/\s*(%|percent|per cent)$/i, '%');
  if (t.endsWith('%')) t = `(${t.slice(0, -1)})/100`;
  const word = NUMBER_WORDS.get(t.toLowerCase());
  if (word !== undefined) return String(word);
  // Thousands separators: 1,234,567 (only in groups of three).
  t = t.replace(/\d{1,3}(?:,\d{3})+(?![\d])/g, (m) => m.replace(/,/g, ''));
  // Mixed numbers: 2 1/2.
  const mixed = /^(-?)(\d+)\s+(\d+)\s*\/\s*(\d+)$/.exec(t);
  if (mixed) {
    const [, sign, whole, num, den] = mixed;
    return numberKey((sign === '-' ? -1 : 1) * (Number(whole) + Number(num) / Number(den)));
  }
  if (t === '' || !/[\d]|pi/.test(t)) return undefined;
  const node = safeParse(t);
  if (node === undefined) {
    // A sentence around one number ("Mia is 30 years old").
    const numbers = [...t.matchAll(NUMBER)];
    return numbers.length === 1 ? valueKey((numbers[0] as RegExpMatchArray)[0]) : undefined;
  }
  const symbols = node.filter(
    (n) =>
      n.type === 'SymbolNode' &&
      !CONSTANTS.has((n as unknown as { name: string }).name) &&
      !FUNCTIONS.has((n as unknown as { name: string }).name),
  );
  try {
    if (symbols.length === 0) {
      const v: unknown = node.evaluate();
      return typeof v === 'number' ? numberKey(v) : undefined;
    }
    return math.simplify(node).toString().replace(/\s+/g, '');
  } catch {
    return undefined;
  }
}

/**
 * A canonical form so that equal answers compare equal: numbers with or without thousands separators,
 * decimals and fractions (3/4 = 0.75 = \frac{3}{4}), mixed numbers, percentages as fractions (40% = 0.4 = 2/5),
 * number words up to twenty ("three" = 3, "三" = 3), simple expressions (2^3+1 = 9, sqrt(16) = 4), currency and unit words stripped, `x = 5` read as 5,
 * several `x = .., y = ..` as a sorted list, short word answers lowercased ("(B)" -> "b"). Undefined when
 * nothing readable is left.
 */
export function normaliseAnswer(raw: string): string | undefined {
  let t = delatex(raw.normalize('NFKC'))
    .replace(/\*\*|__|`/g, '')
    .trim();
  t = t.replace(/^(?:approximately|about|around|roughly|exactly|only|just|约|大约|共|一共)\s*/i, '');
  t = t
    .replace(/[$€£¥￥]|\b(?:USD|EUR|RMB|dollars?)\b|元/giu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[.。]$/u, '')
    .trim();
  if (t === '') return undefined;
  // Several assignments: x = 3, y = 2 (a system's solution) -> "x=3,y=2".
  const pairs = [...t.matchAll(/\b([a-zA-Z])\s*=\s*([^,;，；]+?)(?=\s*(?:[,;，；]|\band\b|$))/g)];
  if (pairs.length >= 2) {
    const parts = pairs.map(([, name, value]) => `${(name as string).toLowerCase()}=${valueKey(value as string) ?? '?'}`);
    return parts.some((p) => p.endsWith('?')) ? undefined : parts.sort().join(',');
  }
  // Alternatives or a list: 2 or 3, {2, 3}.
  const list = t
    .replace(/^[{[(]|[}\])]$/g, '')
    .split(/\s*(?:,\s+|;|\bor\b|\band\b|，|、|或)\s*/u)
    .filter((p) => p !== '');
  if (list.length >= 2 && list.every((p) => /\d/.test(p))) {
    const keys = list.map((p) => valueKey(p));
    return keys.some((k) => k === undefined) ? undefined : [...new Set(keys as string[])].sort().join(',');
  }
  const value = valueKey(t);
  if (value !== undefined) return value;
  // A short answer in words: yes / no / a choice letter.
  const plain = t
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (plain !== '' && !/\d/.test(plain) && plain.split(' ').length <= 3) return plain;
  return undefined;
}

// ---------------------------------------------------------------- judgeMath

function answerOf(text: string): string | undefined {
  const raw = extractFinalAnswer(text);
  return raw === undefined ? undefined : normaliseAnswer(raw);
}

/**
 * Keep `response` when a strict majority of [response, ...samples] give the same normalised final answer and
 * the response is one of them; a sample with no readable answer counts as a vote for nothing. A response with
 * no readable final answer is `no-answer`; otherwise a miss is `no-consensus`.
 */
export function judgeMath(response: string, samples: readonly string[]): MathVerdict {
  const total = samples.length + 1;
  const answer = answerOf(response);
  const votes: Record<string, number> = {};
  for (const key of [answer, ...samples.map(answerOf)]) if (key !== undefined) votes[key] = (votes[key] ?? 0) + 1;
  const tally = Object.entries(votes)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} x${n}`)
    .join(', ');
  if (answer === undefined) {
    return {
      ok: false,
      reason: 'no-answer',
      votes,
      samples: total,
      detail: `no final answer in the response (samples: ${tally || 'none'})`,
    };
  }
  const agree = votes[answer] ?? 0;
  if (agree * 2 > total) {
    return { ok: true, answer, votes, samples: total, detail: `${agree}/${total} agree on ${answer}` };
  }
  return {
    ok: false,
    reason: 'no-consensus',
    answer,
    votes,
    samples: total,
    detail: `${agree}/${total} agree on the response's ${answer} (${tally})`,
  };
}
