// Strategy plugin: in-depth evolution that replaces general concepts with more specific ones.
// The prompt follows the WizardLM (arXiv 2304.12244) in-depth template, in our own words.
import { defineStrategy, taskText, type StrategyFactory } from '@evolflow/core';

const RULES = [
  'You are a prompt rewriter. Rewrite the prompt below into a somewhat harder version, one that capable AI',
  'assistants such as ChatGPT and GPT-4 find more demanding, while people can still understand and answer it.',
  'Keep every non-text part of it (tables, code, data) as it is, and keep it self-contained.',
  'Make it harder in exactly one direction: replace general concepts with more specific concepts, names and figures.',
  'Add only 10 to 20 words to it. Never use the words "#The Given Prompt#", "#Rewritten Prompt#",',
  '"given prompt" or "rewritten prompt" in your result.',
].join('\n');

const factory: StrategyFactory = () => defineStrategy({
  name: 'concretizing',
  kind: 'depth',
  prompt: (parent) => ({
    messages: [{ role: 'user', content: `${RULES}\n\n#The Given Prompt#:\n${taskText(parent)}\n\n#Rewritten Prompt#:\n` }],
  }),
  parse: (output) => {
    const text = output.trim().replace(/^(["'\u201c])([\s\S]*)(["'\u201d])$/u, (whole, a: string, body: string, b: string) =>
      ((a === b || (a === '\u201c' && b === '\u201d')) ? body.trim() : whole));
    return text ? { instruction: text } : { error: 'empty evolver output' };
  },
});

export default factory;
