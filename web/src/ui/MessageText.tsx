import { splitLinks } from "../state/linkify";
import { splitMentions } from "../state/mentions";

/**
 * Message text as text nodes — React escapes it — with http(s) URLs as links
 * that open in a new tab and tell the target nothing about this page, and
 * the mentions the server resolved highlighted (mine more strongly).
 * `mentioned` says which names are mentions; none are without it.
 */
export function MessageText({ text, mentioned, me }: { text: string; mentioned?: (name: string) => boolean; me?: string }) {
  return (
    <span className="text">
      {splitLinks(text).map((s, i) =>
        s.kind === "link" ? (
          <a key={i} href={s.href} target="_blank" rel="noopener noreferrer">
            {s.text}
          </a>
        ) : mentioned ? (
          splitMentions(s.text, mentioned).map((p, j) =>
            p.kind === "mention" ? (
              <span key={`${i}.${j}`} className={`mention ${p.name === me ? "me" : ""}`} data-testid="mention">
                {p.text}
              </span>
            ) : (
              <span key={`${i}.${j}`}>{p.text}</span>
            ),
          )
        ) : (
          <span key={i}>{s.text}</span>
        ),
      )}
    </span>
  );
}
