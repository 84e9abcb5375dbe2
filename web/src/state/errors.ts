import { ApiError } from "../api/rest";
import { RequestError } from "./connection";
import { formatBytes } from "./format";

/** Why a reaction was refused, as a sentence for the picker. */
export function reactionError(e: unknown): string {
  const code = e instanceof RequestError || e instanceof ApiError ? e.code : "internal";
  switch (code) {
    case "invalid":
      return "That is not a single emoji. Pick one above, or type just one emoji.";
    case "conflict":
      return "This message cannot take that reaction (it was deleted, or has 50 different ones).";
    case "forbidden":
      return "This message cannot take reactions.";
    case "rate_limited":
      return "Too many reactions at once — wait a moment.";
    case "not_found":
      return "That message is gone.";
    case "offline":
    case "network":
      return "Cannot reach the server. Try again when the connection is back.";
    default:
      return e instanceof Error ? e.message : "Could not react.";
  }
}

/** An API error as a sentence for the person. */
export function describeError(e: unknown): string {
  if (!(e instanceof ApiError)) return e instanceof Error ? e.message : "Something went wrong.";
  switch (e.code) {
    case "network":
      return "Cannot reach the server. Try again when the connection is back.";
    case "rate_limited":
      return "That was a lot at once — wait a moment and try again.";
    case "not_found":
      return /user/i.test(e.message) ? noUser(e.message) : plain(e.message);
    case "forbidden":
      return "That is not possible with this person.";
    default:
      return e.message ? plain(e.message) : "Something went wrong.";
  }
}

/** "There is no one with the username “carl”." from the server's `no user "carl"`. */
function noUser(message: string): string {
  const m = /^no user "(.*)"$/.exec(message);
  return m ? `There is no one with the username “${m[1]}”.` : "There is no one with that username.";
}

/**
 * A server's message as a sentence for a person: sizes in KB and MB rather
 * than bytes, a missing user named in words, a capital and a full stop.
 */
export function plain(message: string): string {
  if (/^no user "/.test(message)) return noUser(message);
  const atMost = /^(.*) at most (\d+) bytes$/.exec(message);
  if (atMost) return sentence(`${atMost[1]} ${formatBytes(Number(atMost[2]))} at most`);
  return sentence(message.replace(/\b(\d+) bytes\b/g, (_, n: string) => formatBytes(Number(n))));
}

/** Runs fn; on failure hands the error to onError and resolves to null. */
export async function attempt<T>(fn: () => Promise<T>, onError: (e: unknown) => void): Promise<T | null> {
  try {
    return await fn();
  } catch (e) {
    onError(e);
    return null;
  }
}

/** The notice for a failed call, or null when there is nothing to say (a 401: the login screen says it). */
export function noticeFor(e: unknown): string | null {
  if (e instanceof ApiError && e.status === 401) return null;
  if (e instanceof ApiError) return describeError(e);
  return e instanceof Error && e.message ? plain(e.message) : "Something went wrong.";
}

/** Why an upload (a file or an avatar) failed: its code, a sentence for the person, and whether trying again may work. */
export function uploadError(e: unknown): { code: string; text: string; retryable: boolean } {
  const code = e instanceof ApiError ? e.code : "internal";
  const message = e instanceof Error ? e.message : "";
  switch (code) {
    case "too_large":
      return { code, text: message ? `Too large: ${lower(plain(message))}` : "Too large.", retryable: false };
    case "quota_exceeded":
      return { code, text: message ? `No room left: ${lower(plain(message))}` : "No room left for files.", retryable: false };
    case "invalid":
      return { code, text: message ? plain(message) : "The server refused this file.", retryable: false };
    case "rate_limited":
      return { code, text: "Too many uploads at once — wait a moment and retry.", retryable: true };
    case "network":
      return { code, text: "The upload did not reach the server.", retryable: true };
    case "aborted":
      return { code, text: "Cancelled.", retryable: true };
    case "unavailable":
      return { code, text: "The server is busy — retry in a moment.", retryable: true };
    default:
      return { code, text: message ? `Upload failed: ${lower(plain(message))}` : "Upload failed.", retryable: true };
  }
}

function lower(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

function sentence(s: string): string {
  const t = s.charAt(0).toUpperCase() + s.slice(1);
  return /[.!?]$/.test(t) ? t : `${t}.`;
}
