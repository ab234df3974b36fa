// Levenshtein distance, for telling a misspelt keyword or literal ("SELCT", "ture") from a name.

/** The number of single-character insertions, deletions and substitutions that turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, k) => k);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let k = 1; k <= b.length; k++)
      row.push(Math.min((prev[k] ?? 0) + 1, (row[k - 1] ?? 0) + 1, (prev[k - 1] ?? 0) + (a[i - 1] === b[k - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length] ?? 0;
}
