import type { RoomID } from "../api/types";
import { MessageSearch } from "./msgsearch";
import { Timeline } from "./timeline";

import { pageSize } from "./clientcore";
import { ClientSync } from "./clientsync";

/** Opening rooms and moving through their messages: scrolling back, jumping to one, back to the latest. */
export abstract class ClientHistory extends ClientSync {
  // ——— what the views call ———

  /** Opens a room (null: the room list); loads its newest page, receipts and members the first time. */
  openRoom(id: RoomID | null): void {
    if (id === this.openRoomId) return;
    this.typingSender.stop();
    // What the room on screen showed counts as read, even if it is left within the debounce.
    if (this.markTimer !== null) {
      this.timers.clearTimeout(this.markTimer);
      this.markTimer = null;
      this.markRead();
    }
    this.openRoomId = id && this.rooms.has(id) ? id : null;
    if (this.focus?.room !== this.openRoomId) this.focus = null;
    this.seenSeq = 0;
    const summary = this.openRoomId ? this.rooms.get(this.openRoomId) : undefined;
    this.newFrom = summary && summary.unread > 0 ? { room: summary.id, seq: summary.last_read_seq } : null;
    this.emit();
    if (!this.openRoomId) return;
    const room = this.openRoomId;
    if (!this.timelines.has(room) && !this.focus && summary && summary.last_read_seq > 0 && summary.unread > pageSize) {
      // The first unread message is not on the newest page: open the page around it.
      void this.loadAround(room, summary.last_read_seq + 1);
    } else if (!this.timelines.has(room)) {
      this.timelines.set(room, new Timeline());
      this.loading.add(room);
      this.emit();
      void this.loadPage(room, {})
        .then(() => this.fill(room))
        .finally(() => {
          this.loading.delete(room);
          this.emit();
        });
    }
    // ready cuts long announcements; the room on screen shows it whole.
    if (this.rooms.get(room)?.announcement_truncated) void this.loadAnnouncement(room);
    if (!this.receipts.get(room)?.loaded) void this.loadReceipts(room);
    if (!this.members.has(room)) void this.loadMembers(room);
    if (!this.pins.has(room)) void this.loadPins(room);
    void this.loadRoomPresence(room);
    this.scheduleMarkRead();
  }

  private async loadAnnouncement(room: RoomID): Promise<void> {
    try {
      const r = await this.deps.rest.room(room);
      if (this.rooms.setFullAnnouncement(room, r.announcement)) this.emit();
    } catch (e) {
      this.reportError(e);
    }
  }

  /**
   * Opens a room at one message (a search hit, a pin), highlighted. A
   * message already held is shown where it is; otherwise the timeline is
   * replaced by the page around it (`around=`), detached from the live end
   * until `loadNewer` reaches it.
   */
  async jumpTo(id: RoomID, seq: number): Promise<void> {
    if (!this.rooms.has(id)) return;
    this.focus = { room: id, seq };
    const held = this.timelines.get(id);
    if (held && held.get(seq) && seq >= held.oldest && seq <= held.have) {
      this.openRoom(id);
      this.emit();
      return;
    }
    // The new timeline is in place before the room opens, so opening does not load the newest page.
    const loaded = this.loadAround(id, seq);
    this.openRoom(id);
    this.emit();
    await loaded;
  }

  /** Replaces the room's timeline by the page around `seq`, detached from the live end (set before its first await). */
  protected async loadAround(id: RoomID, seq: number): Promise<void> {
    const tl = new Timeline();
    this.timelines.set(id, tl);
    this.detached.add(id);
    this.loading.add(id);
    this.emit();
    try {
      const page = await this.deps.rest.history(id, { around: seq, limit: pageSize });
      if (this.timelines.get(id) !== tl) return;
      this.ingest(id, page.messages, { since: 0 });
      this.attachIfAtEnd(id, tl);
    } catch (e) {
      this.reportError(e);
    } finally {
      this.loading.delete(id);
      this.emit();
    }
  }

  /** Whether newer messages exist than the ones held: the timeline is detached from the live end. */
  hasNewer(id: RoomID): boolean {
    return this.detached.has(id);
  }

  /** A message search whose answers re-render through `onChange`. */
  newMessageSearch(onChange: () => void): MessageSearch {
    return new MessageSearch((q) => this.deps.rest.searchMessages(q), this.timers, onChange);
  }

  /** Loads the page after the newest message held (scrolling down a detached timeline). */
  async loadNewer(id: RoomID): Promise<void> {
    const tl = this.timelines.get(id);
    if (!tl || !this.detached.has(id) || this.loadingNewer.has(id) || this.loading.has(id)) return;
    this.loadingNewer.add(id);
    this.emit();
    try {
      const since = tl.reactionMark();
      const page = await this.deps.rest.history(id, { after: tl.have, limit: pageSize, order: "asc" });
      if (this.timelines.get(id) !== tl) return;
      this.ingest(id, page.messages, { since });
      if (page.messages.length < pageSize) this.attach(id);
      else this.attachIfAtEnd(id, tl);
    } catch (e) {
      this.reportError(e);
    } finally {
      this.loadingNewer.delete(id);
      this.emit();
    }
  }

  /** Goes back to the newest messages of a detached room (sending, "jump to latest"). */
  jumpToLatest(id: RoomID): void {
    if (!this.detached.has(id)) return;
    this.focus = null;
    this.detached.delete(id);
    const tl = new Timeline();
    this.timelines.set(id, tl);
    this.loading.add(id);
    this.emit();
    void this.loadPage(id, {})
      .then(() => this.fill(id))
      .finally(() => {
        this.loading.delete(id);
        this.emit();
      });
  }

  protected attachIfAtEnd(id: RoomID, tl: Timeline): void {
    const room = this.rooms.get(id);
    if (room && tl.have >= room.last_seq) this.attach(id);
  }

  /**
   * The detached timeline reached the end: live messages merge again, and
   * a fill fetches whatever arrived (and was left out) meanwhile — the
   * timeline dedupes by seq, so nothing shows twice or goes missing.
   */
  protected attach(id: RoomID): void {
    if (!this.detached.delete(id)) return;
    this.emit();
    void this.fill(id).then(() => this.scheduleMarkRead());
  }

  /**
   * The view had the open room's messages up to `seq` on screen in a
   * focused, visible window (it alone can tell): the read position follows,
   * never past what was seen.
   */
  seen(id: RoomID, seq: number): void {
    if (id !== this.openRoomId || seq <= this.seenSeq) return;
    this.seenSeq = seq;
    this.scheduleMarkRead();
  }

  /** Loads the page before the oldest message held (infinite scroll back). */
  async loadOlder(id: RoomID): Promise<void> {
    const tl = this.timelines.get(id);
    if (!tl || !tl.hasOlder || this.loadingOlder.has(id) || this.loading.has(id)) return;
    this.loadingOlder.add(id);
    this.emit();
    try {
      await this.loadPage(id, { before: tl.oldest });
    } finally {
      this.loadingOlder.delete(id);
      this.emit();
    }
  }

}
