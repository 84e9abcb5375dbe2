import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { Rest } from "./api/rest";
import { ChatClient } from "./state/client";
import type { SocketLike } from "./state/connection";
import { App } from "./ui/App";
import "./styles.css";

const client = new ChatClient({
  rest: new Rest(),
  sessionStore: window.localStorage,
  outboxStore: window.sessionStorage,
  // Browsers cannot set headers on a WebSocket: the token goes in the query (docs/protocol.md "Connecting").
  wsUrl: (token) =>
    `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/v1/ws?token=${encodeURIComponent(token)}`,
  createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
});
client.restore();
// Back on the network: try now rather than at the end of the backoff.
addEventListener("online", () => client.reconnectNow());

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App client={client} />
  </StrictMode>,
);
