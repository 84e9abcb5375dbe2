export type Segment = { kind: "text"; text: string } | { kind: "link"; text: string; href: string };

const urlPattern = /\bhttps?:\/\/[^\s<>"'`]+/gi;
// Punctuation that ends a sentence rather than the URL ("see https://x.org.").
const trailing = /[.,;:!?'")\]}>]+$/;

/**
 * Splits message text into plain text and links. Only http(s) URLs become
 * links, and only when the URL parser agrees; everything else stays text,
 * which the view renders as text nodes (never as HTML).
 */
export function splitLinks(text: string): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  for (const match of text.matchAll(urlPattern)) {
    let url = match[0];
    const start = match.index;
    // Keep a closing paren that closes one inside the URL (wiki links).
    const cut = url.match(trailing)?.[0] ?? "";
    if (cut) {
      let keep = cut.length;
      let body = url.slice(0, url.length - cut.length);
      for (let i = 0; i < cut.length && cut[i] === ")" && count(body, "(") > count(body, ")"); i++) {
        body += ")";
        keep--;
      }
      url = url.slice(0, url.length - keep);
    }
    const href = safeHref(url);
    if (!href) continue;
    if (start > last) out.push({ kind: "text", text: text.slice(last, start) });
    out.push({ kind: "link", text: url, href });
    last = start + url.length;
  }
  if (last < text.length) out.push({ kind: "text", text: text.slice(last) });
  return out;
}

function count(s: string, ch: string): number {
  let n = 0;
  for (const c of s) if (c === ch) n++;
  return n;
}

function safeHref(raw: string): string | null {
  try {
    const u = new URL(raw);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch {
    return null;
  }
}
