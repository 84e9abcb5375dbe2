// Browser tests: two people in two browser contexts use the real client
// against a real server — 1:1 and group chats, read counts, unread badges,
// presence, history, reload, and a server restart mid-conversation.
// Run by `make test` (npm run test:browser); docs/decisions/0009-browser-tests.md.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { join } from "node:path";
import { assertContiguous, browserSkip, eventually, message, newPerson, openMessageMenu, roomItem, screenshotDir, send, seqsShown, shot, startWorld, webSocketURLs } from "./harness.mjs";

describe("Parley in the browser", { skip: browserSkip() }, () => {
  let tmp, server, browser, close, alice, bob, carol, shotDir;
  const desktop = { width: 1200, height: 800 };

  const person = (name) => newPerson(browser, name, desktop);

  async function unreadBy(page, text) {
    // allTextContents does not wait: the number disappears when it reaches
    // 0, and a count() followed by textContent() would race that.
    const [n] = await message(page, text).locator('[data-testid="unread-by"]').allTextContents();
    return n ? Number(n) : 0;
  }

  async function badge(page, title) {
    const [b] = await roomItem(page, title).locator('[data-testid="unread-badge"]').allTextContents();
    return b ? Number(b) : 0;
  }

  before(async () => {
    ({ tmp, server, browser, close } = await startWorld());
    shotDir = screenshotDir(join(tmp.dir, "screenshots"));
    alice = await person("alice");
    bob = await person("bob");
    carol = await server.signup("carol", "Carol Park");
  });

  after(() => close?.());

  it("signs up two people in two browsers", async () => {
    for (const [p, username, name] of [
      [alice, "alice", "Alice Kim"],
      [bob, "bob", "Bob Lee"],
    ]) {
      await p.page.goto(server.base);
      await p.page.getByRole("heading", { name: "Log in to Parley" }).waitFor();
      if (p === alice) await shot(p.page, shotDir, "login");
      await p.page.getByRole("button", { name: "Create an account" }).click();
      await p.page.getByLabel("Username").fill(username);
      await p.page.getByLabel("Display name").fill(name);
      await p.page.getByLabel("Password").fill(`password-${username}`);
      await p.page.getByRole("button", { name: "Sign up" }).click();
      await p.page.getByRole("navigation", { name: "Conversations" }).getByText(name).waitFor();
    }
    // The browser opened its WebSocket with a single-use ticket, never its token (decision 0019).
    await eventually(async () => assert.ok(webSocketURLs.length >= 2, "no WebSocket yet"), 10_000, "websockets");
    for (const u of webSocketURLs) assert.match(u, /\/api\/v1\/ws\?ticket=[A-Za-z0-9_-]{43}$/);
  });

  it("opens a 1:1 chat; unread badge and unread-by count change as the other reads; presence shows", async () => {
    const { page } = alice;
    await page.getByRole("button", { name: "New chat" }).click();
    await page.getByLabel("Username of the person").fill("bob");
    await page.getByRole("button", { name: "Open chat" }).click();
    await page.getByRole("heading", { name: "Bob Lee" }).waitFor();
    await send(page, "Hi Bob! Lunch at https://example.org/menu?");
    const hi = message(page, "Hi Bob!");
    await hi.waitFor();
    await eventually(async () => assert.equal(await unreadBy(page, "Hi Bob!"), 1), 10_000, "unread by bob");
    const link = hi.getByRole("link");
    assert.equal(await link.getAttribute("rel"), "noopener noreferrer");
    assert.equal(await link.getAttribute("target"), "_blank");

    await eventually(async () => assert.equal(await badge(bob.page, "Alice Kim"), 1), 10_000, "bob's unread badge");
    await roomItem(bob.page, "Alice Kim").click();
    await message(bob.page, "Hi Bob!").waitFor();
    await eventually(async () => assert.equal(await unreadBy(page, "Hi Bob!"), 0), 10_000, "read by bob");
    assert.equal(await badge(bob.page, "Alice Kim"), 0);
    // Presence: each sees the other online in the header.
    await eventually(async () => assert.match(await bob.page.getByTestId("chat-subtitle").textContent(), /Online/), 10_000, "alice online");
    await send(bob.page, "Sure, 12:30?");
    await message(page, "Sure, 12:30?").waitFor();
  });

  let groupId;
  it("creates a group: invite, reply, edit, delete, announcement, system messages, settings", async () => {
    const { page } = alice;
    await page.getByRole("button", { name: "New chat" }).click();
    await page.getByRole("tab", { name: "Group" }).click();
    await page.getByLabel("Group name").fill("Weekend trip");
    // Bob is not alice's friend here: added by exact username, he is put in (who_may_add "anyone").
    await page.getByText("Not a friend? Add by exact username").click();
    await page.getByLabel("Exact username").fill("bob");
    await page.getByRole("button", { name: "Add", exact: true }).click();
    await page.getByRole("list", { name: "Chosen people" }).locator('.chip[data-user="bob"]').waitFor();
    await page.getByRole("button", { name: "Create group" }).click();
    await page.getByRole("heading", { name: "Weekend trip" }).waitFor();
    groupId = decodeURIComponent(new URL(page.url()).pathname.split("/").pop());
    await page.getByTestId("system-message").filter({ hasText: "Alice Kim created “Weekend trip” with Bob Lee" }).waitFor();

    // Invite carol from the settings.
    await page.getByRole("button", { name: "Room settings" }).click();
    await page.getByText("Not a friend? Add by exact username").click();
    await page.getByLabel("Exact username").fill("carol");
    await page.getByLabel("Exact username").press("Enter");
    await page.getByRole("button", { name: "Invite", exact: true }).click();
    await page.locator('.member[data-user="carol"]').waitFor();
    await page.getByLabel("Announcement").fill("Meet at 8:00 at the station. Bring boots!");
    await page.getByRole("button", { name: "Set announcement" }).click();
    await page.getByRole("note", { name: "Announcement" }).waitFor();
    await page.locator('.member[data-user="bob"]').getByRole("button", { name: "Make admin" }).click();
    await page.locator('.member[data-user="bob"] .role-admin').waitFor();
    await shot(page, shotDir, "room-settings");
    await page.getByRole("button", { name: "Close" }).click();
    await page.getByTestId("system-message").filter({ hasText: "Alice Kim invited Carol Park" }).waitFor();

    await send(page, "Who is in for hiking on Saturday?");
    await eventually(async () => assert.equal(await unreadBy(page, "hiking on Saturday"), 2), 10_000, "unread by bob and carol");

    const b = bob.page;
    await roomItem(b, "Weekend trip").click();
    await b.getByRole("note", { name: "Announcement" }).getByText("Meet at 8:00").waitFor();
    await eventually(async () => assert.equal(await unreadBy(page, "hiking on Saturday"), 1), 10_000, "read by bob");

    // Bob replies to it.
    const q = message(b, "hiking on Saturday");
    await (await openMessageMenu(b, q)).getByRole("menuitem", { name: "Reply" }).click();
    await send(b, "Count me in!");
    const reply = message(page, "Count me in!");
    await reply.locator(".quote", { hasText: "hiking on Saturday" }).waitFor();

    // Carol reads over REST: the count reaches 0.
    const last = await server.api("GET", `/rooms/${groupId}/messages?limit=1`, carol.token);
    await server.api("POST", `/rooms/${groupId}/read`, carol.token, { seq: last.messages[0].seq });
    await eventually(async () => assert.equal(await unreadBy(page, "hiking on Saturday"), 0), 10_000, "read by everyone");

    // Alice edits her question; Bob sees the new text.
    const mine = message(page, "hiking on Saturday");
    await (await openMessageMenu(page, mine)).getByRole("menuitem", { name: "Edit" }).click();
    const box = page.getByRole("textbox", { name: "Message" });
    await box.fill("Who is in for hiking on Saturday or Sunday?");
    await box.press("Enter");
    await message(b, "Saturday or Sunday?").locator(".edited").waitFor();

    // And deletes a slip.
    await send(page, "oops, wrong chat");
    await message(b, "oops, wrong chat").waitFor();
    const slip = message(page, "oops, wrong chat");
    await (await openMessageMenu(page, slip)).getByRole("menuitem", { name: "Delete" }).click();
    await b.getByText("This message was deleted").waitFor();
    assert.equal(await message(b, "oops, wrong chat").count(), 0);

    await send(page, "Saturday it is. I'll book the train 🚆");
    await message(b, "book the train").waitFor();
    await shot(page, shotDir, "chat");

    // Message text is text: markup is shown, never run.
    await send(b, '<img src=x onerror="document.body.dataset.pwned=1"> <b>bold?</b>');
    await message(page, "<b>bold?</b>").waitFor();
    assert.equal(await page.evaluate(() => document.body.dataset.pwned ?? null), null);
    assert.equal(await message(page, "<b>bold?</b>").locator("b, img").count(), 0);
  });

  it("shows rooms newest first with the last message, reordering live", async () => {
    // More rooms for Alice, from Carol.
    const book = await server.api("POST", "/rooms", carol.token, { name: "Book club", members: ["alice"] });
    await server.api("POST", `/rooms/${book.id}/messages`, carol.token, { client_id: "seed-book-1", text: "Next up: The Left Hand of Darkness" });
    const dm = await server.api("POST", "/rooms/direct", carol.token, { username: "alice" });
    await server.api("POST", `/rooms/${dm.id}/messages`, carol.token, { client_id: "seed-dm-1", text: "Are you coming to the stand-up?" });
    const { page } = alice;
    await eventually(async () => {
      const titles = await page.$$eval(".room-item .room-name", (els) => els.map((e) => e.textContent));
      assert.deepEqual(titles.slice(0, 3), ["Carol Park", "Book club", "Weekend trip"]);
    }, 10_000, "room order");
    assert.equal(await badge(page, "Carol Park"), 1);
    assert.match(await roomItem(page, "Book club").locator(".room-preview").textContent(), /Left Hand of Darkness/);
    // A new message in the group moves it to the top.
    await server.api("POST", `/rooms/${groupId}/messages`, carol.token, { client_id: "seed-group-1", text: "I'll bring snacks" });
    await eventually(async () => {
      const titles = await page.$$eval(".room-item .room-name", (els) => els.map((e) => e.textContent));
      assert.equal(titles[0], "Weekend trip");
    }, 10_000, "group moved to the top");
    await page.getByRole("button", { name: "Back to conversations" }).isHidden();
    await shot(page, shotDir, "rooms");
  });

  it("scrolls history back to the first message", async () => {
    const b = bob.page;
    for (let i = 1; i <= 120; i++) {
      await server.api("POST", `/rooms/${groupId}/messages`, carol.token, { client_id: `seed-history-${i}`, text: `history ${i}` });
    }
    await message(b, "history 120").waitFor();
    // Read is what was on screen (decision 0034): before scrolling away, wait
    // until bob (and alice, whose room is open too) has seen the newest
    // message, or the reload below would rightly open at his first unread.
    const [newest] = (await server.api("GET", `/rooms/${groupId}/messages?limit=1`, carol.token)).messages;
    await eventually(async () => {
      const { counts } = await server.api("GET", `/rooms/${groupId}/receipts`, carol.token);
      assert.deepEqual(counts, [{ seq: newest.seq, count: 3 }]);
    }, 20_000, "everyone read history 120");
    const list = b.locator(".messages");
    await eventually(async () => {
      await list.evaluate((el) => (el.scrollTop = 0));
      await b.getByText("This is the beginning of the conversation.").waitFor({ timeout: 500 });
    }, 20_000, "reached the beginning");
    await message(b, "history 1").first().waitFor();
    const seqs = await seqsShown(b);
    assert.equal(seqs[0], 1);
    assertContiguous(seqs, "bob's history");
  });

  it("keeps the session and the open room across a reload", async () => {
    const b = bob.page;
    const url = b.url();
    await b.reload();
    await b.getByRole("heading", { name: "Weekend trip" }).waitFor();
    assert.equal(b.url(), url);
    await message(b, "history 120").waitFor();
  });

  it("loses nothing and shows nothing twice across a server restart", async () => {
    const a = alice.page;
    const b = bob.page;
    await roomItem(a, "Weekend trip").click();
    await send(a, "before the restart");
    await message(b, "before the restart").waitFor();

    await server.stop();
    await a.locator(".conn-banner.offline").waitFor();
    await b.locator(".conn-banner.offline").waitFor();
    // Typed while the server is down: queued, with their client_id.
    await send(a, "typed offline 1");
    await send(a, "typed offline 2");
    await a.locator('[data-testid="pending"]', { hasText: "typed offline 2" }).getByText("Waiting for connection").waitFor();

    await server.start();
    // Sent while the browsers are still reconnecting.
    await server.api("POST", `/rooms/${groupId}/messages`, carol.token, { client_id: "during-restart", text: "while you were away" });
    for (const p of [a, b]) {
      for (const text of ["typed offline 1", "typed offline 2", "while you were away"]) {
        await message(p, text).waitFor({ timeout: 20_000 });
      }
    }
    await eventually(async () => assert.equal(await a.locator('[data-testid="pending"]').count(), 0), 10_000, "queue drained");
    await send(b, "after the restart");
    await message(a, "after the restart").waitFor();

    const history = await server.api("GET", `/rooms/${groupId}/messages?limit=10`, carol.token);
    const texts = history.messages.map((m) => m.text);
    for (const t of ["typed offline 1", "typed offline 2", "while you were away", "after the restart"]) {
      assert.equal(texts.filter((x) => x === t).length, 1, `server stored "${t}" once`);
    }
    for (const [p, who] of [
      [a, "alice"],
      [b, "bob"],
    ]) {
      assertContiguous(await seqsShown(p), who);
      for (const t of ["before the restart", "typed offline 1", "typed offline 2", "while you were away", "after the restart"]) {
        assert.equal(await message(p, t).count(), 1, `${who} shows "${t}" once`);
      }
      assert.equal((await seqsShown(p)).at(-1), history.messages[0].seq, `${who} is at the newest message`);
    }
  });

  it("fits a phone screen", async () => {
    const b = bob.page;
    await b.setViewportSize({ width: 390, height: 844 });
    await b.getByRole("heading", { name: "Weekend trip" }).waitFor();
    assert.equal(await b.getByRole("navigation", { name: "Conversations" }).isVisible(), false);
    await shot(b, shotDir, "phone-chat");
    await b.getByRole("button", { name: "Back to conversations" }).click();
    await b.getByRole("navigation", { name: "Conversations" }).waitFor();
    assert.equal(await b.locator("main.chat").isVisible(), false);
    await shot(b, shotDir, "phone-rooms");
  });

  it("logs out for good", async () => {
    const a = alice.page;
    await a.getByRole("button", { name: "Log out" }).click();
    await a.getByRole("heading", { name: "Log in to Parley" }).waitFor();
    await a.reload();
    await a.getByRole("heading", { name: "Log in to Parley" }).waitFor();
  });
});
