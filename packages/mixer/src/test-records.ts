// Records for the mixer's tests and benchmarks: real self-instruct seeds (from @evolflow/testdata)
// and evolved children made from them by appending constraints, as an evolver would.
import { readFileSync } from 'node:fs';
import { childRecordId, seedRecordId, type EvolRecord } from '@evolflow/core';
import { seedTasksPath, vicunaPath } from '@evolflow/testdata';

export const SELF_INSTRUCT = seedTasksPath;
export const VICUNA = vicunaPath;

const STRATEGIES = ['add-constraints', 'deepening', 'concretizing', 'increase-reasoning', 'complicate-input', 'mutation'];
const ADDITIONS = [
  'Answer in no more than 120 words and include at least two concrete examples.',
  'Explain your reasoning step by step and justify each choice you make.',
  'Present the result as a markdown table with a column for each criterion.',
  'Consider the trade-offs for a beginner and for an expert, and compare them.',
  'Return the answer as JSON with the keys "summary" and "details", where details is a list.',
  'Make sure the answer also covers edge cases, and state any assumptions you rely on.',
];

/** The 175 self-instruct seeds as round-0 records (instruction, first instance's input and output). */
export function selfInstructSeeds(): EvolRecord[] {
  return readFileSync(SELF_INSTRUCT, 'utf8')
    .trim()
    .split('\n')
    .map((line, i) => {
      const task = JSON.parse(line) as { instruction: string; instances: { input: string; output: string }[] };
      const id = seedRecordId(SELF_INSTRUCT, i + 1, task.instruction);
      const input = task.instances[0]?.input ?? '';
      return {
        id,
        seedId: id,
        parentId: null,
        round: 0,
        instruction: task.instruction,
        ...(input ? { input } : {}),
        response: task.instances[0]?.output ?? '',
        lineage: [],
        checks: [],
        usage: { promptTokens: 0, completionTokens: 0, calls: 0 },
        source: { file: SELF_INSTRUCT, line: i + 1, format: 'self-instruct' },
      };
    });
}

/** Evolved descendants of `seeds` for rounds 1..rounds: each round appends one more demand. */
export function evolvedFrom(seeds: readonly EvolRecord[], rounds: number): EvolRecord[] {
  const out: EvolRecord[] = [];
  seeds.forEach((seed, i) => {
    let parent = seed;
    for (let round = 1; round <= rounds; round++) {
      const strategy = STRATEGIES[(i + round) % STRATEGIES.length] as string;
      const id = childRecordId(seed.id, round);
      const child: EvolRecord = {
        ...parent,
        id,
        parentId: parent.id,
        round,
        strategy,
        instruction: `${parent.instruction} ${ADDITIONS[(i * 7 + round) % ADDITIONS.length]}`,
        response: `Response to round ${round} of ${seed.id}.`,
        lineage: [...parent.lineage, { id, round, strategy }],
      };
      delete child.source;
      out.push(child);
      parent = child;
    }
  });
  return out;
}

/**
 * Contamination planted for the decontamination tests, by vicuna question number: copies, copies
 * inside an evolved-looking instruction, and rewordings that keep the question's content (what an
 * evolver does to a benchmark item); plus near misses on the same topics that must stay.
 */
export function plantedContamination(items: readonly { text: string }[]): { planted: [number, string][]; nearMisses: string[] } {
  const question = (n: number) => (items[n - 1] as { text: string }).text;
  // Planted contamination, by vicuna question number: copies, copies inside an evolved-looking
  // instruction, and rewordings that keep the question's content (what an evolver does to it).
  const COPIES: [number, string][] = [1, 5, 13, 20, 28, 33, 41, 44, 52, 57, 62, 65, 69, 74, 78].map((n) => [n, question(n)]);
  const VARIANTS: [number, string][] = [
    [2, question(2).toUpperCase()],
    [9, question(9).replace('?', '').toLowerCase()],
    [16, `  ${question(16)}\n`],
    [63, question(63).replace(/\./g, '!')],
    [80, question(80).replace(/ /g, '  ')],
  ];
  const WRAPPED: [number, string][] = [
    [3, `${question(3)} Answer in no more than 150 words and give one code example in each language.`],
    [12, `You are advising a city council. ${question(12)} Present your answer as a markdown table.`],
    [24, `${question(24)} The child is six years old, so keep every sentence short.`],
    [37, `Consider the psychology literature. ${question(37)} Cite at least two studies.`],
    [45, `${question(45)} Also state the main sources of uncertainty in your estimate.`],
    [55, `Think about the music industry of the 1960s. ${question(55)}`],
    [64, `${question(64)} Use Python and explain the time complexity.`],
    [71, `${question(71)} The partner is a logistics company in Rotterdam.`],
    [76, `${question(76)} The video should last about ten minutes.`],
    [30, `Write in the first person. ${question(30)} Keep it under 300 words.`],
  ];
  const PARAPHRASES: [number, string][] = [
    [1, 'In what ways could I improve my skills in time management?'],
    [4, 'While working from home, how could I increase my productivity?'],
    [6, 'Explain the differences between animal-based protein sources and plant-based ones.'],
    [7, 'What steps help someone develop critical thinking skills?'],
    [10, 'Which strategies are most effective for resolving conflict in the workplace?'],
    [14, 'In multicultural societies, how do cultural and language barriers affect how people communicate and form relationships?'],
    [17, 'Explain how vaccinations protect individuals and communities from infectious diseases, and describe herd immunity.'],
    [
      19,
      'How do economic, social and cultural factors influence the food choices people make, and how could that knowledge promote healthier diets?',
    ],
    [22, 'You are a pirate captain: what do you say to motivate your crew to search for the hidden treasure?'],
    [26, 'Describe, as a sports commentator, the winning play in the final seconds of the championship game.'],
    [31, 'How could you tell whether a restaurant is popular with locals or mostly attracts tourists, and why is that useful to know?'],
    [
      35,
      'Even when prices are higher, why would someone prefer shopping at a small locally-owned business rather than a large chain store?',
    ],
    [42, 'Estimate how many atoms are in one grain of salt, taking the reader through your reasoning step-by-step.'],
    [51, 'Imagine the Internet had been invented in the Renaissance period. What would have happened?'],
    [53, 'Suppose the Black Death never occurred in the 14th century: what would be different?'],
    [61, 'Write a C++ program that reads a text file line by line and counts how many times a specific word occurs in it.'],
    [66, 'Using two stacks, implement a queue data structure in Python.'],
    [70, 'A line segment has endpoints (2, -2) and (10, 4). What is the length of this segment?'],
    [
      72,
      'Help me write a letter of resignation to my current employer that leaves on good terms and expresses gratitude for the opportunities I was provided.',
    ],
    [
      77,
      'Compose a travel blog post about my recent trip to Hawaii that highlights the cultural experiences and the must-see attractions.',
    ],
  ];
  // Same topics as some questions, but different requests: these must stay.
  const nearMisses = [
    'Create a weekly study timetable for a university student with three exams next month.',
    'Summarise the history of the Python programming language in five bullet points.',
    'Write a haiku about stress at the end of a long working week.',
    'List ten foods that are high in protein and low in fat, with their protein content per 100 grams.',
    'Translate the sentence "The knight bowed to the queen" into French and German.',
    'Write a SQL query that returns the ten most recent orders from an orders table.',
    'Explain what a Fibonacci heap is and where it is used in graph algorithms.',
    'Describe the water cycle to a ten-year-old in three short paragraphs.',
    'Draft a birthday invitation email for a colleague who is retiring after 30 years.',
    'Compare the rules of rugby union and American football in a table.',
  ];
  return { planted: [...COPIES, ...VARIANTS, ...WRAPPED, ...PARAPHRASES], nearMisses };
}
