// Browser tests of the people layer: two people in two browser contexts —
// a friend request sent and accepted live, a status change seen live, a 1:1
// started from the friends list, typing, presence going offline when a page
// closes, reactions and mentions arriving on the other side.
// Run by `make test` (npm run test:browser); docs/decisions/0009-browser-tests.md.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { join } from "node:path";
import { browserSkip, eventually, logIn, message, newPerson, openMessageMenu, roomItem, screenshotDir, send, shot, startWorld, watchPage } from "./harness.mjs";

describe("People in the browser", { skip: browserSkip() }, () => {
  let tmp, server, browser, close, alice, bob, carol, shotDir, groupId;

  const friendsTab = (page) => page.getByRole("tab", { name: /Friends/ });
  const chatsTab = (page) => page.getByRole("tab", { name: /Chats/ });
  const person = (page, list, username) => page.getByRole("list", { name: list }).locator(`.person[data-user="${username}"]`);

  before(async () => {
    ({ tmp, server, browser, close } = await startWorld());
    shotDir = screenshotDir(join(tmp.dir, "screenshots"));
    await server.signup("alice", "Alice Kim");
    await server.signup("bob", "Bob Lee");
    carol = await server.signup("carol", "Carol Park");
    await server.signup("dave", "Dave Moon");
    alice = await newPerson(browser, "alice");
    bob = await newPerson(browser, "bob");
    await Promise.all([logIn(alice.page, server.base, "alice"), logIn(bob.page, server.base, "bob")]);
  });

  after(() => close?.());

  it("sends a friend request from user search; the other sees it and accepts, both live", async () => {
    const a = alice.page;
    const b = bob.page;
    await friendsTab(a).click();
    assert.equal(new URL(a.url()).pathname, "/friends");
    await a.getByLabel("Find people").fill("bo");
    const hit = person(a, "Search results", "bob");
    await hit.waitFor();
    await hit.getByRole("button", { name: "Add friend" }).click();
    await person(a, "Sent requests", "bob").waitFor();
    await hit.getByRole("button", { name: "Cancel request" }).waitFor();

    // Bob: the Friends tab counts the request without a reload.
    await b.getByTestId("requests-badge").filter({ hasText: "1" }).waitFor();
    await friendsTab(b).click();
    await person(b, "Friend requests", "alice").getByRole("button", { name: "Accept Alice Kim" }).click();
    await person(b, "Friends", "alice").waitFor();
    assert.equal(await b.getByTestId("requests-badge").count(), 0);

    // Alice: the request turned into a friend, online.
    await person(a, "Friends", "bob").waitFor();
    assert.equal(await a.getByRole("list", { name: "Sent requests" }).count(), 0);
    await person(a, "Friends", "bob").locator(".presence.online").waitFor();
    // Dave asks Alice over REST: it arrives live too.
    const dave = await server.api("POST", "/auth/login", null, { username: "dave", password: "password-dave" });
    await server.api("POST", "/friends/requests", dave.token, { username: "alice" });
    await person(a, "Friend requests", "dave").waitFor();
  });

  it("shows a status message change to the other person live", async () => {
    const b = bob.page;
    await b.getByRole("button", { name: /Your profile/ }).click();
    await b.getByLabel("Status message").fill("Hiking this weekend ⛰️");
    await b.getByRole("button", { name: "Save profile" }).click();
    await b.getByRole("status").filter({ hasText: "Saved." }).waitFor();
    await b.getByRole("button", { name: "Back to conversations" }).click();
    assert.match(await b.getByTestId("my-status").textContent(), /Hiking this weekend/);

    await person(alice.page, "Friends", "bob").getByTestId("person-status").filter({ hasText: "Hiking this weekend ⛰️" }).waitFor();

    // Lengths are code points, as on the server: 64 emoji fit (128 UTF-16 units, which an
    // input's maxLength would have cut at 32), a 65th is refused before anything is sent.
    await b.getByRole("button", { name: /Your profile/ }).click();
    await b.getByLabel("Display name").fill("🎉".repeat(64));
    assert.equal(await b.getByRole("button", { name: "Save profile" }).isDisabled(), false);
    await b.getByLabel("Display name").fill("🎉".repeat(65));
    await b.getByText("The display name is 65 characters; the limit is 64.").waitFor();
    assert.equal(await b.getByRole("button", { name: "Save profile" }).isDisabled(), true);
    await b.getByLabel("Display name").fill("   ");
    await b.getByText("A display name is required.").waitFor();
    assert.equal(await b.getByRole("button", { name: "Save profile" }).isDisabled(), true);
    await b.getByRole("button", { name: "Back to conversations" }).click();
  });

  it("starts a 1:1 from the friends list; typing shows on the other side and stops", async () => {
    const a = alice.page;
    const b = bob.page;
    await person(a, "Friends", "bob").getByRole("button", { name: "Message Bob Lee" }).click();
    await a.getByRole("heading", { name: "Bob Lee" }).waitFor();
    await chatsTab(a).click(); // the chat stays open beside the list
    await a.getByRole("heading", { name: "Bob Lee" }).waitFor();
    await eventually(async () => assert.equal(await a.getByTestId("peer-presence").textContent(), "Online"), 10_000, "bob online");
    assert.match(await a.getByTestId("peer-status").textContent(), /Hiking this weekend/);

    await send(a, "Hi Bob, are you around?");
    await chatsTab(b).click();
    await roomItem(b, "Alice Kim").click();
    await message(b, "are you around?").waitFor();

    const box = b.getByRole("textbox", { name: "Message" });
    await box.pressSequentially("Yes, just", { delay: 20 });
    await a.getByTestId("typing").filter({ hasText: "Bob Lee is typing…" }).waitFor();
    // The room list says so too.
    await roomItem(a, "Bob Lee").locator(".typing-preview").waitFor();
    await box.fill("");
    await eventually(async () => assert.equal(await a.getByTestId("typing").textContent(), ""), 5_000, "typing stopped");
    await box.pressSequentially("Yes!", { delay: 20 });
    await a.getByTestId("typing").filter({ hasText: "is typing" }).waitFor();
    await box.press("Enter");
    await message(a, "Yes!").waitFor();
    await eventually(async () => assert.equal(await a.getByTestId("typing").textContent(), ""), 5_000, "typing ends with the message");
  });

  it("reacts to a message: the count appears live on the other side; a bad emoji is explained", async () => {
    const a = alice.page;
    const b = bob.page;
    const m = message(b, "are you around?");
    await (await openMessageMenu(b, m)).getByRole("menuitemcheckbox", { name: "React with 👍" }).click();
    await m.getByRole("button", { name: "👍 by you" }).waitFor();

    const theirs = message(a, "are you around?");
    const chip = theirs.locator('.reaction[data-emoji="👍"]');
    await chip.waitFor();
    assert.equal(await chip.getAttribute("aria-pressed"), "false");
    assert.equal(await chip.locator(".reaction-count").textContent(), "1");
    await chip.click(); // Alice adds hers to the same emoji
    await theirs.getByRole("button", { name: "👍 by you and Bob Lee" }).waitFor();
    await m.getByRole("button", { name: "👍 by you and Alice Kim" }).waitFor();

    // Free entry: the server decides what one emoji is.
    await (await openMessageMenu(b, m)).getByRole("menuitem", { name: "More reactions" }).click();
    await b.getByLabel("Another emoji").fill("ok");
    await b.getByRole("dialog", { name: "React to message" }).getByRole("button", { name: "React", exact: true }).click();
    await b.getByRole("alert").filter({ hasText: "not a single emoji" }).waitFor();
    await b.getByLabel("Another emoji").fill("🦄");
    await b.getByRole("dialog", { name: "React to message" }).getByRole("button", { name: "React", exact: true }).click();
    await theirs.locator('.reaction[data-emoji="🦄"]').waitFor();
    // Bob takes his 👍 back: Alice sees 1 again.
    await m.getByRole("button", { name: "👍 by you and Alice Kim" }).click();
    await theirs.getByRole("button", { name: "👍 by you" }).waitFor();

    await friendsTab(a).click();
    await person(a, "Friends", "bob").waitFor();
    await shot(a, shotDir, "friends");
    await chatsTab(a).click();
  });

  it("shows the other person going offline when they close their page, and back", async () => {
    const a = alice.page;
    await bob.page.close();
    await eventually(async () => assert.match(await a.getByTestId("peer-presence").textContent(), /^last seen/), 10_000, "bob offline");
    await a.locator(".chat-title .presence.offline").waitFor();
    bob.page = await bob.context.newPage();
    watchPage(bob.page, "bob");
    await bob.page.goto(server.base); // the session survives in the context
    await bob.page.getByRole("navigation", { name: "Conversations" }).waitFor();
    await eventually(async () => assert.equal(await a.getByTestId("peer-presence").textContent(), "Online"), 10_000, "bob back online");
  });

  it("mentions someone with the autocomplete; their mention badge rises and clears when read", async () => {
    const a = alice.page;
    const b = bob.page;
    const group = await server.api("POST", "/rooms", carol.token, { name: "Trail crew", members: ["alice", "bob"] });
    groupId = group.id;
    await server.api("POST", `/rooms/${groupId}/messages`, carol.token, { client_id: "seed-trail-1", text: "Who brings the tent on Saturday?" });
    await roomItem(b, "Trail crew").click();
    await message(b, "brings the tent").waitFor();

    const box = b.getByRole("textbox", { name: "Message" });
    await box.pressSequentially("I can, and @al", { delay: 15 });
    const option = b.getByRole("option", { name: /Alice Kim/ });
    await option.waitFor();
    assert.equal(await option.getAttribute("aria-selected"), "true");
    await box.press("Tab");
    assert.equal(await box.inputValue(), "I can, and @alice ");
    await box.pressSequentially("brings the stove", { delay: 5 });
    await box.press("Enter");
    await message(b, "brings the stove").getByTestId("mention").filter({ hasText: "@alice" }).waitFor();

    // Alice is in her 1:1 with Bob: the group shows a mention badge.
    const badge = roomItem(a, "Trail crew").getByTestId("mention-badge");
    await badge.waitFor();
    assert.equal(await badge.getAttribute("data-count"), "1");
    // The row is named by its text, the mentions said in words where the badge shows "@".
    await a.getByRole("button", { name: /^Trail crew\b.*1 mention/ }).waitFor();
    await roomItem(a, "Trail crew").click();
    const mine = message(a, "brings the stove");
    await mine.waitFor();
    assert.match(await mine.getAttribute("class"), /mentions-me/);
    await mine.locator(".mention.me").filter({ hasText: "@alice" }).waitFor();
    await roomItem(a, "Bob Lee").click();
    await a.getByRole("heading", { name: "Bob Lee" }).waitFor();
    await eventually(async () => assert.equal(await roomItem(a, "Trail crew").getByTestId("mention-badge").count(), 0), 10_000, "mention read");

    // Reactions in the group, for the picture.
    await roomItem(a, "Trail crew").click();
    await (await openMessageMenu(a, mine)).getByRole("menuitem", { name: "More reactions" }).click();
    await a.getByLabel("Search emoji").fill("party popper");
    await a.getByRole("dialog", { name: "React to message" }).getByRole("button", { name: "party popper", exact: true }).click();
    await server.api("PUT", `/rooms/${groupId}/messages/${(await server.api("GET", `/rooms/${groupId}/messages?limit=1`, carol.token)).messages[0].seq}/reactions/${encodeURIComponent("🎉")}`, carol.token);
    await mine.getByRole("button", { name: "🎉 by you and Carol Park" }).waitFor();
    await b.getByRole("textbox", { name: "Message" }).pressSequentially("Sounds", { delay: 20 });
    await a.getByTestId("typing").filter({ hasText: "Bob Lee is typing…" }).waitFor();
    await shot(a, shotDir, "reactions");
    await b.getByRole("textbox", { name: "Message" }).fill("");
  });

  it("shows the group's members with presence and status, and blocks from a 1:1", async () => {
    const a = alice.page;
    assert.match(await a.getByTestId("room-online").textContent(), /3 members · \d online/);
    await a.getByRole("button", { name: "Room settings" }).click();
    await a.locator('.member[data-user="bob"]').getByTestId("member-status").filter({ hasText: "Hiking this weekend" }).waitFor();
    await a.locator('.member[data-user="bob"] .presence.online').waitFor();
    await a.getByRole("button", { name: "Close" }).click();

    // Alice blocks Dave from a 1:1 he opens; he lands in her blocked list, live.
    const dave = await server.api("POST", "/auth/login", null, { username: "dave", password: "password-dave" });
    const dm = await server.api("POST", "/rooms/direct", dave.token, { username: "alice" });
    await server.api("POST", `/rooms/${dm.id}/messages`, dave.token, { client_id: "seed-dave-1", text: "hey, buy my course" });
    await roomItem(a, "Dave Moon").click();
    await a.getByRole("button", { name: "Room settings" }).click();
    await a.getByRole("button", { name: "Block", exact: true }).click();
    await a.getByRole("status").filter({ hasText: "Blocked." }).waitFor();
    await a.getByRole("button", { name: "Close" }).click();
    await friendsTab(a).click();
    await a.getByText("Blocked (1)").click();
    await person(a, "Blocked", "dave").waitFor();
    assert.equal(await a.getByRole("list", { name: "Friend requests" }).count(), 0); // the block ended his request
    await chatsTab(a).click();
  });

  it("fits the friends list on a phone screen", async () => {
    const a = alice.page;
    await a.setViewportSize({ width: 390, height: 844 });
    await a.getByRole("button", { name: "Back to conversations" }).click();
    await friendsTab(a).click();
    await person(a, "Friends", "bob").getByRole("button", { name: "Message Bob Lee" }).waitFor();
    assert.equal(await a.locator("main.chat").isVisible(), false);
    await shot(a, shotDir, "phone-friends");
    await person(a, "Friends", "bob").getByRole("button", { name: "Message Bob Lee" }).click();
    await a.getByRole("heading", { name: "Bob Lee" }).waitFor();
    assert.equal(await a.getByRole("navigation", { name: "Conversations" }).isVisible(), false);
  });
});
