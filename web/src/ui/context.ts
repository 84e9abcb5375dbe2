import { createContext, useContext, useSyncExternalStore } from "react";
import type { ChatClient } from "../state/client";

export const ClientContext = createContext<ChatClient | null>(null);

/** The client, re-rendering the caller whenever its state changes. */
export function useClient(): ChatClient {
  const client = useContext(ClientContext);
  if (!client) throw new Error("useClient outside ClientContext");
  useSyncExternalStore(client.subscribe, client.getVersion);
  return client;
}
