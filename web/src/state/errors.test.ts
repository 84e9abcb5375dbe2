import { describe, expect, it } from "vitest";
import { ApiError } from "../api/rest";
import { describeError, noticeFor, plain, uploadError } from "./errors";

const api = (code: string, message: string, status = 400) => new ApiError(status, code, message);

describe("errors in plain words", () => {
  it.each([
    ['no user "carl"', "There is no one with the username “carl”."],
    ["files are at most 26214400 bytes", "Files are 25 MB at most."],
    ["the request is 2048 bytes over", "The request is 2 KB over."],
    ["name is empty", "Name is empty."],
  ])("%s", (server, shown) => {
    expect(plain(server)).toBe(shown);
  });

  it("never shows a raw server string in a notice", () => {
    expect(noticeFor(api("invalid", 'no user "carl"'))).toBe("There is no one with the username “carl”.");
    expect(describeError(api("not_found", 'no user "carl"', 404))).toBe("There is no one with the username “carl”.");
    expect(noticeFor(api("network", "", 0))).toMatch(/Cannot reach the server/);
  });

  it("says an upload's size limit in MB", () => {
    expect(uploadError(api("too_large", "files are at most 26214400 bytes", 413)).text).toBe("Too large: files are 25 MB at most.");
  });
});
