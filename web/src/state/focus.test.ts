import { describe, expect, it } from "vitest";
import { FakeTimers } from "./fakes";
import { FocusReporter, focusRepeatMs } from "./focus";

describe("FocusReporter", () => {
  it("reports each change, repeats every 30 s while focused, and again after a reconnect", () => {
    const timers = new FakeTimers();
    const sent: boolean[] = [];
    const f = new FocusReporter((x) => sent.push(x), timers);
    f.set(false);
    expect(sent).toEqual([]);
    f.set(true);
    f.set(true);
    expect(sent).toEqual([true]);
    timers.advance(focusRepeatMs * 2);
    expect(sent).toEqual([true, true, true]);
    f.set(false);
    timers.advance(focusRepeatMs * 3);
    expect(sent).toEqual([true, true, true, false]);
    f.connected();
    expect(sent).toEqual([true, true, true, false]);
    f.set(true);
    f.connected();
    expect(sent).toEqual([true, true, true, false, true, true]);
    // A reconnect restarts the 30 s: one timer, not two.
    expect(timers.pending).toEqual([focusRepeatMs]);
    f.stop();
    expect(timers.pending).toEqual([]);
  });
});
