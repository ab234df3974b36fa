// The live terminal view of a run: on a TTY, one line per stage plus a summary line, redrawn in
// place; elsewhere (CI, files) one plain log line every few seconds. Rates and the ETA are computed
// here from successive snapshots, so the caller only reports counts.
import { estimateCost, formatUsd, type RolePricing, type RoleTokens } from './cost.ts';

/** One stage's counts at an instant. */
export interface StageProgress {
  stage: string;
  in: number;
  out: number;
  rejected: number;
  inFlight: number;
}

/** What the view shows, read through `snapshot()` at every redraw. */
export interface ProgressSnapshot {
  stages: readonly StageProgress[];
  /** Records in a terminal state (kept for good, rejected, dead-lettered). */
  terminal: number;
  /** Terminal records a finite run expects in all (unknown in a streaming run). */
  expected?: number;
  llm: { calls: number; promptTokens: number; completionTokens: number; byRole?: Readonly<Record<string, RoleTokens>> };
  /** A cost already computed; otherwise it is estimated from `llm.byRole` and `pricing`. */
  costUsd?: number;
  elapsedMs: number;
  /** Strategy weights, shown when adaptive selection is on. */
  weights?: Readonly<Record<string, number>>;
  /** Strategies whose failure rate is out of band now, shown with the weights. */
  outOfBand?: readonly string[];
  /** Extra lines to show under the summary (live failure-rate warnings). */
  notes?: readonly string[];
}

export interface ProgressOptions {
  stream: NodeJS.WriteStream | NodeJS.WritableStream;
  /** Redraw in place (default: the stream's `isTTY`). */
  tty?: boolean;
  /** Between redraws (default 250 ms on a TTY, 5 s otherwise). */
  intervalMs?: number;
  snapshot(): ProgressSnapshot;
  /** Prices per role (`config.llm.roles`), for the cost estimate. */
  pricing?: Readonly<Record<string, RolePricing>>;
  /** Clock (tests). */
  now?(): number;
}

export interface Progress {
  start(): void;
  /** Stop redrawing and print the final state. */
  stop(): void;
  /** The text a redraw would print now, without printing it (tests, logs). */
  render(): string;
}

/** How far back rates look. */
const RATE_WINDOW_MS = 10_000;

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const rate = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));

interface Sample {
  t: number;
  done: Map<string, number>;
  terminal: number;
}

export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream;
  const tty = options.tty ?? Boolean((stream as NodeJS.WriteStream).isTTY);
  const intervalMs = options.intervalMs ?? (tty ? 250 : 5000);
  const now = options.now ?? Date.now;
  const history: Sample[] = [];
  let timer: NodeJS.Timeout | undefined;
  let drawnLines = 0;

  const sample = (snap: ProgressSnapshot): { rates: Map<string, number>; terminalRate: number } => {
    const t = now();
    const done = new Map(snap.stages.map((s) => [s.stage, s.out + s.rejected] as const));
    history.push({ t, done, terminal: snap.terminal });
    while (history.length > 2 && (history[1] as Sample).t <= t - RATE_WINDOW_MS) history.shift();
    const first = history[0] as Sample;
    const dt = (t - first.t) / 1000;
    const rates = new Map<string, number>();
    for (const [stage, n] of done) rates.set(stage, dt > 0 ? (n - (first.done.get(stage) ?? 0)) / dt : 0);
    return { rates, terminalRate: dt > 0 ? (snap.terminal - first.terminal) / dt : 0 };
  };

  const costOf = (snap: ProgressSnapshot): number | undefined =>
    snap.costUsd ?? (snap.llm.byRole && options.pricing ? estimateCost(snap.llm.byRole, options.pricing) : undefined);

  const summary = (snap: ProgressSnapshot, terminalRate: number): string => {
    const parts: string[] = [];
    if (snap.expected !== undefined && snap.expected > 0) {
      const pct = Math.min(100, (snap.terminal / snap.expected) * 100);
      parts.push(`${pct.toFixed(1)}% (${int(snap.terminal)}/${int(snap.expected)} done)`);
    } else parts.push(`${int(snap.terminal)} done`);
    const cost = costOf(snap);
    parts.push(`llm ${int(snap.llm.calls)} calls`, `${int(snap.llm.promptTokens + snap.llm.completionTokens)} tok`);
    if (cost !== undefined) parts.push(`~${formatUsd(cost)}`);
    parts.push(`elapsed ${formatDuration(snap.elapsedMs)}`);
    if (snap.expected !== undefined && snap.expected > snap.terminal) {
      parts.push(`ETA ${terminalRate > 0 ? formatDuration(((snap.expected - snap.terminal) / terminalRate) * 1000) : '?'}`);
    }
    return parts.join('  ');
  };

  const weightsLine = (snap: ProgressSnapshot): string | undefined => {
    if (!snap.weights) return undefined;
    const bad = new Set(snap.outOfBand ?? []);
    return `weights ${Object.entries(snap.weights)
      .map(([s, w]) => `${s} ${w.toFixed(2)}${bad.has(s) ? '!' : ''}`)
      .join('  ')}`;
  };

  const render = (): string[] => {
    const snap = options.snapshot();
    const { rates, terminalRate } = sample(snap);
    if (!tty) {
      const stages = snap.stages
        .map((s) => `${s.stage} ${int(s.out)}+${int(s.rejected)}r/${int(s.in)}${s.inFlight > 0 ? ` (${s.inFlight} busy)` : ''}`)
        .join(' | ');
      const w = weightsLine(snap);
      return [
        `progress ${summary(snap, terminalRate)} | ${stages}${w ? ` | ${w}` : ''}`,
        ...(snap.notes ?? []).map((n) => `progress note: ${n}`),
      ];
    }
    const width = Math.max(8, ...snap.stages.map((s) => s.stage.length));
    const lines = snap.stages.map(
      (s) =>
        `${s.stage.padEnd(width)}  in ${int(s.in).padStart(7)}  out ${int(s.out).padStart(7)}  rejected ${int(s.rejected).padStart(6)}  in flight ${String(s.inFlight).padStart(4)}  ${rate(rates.get(s.stage) ?? 0).padStart(7)}/s`,
    );
    lines.push(summary(snap, terminalRate));
    const w = weightsLine(snap);
    if (w) lines.push(w);
    for (const note of snap.notes ?? []) lines.push(`! ${note}`);
    return lines;
  };

  const draw = () => {
    const lines = render();
    if (!tty) {
      stream.write(`${lines.join('\n')}\n`);
      return;
    }
    // Move up over the previous frame, then rewrite each line and clear what is left of it.
    let out = drawnLines > 0 ? `\x1b[${drawnLines}A\r` : '';
    for (const line of lines) out += `\x1b[2K${line}\n`;
    for (let i = lines.length; i < drawnLines; i++) out += '\x1b[2K\n';
    if (drawnLines > lines.length) out += `\x1b[${drawnLines - lines.length}A`;
    drawnLines = lines.length;
    stream.write(out);
  };

  return {
    start() {
      if (timer) return;
      draw();
      timer = setInterval(draw, intervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      draw();
    },
    render: () => render().join('\n'),
  };
}
