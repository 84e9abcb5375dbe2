import { useCallback, useEffect, useState } from "react";
import type { ChatClient } from "../state/client";
import { codeFromLocation, PendingJoin } from "../state/joinlink";
import { AuthScreen } from "./Auth";
import { ChatView } from "./ChatView";
import { ConnectionBanner, Notice } from "./ConnectionBanner";
import { ClientContext, useClient } from "./context";
import { JoinLinkDialog } from "./JoinLink";
import { Sidebar, type SidebarView } from "./RoomList";

/**
 * Client-side routes: "/" is the room list, "/friends" the friends list,
 * "/rooms/<id>" a room, "/join/<code>" (or "#/join/<code>") an invite link.
 */
function roomFromPath(path: string): string | null {
  const m = /^\/rooms\/([^/]+)$/.exec(path);
  return m ? decodeURIComponent(m[1]!) : null;
}

function viewFromPath(path: string): SidebarView {
  return path === "/friends" ? "friends" : "chats";
}

export function App({ client }: { client: ChatClient }) {
  return (
    <ClientContext.Provider value={client}>
      <Shell />
    </ClientContext.Provider>
  );
}

/** An invite link's code survives the login in this tab's sessionStorage. */
const pendingJoin = new PendingJoin(typeof sessionStorage === "undefined" ? null : sessionStorage);

/** The code of an invite link this page was opened with: kept for after the login, and the URL tidied. */
function takeLinkFromLocation(): string | null {
  const code = codeFromLocation(location.pathname, location.hash);
  if (code) {
    pendingJoin.remember(code);
    history.replaceState(null, "", "/");
  }
  return pendingJoin.peek();
}

function Shell() {
  const client = useClient();
  const [joinCode, setJoinCode] = useState(takeLinkFromLocation);
  const [route, setRoute] = useState(() => roomFromPath(location.pathname));
  const [view, setView] = useState<SidebarView>(() => viewFromPath(location.pathname));

  const navigate = useCallback(
    (room: string | null, to: SidebarView = view) => {
      const path = room ? `/rooms/${encodeURIComponent(room)}` : to === "friends" ? "/friends" : "/";
      if (location.pathname !== path) history.pushState(null, "", path);
      setRoute(room);
      setView(to);
    },
    [view],
  );

  useEffect(() => {
    const onPop = () => {
      setRoute(roomFromPath(location.pathname));
      if (!roomFromPath(location.pathname)) setView(viewFromPath(location.pathname));
    };
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
  // Switching lists keeps the open room (side by side on a desktop).
  const onView = useCallback((v: SidebarView) => navigate(route, v), [navigate, route]);
  useEffect(() => {
    document.title = unread ? `(${unread}) Parley` : "Parley";
  }, [unread]);

  if (!client.session) {
    return (
      <>
        <Notice />
        {joinCode && (
          <p className="join-hint" role="status">
            Log in or sign up to join the room of your invite link.
          </p>
        )}
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
        <Sidebar view={view} onView={onView} onOpen={(room) => navigate(room)} />
        {joinCode && (
          <JoinLinkDialog
            code={joinCode}
            onDone={(room) => {
              pendingJoin.forget();
              setJoinCode(null);
              if (room) navigate(room);
            }}
          />
        )}
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
