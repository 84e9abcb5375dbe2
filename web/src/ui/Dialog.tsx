import { useEffect, useRef, type ReactNode } from "react";

/**
 * A modal <dialog>: the browser traps focus in it, closes it on Escape and
 * hands focus back to where it was.
 */
export function Dialog({ title, onClose, children, className = "" }: { title: string; onClose: () => void; children: ReactNode; className?: string }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className={`dialog ${className}`}
      aria-labelledby="dialog-title"
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <header className="dialog-head">
        <h2 id="dialog-title">{title}</h2>
        <button type="button" className="icon" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </header>
      <div className="dialog-body">{children}</div>
    </dialog>
  );
}

/** "alice, bob carol" → ["alice", "bob", "carol"] */
export function parseUsernames(s: string): string[] {
  return [...new Set(s.split(/[\s,;]+/).map((u) => u.replace(/^@/, "").trim().toLowerCase()).filter(Boolean))];
}
