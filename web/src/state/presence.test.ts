import { describe, expect, it } from "vitest";
import { PresenceMap } from "./presence";

const t = (s: number) => new Date(Date.UTC(2025, 1, 1, 10, 0, s)).toISOString();

describe("PresenceMap", () => {
  it("keeps the state with the latest last_seen, whatever the arrival order", () => {
    const p = new PresenceMap();
    expect(p.apply("bob", false, t(20))).toBe(true); // went offline at 20
    expect(p.apply("bob", true, t(10))).toBe(false); // an older "online" from another node
    expect(p.get("bob")).toEqual({ online: false, last_seen: t(20) });
    expect(p.apply("bob", true, t(30))).toBe(true);
    expect(p.get("bob")?.online).toBe(true);
  });

  it("lets a list entry without last_seen fill in only what nothing else said", () => {
    const p = new PresenceMap();
    expect(p.apply("carol", false)).toBe(true);
    expect(p.apply("carol", true, t(5))).toBe(true);
    expect(p.apply("carol", false)).toBe(false);
    expect(p.get("carol")?.online).toBe(true);
  });

  it("reports no change for the same state twice (a friend and a co-member get both events)", () => {
    const p = new PresenceMap();
    p.apply("bob", true, t(1));
    expect(p.apply("bob", true, t(1))).toBe(false);
  });
});
