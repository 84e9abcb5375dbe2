import { describe, expect, it } from "vitest";
import { ApiError } from "../api/rest";
import type { UserHit } from "../api/types";
import { FakeTimers } from "./fakes";
import { UserSearch, searchDebounceMs, searchRetryMs } from "./search";

const hit = (id: string): UserHit => ({ id, username: id, display_name: id, status_message: "", created_at: "", relation: "none" });
const settle = () => new Promise((r) => setTimeout(r, 0));

function setup(answer: (q: string) => Promise<UserHit[]>) {
  const timers = new FakeTimers();
  const asked: string[] = [];
  const s = new UserSearch(
    (q) => {
      asked.push(q);
      return answer(q);
    },
    timers,
    () => {},
  );
  return { timers, asked, s };
}

describe("UserSearch", () => {
  it("asks once per pause in typing, for the latest text", async () => {
    const t = setup(async (q) => [hit(q)]);
    t.s.set("a");
    t.timers.advance(100);
    t.s.set("al");
    t.timers.advance(100);
    t.s.set("ali ");
    t.timers.advance(searchDebounceMs);
    await settle();
    expect(t.asked).toEqual(["ali"]);
    expect(t.s.status).toBe("done");
    expect(t.s.hits.map((h) => h.id)).toEqual(["ali"]);
  });

  it("drops the answer to an older query", async () => {
    const pending: ((v: UserHit[]) => void)[] = [];
    const t = setup(() => new Promise((res) => pending.push(res)));
    t.s.set("bo");
    t.timers.advance(searchDebounceMs);
    t.s.set("bob");
    t.timers.advance(searchDebounceMs);
    pending[1]!([hit("bob")]);
    await settle();
    pending[0]!([hit("bo-old")]);
    await settle();
    expect(t.s.hits.map((h) => h.id)).toEqual(["bob"]);
  });

  it("waits and retries when rate limited, without showing an error", async () => {
    let calls = 0;
    const t = setup(async () => {
      if (calls++ === 0) throw new ApiError(429, "rate_limited", "slow down");
      return [hit("carol")];
    });
    t.s.set("ca");
    t.timers.advance(searchDebounceMs);
    await settle();
    expect(t.s.status).toBe("slowed");
    expect(t.s.error).toBe("");
    t.timers.advance(searchRetryMs);
    await settle();
    expect(t.s.status).toBe("done");
    expect(t.asked).toEqual(["ca", "ca"]);
  });

  it("clears the hits when the box is emptied, and says why a search failed", async () => {
    const t = setup(async () => {
      throw new ApiError(400, "invalid", "q must be one line");
    });
    t.s.set("x");
    t.timers.advance(searchDebounceMs);
    await settle();
    expect(t.s.status).toBe("error");
    expect(t.s.error).toBe("q must be one line");
    t.s.set("");
    expect(t.s.status).toBe("idle");
    t.timers.advance(10_000);
    expect(t.asked).toEqual(["x"]);
  });
});
