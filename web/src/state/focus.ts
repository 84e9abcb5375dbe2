import type { Timers } from "./connection";

/** How often a focused client says so again: the server forgets focus after 60 s (docs/protocol.md "Focus"). */
export const focusRepeatMs = 30_000;

/**
 * Tells the server whether this window is in front (focused and visible):
 * once on each change, again every 30 s while it stays so, and again after
 * each reconnect (a new connection starts unfocused). The server pushes
 * notifications only to users none of whose windows are in front.
 */
export class FocusReporter {
  private focused = false;
  private timer: unknown = null;

  constructor(
    private readonly send: (focused: boolean) => void,
    private readonly timers: Timers,
  ) {}

  get isFocused(): boolean {
    return this.focused;
  }

  set(focused: boolean): void {
    if (focused === this.focused) return;
    this.focused = focused;
    this.report();
  }

  /** The connection is (re)established: it knows nothing of this window yet. */
  connected(): void {
    if (this.focused) this.report();
  }

  /** The session ended: no more reports (the window's focus is still known for the next login). */
  stop(): void {
    this.clear();
  }

  private report(): void {
    this.clear();
    this.send(this.focused);
    if (this.focused) this.timer = this.timers.setTimeout(() => this.report(), focusRepeatMs);
  }

  private clear(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }
}
