import type {
  AddPolicy,
  MembersChange,
  Message,
  PinChange,
  Presence,
  Reaction,
  Ready,
  ReadPosition,
  Room,
  RoomID,
  RoomSummary,
  ServerFrame,
  Typing,
  User,
} from "../api/types";
import type { ConnState } from "./connection";
import { friendEventTypes, type FriendChange } from "./friends";
import { inviteEventTypes, type InviteChange } from "./invites";
import { ReadHistogram } from "./receipts";
import { wouldNotify } from "./notify";
import { ClientCore, pageSize, presenceRoomLimit } from "./clientcore";

/** A room that moved on further than this while we were away is reloaded from its newest page. */
const catchUpLimit = 500;
/** 1:1 rooms whose member list (the peer's presence) is fetched at each ready frame. */
const directPresenceRooms = 20;
/** Member lists re-read after a reconnect (events are not replayed); older ones are dropped. */
const memberListsKept = 30;

/**
 * The connection's side of the client: frames as they arrive, resuming
 * after a `ready`, and the loads that bring a room up to date.
 */
export abstract class ClientSync extends ClientCore {
  // ——— connection ———

  protected onConnState(s: ConnState): void {
    this.connState = s;
    if (s.kind !== "open") {
      this.synced = false;
      this.outbox?.requeueInFlight();
      // Typing is not replayed: after a drop nobody is typing, on either side.
      this.typing.clear();
      this.typingSender.reset();
      // Presence events are not replayed either: what was known before the
      // drop is stale, and the lists re-read after the next ready replace it.
      this.presence.clear();
    }
    if (s.kind === "ended") this.endSession("Your session has ended. Please log in again.");
    this.emit();
  }

  /** A browser cannot see why a handshake failed: a refused token looks like any drop, so ask. */
  protected onDrop(_code: number, wasReady: boolean): void {
    if (wasReady || !this.session) return;
    this.deps.rest.me().catch(() => {
      // 401 ends the session through onUnauthorized; anything else is a server that is down.
    });
  }

  protected onFrame(f: ServerFrame): void {
    switch (f.type) {
      case "ready":
        void this.onReady(f.data as Ready);
        return;
      case "message":
        this.onMessage(f.data as Message);
        return;
      case "message_updated":
        this.onMessageUpdated(f.data as Message);
        return;
      case "receipts": {
        const d = f.data as { room_id: RoomID; counts: { seq: number; count: number }[] };
        this.receipts.get(d.room_id)?.apply(d.counts ?? []);
        this.emit();
        return;
      }
      case "read": {
        const p = f.data as ReadPosition;
        if (this.rooms.onRead(p)) this.emit();
        if (p.user_id === this.session?.user.id) this.readUpTo(p.room_id, p.last_read_seq);
        return;
      }
      case "room_added": {
        const r = f.data as RoomSummary;
        this.addRoom(r);
        // The peer's presence, for the room list's dot.
        if (r.kind === "direct") void this.loadMembers(r.id);
        return;
      }
      case "room_removed":
        this.dropRoom((f.data as { room_id: RoomID }).room_id, "You are no longer a member of that room.");
        return;
      case "room_updated":
        if (this.rooms.onRoomUpdated(f.data as Room)) this.emit();
        return;
      case "reaction":
        this.onReaction(f.data as Reaction);
        return;
      case "pin":
        if (this.pins.apply(f.data as PinChange)) this.emit();
        return;
      case "typing": {
        const t = f.data as Typing;
        if (t.user_id !== this.session?.user.id) this.typing.apply(t);
        return;
      }
      case "presence": {
        const p = f.data as Presence;
        if (p.user_id !== this.session?.user.id && this.presence.apply(p.user_id, p.online, p.last_seen)) this.emit();
        return;
      }
      case "room_presence": {
        const d = f.data as { room_id: RoomID; online: number };
        this.roomOnline.set(d.room_id, d.online);
        return this.emit();
      }
      case "members": {
        const ev = f.data as MembersChange;
        this.directory.learnMembers(ev.members, this.session?.user.id ?? "");
        this.members.apply(ev);
        this.emit();
        return;
      }
      case "profile_updated":
        this.onProfile(f.data as User);
        return;
      // My notification settings and levels, changed on any of my devices.
      case "notify_settings":
        this.notifySettings = f.data;
        this.emit();
        return;
      case "notify_level":
        if (this.rooms.setLevel(f.data.room_id, f.data.level)) this.emit();
        return;
      case "settings_updated":
        this.settings = { ...(f.data as { who_may_add: AddPolicy }) };
        this.emit();
        return;
    }
    if (inviteEventTypes.has(f.type)) {
      if (this.invites.apply(f as InviteChange)) this.emit();
      return;
    }
    if (friendEventTypes.has(f.type)) this.people.onEvent(f as FriendChange);
    // Other event types are ignored, so the server can add new ones.
  }

  /**
   * Resume (docs/protocol.md "Resume"): take the room list, forget rooms
   * that are gone, fetch what each loaded room missed, refresh receipts and
   * the open room's newest page (edits and deletes are not replayed), then
   * send what is queued.
   */
  protected async onReady(r: Ready): Promise<void> {
    this.synced = false;
    this.typing.clear();
    this.notifySettings = r.notify_settings;
    this.focusReporter.connected();
    if (this.session) this.setSessionUser(r.user);
    this.users.set(r.user.id, r.user);
    for (const room of r.rooms) if (room.peer) this.users.set(room.peer.id, room.peer);
    const gone = this.rooms.setAll(r.rooms);
    for (const id of gone) this.dropRoom(id, "You are no longer a member of that room.");
    this.emit();

    // People events are not replayed: re-read what is shown — friends and
    // requests, the presence and names of the latest 1:1 peers, member lists.
    const tasks: Promise<unknown>[] = [this.people.load(), this.loadInvites()];
    const sorted = this.rooms.sorted();
    const direct = sorted.filter((x) => x.kind === "direct").slice(0, directPresenceRooms);
    const held = sorted.filter((x) => this.members.has(x.id));
    const lists = new Set([this.openRoomId ?? "", ...direct.map((x) => x.id), ...held.map((x) => x.id)].filter(Boolean).slice(0, memberListsKept));
    for (const x of sorted) {
      if (lists.has(x.id)) tasks.push(this.loadMembers(x.id));
      else this.members.delete(x.id);
    }
    for (const [id, tl] of this.timelines) {
      const room = this.rooms.get(id);
      if (!room) continue;
      // Pin events are not replayed either.
      if (this.pins.has(id)) tasks.push(this.loadPins(id));
      if (this.detached.has(id)) {
        tasks.push(this.loadReceipts(id));
        if (id === this.openRoomId) tasks.push(this.loadRoomPresence(id));
        continue;
      }
      if (room.last_seq - tl.have > catchUpLimit) tl.clear();
      tasks.push(this.fill(id), this.loadReceipts(id));
      if (id === this.openRoomId) tasks.push(this.loadPage(id, {}), this.loadRoomPresence(id));
    }
    await Promise.allSettled(tasks);
    if (!this.conn?.isOpen) return;
    this.synced = true;
    this.emit();
    void this.sender.flush();
    this.scheduleMarkRead();
  }

  protected onMessage(m: Message): void {
    this.ingest(m.room_id, [m]);
    this.alert(m);
    const tl = this.timelines.get(m.room_id);
    if (tl?.gap()) void this.fill(m.room_id);
  }

  /**
   * A live message that would notify me, while this page is out of sight:
   * alerted here, at once, through the service worker, which also takes the
   * push for the same message and does not alert twice (decision 0033).
   */
  protected alert(m: Message): void {
    const me = this.session?.user.id;
    const room = this.rooms.get(m.room_id);
    const sink = this.deps.alerts;
    if (!sink || !me || !room || !this.push.prefs.enabled || !sink.hidden()) return;
    if (!wouldNotify(m, room, me, this.notifySettings, new Date(this.now()))) return;
    const sender = this.directory.nameOf(m.sender_id);
    sink.show(
      {
        room_id: room.id,
        room_name: room.kind === "direct" ? (room.peer?.display_name ?? sender) : room.name,
        sender,
        text: this.notifySettings?.previews === false ? "" : [...m.text].slice(0, 200).join(""),
        seq: m.seq,
        count: 1,
        unread: room.unread,
        mention: !!m.mentions?.includes(me),
        badge: this.rooms.totalUnread(),
      },
      this.push.prefs.sound,
    );
  }

  protected onMessageUpdated(m: Message): void {
    const changedTl = this.timelines.get(m.room_id)?.update(m) ?? false;
    const changedRoom = this.rooms.onUpdated(m);
    const changedPins = this.pins.onMessageUpdated(m);
    if (changedTl || changedRoom || changedPins) this.emit();
  }

  /**
   * Messages from any source (live, a page, an ack) go through here, so
   * every path dedupes alike. `page` marks a history page (it carries
   * reactions) with the reaction mark taken when it was asked for.
   */
  protected ingest(room: RoomID, msgs: Message[], page?: { since: number }): void {
    const me = this.session?.user.id ?? "";
    const tl = this.timelines.get(room);
    // A detached timeline takes pages only; live copies would leave a hole.
    if (tl && (page || !this.detached.has(room))) tl.merge(msgs, page);
    for (const m of msgs) {
      // Only a message newer than the room list's state can change my role:
      // pages of older history carry roles that are past.
      const newest = this.rooms.onMessage(m);
      if (newest && m.system?.type === "role_changed" && m.system.role && m.system.users?.includes(me)) {
        this.rooms.setRole(room, m.system.role);
      }
      this.outbox?.seen(m, me);
      // Their message is what they were typing.
      if (!page && m.sender_id) this.typing.stop(room, m.sender_id);
    }
    if (room === this.openRoomId) this.scheduleMarkRead();
    this.emit();
  }

  /**
   * Brings a loaded room up to date: fills every hole above the contiguous
   * range and catches up to the room's last_seq, a page of 100 at a time,
   * oldest first. One fill per room runs at a time; it loops until nothing
   * is missing, so events that arrive meanwhile are covered.
   */
  protected async fill(id: RoomID): Promise<void> {
    if (this.filling.has(id) || this.detached.has(id)) return;
    this.filling.add(id);
    try {
      for (;;) {
        const tl = this.timelines.get(id);
        const room = this.rooms.get(id);
        if (!tl || !room) return;
        if (tl.size === 0) {
          await this.loadPage(id, {});
          if (this.timelines.get(id)?.size === 0) return;
          continue;
        }
        const gap = tl.gap();
        const target = Math.max(room.last_seq, tl.newest);
        const after = gap ? gap.after : tl.have;
        const upTo = gap ? gap.upTo : target;
        if (after >= upTo) return;
        const since = tl.reactionMark();
        const page = await this.deps.rest.history(id, { after, before: upTo + 1, limit: 100, order: "asc" });
        if (this.timelines.get(id) !== tl) return;
        const before = tl.have;
        this.ingest(id, page.messages, { since });
        if (page.messages.length === 0 || tl.have === before) return;
      }
    } finally {
      this.filling.delete(id);
    }
  }

  protected async loadPage(id: RoomID, bounds: { before?: number }): Promise<void> {
    try {
      const tl = this.timelines.get(id);
      const since = tl?.reactionMark() ?? 0;
      const page = await this.deps.rest.history(id, { ...bounds, limit: pageSize });
      // A jump may have replaced the timeline meanwhile: this page is not its.
      if (tl && this.timelines.get(id) === tl) this.ingest(id, page.messages, { since });
    } catch (e) {
      this.reportError(e);
    }
  }

  protected async loadReceipts(id: RoomID): Promise<void> {
    let h = this.receipts.get(id);
    if (!h) {
      h = new ReadHistogram();
      this.receipts.set(id, h);
    }
    h.beginSnapshot();
    try {
      const r = await this.deps.rest.receipts(id);
      if (this.receipts.get(id) === h) h.setSnapshot(r.counts ?? []);
      this.emit();
    } catch {
      h.cancelSnapshot();
    }
  }

  /** Reads a room's member list once; `members` and `profile_updated` events keep it current. */
  async loadMembers(id: RoomID): Promise<void> {
    this.members.beginSnapshot(id);
    try {
      const { members } = await this.deps.rest.members(id);
      if (!this.rooms.has(id)) {
        this.members.delete(id);
        return;
      }
      this.members.setSnapshot(id, members);
      this.directory.learnMembers(members, this.session?.user.id ?? "");
      this.emit();
    } catch {
      // Names and presence stay as they were; the next ready or opening tries again.
      this.members.cancelSnapshot(id);
    }
  }

  /** A room's pins, read when it opens and after every `ready`; `pin` events keep them current. */
  protected async loadPins(id: RoomID): Promise<void> {
    try {
      const { pins } = await this.deps.rest.pins(id);
      if (!this.rooms.has(id)) return;
      this.pins.set(id, pins ?? []);
      this.emit();
    } catch {
      // Opening the room again, or the next ready frame, reads them.
    }
  }

  /** A big room's online count, read when it opens; `room_presence` events keep it current. */
  protected async loadRoomPresence(id: RoomID): Promise<void> {
    if ((this.rooms.get(id)?.member_count ?? 0) <= presenceRoomLimit) return;
    try {
      const p = await this.deps.rest.roomPresence(id);
      this.roomOnline.set(id, p.online);
      this.emit();
    } catch {
      // The next room_presence event brings it.
    }
  }

  /**
   * Who reacted to a message, from the server (history pages carry only
   * counts): asked when a reaction is hovered or pressed, at most once a
   * minute per message; live events keep it current meanwhile.
   */
  async loadReactors(room: RoomID, seq: number): Promise<void> {
    if (!this.reactors.shouldAsk(room, seq, this.now())) return;
    try {
      const { reactions } = await this.deps.rest.reactors(room, seq);
      this.reactors.fill(room, seq, reactions);
    } catch {
      // The label keeps naming whom this client saw; the next hover asks again.
      this.reactors.forgetAsked(room, seq);
    }
  }

  protected onReaction(r: Reaction): void {
    const mine = r.user_id === this.session?.user.id ? r.on : undefined;
    this.reactors.record(r);
    if (this.timelines.get(r.room_id)?.react(r.seq, r.emoji, r.count, mine)) this.emit();
  }

  // ChatClient gives this (invite events are not replayed: re-read at each ready).
  abstract loadInvites(): Promise<void>;
}
