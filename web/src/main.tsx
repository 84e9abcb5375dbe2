import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { Rest } from "./api/rest";
import { ChatClient } from "./state/client";
import { pageTheme } from "./state/theme";
import type { SocketLike } from "./state/connection";
import { App } from "./ui/App";
import { browserPush, pageAlerts, watchFocus } from "./ui/devicepush";
import "./styles.css";

// Before anything renders, so a dark page never flashes light (the CSP allows no inline script in index.html).
pageTheme();

const client = new ChatClient({
  rest: new Rest(),
  sessionStore: window.localStorage,
  outboxStore: window.sessionStorage,
  // Browsers cannot set headers on a WebSocket, and a URL is no place for the
  // session's token: each connection opens with a single-use ticket
  // (docs/protocol.md "Connecting", decision 0019).
  wsUrl: (ticket) =>
    `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/v1/ws?ticket=${encodeURIComponent(ticket)}`,
  createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
  pushBrowser: browserPush,
  alerts: pageAlerts,
});
watchFocus((focused) => client.setFocused(focused));
client.restore();
// Back on the network: try now rather than at the end of the backoff.
addEventListener("online", () => client.reconnectNow());

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App client={client} />
  </StrictMode>,
);
