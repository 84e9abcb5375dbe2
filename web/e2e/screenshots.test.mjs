// The README's pictures: one conversation among three people, shot at phone
// (390×844) and desktop (1440×900) width, light and dark. `make screenshots`
// (UPDATE_SCREENSHOTS=1) writes them to docs/screenshots; other runs take
// them into a temp dir, so a screen that breaks fails here too. Names and
// texts are fixed, so a retake differs only where the interface did.
import { after, before, describe, it } from "node:test";
import { join } from "node:path";
import { befriend, browserSkip, logIn, message, newPerson, roomItem, screenshotDir, shot, startWorld, useTheme } from "./harness.mjs";

const devices = { phone: { width: 390, height: 844 }, desktop: { width: 1440, height: 900 } };

describe("Screenshots", { skip: browserSkip() }, () => {
  let tmp, server, browser, close, dir, bobOnline;

  before(async () => {
    ({ tmp, server, browser, close } = await startWorld());
    dir = screenshotDir(join(tmp.dir, "screenshots"));
    const alice = await server.signup("alice", "Alice Kim");
    const bob = await server.signup("bob", "Bob Lee");
    const carol = await server.signup("carol", "Carol Park");
    await server.api("PATCH", "/me", bob.token, { status_message: "Out on the trail" });
    await befriend(server, alice, bob);
    await befriend(server, alice, carol);

    const book = await server.api("POST", "/rooms", carol.token, { name: "Book club", members: ["alice"] });
    const hike = await server.api("POST", "/rooms", alice.token, { name: "Weekend hike", members: ["bob", "carol"] });
    await server.api("PATCH", `/rooms/${hike.id}`, alice.token, { announcement: "Saturday 8:00 at the north gate. Bring water!" });
    const dm = await server.api("POST", "/rooms/direct", bob.token, { username: "alice" });
    const who = { alice, bob, carol };
    let n = 0;
    const say = (u, room, text) => server.api("POST", `/rooms/${room}/messages`, who[u].token, { client_id: `shot-${n++}`, text });
    await say("carol", book.id, "Next up: The Left Hand of Darkness");
    for (const [u, text] of [
      ["alice", "Who is up for the ridge trail on Saturday?"],
      ["bob", "Me! How long is it?"],
      ["alice", "About 14 km, six hours with a lunch stop"],
      ["carol", "Count me in. I can drive two people"],
      ["bob", "I'll take the seat, thanks Carol"],
      ["carol", "Weather looks clear: https://example.com/forecast"],
      ["alice", "Perfect. I'll bring the map and snacks 🥨"],
      ["bob", "Should we start earlier to beat the heat?"],
      ["carol", "@alice can you check the parking at the gate?"],
    ]) await say(u, hike.id, text);
    const last = await say("alice", hike.id, "Yes, it opens at 7. See you both there!");
    await server.api("PUT", `/rooms/${hike.id}/messages/${last.seq}/reactions/${encodeURIComponent("👍")}`, bob.token);
    await server.api("PUT", `/rooms/${hike.id}/messages/${last.seq}/reactions/${encodeURIComponent("🎉")}`, carol.token);
    await server.api("POST", `/rooms/${hike.id}/read`, bob.token, { seq: last.seq });
    await say("alice", dm.id, "Did you find your hiking boots?");
    await say("bob", dm.id, "Found them in the attic 😅");
    await say("bob", dm.id, "Are you coming on Saturday?");

    // Bob is online in a browser of his own, for the green dot and "Online".
    bobOnline = await newPerson(browser, "bob", devices.desktop);
    await logIn(bobOnline.page, server.base, "bob");
  });

  after(() => close?.());

  for (const device of ["phone", "desktop"]) {
    for (const theme of ["light", "dark"]) {
      it(`shoots the key screens on a ${device} in ${theme}`, async () => {
        const { context, page } = await newPerson(browser, `alice-${device}-${theme}`, devices[device]);
        const name = (screen) => `${screen}-${device}-${theme}`;
        try {
          await useTheme(page, theme);
          await page.goto(server.base);
          await page.getByRole("heading", { name: "Log in to Parley" }).waitFor();
          await shot(page, dir, name("login"));
          await logIn(page, null, "alice");
          await roomItem(page, "Weekend hike").waitFor();
          if (device === "phone") await shot(page, dir, name("rooms"));

          await roomItem(page, "Weekend hike").click();
          await message(page, "See you both there").waitFor();
          await page.locator(".reaction").first().waitFor();
          await shot(page, dir, name("chat"));

          if (device === "phone") await page.getByRole("button", { name: "Back to conversations" }).click();
          await roomItem(page, "Bob Lee").click();
          await message(page, "Are you coming on Saturday?").waitFor();
          await page.getByTestId("chat-subtitle").filter({ hasText: /online/i }).waitFor();
          await shot(page, dir, name("direct"));

          if (device === "phone") await page.getByRole("button", { name: "Back to conversations" }).click();
          await page.getByRole("searchbox", { name: "Search conversations and messages" }).fill("saturday");
          await page.locator(".hit").first().waitFor();
          await shot(page, dir, name("search"));
          await page.getByRole("searchbox", { name: "Search conversations and messages" }).fill("");

          await page.getByRole("button", { name: /^Your profile and settings/ }).click();
          await page.getByRole("heading", { name: "Settings" }).waitFor();
          await page.getByRole("group", { name: "Theme" }).scrollIntoViewIfNeeded();
          await shot(page, dir, name("settings"));
        } finally {
          await context.close();
        }
      });
    }
  }
});
