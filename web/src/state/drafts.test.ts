import { describe, expect, it } from "vitest";
import { Drafts, maxDraftLength, maxDrafts } from "./drafts";
import { memoryStore } from "./fakes";

describe("Drafts", () => {
  it("keeps a draft per room across a reload", () => {
    const kv = memoryStore();
    const d = new Drafts(kv, "parley.drafts.u1");
    d.set("r1", "half a thought");
    d.set("r2", "another");
    const again = new Drafts(kv, "parley.drafts.u1");
    expect(again.get("r1")).toBe("half a thought");
    expect(again.get("r2")).toBe("another");
    expect(again.get("r3")).toBe("");
  });

  it("keeps each person's drafts apart", () => {
    const kv = memoryStore();
    new Drafts(kv, "parley.drafts.u1").set("r1", "mine");
    expect(new Drafts(kv, "parley.drafts.u2").get("r1")).toBe("");
  });

  it("forgets a draft that is emptied or sent, and leaves nothing stored when none is left", () => {
    const kv = memoryStore();
    const d = new Drafts(kv, "k");
    d.set("r1", "hello");
    d.set("r1", "   ");
    expect(d.get("r1")).toBe("");
    d.set("r2", "x");
    d.clear("r2");
    expect(kv.data.has("k")).toBe(false);
  });

  it("keeps the newest rooms when there are too many, and cuts a draft at the message limit", () => {
    const kv = memoryStore();
    const d = new Drafts(kv, "k");
    for (let i = 0; i <= maxDrafts; i++) d.set(`r${i}`, `draft ${i}`);
    // Writing in r1 again makes it the newest: r0 goes first.
    d.set("r1", "touched");
    d.set("extra", "one more");
    const again = new Drafts(kv, "k");
    expect(again.get("r0")).toBe("");
    expect(again.get("r2")).toBe("");
    expect(again.get("r1")).toBe("touched");
    expect(again.get("extra")).toBe("one more");
    expect(again.get(`r${maxDrafts}`)).toBe(`draft ${maxDrafts}`);
    d.set("long", "👍".repeat(maxDraftLength + 10));
    expect([...d.get("long")].length).toBe(maxDraftLength);
  });

  it("forgets everything on clearAll, and reads damaged storage as no drafts", () => {
    const kv = memoryStore();
    const d = new Drafts(kv, "k");
    d.set("r1", "secret");
    d.clearAll();
    expect(d.get("r1")).toBe("");
    expect(kv.data.has("k")).toBe(false);
    kv.data.set("k", "{not json");
    expect(new Drafts(kv, "k").get("r1")).toBe("");
    kv.data.set("k", JSON.stringify([{ room: "r1" }, { room: "r2", text: "ok" }, null]));
    expect(new Drafts(kv, "k").get("r2")).toBe("ok");
  });

  it("keeps the drafts another tab of the same person wrote meanwhile", () => {
    const kv = memoryStore();
    const tab1 = new Drafts(kv, "k");
    const tab2 = new Drafts(kv, "k");
    tab1.set("r1", "from tab 1");
    tab2.set("r2", "from tab 2");
    tab1.set("r3", "tab 1 again");
    const again = new Drafts(kv, "k");
    expect([again.get("r1"), again.get("r2"), again.get("r3")]).toEqual(["from tab 1", "from tab 2", "tab 1 again"]);
  });

  it("lives in memory alone when there is no storage", () => {
    const d = new Drafts(null, "");
    d.set("r1", "kept here");
    d.set("r2", "and here");
    expect([d.get("r1"), d.get("r2")]).toEqual(["kept here", "and here"]);
  });
});
