// Strategy plugin (code pack): a programming task that comes with a piece of subtly wrong code as a
// reference, to misdirect. From WizardCoder's (arXiv 2306.08568) code evolution directions, in our own
// words. The wrong code must still parse (a logic error, not a syntax error): the validate stage checks
// every fenced block in an instruction, and a block that does not parse would be rejected as invalid-code.
import { defineStrategy, inDepthMessages, parseRewrite, type StrategyFactory } from '@evolflow/core/plugin';

const factory: StrategyFactory = () =>
  defineStrategy({
    name: 'code-misdirect',
    kind: 'depth',
    prompt: (parent) => ({
      messages: inDepthMessages(parent, {
        direction:
          'it is a programming task (make it one on the same subject if it is not): add, as a reference to start from, a short piece of code in one fenced block that looks like a solution but is subtly wrong: it parses and runs, yet gives a wrong result on some input. Do not say what is wrong with it.',
        budget: 'Add at most 15 lines of code and at most 20 words of text.',
      }),
    }),
    parse: parseRewrite,
  });

export default factory;
