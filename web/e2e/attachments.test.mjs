// Browser tests of files and avatars: Alice uploads an avatar and Bob sees
// it live; she sends a picture and a text file, Bob sees the thumbnail,
// opens the lightbox and downloads both; drag-and-drop, paste, the ten-file
// limit, and a file over the server's --max-upload-bytes refused on its chip.
// Run by `make test` (npm run test:browser); docs/decisions/0016-web-client-files.md.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { browserSkip, eventually, logIn, message, newPerson, png, roomItem, screenshotDir, shot, startWorld } from "./harness.mjs";

/** The server's file limit here: small, so a test file can be over it. */
const maxUpload = 100_000;

/** A sunset over the sea, as a real PNG the server decodes and thumbnails. */
function sunset(w, h) {
  const horizon = Math.round(h * 0.62);
  const sun = { x: w * 0.66, y: horizon * 0.72, r: h * 0.13 };
  return png(w, h, (x, y) => {
    if (y < horizon) {
      const t = y / horizon;
      const d = Math.hypot(x - sun.x, y - sun.y);
      if (d < sun.r) return [255, 226, 140];
      const glow = Math.max(0, 1 - d / (w * 0.5));
      return [Math.round(70 + 170 * t + 15 * glow), Math.round(60 + 90 * t + 50 * glow), Math.round(150 - 40 * t)];
    }
    const t = (y - horizon) / (h - horizon);
    if (Math.abs(x - sun.x) < sun.r * (1 - t) * 0.9 && (y >> 2) % 2 === 0) return [250, 200, 130];
    return [Math.round(40 - 20 * t), Math.round(70 - 30 * t), Math.round(120 - 40 * t)];
  });
}

/** A round face on teal, for an avatar. */
function face(size, bg) {
  const c = size / 2;
  return png(size, size, (x, y) => {
    const d = Math.hypot(x - c, y - c);
    const eye = Math.hypot(Math.abs(x - c) - size * 0.13, y - c * 0.85) < size * 0.05;
    const smile = Math.abs(Math.hypot(x - c, y - c * 0.95) - size * 0.2) < size * 0.025 && y > c * 1.05;
    if (d < size * 0.36) return eye || smile ? [60, 40, 30] : [255, 214, 170];
    return bg;
  });
}

describe("Files and avatars in the browser", { skip: browserSkip() }, () => {
  let tmp, server, browser, close, alice, bob, shotDir, groupId;
  const photo = sunset(480, 320);
  const notes = "Packing list\n- tent\n- stove\n- 2 l of water each\n";

  const profileButton = (page) => page.getByRole("button", { name: /Your profile/ });
  /** The src of the image inside loc once it has loaded (naturalWidth > 0), or throws. */
  const loadedSrc = async (loc) => {
    const { src, width } = await loc.evaluate((img) => ({ src: img.src, width: img.naturalWidth }));
    assert.ok(width > 0, `image ${src} has not loaded`);
    return src;
  };
  const pickFiles = async (page, button, files) => {
    const [chooser] = await Promise.all([page.waitForEvent("filechooser"), button.click()]);
    await chooser.setFiles(files);
  };

  before(async () => {
    ({ tmp, server, browser, close } = await startWorld({ serverArgs: ["--max-upload-bytes", String(maxUpload)] }));
    shotDir = screenshotDir(join(tmp.dir, "screenshots"));
    const a = await server.signup("alice", "Alice Kim");
    await server.signup("bob", "Bob Lee");
    await server.api("POST", "/rooms/direct", a.token, { username: "bob" });
    const group = await server.api("POST", "/rooms", a.token, { name: "Trail crew", members: ["bob"] });
    groupId = group.id;
    await server.api("POST", `/rooms/${groupId}/messages`, a.token, { client_id: "seed-1", text: "Photos from Saturday coming up" });
    alice = await newPerson(browser, "alice");
    bob = await newPerson(browser, "bob");
    await Promise.all([logIn(alice.page, server.base, "alice"), logIn(bob.page, server.base, "bob")]);
  });

  after(() => close?.());

  it("uploads an avatar: the other person sees it live, and sees it go when it is removed", async () => {
    const a = alice.page;
    const b = bob.page;
    const bobsView = roomItem(b, "Alice Kim").getByTestId("avatar-image");
    assert.equal(await bobsView.count(), 0); // initials until there is a picture

    await profileButton(a).click();
    const dialog = a.getByRole("main", { name: "Settings" });
    // The server judges what an image is (the picker only suggests types), and says why not.
    await pickFiles(a, dialog.getByRole("button", { name: "Upload a picture" }), { name: "not-really.png", mimeType: "image/png", buffer: Buffer.from("just text") });
    await dialog.getByTestId("avatar-error").filter({ hasText: /could not be decoded|must be a PNG/ }).waitFor();

    await pickFiles(a, dialog.getByRole("button", { name: "Upload a picture" }), { name: "me.png", mimeType: "image/png", buffer: face(200, [38, 166, 154]) });
    const mine = dialog.locator(".profile-card").getByTestId("avatar-image");
    await mine.waitFor();
    assert.match(await loadedSrc(mine), /^blob:/);
    assert.equal(await dialog.getByTestId("avatar-error").count(), 0);
    await dialog.getByRole("button", { name: "Back to conversations" }).click();
    assert.match(await loadedSrc(a.locator(".sidebar-head").getByTestId("avatar-image")), /^blob:/);

    // Bob's page was never reloaded: the profile_updated event brought it.
    await bobsView.waitFor();
    assert.match(await loadedSrc(bobsView), /^blob:/);

    await profileButton(a).click();
    await dialog.getByRole("button", { name: "Remove picture" }).click();
    await dialog.getByRole("button", { name: "Upload a picture" }).waitFor();
    await eventually(async () => assert.equal(await bobsView.count(), 0), 10_000, "avatar gone on Bob's side");
    assert.equal(await roomItem(b, "Alice Kim").locator(".avatar").textContent(), "A");

    // Back again, for the pictures below.
    await pickFiles(a, dialog.getByRole("button", { name: "Upload a picture" }), { name: "me.png", mimeType: "image/png", buffer: face(200, [38, 166, 154]) });
    await dialog.getByRole("button", { name: "Change picture" }).waitFor();
    await dialog.getByRole("button", { name: "Back to conversations" }).click();
    await bobsView.waitFor();
  });

  it("sends a picture and a file; the other sees the thumbnail, opens it full size, downloads both", async () => {
    const a = alice.page;
    const b = bob.page;
    await roomItem(a, "Trail crew").click();
    await roomItem(b, "Trail crew").click();
    await message(b, "Photos from Saturday").waitFor();

    await pickFiles(a, a.getByRole("button", { name: "Attach files" }), [
      { name: "sunset.png", mimeType: "image/png", buffer: photo },
      { name: "packing-list.txt", mimeType: "text/plain", buffer: Buffer.from(notes) },
    ]);
    const chips = a.getByTestId("pending-file");
    await eventually(async () => assert.deepEqual(await chips.evaluateAll((els) => els.map((e) => e.dataset.status)), ["done", "done"]), 10_000, "uploads done");
    assert.match(await chips.first().textContent(), /sunset\.png.*\d+ KB/);
    const box = a.getByRole("textbox", { name: "Message" });
    await box.fill("The view from the ridge");
    await box.press("Enter");
    await eventually(async () => assert.equal(await chips.count(), 0), 5_000, "chips cleared after sending");

    const theirs = message(b, "The view from the ridge");
    const thumb = theirs.getByRole("button", { name: "Open image sunset.png" });
    await thumb.locator("img").waitFor();
    assert.match(await loadedSrc(thumb.locator("img")), /^blob:/);
    // The thumbnail is the server's re-encoded copy: at most 320 px, not the 480 px original.
    assert.ok((await thumb.locator("img").evaluate((img) => img.naturalWidth)) <= 320);
    const chip = theirs.getByTestId("file-chip");
    assert.match(await chip.textContent(), /packing-list\.txt/);
    assert.match(await chip.textContent(), /\d+ bytes/);
    // Their room list names what came.
    assert.match(await roomItem(a, "Trail crew").textContent(), /You: The view from the ridge/);
    // Bob has the room open: what he sees, he has read, so no "unread by" is left beside it.
    await eventually(async () => assert.equal(await b.getByTestId("unread-by").count(), 0), 5_000, "Bob's view read");
    await shot(b, shotDir, "attachments");

    // The lightbox, by keyboard: Enter opens it, Escape closes it.
    await thumb.focus();
    await b.keyboard.press("Enter");
    const box2 = b.getByRole("dialog", { name: "sunset.png" });
    await box2.waitFor();
    const full = box2.locator('[data-testid="lightbox-image"][data-full]');
    await full.waitFor();
    assert.equal(await full.evaluate((img) => img.naturalWidth), 480);
    assert.match(await loadedSrc(full), /^blob:/);
    const [picture] = await Promise.all([b.waitForEvent("download"), box2.getByRole("button", { name: "Download" }).click()]);
    assert.equal(picture.suggestedFilename(), "sunset.png");
    assert.deepEqual(readFileSync(await picture.path()), photo);
    await b.keyboard.press("Escape");
    await box2.waitFor({ state: "hidden" });

    const [download] = await Promise.all([b.waitForEvent("download"), chip.getByRole("button", { name: "Download packing-list.txt" }).click()]);
    assert.equal(download.suggestedFilename(), "packing-list.txt");
    assert.equal(readFileSync(await download.path(), "utf8"), notes);
  });

  it("shows a file's upload progress, and sends the message only once the file is up", async () => {
    const a = alice.page;
    const b = bob.page;
    // A slow uplink (DevTools throttling), so the upload takes a few seconds.
    const cdp = await alice.context.newCDPSession(a);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 30_000 });
    try {
      await pickFiles(a, a.getByRole("button", { name: "Attach files" }), { name: "route.gpx", mimeType: "application/gpx+xml", buffer: Buffer.alloc(90_000, 65) });
      const progress = a.getByRole("progressbar", { name: "Uploading route.gpx" });
      await eventually(async () => {
        const v = Number(await progress.getAttribute("value"));
        assert.ok(v > 0 && v < 1, `progress ${v}`);
      }, 10_000, "progress between 0 and 1");
      assert.match(await a.getByTestId("pending-file").textContent(), /route\.gpx\d+ %/);
      const box = a.getByRole("textbox", { name: "Message" });
      await box.fill("Saturday's route");
      await box.press("Enter"); // waits: the file is not up yet
      assert.equal(await a.getByRole("button", { name: "Send" }).isDisabled(), true);
      assert.equal(await box.inputValue(), "Saturday's route");
      await a.getByTestId("pending-file").and(a.locator('[data-status="done"]')).waitFor({ timeout: 15_000 });
    } finally {
      await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
      await cdp.detach();
    }
    await a.getByRole("textbox", { name: "Message" }).press("Enter");
    await message(b, "Saturday's route").getByTestId("file-chip").filter({ hasText: "route.gpx" }).waitFor();
  });

  it("takes files dropped on the conversation or pasted; refuses one over the limit on its chip and holds the message", async () => {
    const a = alice.page;
    const b = bob.page;
    const chat = a.locator("main.chat");
    const dropped = await a.evaluateHandle(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(["left at the trailhead"], "lost-and-found.txt", { type: "text/plain" }));
      return dt;
    });
    await chat.dispatchEvent("dragenter", { dataTransfer: dropped });
    await a.locator(".drop-zone").waitFor();
    await chat.dispatchEvent("drop", { dataTransfer: dropped });
    await a.locator(".drop-zone").waitFor({ state: "hidden" });

    const small = sunset(120, 80).toString("base64");
    await a.getByRole("textbox", { name: "Message" }).evaluate((el, b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], "image.png", { type: "image/png" }));
      el.dispatchEvent(new ClipboardEvent("paste", { clipboardData: dt, bubbles: true, cancelable: true }));
    }, small);

    // Over the server's limit: refused by the server (413 too_large), said on the chip.
    await pickFiles(a, a.getByRole("button", { name: "Attach files" }), { name: "raw-video.bin", mimeType: "application/octet-stream", buffer: Buffer.alloc(4 * maxUpload, 7) });
    const chips = a.getByTestId("pending-file");
    const big = chips.filter({ hasText: "raw-video.bin" });
    await big.locator(".file-error").filter({ hasText: "Too large: files are 98 KB at most." }).waitFor();
    assert.equal(await big.getAttribute("data-status"), "failed");
    await eventually(async () => assert.deepEqual(await chips.evaluateAll((els) => els.map((e) => e.dataset.status)), ["done", "done", "failed"]), 10_000, "two up, one refused");
    const send = a.getByRole("button", { name: "Send" });
    assert.equal(await send.isDisabled(), true); // not without the file that failed, not silently
    await big.getByRole("button", { name: "Remove raw-video.bin" }).click();
    await eventually(async () => assert.equal(await send.isDisabled(), false), 5_000, "send enabled");
    await send.click(); // files alone, no text

    const sent = b.locator('[data-testid="message"]').filter({ hasText: "lost-and-found.txt" });
    await sent.waitFor();
    await sent.getByRole("button", { name: "Open image image.png" }).locator("img").waitFor();
    assert.match(await roomItem(b, "Trail crew").textContent(), /📎 2 files/);

    // At most ten files per message: the eleventh is left out, and said so.
    await pickFiles(
      a,
      a.getByRole("button", { name: "Attach files" }),
      Array.from({ length: 11 }, (_, i) => ({ name: `note-${i + 1}.txt`, mimeType: "text/plain", buffer: Buffer.from(`note ${i + 1}`) })),
    );
    await a.getByRole("alert").filter({ hasText: "at most 10 files: 1 was left out" }).waitFor();
    assert.equal(await chips.count(), 10);
    await eventually(async () => assert.equal(await send.isDisabled(), false), 20_000, "ten uploads done");
    await send.click();
    const ten = a.locator('[data-testid="message"]').filter({ hasText: "note-10.txt" });
    await ten.waitFor();
    assert.equal(await ten.getByTestId("file-chip").count(), 10);
  });
});
