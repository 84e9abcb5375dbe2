import { useCallback, useEffect, useState } from "react";
import type { ChatClient } from "../state/client";
import { codeFromLocation, PendingJoin } from "../state/joinlink";
import { isOpenMessage, seqFromHash } from "../state/notify";
import { AuthScreen } from "./Auth";
import { ChatView } from "./ChatView";
import { ConnectionBanner, Notice } from "./ConnectionBanner";
import { ClientContext, useClient } from "./context";
import { JoinLinkDialog } from "./JoinLink";
import { NotifyInvite } from "./Notifications";
import { Sidebar, type SidebarView } from "./RoomList";
import { Settings } from "./Settings";

/**
 * Client-side routes: "/" is the room list, "/friends" the friends list,
 * "/settings" the settings page, "/rooms/<id>" a room, "/join/<code>" (or "#/join/<code>") an invite link.
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
  const [settings, setSettings] = useState(() => location.pathname === "/settings");
  // A notification opened this page at a message ("/rooms/<id>#seq=42").
  const [jump, setJump] = useState(() => seqFromHash(location.hash));

  const navigate = useCallback(
    (room: string | null, to: SidebarView = view) => {
      const path = room ? `/rooms/${encodeURIComponent(room)}` : to === "friends" ? "/friends" : "/";
      if (location.pathname !== path) history.pushState(null, "", path);
      setRoute(room);
      setView(to);
      setSettings(false);
    },
    [view],
  );
  const openSettings = useCallback(() => {
    if (location.pathname !== "/settings") history.pushState(null, "", "/settings");
    setRoute(null);
    setSettings(true);
  }, []);

  useEffect(() => {
    const onPop = () => {
      setRoute(roomFromPath(location.pathname));
      setSettings(location.pathname === "/settings");
      if (!roomFromPath(location.pathname)) setView(viewFromPath(location.pathname));
    };
    addEventListener("popstate", onPop);
    return () => removeEventListener("popstate", onPop);
  }, []);

  // A notification clicked while this window was open: the service worker
  // focused it and says which message to show.
  useEffect(() => {
    const sw = typeof navigator === "undefined" ? undefined : navigator.serviceWorker;
    if (!sw) return;
    const onMessage = (e: MessageEvent) => {
      if (!isOpenMessage(e.data) || !client.rooms.has(e.data.room_id)) return;
      void client.jumpTo(e.data.room_id, e.data.seq);
      navigate(e.data.room_id);
    };
    sw.addEventListener("message", onMessage);
    return () => sw.removeEventListener("message", onMessage);
  }, [client, navigate]);

  // The URL names the room; open it once the room list knows it, and leave
  // it when it is gone (left, removed) once the list is current.
  const known = route ? client.rooms.has(route) : false;
  useEffect(() => {
    if (!client.session) return;
    if (!route) client.openRoom(null);
    else if (known && jump !== null) {
      void client.jumpTo(route, jump);
      setJump(null);
      history.replaceState(null, "", location.pathname);
    } else if (known) client.openRoom(route);
    else if (client.synced) navigate(null);
  }, [client, client.session, route, known, client.synced, navigate, jump]);

  const unread = client.rooms.totalUnread();
  // Switching lists keeps the open room (side by side on a desktop).
  const onView = useCallback((v: SidebarView) => navigate(route, v), [navigate, route]);
  useEffect(() => {
    document.title = unread ? `(${unread}) Parley` : "Parley";
    // The installed app's badge follows reading here too; pushes set it while no window is open.
    const nav = navigator as Navigator & { setAppBadge?: (n: number) => Promise<void>; clearAppBadge?: () => Promise<void> };
    void (unread ? nav.setAppBadge?.(unread) : nav.clearAppBadge?.())?.catch(() => undefined);
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
    <div className={`app ${open || settings ? "has-room" : ""}`}>
      <ConnectionBanner />
      <Notice />
      <NotifyInvite />
      <div className="panes">
        <Sidebar view={view} onView={onView} onOpen={(room) => navigate(room)} onSettings={openSettings} settings={settings} />
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
        {settings ? (
          <Settings onBack={() => navigate(null)} />
        ) : open ? (
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
