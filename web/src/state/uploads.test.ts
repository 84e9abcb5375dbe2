import { describe, expect, it } from "vitest";
import { ApiError, type UploadTask } from "../api/rest";
import type { Attachment } from "../api/types";
import { FakeTimers } from "./fakes";
import { maxAttachments, progressOf, UploadQueue } from "./uploads";

/** Uploads the test drives: progress, answers and aborts, per file name. */
function setup() {
  const timers = new FakeTimers();
  const running = new Map<
    string,
    { progress: (l: number, t: number) => void; resolve: (a: Attachment) => void; reject: (e: unknown) => void; aborted: boolean }
  >();
  const started: string[] = [];
  let changes = 0;
  const q = new UploadQueue(
    (_file, name, onProgress): UploadTask<Attachment> => {
      started.push(name);
      let entry!: { progress: (l: number, t: number) => void; resolve: (a: Attachment) => void; reject: (e: unknown) => void; aborted: boolean };
      const done = new Promise<Attachment>((resolve, reject) => {
        entry = { progress: onProgress, resolve, reject, aborted: false };
      });
      running.set(name, entry);
      return {
        done,
        abort: () => {
          entry.aborted = true;
          entry.reject(new ApiError(0, "aborted", "the upload was cancelled"));
        },
      };
    },
    timers,
    () => changes++,
  );
  const flush = () => new Promise((r) => setTimeout(r, 0));
  const file = (name: string, size = 100) => new File([new Uint8Array(size)], name, { type: "image/png" });
  const att = (name: string): Attachment => ({
    id: `id-${name}`,
    uploader_id: "alice",
    name,
    content_type: "image/png",
    size: 100,
    sha256: "0".repeat(64),
    created_at: "",
    url: `/api/v1/attachments/id-${name}`,
  });
  const finish = async (name: string) => {
    running.get(name)!.resolve(att(name));
    await flush();
  };
  const fail = async (name: string, e: unknown) => {
    running.get(name)!.reject(e);
    await flush();
  };
  const item = (name: string) => q.items.find((u) => u.name === name)!;
  return { q, timers, running, started, finish, fail, file, item, flush, changes: () => changes };
}

describe("UploadQueue", () => {
  it("uploads on pick, three at a time, tracks each file's progress, and is ready when all are up", async () => {
    const t = setup();
    expect(t.q.add(["a", "b", "c", "d"].map((n) => t.file(n)))).toBe(0);
    expect(t.started).toEqual(["a", "b", "c"]);
    expect(t.q.items.map((u) => u.status)).toEqual(["uploading", "uploading", "uploading", "waiting"]);
    expect(t.q.busy).toBe(true);
    expect(t.q.ready).toBe(false);

    t.running.get("a")!.progress(60, 240);
    expect(t.item("a")).toMatchObject({ loaded: 60, total: 240 });
    const changes = t.changes();
    t.running.get("a")!.progress(61, 240); // still 25 %: the views are not told
    expect(t.changes()).toBe(changes);
    expect(progressOf(t.item("a"))).toBe(0.25);
    expect(progressOf(t.item("d"))).toBe(0);

    await t.finish("b");
    expect(t.started).toEqual(["a", "b", "c", "d"]); // a slot freed: the next one goes
    expect(progressOf(t.item("b"))).toBe(1);
    await t.finish("a");
    await t.finish("d");
    expect(t.q.ready).toBe(false);
    await t.finish("c");
    expect(t.q.ready).toBe(true);
    expect(t.q.busy).toBe(false);
    // The picking order, whatever order they finished in.
    expect(t.q.attachments().map((a) => a.id)).toEqual(["id-a", "id-b", "id-c", "id-d"]);
  });

  it("takes at most ten files per message and says how many were left out", () => {
    const t = setup();
    expect(t.q.add(Array.from({ length: 7 }, (_, i) => t.file(`f${i}`)))).toBe(0);
    expect(t.q.add(Array.from({ length: 5 }, (_, i) => t.file(`g${i}`)))).toBe(2);
    expect(t.q.items).toHaveLength(maxAttachments);
    expect(t.q.add([t.file("more")])).toBe(1);
  });

  it("removing a file stops its upload and lets the next one start", async () => {
    const t = setup();
    t.q.add(["a", "b", "c", "d"].map((n) => t.file(n)));
    t.q.remove(t.item("b").key);
    expect(t.running.get("b")!.aborted).toBe(true);
    expect(t.started).toEqual(["a", "b", "c", "d"]);
    await t.flush();
    // The aborted upload's rejection does not bring it back as failed.
    expect(t.q.items.map((u) => u.name)).toEqual(["a", "c", "d"]);
    expect(t.q.hasFailed).toBe(false);
  });

  it("shows a lasting refusal on the chip, blocks the message until removed, and retries what may work", async () => {
    const t = setup();
    t.q.add([t.file("big"), t.file("flaky")]);
    await t.fail("big", new ApiError(413, "too_large", "files are at most 200000 bytes"));
    await t.fail("flaky", new ApiError(0, "network", "offline"));
    expect(t.item("big")).toMatchObject({ status: "failed", error: "Too large: files are 195 KB at most.", retryable: false });
    expect(t.item("flaky")).toMatchObject({ status: "failed", error: "The upload did not reach the server.", retryable: true });
    expect(t.q.hasFailed).toBe(true);
    expect(t.q.ready).toBe(false);

    t.q.retry(t.item("big").key); // a file that is too large stays too large
    expect(t.started).toEqual(["big", "flaky"]);
    t.q.retry(t.item("flaky").key);
    expect(t.started).toEqual(["big", "flaky", "flaky"]);
    await t.finish("flaky");
    t.q.remove(t.item("big").key);
    expect(t.q.ready).toBe(true);
    expect(t.q.attachments().map((a) => a.id)).toEqual(["id-flaky"]);
  });

  it("waits and tries again when the server says uploads come too fast", async () => {
    const t = setup();
    t.q.add([t.file("a"), t.file("b")]);
    await t.fail("a", new ApiError(429, "rate_limited", "uploading too fast, slow down"));
    expect(t.item("a").status).toBe("waiting");
    await t.finish("b");
    expect(t.started).toEqual(["a", "b"]);
    t.timers.advance(999);
    expect(t.started).toEqual(["a", "b"]);
    t.timers.advance(1);
    expect(t.started).toEqual(["a", "b", "a"]);
    await t.finish("a");
    expect(t.q.ready).toBe(true);
  });

  it("refuses an empty file without sending it", () => {
    const t = setup();
    t.q.add([t.file("empty", 0)]);
    expect(t.started).toEqual([]);
    expect(t.item("empty")).toMatchObject({ status: "failed", error: "The file is empty." });
  });

  it("clear stops everything in flight and empties the queue", async () => {
    const t = setup();
    t.q.add([t.file("a"), t.file("b")]);
    await t.finish("a");
    t.q.clear();
    expect(t.running.get("b")!.aborted).toBe(true);
    expect(t.q.items).toEqual([]);
    await t.flush();
    expect(t.q.items).toEqual([]);
    const before = t.changes();
    t.q.clear();
    expect(t.changes()).toBe(before);
  });
});
