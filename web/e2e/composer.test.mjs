// Browser tests of writing a message (issue 16, round 4, "Composing"): a
// draft per room, the warning before a logout loses unsent messages, the
// emoji picker, and Up-arrow to edit my last message.
// Run by `make test` (npm run test:browser); docs/decisions/0037-composing.md.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { accessProblems, browserSkip, eventually, logIn, message, newPerson, roomItem, send, startWorld } from "./harness.mjs";

describe("Composing in the browser", { skip: browserSkip() }, () => {
  let server, browser, close, alice, bob, alpha, beta;

  const box = (page) => page.getByRole("textbox", { name: "Message" });
  const draftOf = (page, title) => roomItem(page, title).getByTestId("room-draft");

  async function openRoom(page, title) {
    await roomItem(page, title).click();
    await page.getByRole("heading", { level: 1, name: title }).waitFor();
  }

  before(async () => {
    ({ server, browser, close } = await startWorld());
    const a = await server.signup("alice", "Alice Kim");
    await server.signup("bob", "Bob Lee");
    alpha = await server.api("POST", "/rooms", a.token, { name: "Alpha", members: ["bob"] });
    beta = await server.api("POST", "/rooms", a.token, { name: "Beta", members: ["bob"] });
    alice = await newPerson(browser, "alice");
    bob = await newPerson(browser, "bob");
    await logIn(alice.page, server.base, "alice");
    await logIn(bob.page, server.base, "bob");
  });

  after(() => close?.());

  it("keeps a draft per room across room switches and a reload, shows it in the list, and clears it when sent", async () => {
    const a = alice.page;
    await openRoom(a, "Alpha");
    await box(a).fill("half a thought");
    await openRoom(a, "Beta");
    assert.equal(await box(a).inputValue(), "");
    await draftOf(a, "Alpha").filter({ hasText: /^Draft: half a thought$/ }).waitFor();
    // The row is named by its text, so a screen reader hears the draft too.
    await a.getByRole("button", { name: /^Alpha.*Draft: half a thought/ }).waitFor();
    assert.equal(await draftOf(a, "Beta").count(), 0);

    await openRoom(a, "Alpha");
    assert.equal(await box(a).inputValue(), "half a thought");
    // The open room shows its last message, not its own draft.
    assert.equal(await draftOf(a, "Alpha").count(), 0);

    await a.reload();
    await a.getByRole("heading", { level: 1, name: "Alpha" }).waitFor();
    assert.equal(await box(a).inputValue(), "half a thought");
    await openRoom(a, "Beta");
    await draftOf(a, "Alpha").waitFor();

    await openRoom(a, "Alpha");
    await box(a).press("Enter");
    await message(a, "half a thought").waitFor();
    assert.equal(await box(a).inputValue(), "");
    await openRoom(a, "Beta");
    await roomItem(a, "Alpha").locator(".room-preview", { hasText: "half a thought" }).waitFor();
    assert.equal(await draftOf(a, "Alpha").count(), 0);
    await a.reload();
    await a.getByRole("heading", { level: 1, name: "Beta" }).waitFor();
    await roomItem(a, "Alpha").locator(".room-preview", { hasText: "half a thought" }).waitFor();
    assert.equal(await draftOf(a, "Alpha").count(), 0);
  });

  it("inserts a picked emoji at the caret and keeps focus in the box; search finds \"thumbs\"; recent ones come first", async () => {
    const a = alice.page;
    await openRoom(a, "Beta");
    await box(a).fill("ab");
    await box(a).evaluate((el) => el.setSelectionRange(1, 1));
    const toggle = a.getByRole("button", { name: "Emoji", exact: true });
    await toggle.click();
    const picker = a.getByRole("dialog", { name: "Emoji" });
    await picker.getByLabel("Search emoji").fill("thumbs");
    await picker.getByRole("button", { name: "thumbs down" }).waitFor();
    await picker.getByRole("button", { name: "thumbs up" }).click();
    assert.equal(await box(a).inputValue(), "a👍b");
    assert.equal(await a.evaluate(() => document.activeElement?.getAttribute("aria-label")), "Message");
    assert.equal(await box(a).evaluate((el) => el.selectionStart), "a👍".length);
    // Escape in the box closes the picker first.
    await box(a).press("Escape");
    await picker.waitFor({ state: "hidden" });

    await toggle.click();
    await picker.getByRole("tab", { name: "Recently used", selected: true }).waitFor();
    assert.equal(await picker.locator(".emoji-grid .emoji").first().textContent(), "👍");
    assert.deepEqual(await accessProblems(a), [], "axe with the picker open");
    // By keyboard: Enter in the search takes the first match; Down enters the grid, arrows move.
    const search = picker.getByLabel("Search emoji");
    await search.fill("pizza");
    await search.press("Enter");
    assert.equal(await box(a).inputValue(), "a👍🍕b");
    await search.fill("");
    await picker.getByRole("tab", { name: "Food & drink" }).click();
    await search.press("ArrowDown");
    await a.keyboard.press("ArrowRight");
    assert.equal(await a.evaluate(() => document.activeElement?.getAttribute("aria-label")), "melon");
    await a.keyboard.press("Enter");
    assert.equal(await box(a).inputValue(), "a👍🍕🍈b");
    await toggle.click();
    await picker.waitFor({ state: "hidden" });
    await box(a).fill("");
  });

  it("edits my last message with Up-arrow in an empty box; Escape cancels; the other person sees it edited", async () => {
    const a = alice.page;
    const b = bob.page;
    await openRoom(a, "Beta");
    await send(a, "first words");
    await send(a, "last words");
    await openRoom(b, "Beta");
    await message(b, "last words").waitFor();
    await send(b, "a reply from Bob");
    await message(a, "a reply from Bob").waitFor();

    await box(a).press("ArrowUp");
    const editing = a.locator(".composer-context", { hasText: "Editing your message" });
    await editing.waitFor();
    assert.equal(await box(a).inputValue(), "last words");
    await box(a).press("Escape");
    await editing.waitFor({ state: "hidden" });
    assert.equal(await box(a).inputValue(), "");

    await box(a).press("ArrowUp");
    await editing.waitFor();
    await box(a).fill("last words, edited");
    await box(a).press("Enter");
    await editing.waitFor({ state: "hidden" });
    await message(b, "last words, edited").locator(".edited").waitFor();
    assert.equal(await message(b, "first words").locator(".edited").count(), 0);
  });

  it("warns before a logout loses unsent messages; Cancel keeps me in; drafts are gone after a logout", async () => {
    const a = alice.page;
    await openRoom(a, "Alpha");
    await server.stop();
    await send(a, "typed offline 1");
    await send(a, "typed offline 2");
    await openRoom(a, "Beta");
    await box(a).fill("a private draft");
    await a.getByRole("button", { name: "Log out" }).click();
    const dialog = a.getByRole("dialog", { name: "Log out?" });
    await dialog.getByText("2 messages have not been sent yet. Log out anyway?").waitFor();
    assert.deepEqual(await accessProblems(a), [], "axe with the warning open");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "hidden" });
    await a.getByRole("navigation", { name: "Conversations" }).waitFor();

    await server.start();
    await openRoom(a, "Alpha");
    await message(a, "typed offline 2").waitFor({ timeout: 30_000 });
    await eventually(async () => assert.equal(await a.getByTestId("pending").count(), 0), 30_000, "the queue empties");
    await openRoom(bob.page, "Alpha");
    await message(bob.page, "typed offline 2").waitFor({ timeout: 30_000 });
    await a.getByRole("button", { name: "Log out" }).click();
    await a.getByRole("button", { name: "Log in" }).waitFor();
    const keys = await a.evaluate(() => Object.keys(localStorage));
    assert.deepEqual(keys.filter((k) => k.startsWith("parley.drafts")), []);
    await logIn(alice.page, server.base, "alice");
    await openRoom(a, "Beta");
    assert.equal(await box(a).inputValue(), "");
  });
});
