// Exits 0 when node_modules holds exactly the versions web/package-lock.json
// names (the Makefile then skips npm ci), 1 otherwise. Optional packages
// for other platforms are never installed and do not count.
import { readFileSync } from "node:fs";

const packages = (file) => JSON.parse(readFileSync(new URL(`../${file}`, import.meta.url), "utf8")).packages;
try {
  const want = packages("package-lock.json");
  const have = packages("node_modules/.package-lock.json");
  const stale = Object.entries(want).filter(([path, p]) => path !== "" && !p.optional && have[path]?.version !== p.version);
  process.exit(stale.length === 0 ? 0 : 1);
} catch {
  process.exit(1);
}
