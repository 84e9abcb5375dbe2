import { describe, expect, it } from "vitest";
import { deviceName, newPasswordError } from "./account";

describe("deviceName", () => {
  it.each([
    ["Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36", "Chrome on Linux"],
    ["Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0", "Firefox on Linux"],
    ["Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1", "Safari on iOS"],
    ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36 Edg/140.0.0.0", "Edge on Windows"],
    ["Mozilla/5.0 (Linux; Android 15) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Mobile Safari/537.36", "Chrome on Android"],
    ["parley-bot/1.0", "parley-bot/1.0"],
    ["", "Unknown device"],
  ])("%j → %j", (ua, want) => {
    expect(deviceName(ua)).toBe(want);
  });
});

describe("newPasswordError", () => {
  it.each([
    ["", "", null],
    ["short", "", "The new password needs at least 8 characters."],
    ["long enough", "long enougH", "The two new passwords are not the same."],
    ["long enough", "long enough", null],
  ])("%j, %j → %j", (next, again, want) => {
    expect(newPasswordError(next, again)).toBe(want);
  });
});
