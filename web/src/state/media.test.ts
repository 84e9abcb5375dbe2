import { describe, expect, it } from "vitest";
import { ApiError } from "../api/rest";
import { MediaCache, servedType, type MediaLimits } from "./media";

/** A server whose answers the test releases one by one, and object URLs it can count. */
function setup(limits: MediaLimits = { idleEntries: 2, idleBytes: 1000 }) {
  const pending = new Map<string, { resolve: (b: Blob) => void; reject: (e: unknown) => void }[]>();
  const fetches: string[] = [];
  const live = new Set<string>();
  const revoked: string[] = [];
  let n = 0;
  const cache = new MediaCache(
    (path) => {
      fetches.push(path);
      return new Promise<Blob>((resolve, reject) => {
        const list = pending.get(path) ?? [];
        list.push({ resolve, reject });
        pending.set(path, list);
      });
    },
    {
      create: (b) => {
        const url = `blob:${++n}:${b.type}`;
        live.add(url);
        return url;
      },
      revoke: (u) => {
        live.delete(u);
        revoked.push(u);
      },
    },
    limits,
  );
  const answer = async (path: string, body: string | Error, type = "image/png") => {
    const p = pending.get(path)?.shift();
    if (!p) throw new Error(`no fetch of ${path} in flight`);
    if (body instanceof Error) p.reject(body);
    else p.resolve(new Blob([body], { type }));
    await new Promise((r) => setTimeout(r, 0));
  };
  return { cache, fetches, live, revoked, answer };
}

describe("MediaCache", () => {
  it("shares one fetch between everyone who shows the same path, and one object URL", async () => {
    const t = setup();
    const changes: string[] = [];
    t.cache.subscribe("/a", () => changes.push(t.cache.state("/a")!.status));
    const r1 = t.cache.acquire("/a");
    const r2 = t.cache.acquire("/a");
    expect(t.cache.state("/a")).toEqual({ status: "loading" });
    expect(t.fetches).toEqual(["/a"]);
    await t.answer("/a", "png bytes");
    const s = t.cache.state("/a");
    expect(s).toMatchObject({ status: "ready", type: "image/png", size: 9 });
    expect(changes).toEqual(["ready"]);
    const r3 = t.cache.acquire("/a");
    expect(t.fetches).toEqual(["/a"]);
    expect(t.live.size).toBe(1);
    expect(await t.cache.settled("/a")).toBe(s);
    r1();
    r2();
    r3();
    r3(); // a second release of one reference changes nothing
    expect(t.cache.state("/a")).toBe(s);
  });

  it("keeps released media in a bounded LRU and revokes what falls out", async () => {
    const t = setup({ idleEntries: 2, idleBytes: 1000 });
    for (const p of ["/a", "/b", "/c"]) {
      const release = t.cache.acquire(p);
      await t.answer(p, "x");
      release();
    }
    // Three released, two kept: the oldest went, and its URL with it.
    expect(t.cache.state("/a")).toBeUndefined();
    expect(t.revoked).toEqual(["blob:1:image/png"]);
    expect(t.live.size).toBe(2);
    // Showing /b again takes it out of the LRU: it is never evicted while shown.
    const b = t.cache.acquire("/b");
    for (const p of ["/d", "/e"]) {
      const release = t.cache.acquire(p);
      await t.answer(p, "x");
      release();
    }
    expect(t.cache.state("/b")?.status).toBe("ready");
    expect(t.cache.state("/c")).toBeUndefined();
    b();
    expect(t.cache.state("/d")).toBeUndefined(); // /b released last, so /d was the oldest idle one
    expect(t.fetches).toEqual(["/a", "/b", "/c", "/d", "/e"]);
    // What fell out is fetched again when shown again.
    t.cache.acquire("/a");
    expect(t.fetches.at(-1)).toBe("/a");
  });

  it("bounds idle media by bytes too", async () => {
    const t = setup({ idleEntries: 10, idleBytes: 10 });
    const big = t.cache.acquire("/big");
    await t.answer("/big", "0123456789abcdef");
    expect(t.cache.state("/big")?.status).toBe("ready"); // shown: kept whatever its size
    big();
    expect(t.cache.state("/big")).toBeUndefined();
    expect(t.live.size).toBe(0);
  });

  it("forgets a failure once nobody shows it, so the next showing retries", async () => {
    const t = setup();
    const release = t.cache.acquire("/gone");
    await t.answer("/gone", new ApiError(404, "not_found", "attachment not found"));
    expect(t.cache.state("/gone")).toEqual({ status: "failed", code: "not_found", message: "attachment not found" });
    t.cache.acquire("/gone")(); // another viewer of the same failure does not refetch
    expect(t.fetches).toEqual(["/gone"]);
    release();
    expect(t.cache.state("/gone")).toBeUndefined();
    t.cache.acquire("/gone");
    expect(t.fetches).toEqual(["/gone", "/gone"]);
  });

  it("drops an answer that arrives after the path was cleared, without leaking a URL", async () => {
    const t = setup();
    t.cache.acquire("/slow");
    const settled = t.cache.settled("/slow");
    t.cache.clear();
    await t.answer("/slow", "late");
    expect(t.live.size).toBe(0);
    expect(t.cache.state("/slow")).toBeUndefined();
    expect((await settled).status).toBe("failed");
  });

  it("clear revokes every object URL and tells the viewers", async () => {
    const t = setup();
    let told = 0;
    t.cache.subscribe("/a", () => told++);
    t.cache.acquire("/a");
    const rb = t.cache.acquire("/b");
    await t.answer("/a", "a");
    await t.answer("/b", "b");
    rb();
    expect(t.live.size).toBe(2);
    told = 0;
    t.cache.clear();
    expect(t.live.size).toBe(0);
    expect(t.cache.size).toBe(0);
    expect(told).toBe(1);
  });

  it("a fetch released before it answers lands in the LRU, not shown but kept", async () => {
    const t = setup();
    t.cache.acquire("/a")();
    await t.answer("/a", "a");
    expect(t.cache.state("/a")?.status).toBe("ready");
    t.cache.acquire("/a");
    expect(t.fetches).toEqual(["/a"]);
  });

  it("never makes a blob URL of a type that could be a document of our origin", async () => {
    const t = setup();
    t.cache.acquire("/page");
    await t.answer("/page", "<script>alert(1)</script>", "text/html");
    expect(t.cache.state("/page")).toMatchObject({ status: "ready", type: "application/octet-stream" });
    expect([...t.live][0]).toBe("blob:1:application/octet-stream");

    expect(servedType("image/jpeg")).toBe("image/jpeg");
    expect(servedType("text/plain; charset=utf-8")).toBe("text/plain; charset=utf-8");
    expect(servedType("video/mp4")).toBe("video/mp4");
    for (const bad of ["image/svg+xml", "text/html", "application/xhtml+xml", "text/xml", "application/pdf", "", "image/png-but-not"]) {
      expect(servedType(bad), bad).toBe("application/octet-stream");
    }
  });
});
