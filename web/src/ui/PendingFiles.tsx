import { useEffect, useState } from "react";
import type { RoomID } from "../api/types";
import type { ChatClient } from "../state/client";
import { formatBytes } from "../state/format";
import { maxAttachments, progressOf, type PendingUpload, type UploadQueue } from "../state/uploads";
import { IconFile } from "./icons";

/** Adds picked, dropped or pasted files to a room's next message, saying so when some do not fit. */
export function attachFiles(client: ChatClient, room: RoomID, files: Iterable<File>): void {
  const left = client.uploadsFor(room).add(files);
  if (left > 0) client.notify(`A message carries at most ${maxAttachments} files: ${left} ${left === 1 ? "was" : "were"} left out.`);
}

/** Types the browser itself can show from a picked file, before any upload. */
const previewable = /^image\/(png|jpeg|gif|webp)$/;

/**
 * A picked image as the browser has it, on this device only (a blob: URL of
 * the file itself, revoked when the chip goes); files of other types get an icon.
 */
function LocalPreview({ file, type }: { file: Blob; type: string }) {
  const [url, setUrl] = useState<string | null>(null);
  // The type is the name's guess: a ".png" that the browser cannot decode gets the icon, not a broken image.
  const [broken, setBroken] = useState(false);
  useEffect(() => {
    if (!previewable.test(type)) return;
    const u = URL.createObjectURL(file);
    setUrl(u);
    setBroken(false);
    return () => URL.revokeObjectURL(u);
  }, [file, type]);
  return url && !broken ? <img className="pending-preview" src={url} alt="" onError={() => setBroken(true)} /> : <IconFile />;
}

function statusText(u: PendingUpload): string {
  switch (u.status) {
    case "waiting":
      return "Waiting…";
    case "uploading":
      return `${Math.round(progressOf(u) * 100)} %`;
    case "done":
      return formatBytes(u.size);
    case "failed":
      return u.error ?? "Failed.";
  }
}

/** The files waiting to go with the next message: a chip each with its progress, an error if any, and a remove button. */
export function PendingFiles({ queue }: { queue: UploadQueue }) {
  if (!queue.items.length) return null;
  return (
    <ul className="pending-files" aria-label="Files to send">
      {queue.items.map((u) => (
        <li key={u.key} className={`pending-file ${u.status}`} data-testid="pending-file" data-status={u.status}>
          <LocalPreview file={u.file} type={u.type} />
          <span className="file-text">
            <span className="file-name" title={u.name}>
              {u.name}
            </span>
            <span className={u.status === "failed" ? "file-error" : "hint"} role={u.status === "failed" ? "alert" : undefined}>
              {statusText(u)}
            </span>
            {(u.status === "uploading" || u.status === "waiting") && (
              <progress max={1} value={progressOf(u)} aria-label={`Uploading ${u.name}`} />
            )}
          </span>
          {u.status === "failed" && u.retryable && (
            <button type="button" className="link" onClick={() => queue.retry(u.key)}>
              Retry
            </button>
          )}
          <button type="button" className="icon small" aria-label={`Remove ${u.name}`} title="Remove" onClick={() => queue.remove(u.key)}>
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}
