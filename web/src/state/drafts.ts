import type { RoomID } from "../api/types";
import { limits } from "./limits";
import type { KeyValue } from "./outbox";

/** Rooms whose drafts are kept; writing in one more drops the draft untouched longest. */
export const maxDrafts = 50;
/** A draft is cut here: nothing longer can be sent (the server's message limit). */
export const maxDraftLength = limits.message;

interface Draft {
  room: RoomID;
  text: string;
}

/**
 * What I have typed but not sent, per room, for one signed-in person:
 * kept in localStorage so a room switch or a reload finds it again
 * (decision 0037). Bounded in rooms and length, newest first, so storage
 * never grows without end. Logging out forgets them all: the next person
 * at this browser must not find them.
 */
export class Drafts {
  /** Newest first. */
  private items: Draft[] = [];

  constructor(
    private readonly store: KeyValue | null,
    private readonly key: string,
  ) {
    this.load();
  }

  get(room: RoomID): string {
    return this.items.find((d) => d.room === room)?.text ?? "";
  }

  /** Keeps a room's draft (empty or only spaces: forgets it). */
  set(room: RoomID, text: string): void {
    // Another tab of mine may have written its drafts since: keep theirs too.
    this.load();
    const rest = this.items.filter((d) => d.room !== room);
    const had = rest.length !== this.items.length;
    if (!text.trim()) {
      if (!had) return;
      this.items = rest;
    } else {
      this.items = [{ room, text: [...text].slice(0, maxDraftLength).join("") }, ...rest].slice(0, maxDrafts);
    }
    this.save();
  }

  clear(room: RoomID): void {
    this.set(room, "");
  }

  /** Forgets every draft of this person, stored ones too. */
  clearAll(): void {
    this.items = [];
    this.store?.removeItem(this.key);
  }

  private load(): void {
    if (!this.store) return;
    const saved = this.store.getItem(this.key);
    this.items = [];
    if (!saved) return;
    try {
      const parsed = JSON.parse(saved) as unknown;
      if (!Array.isArray(parsed)) return;
      this.items = parsed
        .filter((d): d is Draft => typeof d?.room === "string" && typeof d?.text === "string" && d.text !== "")
        .slice(0, maxDrafts);
    } catch {
      // Damaged: no drafts.
    }
  }

  private save(): void {
    if (!this.store) return;
    try {
      if (this.items.length) this.store.setItem(this.key, JSON.stringify(this.items));
      else this.store.removeItem(this.key);
    } catch {
      // Storage full or refused: the text stays in the box, but is not kept as a draft.
    }
  }
}
