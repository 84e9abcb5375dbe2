import { ApiError } from "../api/rest";
import type { DirectoryPage, DirectoryRoom, RoomID } from "../api/types";
import type { Timers } from "./connection";
import { searchDebounceMs, searchRetryMs, type SearchStatus } from "./search";

/**
 * The public room directory (`GET /rooms/directory?q=`), browsed and
 * searched by name as the person types: the first page after a pause in
 * typing (an empty box lists every public room), more pages on request by
 * the server's cursor, answers to an older query or page dropped, and the
 * server's rate limit met with a short wait and a retry, as people search
 * does.
 */
export class RoomDirectory {
  query = "";
  rooms: DirectoryRoom[] = [];
  /** The cursor of the next page; "" when the list is complete. */
  next = "";
  status: SearchStatus = "idle";
  error = "";
  private timer: unknown = null;
  private generation = 0;
  private pending: { cursor: string } | null = null;

  constructor(
    private readonly page: (q: string, cursor: string) => Promise<DirectoryPage>,
    private readonly timers: Timers,
    private readonly onChange: () => void,
  ) {}

  /** Lists the first page for the current query at once (the directory was opened). */
  start(): void {
    this.generation++;
    this.timers.clearTimeout(this.timer);
    this.load("", 0);
  }

  /** The text in the search box changed. */
  set(text: string): void {
    const q = text.trim();
    if (q === this.query && this.status !== "error") return;
    this.query = q;
    this.generation++;
    this.timers.clearTimeout(this.timer);
    this.status = "waiting";
    this.load("", searchDebounceMs);
    this.onChange();
  }

  /** The next page, after what is shown. */
  more(): void {
    if (!this.next || this.status === "searching" || this.status === "waiting") return;
    this.load(this.next, 0);
  }

  /** I joined a room from the list. */
  joined(id: RoomID): void {
    this.rooms = this.rooms.map((r) => (r.id === id ? { ...r, member: true, member_count: r.member ? r.member_count : r.member_count + 1 } : r));
    this.onChange();
  }

  dispose(): void {
    this.generation++;
    this.timers.clearTimeout(this.timer);
  }

  private load(cursor: string, delay: number): void {
    this.pending = { cursor };
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      void this.run();
    }, delay);
  }

  private async run(): Promise<void> {
    const gen = ++this.generation;
    const q = this.query;
    const cursor = this.pending?.cursor ?? "";
    this.status = "searching";
    this.onChange();
    try {
      const p = await this.page(q, cursor);
      if (gen !== this.generation) return;
      // A page after a cursor extends the list; a first page replaces it.
      const seen = new Set(cursor ? this.rooms.map((r) => r.id) : []);
      this.rooms = cursor ? [...this.rooms, ...p.rooms.filter((r) => !seen.has(r.id))] : p.rooms;
      this.next = p.next ?? "";
      this.status = "done";
      this.error = "";
      this.pending = null;
    } catch (e) {
      if (gen !== this.generation) return;
      if (e instanceof ApiError && e.code === "rate_limited") {
        this.status = "slowed";
        this.load(cursor, searchRetryMs);
      } else {
        this.status = "error";
        this.error = e instanceof ApiError && e.code === "network" ? "Cannot reach the server." : e instanceof Error ? e.message : "Could not list the rooms.";
      }
    }
    this.onChange();
  }
}
