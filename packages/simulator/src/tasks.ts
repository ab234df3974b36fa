// Coding and math tasks the simulator can really solve: it recognises a family (reverse a string, a
// factorial, a shopping word problem, a linear equation...) in a responder prompt, writes a correct
// solution (code with tests that pass when run; a worked answer with the right final number), and on
// request a broken one of a labelled kind. `codingSeeds` / `mathSeeds` make prompts it recognises.
import { pick } from './hash.ts';

export type CodeLanguage = 'python' | 'javascript';
/** How a code answer is broken: it does not parse, raises, fails a test, or never ends. */
export type CodeBreak = 'code-syntax' | 'code-exception' | 'code-failing-test' | 'code-endless-loop';
export const CODE_BREAKS: readonly CodeBreak[] = ['code-syntax', 'code-exception', 'code-failing-test', 'code-endless-loop'];

interface CodeFamily {
  name: string;
  /** Recognises the task in an instruction. */
  match: RegExp;
  /** The ask, for seeds (the language is appended). */
  ask: string;
  fn: string;
  param: string;
  py: { body: string; wrong: string; tests: string[] };
  js: { body: string; wrong: string; tests: string[] };
}

// Each family: a correct body, a body that is wrong on some test input (an off-by-one or a missed case, as
// people write them), and tests of `fn`. Bodies are indented for their language; `param` is the first parameter.
const CODE: readonly CodeFamily[] = [
  {
    name: 'reverse-string',
    match: /\brevers\w*\b[^.]{0,30}\bstring|\bstring\b[^.]{0,30}\brevers/i,
    fn: 'reverse_string',
    param: 's',
    ask: 'Write a function reverse_string(s) that returns the string s reversed.',
    py: {
      body: '    return s[::-1]',
      wrong: '    return s[:0:-1]',
      tests: ["assert reverse_string('abc') == 'cba'", "assert reverse_string('') == ''", "assert reverse_string('racecar') == 'racecar'"],
    },
    js: {
      body: "  return s.split('').reverse().join('');",
      wrong: "  return s.slice(1).split('').reverse().join('');",
      tests: ["assert.strictEqual(reverse_string('abc'), 'cba');", "assert.strictEqual(reverse_string(''), '');"],
    },
  },
  {
    name: 'sum-list',
    match: /\bsum\b[^.]{0,30}\b(list|array|numbers)\b/i,
    fn: 'sum_list',
    param: 'xs',
    ask: 'Write a function sum_list(xs) that returns the sum of a list of numbers (0 for an empty list).',
    py: {
      body: '    total = 0\n    for x in xs:\n        total += x\n    return total',
      wrong: '    total = 0\n    for x in xs[1:]:\n        total += x\n    return total',
      tests: ['assert sum_list([1, 2, 3]) == 6', 'assert sum_list([]) == 0', 'assert sum_list([-4, 4, 10]) == 10'],
    },
    js: {
      body: '  let total = 0;\n  for (const x of xs) total += x;\n  return total;',
      wrong: '  let total = 0;\n  for (const x of xs.slice(1)) total += x;\n  return total;',
      tests: ['assert.strictEqual(sum_list([1, 2, 3]), 6);', 'assert.strictEqual(sum_list([]), 0);'],
    },
  },
  {
    name: 'factorial',
    match: /\bfactorial\b/i,
    fn: 'factorial',
    param: 'n',
    ask: 'Write a function factorial(n) that returns n! for a non-negative integer n.',
    py: {
      body: '    result = 1\n    for i in range(2, n + 1):\n        result *= i\n    return result',
      wrong: '    result = 1\n    for i in range(2, n):\n        result *= i\n    return result',
      tests: ['assert factorial(0) == 1', 'assert factorial(5) == 120', 'assert factorial(10) == 3628800'],
    },
    js: {
      body: '  let result = 1;\n  for (let i = 2; i <= n; i++) result *= i;\n  return result;',
      wrong: '  let result = 1;\n  for (let i = 2; i < n; i++) result *= i;\n  return result;',
      tests: ['assert.strictEqual(factorial(0), 1);', 'assert.strictEqual(factorial(5), 120);'],
    },
  },
  {
    name: 'fibonacci',
    match: /\bfibonacci\b/i,
    fn: 'fibonacci',
    param: 'n',
    ask: 'Write a function fibonacci(n) that returns the nth Fibonacci number, with fibonacci(0) = 0 and fibonacci(1) = 1.',
    py: {
      body: '    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a',
      wrong: '    a, b = 1, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a',
      tests: ['assert fibonacci(0) == 0', 'assert fibonacci(1) == 1', 'assert fibonacci(10) == 55'],
    },
    js: {
      body: '  let a = 0, b = 1;\n  for (let i = 0; i < n; i++) [a, b] = [b, a + b];\n  return a;',
      wrong: '  let a = 1, b = 1;\n  for (let i = 0; i < n; i++) [a, b] = [b, a + b];\n  return a;',
      tests: ['assert.strictEqual(fibonacci(0), 0);', 'assert.strictEqual(fibonacci(10), 55);'],
    },
  },
  {
    name: 'is-prime',
    match: /\bprime\b/i,
    fn: 'is_prime',
    param: 'n',
    ask: 'Write a function is_prime(n) that tells whether the integer n is a prime number.',
    py: {
      body: '    if n < 2:\n        return False\n    i = 2\n    while i * i <= n:\n        if n % i == 0:\n            return False\n        i += 1\n    return True',
      wrong:
        '    if n < 2:\n        return False\n    i = 2\n    while i * i < n:\n        if n % i == 0:\n            return False\n        i += 1\n    return True',
      tests: ['assert is_prime(2)', 'assert is_prime(13)', 'assert not is_prime(1)', 'assert not is_prime(9)', 'assert not is_prime(25)'],
    },
    js: {
      body: '  if (n < 2) return false;\n  for (let i = 2; i * i <= n; i++) if (n % i === 0) return false;\n  return true;',
      wrong: '  if (n < 2) return false;\n  for (let i = 2; i * i < n; i++) if (n % i === 0) return false;\n  return true;',
      tests: [
        'assert.strictEqual(is_prime(13), true);',
        'assert.strictEqual(is_prime(9), false);',
        'assert.strictEqual(is_prime(1), false);',
      ],
    },
  },
  {
    name: 'largest',
    match: /\b(largest|maximum|biggest)\b[^.]{0,30}\b(list|array|numbers)\b/i,
    fn: 'largest',
    param: 'xs',
    ask: 'Write a function largest(xs) that returns the largest number in a non-empty list of numbers.',
    py: {
      body: '    best = xs[0]\n    for x in xs[1:]:\n        if x > best:\n            best = x\n    return best',
      wrong: '    best = 0\n    for x in xs:\n        if x > best:\n            best = x\n    return best',
      tests: ['assert largest([3, 9, 2]) == 9', 'assert largest([-5, -2, -7]) == -2', 'assert largest([4]) == 4'],
    },
    js: {
      body: '  let best = xs[0];\n  for (const x of xs) if (x > best) best = x;\n  return best;',
      wrong: '  let best = 0;\n  for (const x of xs) if (x > best) best = x;\n  return best;',
      tests: ['assert.strictEqual(largest([3, 9, 2]), 9);', 'assert.strictEqual(largest([-5, -2, -7]), -2);'],
    },
  },
  {
    name: 'count-vowels',
    match: /\bvowels?\b/i,
    fn: 'count_vowels',
    param: 's',
    ask: 'Write a function count_vowels(s) that counts the vowels (a, e, i, o, u, either case) in the string s.',
    py: {
      body: "    return sum(1 for c in s.lower() if c in 'aeiou')",
      wrong: "    return sum(1 for c in s if c in 'aeiou')",
      tests: ["assert count_vowels('hello') == 2", "assert count_vowels('AEIOU xyz') == 5", "assert count_vowels('') == 0"],
    },
    js: {
      body: "  return [...s.toLowerCase()].filter((c) => 'aeiou'.includes(c)).length;",
      wrong: "  return [...s].filter((c) => 'aeiou'.includes(c)).length;",
      tests: ["assert.strictEqual(count_vowels('hello'), 2);", "assert.strictEqual(count_vowels('AEIOU xyz'), 5);"],
    },
  },
  {
    name: 'palindrome',
    match: /palindrom/i,
    fn: 'is_palindrome',
    param: 's',
    ask: 'Write a function is_palindrome(s) that tells whether s reads the same backwards, ignoring case and non-letters.',
    py: {
      body: '    t = [c.lower() for c in s if c.isalpha()]\n    return t == t[::-1]',
      wrong: '    t = [c for c in s if c.isalpha()]\n    return t == t[::-1]',
      tests: [
        "assert is_palindrome('Racecar')",
        "assert is_palindrome('A man, a plan, a canal: Panama')",
        "assert not is_palindrome('hello')",
      ],
    },
    js: {
      body: "  const t = s.toLowerCase().replace(/[^a-z]/g, '');\n  return t === [...t].reverse().join('');",
      wrong: "  const t = s.replace(/[^a-zA-Z]/g, '');\n  return t === [...t].reverse().join('');",
      tests: ["assert.strictEqual(is_palindrome('Racecar'), true);", "assert.strictEqual(is_palindrome('hello'), false);"],
    },
  },
  {
    name: 'gcd',
    match: /\bgcd\b|greatest common divisor/i,
    fn: 'gcd',
    param: 'a',
    ask: 'Write a function gcd(a, b) that returns the greatest common divisor of two positive integers.',
    py: {
      body: '    while b:\n        a, b = b, a % b\n    return a',
      wrong: '    while b > 1:\n        a, b = b, a % b\n    return a',
      tests: ['assert gcd(12, 18) == 6', 'assert gcd(7, 5) == 1', 'assert gcd(10, 10) == 10'],
    },
    js: {
      body: '  while (b) [a, b] = [b, a % b];\n  return a;',
      wrong: '  while (b > 1) [a, b] = [b, a % b];\n  return a;',
      tests: ['assert.strictEqual(gcd(12, 18), 6);', 'assert.strictEqual(gcd(7, 5), 1);'],
    },
  },
  {
    name: 'fizzbuzz',
    match: /\bfizz\s*buzz\b/i,
    fn: 'fizzbuzz',
    param: 'n',
    ask: "Write a function fizzbuzz(n) that returns 'Fizz' for multiples of 3, 'Buzz' for multiples of 5, 'FizzBuzz' for both, else the number as a string.",
    py: {
      body: "    if n % 15 == 0:\n        return 'FizzBuzz'\n    if n % 3 == 0:\n        return 'Fizz'\n    if n % 5 == 0:\n        return 'Buzz'\n    return str(n)",
      wrong: "    if n % 3 == 0:\n        return 'Fizz'\n    if n % 5 == 0:\n        return 'Buzz'\n    return str(n)",
      tests: [
        "assert fizzbuzz(9) == 'Fizz'",
        "assert fizzbuzz(10) == 'Buzz'",
        "assert fizzbuzz(30) == 'FizzBuzz'",
        "assert fizzbuzz(7) == '7'",
      ],
    },
    js: {
      body: "  if (n % 15 === 0) return 'FizzBuzz';\n  if (n % 3 === 0) return 'Fizz';\n  if (n % 5 === 0) return 'Buzz';\n  return String(n);",
      wrong: "  if (n % 3 === 0) return 'Fizz';\n  if (n % 5 === 0) return 'Buzz';\n  return String(n);",
      tests: ["assert.strictEqual(fizzbuzz(30), 'FizzBuzz');", "assert.strictEqual(fizzbuzz(7), '7');"],
    },
  },
];

const PARAMS: Readonly<Record<string, string>> = { gcd: 'a, b' };

/** The code family an instruction asks for, and its language (JavaScript when it says so, else Python). */
export function recogniseCode(instruction: string): { family: CodeFamily; language: CodeLanguage } | undefined {
  if (!/\b(function|program|code|implement|write)\b/i.test(instruction)) return undefined;
  const family = CODE.find((f) => f.match.test(instruction));
  if (!family) return undefined;
  return { family, language: /\b(javascript|node\.?js|js)\b/i.test(instruction) ? 'javascript' : 'python' };
}

/** The program of an answer: the function (correct or broken as asked) followed by its tests. */
function program(family: CodeFamily, language: CodeLanguage, broken?: CodeBreak): string {
  const params = PARAMS[family.fn] ?? family.param;
  const spec = language === 'python' ? family.py : family.js;
  let body = broken === 'code-failing-test' ? spec.wrong : spec.body;
  if (language === 'python') {
    if (broken === 'code-exception') body = `    check_input(${family.param})\n${body}`;
    if (broken === 'code-endless-loop') body = `    i = 0\n    while i < 1:\n        i = i * 2\n${body}`;
    const head = broken === 'code-syntax' ? `def ${family.fn}(${params})` : `def ${family.fn}(${params}):`;
    return `${head}\n${body}\n\n\n# Tests\n${spec.tests.join('\n')}\nprint('all tests passed')`;
  }
  if (broken === 'code-exception') body = `  checkInput(${family.param});\n${body}`;
  if (broken === 'code-endless-loop') body = `  let i = 0;\n  while (i < 1) i = i * 2;\n${body}`;
  const close = broken === 'code-syntax' ? '' : '}';
  return `function ${family.fn}(${params}) {\n${body}\n${close}\n\n// Tests\nconst assert = require('node:assert');\n${spec.tests.join('\n')}\nconsole.log('all tests passed');`;
}

/** A responder's answer to a coding task: a short intro, one fenced block with the solution and its tests, a note. */
export function codeAnswer(instruction: string, broken?: CodeBreak): string | undefined {
  const hit = recogniseCode(instruction);
  if (!hit) return undefined;
  const { family, language } = hit;
  const label = language === 'python' ? 'Python' : 'JavaScript';
  return [
    `Here is a ${label} solution, followed by tests that check it on typical and edge cases.`,
    `\`\`\`${language}\n${program(family, language, broken)}\n\`\`\``,
    `The tests call ${family.fn} on typical inputs and on the edge cases.`,
  ].join('\n\n');
}

/** Tests only, for the verify stage's second call ("Write 3 to 5 tests ..."), when the task is one the simulator knows. */
export function testsAnswer(request: string): string | undefined {
  const task = /Task:\n([\s\S]*?)\n\nSolution:/.exec(request)?.[1];
  const hit = task === undefined ? undefined : recogniseCode(task);
  if (!hit) return undefined;
  const spec = hit.language === 'python' ? hit.family.py : hit.family.js;
  const head = hit.language === 'python' ? `from solution import ${hit.family.fn}\n` : "const assert = require('node:assert');\n";
  return `\`\`\`${hit.language}\n${head}${spec.tests.join('\n')}\n\`\`\``;
}

// ---------------------------------------------------------------- math

interface MathFamily {
  name: string;
  /** The numbers of a problem of this family in the text, or undefined when it is not one. */
  read(text: string): number[] | undefined;
  /** The worked steps and the final answer. */
  solve(n: number[]): { steps: string[]; answer: number };
  /** A problem of this family from a random source. */
  make(r: () => number): string;
}

const int = (r: () => number, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const NAMES = ['Natalie', 'Omar', 'Priya', 'Tom', 'Lena', 'Kenji', 'Sofia', 'Amara'];
const ITEMS = ['pencils', 'stickers', 'marbles', 'cookies', 'cards', 'stamps'];
const nums = (m: RegExpExecArray | null) => (m ? m.slice(1).map(Number) : undefined);

const MATH: readonly MathFamily[] = [
  {
    name: 'packs-left',
    read: (t) => nums(/(\d+) packs of \w+ with (\d+) \w+ in each pack\. \w+ gives (\d+)/i.exec(t)),
    solve: ([a = 0, b = 0, c = 0]) => ({
      steps: [`${a} packs of ${b} make ${a} * ${b} = ${a * b}.`, `After giving away ${c}: ${a * b} - ${c} = ${a * b - c}.`],
      answer: a * b - c,
    }),
    make: (r) => {
      const a = int(r, 2, 9);
      const b = int(r, 6, 24);
      const c = int(r, 1, a * b - 1);
      const item = pick(ITEMS, r);
      return `${pick(NAMES, r)} buys ${a} packs of ${item} with ${b} ${item} in each pack. She gives ${c} ${item} to a friend. How many ${item} does she have left?`;
    },
  },
  {
    name: 'change',
    read: (t) => nums(/costs \$(\d+)\. \w+ buys (\d+) of them and pays with a \$(\d+) bill/i.exec(t)),
    solve: ([p = 0, n = 0, bill = 0]) => ({
      steps: [`${n} at $${p} cost ${n} * ${p} = $${p * n}.`, `The change is ${bill} - ${p * n} = $${bill - p * n}.`],
      answer: bill - p * n,
    }),
    make: (r) => {
      const p = int(r, 2, 15);
      const n = int(r, 2, 6);
      const bill = [50, 100][p * n < 50 ? 0 : 1] as number;
      return `A notebook costs $${p}. ${pick(NAMES, r)} buys ${n} of them and pays with a $${bill} bill. How much change does the shop give back?`;
    },
  },
  {
    name: 'days-to-read',
    read: (t) => nums(/reads (\d+) pages a day\. How many days does it take to read a (\d+)-page book/i.exec(t)),
    solve: ([a = 1, total = 0]) => ({
      steps: [`${total} pages at ${a} pages a day take ${total} / ${a} = ${total / a} days.`],
      answer: total / a,
    }),
    make: (r) => {
      const a = int(r, 10, 40);
      return `${pick(NAMES, r)} reads ${a} pages a day. How many days does it take to read a ${a * int(r, 5, 20)}-page book?`;
    },
  },
  {
    name: 'rectangle-area',
    read: (t) => nums(/rectangle is (\d+) cm long and (\d+) cm wide/i.exec(t)),
    solve: ([l = 0, w = 0]) => ({ steps: [`The area is length times width: ${l} * ${w} = ${l * w} square centimetres.`], answer: l * w }),
    make: (r) => `A rectangle is ${int(r, 3, 40)} cm long and ${int(r, 2, 30)} cm wide. What is its area in square centimetres?`,
  },
  {
    name: 'percent-of',
    read: (t) => nums(/What is (\d+)% of (\d+)\?/i.exec(t)),
    solve: ([p = 0, n = 0]) => ({ steps: [`${p}% of ${n} is ${p} / 100 * ${n} = ${(p * n) / 100}.`], answer: (p * n) / 100 }),
    make: (r) => `What is ${5 * int(r, 1, 19)}% of ${20 * int(r, 1, 30)}?`,
  },
  {
    name: 'linear-equation',
    read: (t) => nums(/Solve for x: (\d+)x \+ (\d+) = (\d+)\./i.exec(t)),
    solve: ([a = 1, b = 0, c = 0]) => ({
      steps: [`Subtract ${b}: ${a}x = ${c - b}.`, `Divide by ${a}: x = ${(c - b) / a}.`],
      answer: (c - b) / a,
    }),
    make: (r) => {
      const a = int(r, 2, 9);
      const x = int(r, 1, 20);
      const b = int(r, 1, 30);
      return `Solve for x: ${a}x + ${b} = ${a * x + b}.`;
    },
  },
  {
    name: 'apples-zh',
    read: (t) => nums(/有(\d+)个苹果，吃了(\d+)个，又买了(\d+)个/u.exec(t)),
    solve: ([a = 0, b = 0, c = 0]) => ({
      steps: [`吃了${b}个后剩 ${a} - ${b} = ${a - b} 个。`, `又买了${c}个：${a - b} + ${c} = ${a - b + c} 个。`],
      answer: a - b + c,
    }),
    make: (r) => {
      const a = int(r, 5, 30);
      return `小${pick(['明', '红', '华', '丽'], r)}有${a}个苹果，吃了${int(r, 1, a - 1)}个，又买了${int(r, 1, 20)}个，现在有多少个苹果？`;
    },
  },
];

/** The math family of a problem the simulator knows, with its numbers. */
export function recogniseMath(instruction: string): { family: MathFamily; numbers: number[] } | undefined {
  for (const family of MATH) {
    const numbers = family.read(instruction);
    if (numbers) return { family, numbers };
  }
  return undefined;
}

/**
 * A responder's worked answer to a math problem it knows, ending "The answer is N." (答案是 N。 for Chinese);
 * `wrongBy` shifts the final answer (a wrong answer after the same steps, as models slip at the end).
 */
export function mathAnswer(instruction: string, wrongBy = 0): string | undefined {
  const hit = recogniseMath(instruction);
  if (!hit) return undefined;
  const { steps, answer } = hit.family.solve(hit.numbers);
  const final = answer + wrongBy;
  const zh = /[\u4e00-\u9fff]/u.test(instruction);
  return zh
    ? `我们一步一步地算。\n${steps.join('\n')}\n答案是 ${final}。`
    : `Let's work it out step by step.\n${steps.join('\n')}\nThe answer is ${final}.`;
}

/** Another problem of the same family with new numbers, when the simulator knows the family (math-quantities, math-easier). */
export function mathVariant(instruction: string, r: () => number): string | undefined {
  const hit = recogniseMath(instruction);
  return hit ? hit.family.make(r) : undefined;
}

/** The correct final answer of a problem the simulator knows (for benchmarks and tests). */
export function mathSolution(instruction: string): number | undefined {
  const hit = recogniseMath(instruction);
  return hit ? hit.family.solve(hit.numbers).answer : undefined;
}

/** `n` coding prompts the simulator recognises, cycling through its families and both languages. */
export function codingSeeds(n: number, r: () => number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const family = CODE[i % CODE.length] as CodeFamily;
    const language = Math.floor(i / CODE.length) % 2 === 0 ? 'Python' : 'JavaScript';
    const extra = pick(['Include tests.', 'Add a few tests that show it works.', 'Show tests for the edge cases too.'], r);
    out.push(`${family.ask.replace('Write a function', `Write a ${language} function`)} ${extra}`);
  }
  return out;
}

/** `n` math word problems the simulator recognises and can solve, cycling through its families. */
export function mathSeeds(n: number, r: () => number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push((MATH[i % MATH.length] as MathFamily).make(r));
  return out;
}
