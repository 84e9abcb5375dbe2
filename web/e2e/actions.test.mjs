// Browser tests of a message's actions at phone width (issue 16, decision
// 0036): nothing sits beside a bubble until a long press opens the menu,
// which shows the date and offers react (quick bar), reply, copy, edit,
// pin and delete to those allowed; reaction chips name who reacted; file
// chips stay inside their bubble; the 1:1 header keeps "last seen" on one
// line. At desktop width the same menu opens from the hover "⋯" button,
// by keyboard and by right click.
// Run by `make test` (npm run test:browser); docs/decisions/0009-browser-tests.md.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { browserSkip, eventually, logIn, longPress, message, newPerson, openMessageMenu, phone, phoneViewport, roomItem, send, startWorld } from "./harness.mjs";

describe("Message actions in the browser", { skip: browserSkip() }, () => {
  let server, browser, close, alice, bob, aliceToken, bobToken, carolToken, crew;

  const menuOf = (page) => page.getByRole("menu", { name: "Message actions" });
  const box = (page) => page.getByRole("textbox", { name: "Message" });

  /** Long-presses a message's bubble on Alice's phone; returns the menu. */
  async function pressMessage(page, text) {
    await longPress(page, message(page, text).locator(".bubble"), menuOf(page));
    return menuOf(page);
  }

  before(async () => {
    ({ server, browser, close } = await startWorld());
    aliceToken = (await server.signup("alice", "Alice Kim")).token;
    bobToken = (await server.signup("bob", "Bob Lee")).token;
    carolToken = (await server.signup("carol", "Carol Featherstonehaugh")).token;
    crew = (
      await server.api("POST", "/rooms", aliceToken, {
        name: "Crew",
        members: ["bob"],
      })
    ).id;
    await server.api("POST", `/rooms/${crew}/messages`, bobToken, {
      client_id: "seed-1",
      text: "Are the tickets booked?",
    });
    alice = await newPerson(browser, "alice", phoneViewport, phone);
    await alice.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.base });
    bob = await newPerson(browser, "bob", { width: 1440, height: 900 });
    await logIn(alice.page, server.base, "alice");
    await logIn(bob.page, server.base, "bob");
    for (const p of [alice.page, bob.page]) {
      await roomItem(p, "Crew").click();
      await message(p, "Are the tickets booked?").waitFor();
    }
  });

  after(() => close?.());

  it("shows nothing beside a bubble on a phone; a long press opens the menu with the full date", async () => {
    const a = alice.page;
    const m = message(a, "Are the tickets booked?");
    assert.equal(await m.locator(".msg-row button:visible").count(), 0, "no action buttons beside the bubble");
    assert.equal(await a.getByRole("button", { name: /^(Reply|React|Edit|Delete|Pin)$/ }).count(), 0);
    const menu = await pressMessage(a, "Are the tickets booked?");
    const time = await a.getByTestId("message-menu").locator("time").textContent();
    const title = await m.locator(".bubble").getAttribute("title");
    assert.equal(time, title, "the menu's header is the whole date and time");
    assert.match(time ?? "", /\d{4}/);
    // Bob's message, Alice the owner: reply, copy, pin and delete, but no edit.
    const items = await menu.getByRole("menuitem").allTextContents();
    assert.deepEqual(items, ["+", "Reply", "Copy", "Pin", "Delete"]);
    await a.keyboard.press("Escape");
    await menuOf(a).waitFor({ state: "detached" });
  });

  it("reacts from the quick bar; the chip names who reacted, on hover and on a long press", async () => {
    const a = alice.page;
    const b = bob.page;
    const menu = await pressMessage(a, "Are the tickets booked?");
    await menu.getByRole("menuitemcheckbox", { name: "React with 👍" }).click();
    await message(a, "Are the tickets booked?").getByRole("button", { name: "👍 by you" }).waitFor();
    // Bob adds his from the desktop menu: each side names the other.
    const bm = message(b, "Are the tickets booked?");
    await bm.getByRole("button", { name: "👍 by Alice Kim" }).waitFor();
    const bmenu = await openMessageMenu(b, bm);
    assert.equal(await bmenu.getByRole("menuitemcheckbox", { name: "React with 👍" }).getAttribute("aria-checked"), "false");
    await bmenu.getByRole("menuitemcheckbox", { name: "React with 👍" }).click();
    const chip = bm.getByRole("button", { name: "👍 by you and Alice Kim" });
    await chip.waitFor();
    assert.equal(await chip.getAttribute("title"), "👍 by you and Alice Kim");
    const theirs = message(a, "Are the tickets booked?").getByRole("button", {
      name: "👍 by you and Bob Lee",
    });
    await theirs.waitFor();
    // A long press on the chip shows the names, and does not take Alice's reaction back.
    const who = message(a, "Are the tickets booked?").locator(".reaction-who");
    await longPress(a, theirs, who);
    assert.equal(await who.textContent(), "👍 by you and Bob Lee");
    assert.equal(await theirs.getAttribute("aria-pressed"), "true");

    // After a reload history carries only counts: the chip says "1 other"
    // until it is hovered, which asks the server who reacted.
    await b.mouse.move(0, 0);
    await b.reload();
    await roomItem(b, "Crew").click();
    const counted = message(b, "Are the tickets booked?").getByRole("button", { name: "👍 by you and 1 other" });
    await counted.waitFor();
    await counted.hover();
    await message(b, "Are the tickets booked?").getByRole("button", { name: "👍 by you and Alice Kim" }).waitFor();

    // "+" opens every emoji, searchable.
    const more = await pressMessage(a, "Are the tickets booked?");
    await more.getByRole("menuitem", { name: "More reactions" }).click();
    const picker = a.getByRole("dialog", { name: "React to message" });
    await picker.getByLabel("Search emoji").fill("rocket");
    await picker.getByRole("button", { name: "rocket", exact: true }).click();
    await picker.waitFor({ state: "detached" });
    await message(a, "Are the tickets booked?").getByRole("button", { name: "🚀 by you" }).waitFor();
  });

  it("replies, edits and deletes her own message, and copies a message's text", async () => {
    const a = alice.page;
    const menu = await pressMessage(a, "Are the tickets booked?");
    await menu.getByRole("menuitem", { name: "Reply" }).click();
    await send(a, "Yes, both of them");
    const mine = message(a, "Yes, both of them");
    await mine.locator(".quote", { hasText: "Are the tickets booked?" }).waitFor();

    // Her own message: edit is offered, and the edit lands for Bob.
    const own = await pressMessage(a, "Yes, both of them");
    assert.deepEqual(await own.getByRole("menuitem").allTextContents(), ["+", "Reply", "Copy", "Edit", "Pin", "Delete"]);
    await own.getByRole("menuitem", { name: "Edit" }).click();
    await box(a).fill("Yes, both of them, seats 12A and 12B");
    await box(a).press("Enter");
    await message(bob.page, "seats 12A and 12B").locator(".edited").waitFor();

    // Copy puts the text on the clipboard and says so for a moment.
    const copy = await pressMessage(a, "seats 12A and 12B");
    await copy.getByRole("menuitem", { name: "Copy" }).click();
    const copied = message(a, "seats 12A and 12B").getByRole("status").filter({ hasText: "Copied" });
    await copied.waitFor();
    assert.equal(await a.evaluate(() => navigator.clipboard.readText()), "Yes, both of them, seats 12A and 12B");
    await copied.waitFor({ state: "detached" });

    await send(a, "wrong chat, sorry");
    const del = await pressMessage(a, "wrong chat, sorry");
    await del.getByRole("menuitem", { name: "Delete" }).click();
    await bob.page.getByText("This message was deleted").waitFor();
    assert.equal(await message(a, "wrong chat, sorry").count(), 0);
  });

  it("offers pin to the owner only, and no edit or delete of others' messages", async () => {
    const a = alice.page;
    const menu = await pressMessage(a, "Are the tickets booked?");
    await menu.getByRole("menuitem", { name: "Pin" }).click();
    await a.getByTestId("pin-bar").filter({ hasText: "Are the tickets booked?" }).waitFor();
    // Bob is a plain member of Crew: his menu on Alice's message has neither pin, edit nor delete.
    const b = bob.page;
    const bmenu = await openMessageMenu(b, message(b, "seats 12A and 12B"));
    assert.deepEqual(await bmenu.getByRole("menuitem").allTextContents(), ["+", "Reply", "Copy"]);
    await b.keyboard.press("Escape");
  });

  it("opens the desktop menu from the keyboard and by right click; arrows move, Escape returns focus", async () => {
    const b = bob.page;
    const m = message(b, "Are the tickets booked?");
    const more = m.getByRole("button", { name: "Message actions" });
    await more.focus();
    await b.keyboard.press("Enter");
    const menu = menuOf(b);
    await menu.waitFor();
    const focused = () => b.evaluate(() => document.activeElement?.getAttribute("aria-label") ?? document.activeElement?.textContent);
    await eventually(async () => assert.equal(await focused(), "React with 👍"), 5_000, "focus on the first item");
    await b.keyboard.press("ArrowRight");
    assert.equal(await focused(), "React with ❤️");
    await b.keyboard.press("End");
    assert.equal(await focused(), "Delete", "his own message: delete is last");
    await b.keyboard.press("ArrowDown");
    assert.equal(await focused(), "React with 👍", "wraps round");
    await b.keyboard.press("Escape");
    await menu.waitFor({ state: "detached" });
    assert.equal(await more.evaluate((el) => el === document.activeElement), true, "focus back on ⋯");
    assert.equal(await more.getAttribute("aria-expanded"), "false");

    await m.locator(".bubble").click({ button: "right" });
    await menu.waitFor();
    await menu.getByRole("menuitem", { name: "Reply" }).click();
    await b.getByText("Replying to", { exact: false }).first().waitFor();
  });

  it("keeps a long file name's chip inside its bubble, with its size shown", async () => {
    const name = "quarterly-budget-review-final-final-v7-with-comments-from-everyone-2026.pdf";
    const file = await server.upload(bobToken, name, Buffer.from("%PDF-1.4 not really"));
    await server.api("POST", `/rooms/${crew}/messages`, bobToken, {
      client_id: "seed-file",
      text: "",
      attachments: [file.id],
    });
    const a = alice.page;
    const chip = a.getByTestId("file-chip").filter({ has: a.getByRole("button", { name: `Download ${name}` }) });
    await chip.waitFor();
    await chip.scrollIntoViewIfNeeded();
    const bubble = a.locator(".bubble", { has: chip });
    const [c, bb] = [await chip.boundingBox(), await bubble.boundingBox()];
    assert.ok(c.x >= bb.x - 0.5 && c.x + c.width <= bb.x + bb.width + 0.5, `chip ${JSON.stringify(c)} inside bubble ${JSON.stringify(bb)}`);
    const list = await a.getByRole("log", { name: "Messages" }).boundingBox();
    assert.ok(bb.x + bb.width <= list.x + list.width, "the bubble fits the pane");
    const size = chip.locator(".hint");
    assert.ok(await size.isVisible());
    const s = await size.boundingBox();
    assert.ok(s.x + s.width <= c.x + c.width, "the size is inside the chip");
    // The name keeps its ending (the extension) in sight.
    assert.match((await chip.locator(".file-name-end").textContent()) ?? "", /\.pdf$/);
  });

  it("uses the width for bubbles on a phone", async () => {
    const a = alice.page;
    const long = "This is a long message that should use most of the width of a phone screen rather than a narrow column down the middle.";
    await server.api("POST", `/rooms/${crew}/messages`, bobToken, {
      client_id: "seed-long",
      text: long,
    });
    const bubble = message(a, "narrow column").locator(".bubble");
    await bubble.waitFor();
    const list = await a.getByRole("log", { name: "Messages" }).boundingBox();
    const b = await bubble.boundingBox();
    assert.ok(b.width >= list.width * 0.65, `bubble ${b.width}px of a ${list.width}px pane`);
  });

  it("keeps the 1:1 header's last seen on one line and the presence dot round", async () => {
    await server.api("PATCH", "/me", carolToken, {
      status_message: "Out on the trail until Sunday evening, no signal",
    });
    const carol = await newPerson(browser, "carol", phoneViewport, phone);
    await logIn(carol.page, server.base, "carol");
    await server.api("POST", "/rooms/direct", carolToken, {
      username: "alice",
    });
    const a = alice.page;
    await a.getByRole("button", { name: "Back to conversations" }).click();
    await roomItem(a, "Carol Featherstonehaugh").click();
    await a.getByRole("heading", { name: "Carol Featherstonehaugh" }).waitFor();
    await eventually(async () => assert.equal(await a.getByTestId("peer-presence").textContent(), "Online"), 10_000, "carol online");
    await carol.context.close();
    const presence = a.getByTestId("peer-presence");
    await eventually(async () => assert.match((await presence.textContent()) ?? "", /^last seen/), 10_000, "carol offline");
    const lineHeight = await presence.evaluate((el) => parseFloat(getComputedStyle(el).lineHeight) || parseFloat(getComputedStyle(el).fontSize) * 1.4);
    const p = await presence.boundingBox();
    assert.ok(p.height < lineHeight * 1.5, `"last seen" is one line: ${p.height}px for a ${lineHeight}px line`);
    const subtitle = await a.getByTestId("chat-subtitle").boundingBox();
    assert.ok(subtitle.height < lineHeight * 1.5, `the subtitle is one line: ${subtitle.height}px`);
    const dot = await a.locator(".chat-title .presence").boundingBox();
    assert.ok(Math.abs(dot.width - 11) < 0.5 && Math.abs(dot.height - 11) < 0.5, `the dot keeps its size: ${dot.width}×${dot.height}`);
  });
});
