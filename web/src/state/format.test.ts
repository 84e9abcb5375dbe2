import { describe, expect, it } from "vitest";
import type { Attachment } from "../api/types";
import { formatBytes, formatCount, formatLastSeen, preview } from "./format";
import { msg } from "./testdata";

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

describe("formatBytes", () => {
  it("reads like a file manager", () => {
    expect(formatBytes(1)).toBe("1 byte");
    expect(formatBytes(812)).toBe("812 bytes");
    expect(formatBytes(1024)).toBe("1 KB");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(48213)).toBe("47 KB");
    expect(formatBytes(3.2 * 1024 * 1024)).toBe("3.2 MB");
    expect(formatBytes(25 * 1024 * 1024)).toBe("25 MB");
  });
});

describe("preview of files", () => {
  const file = (name: string, image = false): Attachment => ({
    id: name,
    uploader_id: "bob",
    name,
    content_type: image ? "image/png" : "text/plain",
    size: 10,
    sha256: "",
    created_at: "",
    url: `/a/${name}`,
    ...(image ? { thumbnail_url: `/a/${name}/thumbnail`, width: 10, height: 10 } : {}),
  });
  const name = () => "Bob";
  it("names what a message of files alone carries; text wins when there is some", () => {
    expect(preview(msg(2, { text: "", attachments: [file("cat.png", true)] }), name, "alice")).toBe("📷 Photo");
    expect(preview(msg(2, { text: "", attachments: [file("notes.txt")] }), name, "alice")).toBe("📎 notes.txt");
    expect(preview(msg(2, { text: "", attachments: [file("a.png", true), file("b.png", true)] }), name, "alice")).toBe("📷 2 photos");
    expect(preview(msg(2, { text: "", attachments: [file("a.png", true), file("b.txt")], sender_id: "alice" }), name, "alice")).toBe("You: 📎 2 files");
    expect(preview(msg(2, { text: "look", attachments: [file("a.png", true)] }), name, "alice")).toBe("look");
  });
});
