import { useCallback, useEffect, useState } from "react";
import type { ChatClient } from "../state/client";
import { AuthScreen } from "./Auth";
import { ChatView } from "./ChatView";
import { ConnectionBanner, Notice } from "./ConnectionBanner";
import { ClientContext, useClient } from "./context";
import { RoomListPane } from "./RoomList";

/** Client-side routes: "/" is the room list, "/rooms/<id>" a room. */
function roomFromPath(path: string): string | null {
  const m = /^\/rooms\/([^/]+)$/.exec(path);
  return m ? decodeURIComponent(m[1]!) : null;
}

export function App({ client }: { client: ChatClient }) {
  return (
    <ClientContext.Provider value={client}>
      <Shell />
    </ClientContext.Provider>
  );
}

function Shell() {
  const client = useClient();
  const [route, setRoute] = useState(() => roomFromPath(location.pathname));

  const navigate = useCallback((room: string | null) => {
    const path = room ? `/rooms/${encodeURIComponent(room)}` : "/";
    if (location.pathname !== path) history.pushState(null, "", path);
    setRoute(room);
  }, []);

  useEffect(() => {
    const onPop = () => setRoute(roomFromPath(location.pathname));
    addEventListener("popstate", onPop);
    return () => removeEventListener("popstate", onPop);
  }, []);

  // The URL names the room; open it once the room list knows it, and leave
  // it when it is gone (left, removed) once the list is current.
  const known = route ? client.rooms.has(route) : false;
  useEffect(() => {
    if (!client.session) return;
    if (!route) client.openRoom(null);
    else if (known) client.openRoom(route);
    else if (client.synced) navigate(null);
  }, [client, client.session, route, known, client.synced, navigate]);

  const unread = client.rooms.totalUnread();
  useEffect(() => {
    document.title = unread ? `(${unread}) Parley` : "Parley";
  }, [unread]);

  if (!client.session) {
    return (
      <>
        <Notice />
        <AuthScreen />
      </>
    );
  }
  const open = client.openRoomId;
  return (
    <div className={`app ${open ? "has-room" : ""}`}>
      <ConnectionBanner />
      <Notice />
      <div className="panes">
        <RoomListPane onOpen={navigate} />
        {open ? (
          <ChatView key={open} roomId={open} onBack={() => navigate(null)} />
        ) : (
          <main className="chat chat-empty" aria-label="No room open">
            <p>Pick a conversation, or start a new one.</p>
          </main>
        )}
      </div>
    </div>
  );
}
