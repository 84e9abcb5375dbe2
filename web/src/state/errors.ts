import { ApiError } from "../api/rest";
import { RequestError } from "./connection";

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
      return /user/i.test(e.message) ? "There is no one with that username." : e.message;
    case "forbidden":
      return "That is not possible with this person.";
    default:
      return e.message ? e.message.charAt(0).toUpperCase() + e.message.slice(1) : "Something went wrong.";
  }
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
  if (e instanceof ApiError && e.code === "network") return "Cannot reach the server. Try again when the connection is back.";
  return e instanceof Error ? e.message : "Something went wrong.";
}

/** Why an upload (a file or an avatar) failed: its code, a sentence for the person, and whether trying again may work. */
export function uploadError(e: unknown): { code: string; text: string; retryable: boolean } {
  const code = e instanceof ApiError ? e.code : "internal";
  const detail = e instanceof Error && e.message ? ` (${e.message})` : "";
  switch (code) {
    case "too_large":
      return { code, text: `Too large${detail}.`, retryable: false };
    case "invalid":
      return { code, text: e instanceof Error && e.message ? sentence(e.message) : "The server refused this file.", retryable: false };
    case "rate_limited":
      return { code, text: "Too many uploads at once — wait a moment and retry.", retryable: true };
    case "network":
      return { code, text: "The upload did not reach the server.", retryable: true };
    case "aborted":
      return { code, text: "Cancelled.", retryable: true };
    case "unavailable":
      return { code, text: "The server is busy — retry in a moment.", retryable: true };
    default:
      return { code, text: `Upload failed${detail}.`, retryable: true };
  }
}

function sentence(s: string): string {
  const t = s.charAt(0).toUpperCase() + s.slice(1);
  return /[.!?]$/.test(t) ? t : `${t}.`;
}
