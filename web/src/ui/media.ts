import { useCallback, useContext, useEffect, useSyncExternalStore } from "react";
import type { MediaCache, MediaState } from "../state/media";
import { ClientContext } from "./context";

/** How long a download keeps its blob referenced: the browser reads it after the click returns. */
const downloadHoldMs = 30_000;

/** The media cache, without re-rendering on every change of the client (only on changes of the media used). */
export function useMediaCache(): MediaCache {
  const client = useContext(ClientContext);
  if (!client) throw new Error("useMediaCache outside ClientContext");
  return client.media;
}

/**
 * The media of a server path while the component shows it: undefined (no
 * path), loading, ready with a blob: URL, or failed. Shown copies of the
 * same path share one fetch and one object URL.
 */
export function useMedia(path: string | undefined): MediaState | undefined {
  const cache = useMediaCache();
  const subscribe = useCallback((fn: () => void) => (path ? cache.subscribe(path, fn) : () => {}), [cache, path]);
  const state = useSyncExternalStore(subscribe, () => (path ? cache.state(path) : undefined));
  useEffect(() => (path ? cache.acquire(path) : undefined), [cache, path]);
  return state;
}

/**
 * Saves a file under its own name: fetched with the token (through the
 * cache, so a picture on screen is not fetched again), then handed to the
 * browser as a download, never opened. Resolves to why it failed, or null.
 */
export async function saveFile(cache: MediaCache, path: string, name: string): Promise<string | null> {
  const release = cache.acquire(path);
  let hold = false;
  try {
    const s = await cache.settled(path);
    if (s.status !== "ready") return s.status === "failed" ? s.message : "it could not be loaded";
    const a = document.createElement("a");
    a.href = s.url;
    a.download = name;
    a.rel = "noopener";
    a.hidden = true;
    document.body.append(a);
    a.click();
    a.remove();
    hold = true;
    return null;
  } finally {
    if (hold) setTimeout(release, downloadHoldMs);
    else release();
  }
}
