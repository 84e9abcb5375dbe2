import { ApiError } from "../api/rest";
import type { UserHit } from "../api/types";
import type { Timers } from "./connection";

export type SearchStatus = "idle" | "waiting" | "searching" | "done" | "slowed" | "error";

/** Pause in typing before a search goes out. */
export const searchDebounceMs = 300;
/** Wait after a 429 before trying the same query again. */
export const searchRetryMs = 1000;

/**
 * People search as the person types (`GET /users?q=`): one request per
 * pause in typing, answers to an older query dropped, and the server's rate
 * limit (2/s, burst 10) met with a short wait and a retry of the latest
 * query rather than an error.
 */
export class UserSearch {
  query = "";
  hits: UserHit[] = [];
  status: SearchStatus = "idle";
  error = "";
  private timer: unknown = null;
  private generation = 0;

  constructor(
    private readonly search: (q: string) => Promise<UserHit[]>,
    private readonly timers: Timers,
    private readonly onChange: () => void,
  ) {}

  /** The text in the search box changed. */
  set(text: string): void {
    const q = text.trim();
    if (q === this.query && this.status !== "error") return;
    this.query = q;
    this.generation++;
    this.timers.clearTimeout(this.timer);
    this.timer = null;
    if (!q) {
      this.hits = [];
      this.status = "idle";
      this.error = "";
    } else {
      this.status = "waiting";
      this.schedule(searchDebounceMs);
    }
    this.onChange();
  }

  /** Runs the current query again (after my own change altered a relation). */
  refresh(): void {
    if (!this.query) return;
    this.generation++;
    this.timers.clearTimeout(this.timer);
    this.schedule(0);
  }

  dispose(): void {
    this.generation++;
    this.timers.clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      void this.run();
    }, ms);
  }

  private async run(): Promise<void> {
    const gen = ++this.generation;
    const q = this.query;
    this.status = "searching";
    this.onChange();
    try {
      const hits = await this.search(q);
      if (gen !== this.generation) return;
      this.hits = hits;
      this.status = "done";
      this.error = "";
    } catch (e) {
      if (gen !== this.generation) return;
      if (e instanceof ApiError && e.code === "rate_limited") {
        this.status = "slowed";
        this.schedule(searchRetryMs);
      } else {
        this.status = "error";
        this.error = e instanceof ApiError && e.code === "network" ? "Cannot reach the server." : e instanceof Error ? e.message : "Search failed.";
      }
    }
    this.onChange();
  }
}
