// Browser tests of reading a conversation: scrolling back keeps the message
// under the pointer where it is while older pages load; one time per run of
// messages in a minute, and a short chat sits at the bottom of the pane; a
// room opens at its first unread message under a "New messages" divider,
// messages are read only once on screen in a focused window, and "↓ N new"
// takes a reader who scrolled up back down.
// Run by `make test` (npm run test:browser); docs/decisions/0009-browser-tests.md.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { browserSkip, eventually, logIn, message, newPerson, roomItem, startWorld } from "./harness.mjs";

describe("Reading a conversation in the browser", { skip: browserSkip() }, () => {
  let server, browser, close, alice, bob;

  async function post(who, room, text, id) {
    return server.api("POST", `/rooms/${room}/messages`, who.token, { client_id: id, text });
  }

  before(async () => {
    // Each wheel step moves at once: the test compares positions between steps, not mid-animation.
    ({ server, browser, close } = await startWorld({ browserArgs: ["--disable-smooth-scrolling"] }));
    alice = await server.signup("alice", "Alice Kim");
    bob = await server.signup("bob", "Bob Lee");
  });

  after(() => close?.());

  it("keeps the message under the pointer in place while each older page loads", async () => {
    const room = (await server.api("POST", "/rooms", bob.token, { name: "Long history", members: ["alice"] })).id;
    // Lines of different lengths and senders, so the pages' heights differ.
    const total = 320;
    for (let i = 1; i <= total; i++) {
      const who = i % 7 < 4 ? bob : alice;
      const text = `line ${i}` + (i % 5 === 0 ? " — a longer message that wraps over more than one line of the bubble in the pane, ".repeat(3) : "");
      await post(who, room, text, `long-${i}`);
    }
    const { page } = await newPerson(browser, "alice");
    await logIn(page, server.base, "alice");
    // Older pages are held until the test has noted what is under the pointer.
    const held = [];
    await page.route(/\/api\/v1\/rooms\/[^/]+\/messages\?.*before=/, (route) => void held.push(route));
    await roomItem(page, "Long history").click();
    await page.locator(`[data-seq]`).last().waitFor();
    const list = page.locator(".messages");
    const box = await list.boundingBox();
    const x = box.x + box.width / 2;
    const y = box.y + box.height / 2;
    await page.mouse.move(x, y);
    const under = () =>
      page.evaluate(([x, y]) => {
        // The message at the pointer's height, or the next one below (the pointer may be in a gap between two).
        const el = [...document.querySelectorAll(".message-list [data-seq]")].find((e) => e.getBoundingClientRect().bottom > y);
        if (!el || !document.elementFromPoint(x, y)?.closest(".messages")) return null;
        return { seq: Number(el.dataset.seq), top: el.getBoundingClientRect().top, first: Number(document.querySelector(".message-list [data-seq]").dataset.seq) };
      }, [x, y]);
    let loads = 0;
    for (let step = 0; step < 400; step++) {
      if (await page.getByText("This is the beginning of the conversation.").isVisible()) break;
      await page.mouse.wheel(0, -240);
      // Wait for the wheel's scroll to land before looking.
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      if (held.length === 0) continue;
      const before = await under();
      assert.ok(before, "a message is under the pointer");
      held.shift().continue();
      loads++;
      await eventually(async () => {
        const now = await under();
        assert.ok(now && now.first < before.first, "the older page is shown");
      }, 10_000, `page ${loads}`);
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      const now = await under();
      assert.equal(now.seq, before.seq, `page ${loads}: the message under the pointer changed (first shown ${before.first} → ${now.first})`);
      assert.ok(Math.abs(now.top - before.top) <= 3, `page ${loads}: message ${before.seq} moved from y=${before.top} to y=${now.top}`);
    }
    assert.ok(loads >= 5, `only ${loads} pages loaded`);
    assert.equal(await page.locator(".message-list [data-seq]").first().getAttribute("data-seq"), "1");
    await page.context().close();
  });

  it("shows one time per run in a minute, without a leading zero, and a short chat at the bottom", async () => {
    const room = (await server.api("POST", "/rooms", bob.token, { name: "Short chat", members: ["alice"] })).id;
    const sent = [];
    for (const [who, text] of [[bob, "morning"], [bob, "coffee?"], [bob, "the usual place"], [alice, "on my way"], [bob, "great"]]) {
      sent.push(await post(who, room, text, `short-${sent.length}`));
    }
    // A zone where it is nine in the morning now, so a leading zero would show ("09:05").
    const offset = (((9 - new Date().getUTCHours()) % 24) + 24) % 24;
    const hours = offset > 14 ? offset - 24 : offset;
    const timezoneId = hours === 0 ? "Etc/GMT" : `Etc/GMT${hours > 0 ? "-" : "+"}${Math.abs(hours)}`;
    const context = await browser.newContext({ viewport: { width: 1200, height: 800 }, locale: "en-US", timezoneId });
    const page = await context.newPage();
    await logIn(page, server.base, "alice");
    await roomItem(page, "Short chat").click();
    await page.locator(`[data-seq="${sent.at(-1).seq}"]`).waitFor();

    const minute = (m) => Math.floor(Date.parse(m.created_at) / 60_000);
    const want = sent.filter((m, i) => i === sent.length - 1 || sent[i + 1].sender_id !== m.sender_id || minute(sent[i + 1]) !== minute(m)).map((m) => m.seq);
    const timed = await page.$$eval('[data-testid="message"]', (els) => els.filter((e) => e.querySelector(".msg-meta time")).map((e) => Number(e.dataset.seq)));
    assert.deepEqual(timed, want, "times shown at the end of each run");
    for (const t of await page.locator(".msg-meta time").allTextContents()) assert.match(t, /^[1-9]\d?:\d\d [AP]M$/);
    const title = await page.locator(".msg-meta time").first().getAttribute("title");
    assert.match(title, /\b\d{4}\b.*\d:\d\d [AP]M/, "the whole date and time on hover");
    // A message whose time is not shown still has it on hover.
    assert.match(await page.locator(`[data-seq="${sent[0].seq}"] .bubble`).getAttribute("title"), /\b\d{4}\b.*\d:\d\d [AP]M/);

    // The few messages sit at the bottom of the pane, next to the message box.
    const pane = await page.locator(".messages").boundingBox();
    const last = await page.locator(`[data-seq="${sent.at(-1).seq}"]`).boundingBox();
    const first = await page.locator(".message-list [data-seq]").first().boundingBox();
    assert.ok(pane.y + pane.height - (last.y + last.height) < 40, `the last message ends ${pane.y + pane.height - (last.y + last.height)} px above the pane's bottom`);
    assert.ok(first.y - pane.y > pane.height / 2, "the chat does not start at the top of the pane");
    await context.close();
  });

  /** Alice's read position in a room, as the server has it. */
  async function readPosition(room) {
    const { rooms } = await server.api("GET", "/rooms", alice.token);
    return rooms.find((r) => r.id === room).last_read_seq;
  }

  /** Whether a message is inside the pane's visible area (isVisible does not look at scrolling). */
  const onScreen = (page, seq) =>
    page.evaluate((seq) => {
      const el = document.querySelector(`.message-list [data-seq="${seq}"]`);
      if (!el) return false;
      const r = el.getBoundingClientRect();
      const p = document.querySelector(".messages").getBoundingClientRect();
      return r.bottom > p.top && r.top < p.bottom;
    }, seq);

  const frames = (page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

  it("opens at the first unread message under a divider, and reads only what was on screen in a focused window", async () => {
    const room = (await server.api("POST", "/rooms", bob.token, { name: "Catching up", members: ["alice"] })).id;
    const start = await readPosition(room);
    const sent = [];
    for (let i = 1; i <= 80; i++) sent.push(await post(bob, room, `update ${i}`, `catch-${i}`));
    const { page } = await newPerson(browser, "alice");
    await logIn(page, server.base, "alice");
    await roomItem(page, "Catching up").click();
    const divider = page.getByTestId("new-divider");
    await divider.waitFor();
    // The divider sits right above the first unread message, at the top of the pane.
    const next = await divider.evaluate((d) => Number(d.nextElementSibling.dataset.seq));
    assert.equal(next, sent[0].seq);
    const pane = await page.locator(".messages").boundingBox();
    const at = await divider.boundingBox();
    assert.ok(at.y - pane.y < 40, `the divider is ${at.y - pane.y} px below the pane's top`);
    assert.ok(!(await onScreen(page, sent.at(-1).seq)), "the newest message is not on screen");

    // Only what was on screen is read.
    const shownMax = await page.$$eval(".message-list [data-seq]", (els, bottom) => Math.max(...els.filter((e) => e.getBoundingClientRect().top < bottom).map((e) => Number(e.dataset.seq))), pane.y + pane.height);
    await eventually(async () => assert.ok((await readPosition(room)) > start, "read moved"), 10_000, "read position");
    const read = await readPosition(room);
    assert.ok(read <= shownMax && read < sent.at(-1).seq, `read position ${read}, on screen up to ${shownMax}`);

    // "Jump to latest" (the newest page is not loaded yet) takes the reader to the newest message; that reads it all.
    await page.getByTestId("jump-latest").click();
    await page.locator(`[data-seq="${sent.at(-1).seq}"]`).waitFor();
    await eventually(async () => assert.equal(await readPosition(room), sent.at(-1).seq), 10_000, "all read at the bottom");

    // A window without focus reads nothing, though the message is on screen; focus reads it.
    await page.evaluate(() => {
      document.hasFocus = () => false;
      window.dispatchEvent(new Event("blur"));
    });
    const late = await post(bob, room, "are you there?", "catch-late");
    await page.locator(`[data-seq="${late.seq}"]`).waitFor();
    await frames(page);
    // The read waits 150 ms to coalesce; a second is far past it.
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(await readPosition(room), sent.at(-1).seq, "read while the window had no focus");
    await page.evaluate(() => {
      delete document.hasFocus;
      window.dispatchEvent(new Event("focus"));
    });
    await eventually(async () => assert.equal(await readPosition(room), late.seq), 10_000, "read once focused");

    // Reopened with nothing unread: at the bottom, no divider.
    await roomItem(page, "Long history").click();
    await page.locator(".message-list [data-seq]").last().waitFor();
    await roomItem(page, "Catching up").click();
    await page.locator(`[data-seq="${late.seq}"]`).waitFor();
    assert.equal(await page.getByTestId("new-divider").count(), 0);
    await eventually(async () => assert.ok(await onScreen(page, late.seq)), 5_000, "at the bottom");
    await page.context().close();
  });

  it("shows ↓ N new when messages arrive while scrolled up, and goes to the bottom on a click", async () => {
    const room = (await server.api("POST", "/rooms", bob.token, { name: "Busy", members: ["alice"] })).id;
    for (let i = 1; i <= 40; i++) await post(alice, room, `earlier ${i}`, `busy-${i}`);
    const { page } = await newPerson(browser, "alice");
    await logIn(page, server.base, "alice");
    await roomItem(page, "Busy").click();
    await message(page, "earlier 40").waitFor();
    const jump = page.getByTestId("jump-latest");
    assert.equal(await jump.count(), 0);
    const box = await page.locator(".messages").boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -600);
    const last = await message(page, "earlier 40").getAttribute("data-seq");
    await eventually(async () => assert.ok(!(await onScreen(page, last))), 5_000, "scrolled up");
    const a = await post(bob, room, "new one", "busy-new-1");
    const b = await post(bob, room, "and another", "busy-new-2");
    await eventually(async () => assert.equal(await jump.textContent(), "↓ 2 new"), 10_000, "the button");
    await jump.click();
    await eventually(async () => assert.ok(await onScreen(page, b.seq)), 5_000, "at the bottom");
    await jump.waitFor({ state: "detached" });
    await eventually(async () => assert.equal(await readPosition(room), b.seq), 10_000, "read at the bottom");
    assert.ok(a.seq < b.seq);
    await page.context().close();
  });
});
