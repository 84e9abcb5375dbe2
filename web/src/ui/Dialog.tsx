import { useEffect, useRef, type ReactNode } from "react";

/**
 * A modal <dialog>: the browser traps focus in it and turns Escape into
 * onClose. Focus goes back to what opened it: React removes the element
 * before this effect's cleanup runs, and a detached <dialog> restores
 * nothing, so the opener is remembered here.
 */
export function Dialog({ title, onClose, children, className = "" }: { title: string; onClose: () => void; children: ReactNode; className?: string }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (d && !d.open) d.showModal();
    return () => {
      d?.close();
      // Only when nothing else has taken focus meanwhile (a room the dialog opened focuses its message box).
      const lost = !document.activeElement || document.activeElement === document.body || d?.contains(document.activeElement);
      if (lost && opener?.isConnected) opener.focus();
    };
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
