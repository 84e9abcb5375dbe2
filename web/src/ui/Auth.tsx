import { useState, type FormEvent } from "react";
import { ApiError } from "../api/rest";
import { useClient } from "./context";
import { lengthError, limits } from "../state/limits";

/** Sign up and log in. Signing up logs in straight after. */
export function AuthScreen() {
  const client = useClient();
  const [mode, setMode] = useState<"login" | "signup">("login");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [displayName, setDisplayName] = useState("");
  const nameTooLong = mode === "signup" ? lengthError("The display name", displayName.trim(), limits.displayName) : "";
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      const u = username.trim().toLowerCase();
      if (mode === "signup") await client.signup(u, password, displayName.trim());
      else await client.login(u, password);
    } catch (err) {
      setError(describe(err, mode));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="auth">
      <form className="auth-card" onSubmit={submit} aria-labelledby="auth-title">
        <div className="auth-logo" aria-hidden="true">
          <img src="/favicon.svg" alt="" width="56" height="56" />
        </div>
        <h1 id="auth-title">{mode === "login" ? "Log in to Parley" : "Create your Parley account"}</h1>
        <label>
          Username
          <input
            name="username"
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            required
            minLength={3}
            maxLength={32}
            pattern="[A-Za-z0-9_.]{3,32}"
            title="3–32 letters, digits, _ or ."
            value={username}
            onChange={(e) => setUsername(e.target.value)}
          />
        </label>
        {mode === "signup" && (
          <label>
            Display name <span className="hint">(optional)</span>
            <input
              name="display_name"
              autoComplete="nickname"
              value={displayName}
              onChange={(e) => setDisplayName(e.target.value)}
            />
          </label>
        )}
        {nameTooLong && <p className="form-error">{nameTooLong}</p>}
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete={mode === "login" ? "current-password" : "new-password"}
            required
            minLength={mode === "signup" ? 8 : 1}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy || !!nameTooLong}>
          {mode === "login" ? "Log in" : "Sign up"}
        </button>
        <p className="auth-switch">
          {mode === "login" ? "New here?" : "Already have an account?"}{" "}
          <button
            type="button"
            className="link"
            onClick={() => {
              setMode(mode === "login" ? "signup" : "login");
              setError("");
            }}
          >
            {mode === "login" ? "Create an account" : "Log in"}
          </button>
        </p>
      </form>
    </main>
  );
}

function describe(err: unknown, mode: "login" | "signup"): string {
  if (!(err instanceof ApiError)) return "Something went wrong.";
  switch (err.code) {
    case "unauthorized":
      return "Wrong username or password.";
    case "conflict":
      return mode === "signup" ? "That username is taken." : err.message;
    case "rate_limited":
      return "Too many attempts. Wait a minute and try again.";
    case "network":
      return "Cannot reach the server.";
    default:
      return err.message;
  }
}
