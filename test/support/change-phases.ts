/**
 * Which side of a change (a password rotated under load, say) each unit of load started on, so a test asks that
 * its load spans the change, whatever the host's speed, instead of counting requests.
 */
export type ChangePhase = 'before' | 'during' | 'after';

export interface ChangePhases {
  /** Counts one unit of load as started now. */
  start(): void;
  /** The change has reached `phase`. */
  enter(phase: ChangePhase): void;
  readonly started: Readonly<Record<ChangePhase, number>>;
  /** Load started both before the change and after it. */
  spanned(): boolean;
  total(): number;
}

export function changePhases(): ChangePhases {
  let now: ChangePhase = 'before';
  const started = { before: 0, during: 0, after: 0 };
  return {
    start: () => void (started[now] += 1),
    enter: (phase) => void (now = phase),
    started,
    spanned: () => started.before > 0 && started.after > 0,
    total: () => started.before + started.during + started.after,
  };
}
