import { useContext, useState } from "react";
import type { Attachment } from "../api/types";
import { formatBytes } from "../state/format";
import { ClientContext } from "./context";
import { Dialog } from "./Dialog";
import { IconDownload, IconFile } from "./icons";
import { saveFile, useMedia, useMediaCache } from "./media";

/** The longest side of an inline thumbnail, in CSS pixels. */
const thumbBox = 240;

/** The size an image is shown at inline: its shape, at most thumbBox on the long side, so nothing jumps when it loads. */
export function thumbSize(a: Pick<Attachment, "width" | "height">, box = thumbBox): { width: number; height: number } {
  if (!a.width || !a.height) return { width: box * 0.75, height: box * 0.75 };
  const scale = Math.min(1, box / a.width, box / a.height);
  return { width: Math.max(1, Math.round(a.width * scale)), height: Math.max(1, Math.round(a.height * scale)) };
}

/**
 * The files of a message: images (those the server decoded: they have a
 * thumbnail) inline, opening full size in a lightbox; everything else as a
 * chip with name, size and a download button. Nothing is ever opened as a
 * page: files are only shown as <img> or saved.
 */
export function MessageFiles({ files }: { files: Attachment[] }) {
  const [open, setOpen] = useState<Attachment | null>(null);
  const images = files.filter((a) => a.thumbnail_url);
  const others = files.filter((a) => !a.thumbnail_url);
  return (
    <div className="msg-files">
      {images.length > 0 && (
        <div className={`msg-images ${images.length > 1 ? "many" : ""}`}>
          {images.map((a) => (
            <ImageThumb key={a.id} a={a} onOpen={() => setOpen(a)} />
          ))}
        </div>
      )}
      {others.map((a) => (
        <FileChip key={a.id} a={a} />
      ))}
      {open && <Lightbox a={open} onClose={() => setOpen(null)} />}
    </div>
  );
}

function ImageThumb({ a, onOpen }: { a: Attachment; onOpen: () => void }) {
  const media = useMedia(a.thumbnail_url);
  if (media?.status === "failed") return <FileChip a={a} />;
  const size = thumbSize(a);
  return (
    <button type="button" className="thumb" style={size} aria-label={`Open image ${a.name}`} title={a.name} onClick={onOpen} data-testid="thumbnail">
      {media?.status === "ready" ? <img src={media.url} alt={a.name} width={size.width} height={size.height} /> : <span className="thumb-loading" aria-hidden="true" />}
    </button>
  );
}

/** A file to download: the name, the size, and a button that saves it under that name. */
export function FileChip({ a }: { a: Attachment }) {
  const client = useContext(ClientContext);
  const [busy, setBusy] = useState(false);
  const download = useDownload(a);
  return (
    <div className="file-chip" data-testid="file-chip">
      <IconFile />
      <span className="file-text">
        <FileName name={a.name} />
        <span className="hint">{formatBytes(a.size)}</span>
      </span>
      <button
        type="button"
        className="icon small"
        aria-label={`Download ${a.name}`}
        title="Download"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          const err = await download();
          setBusy(false);
          if (err) client?.notify(err);
        }}
      >
        <IconDownload />
      </button>
    </div>
  );
}

/** Characters kept whole at the end of a long name: the extension and a little before it. */
const nameTail = 8;

/** A file's name that, when too long for its chip, is cut in the middle ("quarterly-bu…2026.pdf"). */
function FileName({ name }: { name: string }) {
  const chars = [...name];
  const cut = Math.max(0, chars.length - nameTail);
  return (
    <span className="file-name" title={name}>
      <span className="file-name-start">{chars.slice(0, cut).join("")}</span>
      <span className="file-name-end">{chars.slice(cut).join("")}</span>
    </span>
  );
}

function useDownload(a: Attachment): () => Promise<string | null> {
  const cache = useMediaCache();
  return async () => {
    const err = await saveFile(cache, a.url, a.name);
    return err ? `Could not download ${a.name}: ${err}.` : null;
  };
}

/** The full image over everything: Escape or Close goes back; Download saves it. */
function Lightbox({ a, onClose }: { a: Attachment; onClose: () => void }) {
  const full = useMedia(a.url);
  const thumb = useMedia(a.thumbnail_url);
  const client = useContext(ClientContext);
  const download = useDownload(a);
  const shown = full?.status === "ready" ? full : thumb?.status === "ready" ? thumb : undefined;
  return (
    <Dialog title={a.name} onClose={onClose} className="lightbox">
      <figure className="lightbox-figure" aria-busy={full?.status === "loading"}>
        {shown && <img src={shown.url} alt={a.name} width={a.width} height={a.height} data-testid="lightbox-image" data-full={shown === full ? "" : undefined} />}
        <figcaption className="hint">
          {a.width && a.height ? `${a.width} × ${a.height} · ` : ""}
          {formatBytes(a.size)}
          {full?.status === "loading" && " · loading…"}
          {full?.status === "failed" && ` · could not load the full image (${full.message})`}
        </figcaption>
      </figure>
      <div className="row-actions">
        <button
          type="button"
          className="primary"
          onClick={async () => {
            const err = await download();
            if (err) client?.notify(err);
          }}
        >
          <IconDownload /> Download
        </button>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
