import { describe, expect, it } from "vitest";
import { formatCount, formatLastSeen } from "./format";

describe("formatLastSeen", () => {
  const now = new Date(2025, 1, 3, 15, 0, 0);
  const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();
  it("says how long ago, coarser as it gets older", () => {
    expect(formatLastSeen(ago(20_000), now)).toBe("last seen just now");
    expect(formatLastSeen(ago(60_000), now)).toBe("last seen 1 minute ago");
    expect(formatLastSeen(ago(45 * 60_000), now)).toBe("last seen 45 minutes ago");
    expect(formatLastSeen(ago(3 * 3600_000), now)).toMatch(/^last seen today at /);
    expect(formatLastSeen(ago(24 * 3600_000), now)).toMatch(/^last seen yesterday at /);
    expect(formatLastSeen(ago(5 * 24 * 3600_000), now)).toMatch(/^last seen on /);
    expect(formatLastSeen(undefined, now)).toBe("offline");
  });
});

describe("formatCount", () => {
  it("groups thousands", () => {
    expect(formatCount(1234)).toBe("1,234");
    expect(formatCount(7)).toBe("7");
  });
});
