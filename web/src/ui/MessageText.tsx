import { splitLinks } from "../state/linkify";

/**
 * Message text as text nodes — React escapes it — with http(s) URLs as links
 * that open in a new tab and tell the target nothing about this page.
 */
export function MessageText({ text }: { text: string }) {
  return (
    <span className="text">
      {splitLinks(text).map((s, i) =>
        s.kind === "link" ? (
          <a key={i} href={s.href} target="_blank" rel="noopener noreferrer">
            {s.text}
          </a>
        ) : (
          <span key={i}>{s.text}</span>
        ),
      )}
    </span>
  );
}
