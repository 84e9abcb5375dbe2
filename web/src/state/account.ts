/** Minimum password length the server takes (api/openapi.yaml, signup and change). */
export const minPassword = 8;

const browsers: [RegExp, string][] = [
  [/Edg(A|iOS)?\//, "Edge"],
  [/OPR\//, "Opera"],
  [/Firefox\/|FxiOS\//, "Firefox"],
  [/HeadlessChrome\//, "Headless Chrome"],
  [/Chrome\/|CriOS\//, "Chrome"],
  [/Safari\//, "Safari"],
];
const systems: [RegExp, string][] = [
  [/Android/, "Android"],
  [/iPhone|iPad|iPod/, "iOS"],
  [/Windows/, "Windows"],
  [/Mac OS X|Macintosh/, "macOS"],
  [/CrOS/, "ChromeOS"],
  [/Linux/, "Linux"],
];

/** A session's device as a person would name it ("Firefox on Linux") from its login's User-Agent; the raw string when it says nothing known. */
export function deviceName(userAgent: string): string {
  const browser = browsers.find(([re]) => re.test(userAgent))?.[1];
  const system = systems.find(([re]) => re.test(userAgent))?.[1];
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? (userAgent.trim() || "Unknown device");
}

/** What is wrong with a new password before it is sent, or null. */
export function newPasswordError(next: string, again: string): string | null {
  if (next && [...next].length < minPassword) return `The new password needs at least ${minPassword} characters.`;
  if (again && next !== again) return "The two new passwords are not the same.";
  return null;
}
