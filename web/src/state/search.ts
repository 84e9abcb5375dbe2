import { ApiError } from "../api/rest";
import type { UserHit } from "../api/types";
import type { Timers } from "./connection";

export type SearchStatus = "idle" | "waiting" | "searching" | "done" | "slowed" | "error";

/** Pause in typing before a search goes out. */
export const searchDebounceMs = 300;
/** Wait after a 429 before trying the same query again. */
export const searchRetryMs = 1000;

/**
 * A search that follows a search box: one request per pause in typing,
 * answers to an older question dropped, and the server's rate limit (2/s,
 * burst 10) met with a short wait and a retry of the latest question rather
 * than an error. Subclasses say what to ask and what to keep of an answer.
 */
export abstract class DebouncedSearch<A> {
  query = "";
  status: SearchStatus = "idle";
  error = "";
  private timer: unknown = null;
  /** Bumped by every new question and by dispose: an answer carrying an older one is dropped. */
  protected generation = 0;

  constructor(
    private readonly timers: Timers,
    protected readonly onChange: () => void,
  ) {}

  /** The text in the search box changed. */
  set(text: string): void {
    const q = text.trim();
    if (q === this.query && this.status !== "error") return;
    this.query = q;
    this.restart(searchDebounceMs);
  }

  dispose(): void {
    this.generation++;
    this.timers.clearTimeout(this.timer);
  }

  /** The question changed (its text or what narrows it): drops what is pending and asks again after `ms`. */
  protected restart(ms: number): void {
    this.forget();
    this.error = "";
    const problem = this.query ? this.problem() : "";
    if (!this.query || problem) {
      this.generation++;
      this.timers.clearTimeout(this.timer);
      this.timer = null;
      this.status = problem ? "error" : "idle";
      this.error = problem;
    } else {
      this.status = "waiting";
      this.again(ms);
    }
    this.onChange();
  }

  /** Asks the same question again after `ms`, dropping an answer on its way. */
  protected again(ms: number): void {
    this.generation++;
    this.timers.clearTimeout(this.timer);
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      void this.run();
    }, ms);
  }

  /** The current question, sent. */
  protected abstract ask(): Promise<A>;
  /** Keeps the answer to the current question. */
  protected abstract take(answer: A): void;
  /** Lets go of what the previous question found, as a new one starts. */
  protected abstract forget(): void;

  /** Why the current question cannot be asked at all ("" when it can). */
  protected problem(): string {
    return "";
  }

  /** What went wrong, in words a person can act on. */
  protected describe(e: unknown): string {
    if (e instanceof ApiError && e.code === "network") return "Cannot reach the server.";
    return e instanceof Error ? e.message : "Search failed.";
  }

  private async run(): Promise<void> {
    const gen = ++this.generation;
    this.status = "searching";
    this.onChange();
    try {
      const answer = await this.ask();
      if (gen !== this.generation) return;
      this.take(answer);
      this.status = "done";
      this.error = "";
    } catch (e) {
      if (gen !== this.generation) return;
      if (e instanceof ApiError && e.code === "rate_limited") {
        this.status = "slowed";
        this.again(searchRetryMs);
      } else {
        this.status = "error";
        this.error = this.describe(e);
      }
    }
    this.onChange();
  }
}

/** People search as the person types (`GET /users?q=`). */
export class UserSearch extends DebouncedSearch<UserHit[]> {
  hits: UserHit[] = [];

  constructor(
    private readonly search: (q: string) => Promise<UserHit[]>,
    timers: Timers,
    onChange: () => void,
  ) {
    super(timers, onChange);
  }

  /** Runs the current query again (after my own change altered a relation). */
  refresh(): void {
    if (this.query) this.again(0);
  }

  protected ask(): Promise<UserHit[]> {
    return this.search(this.query);
  }

  protected take(hits: UserHit[]): void {
    this.hits = hits;
  }

  /** The hits of the last query stay while the next is typed, so the list does not flicker. */
  protected forget(): void {
    if (!this.query) this.hits = [];
  }
}
