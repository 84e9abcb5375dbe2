# Parley — the two commands: `make run` and `make test`.
GO      ?= go
PARLEY  := bin/parley

.PHONY: run build test vet fuzz bench cluster cluster-stop clean web web-test browser-test screenshots types types-check

run: build ## start Parley on the embedded default (http://localhost:8080)
	./$(PARLEY) serve

build: web ## build the web client, then the binary (with the client embedded) into bin/
	$(GO) build -o $(PARLEY) ./cmd/parley

# The web client (web/): npm ci only when node_modules is missing or older
# than the lockfile, the Vite build only when a source changed. The Go build
# does not need it: web/dist/unbuilt stands in (web/web.go).
WEB_SRC := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.ts web/vite.sw.config.ts web/tsconfig.json web/tsconfig.sw.json web/package.json
# A fresh checkout (a git worktree, say) has a newer lockfile than an
# installed tree that matches it: npm ci runs only when some package's
# installed version differs from the lockfile's (optional, platform-specific
# ones may be absent), never just for the file's time.
web/node_modules/.package-lock.json: web/package-lock.json
	cd web && { node scripts/installed.mjs || npm ci --no-audit --no-fund; }
	@touch $@
web/dist/app/index.html: web/node_modules/.package-lock.json $(WEB_SRC)
	cd web && npm run build
web: web/dist/app/index.html

web-test: web/node_modules/.package-lock.json ## Vitest: the client's state logic
	cd web && npm test

types: web/node_modules/.package-lock.json ## regenerate web/src/api/types.ts from api/openapi.yaml and api/frames.schema.json
	cd web && npm run gen:types

# The web client's API types are generated from the two contracts: a change
# to either without regenerating them fails here.
types-check: web/node_modules/.package-lock.json
	@tmp="$$(mktemp --suffix=.ts)"; trap 'rm -f "$$tmp"' EXIT; \
	(cd web && node scripts/gen-types.mjs "$$tmp") || exit 1; \
	if ! diff -u web/src/api/types.ts "$$tmp"; then \
		echo "web/src/api/types.ts is not what api/openapi.yaml and api/frames.schema.json generate: run 'make types' (or 'cd web && npm run gen:types') and commit it"; \
		exit 1; \
	fi

# Browser tests need Node and Chromium: with CI=true a missing one fails the
# run, locally the suite says why it skips (web/e2e/harness.mjs).
browser-test: build ## playwright-core + Debian's Chromium against a real bin/parley
	cd web && npm run test:browser

screenshots: build ## retake docs/screenshots/*.png from the browser tests
	cd web && UPDATE_SCREENSHOTS=1 npm run test:browser

vet:
	@unformatted="$$(gofmt -l .)"; if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

test: vet ## the full test suite (with CI=true, service-backed suites must run)
	$(GO) test -race -count=1 -timeout 20m ./...
	@if command -v node >/dev/null && command -v npm >/dev/null; then \
		$(MAKE) --no-print-directory types-check web-test browser-test; \
	elif [ "$$CI" = true ]; then \
		echo "web tests: Node and npm are required with CI=true"; exit 1; \
	else \
		echo "web tests skipped: Node and npm are not installed"; \
	fi

FUZZTIME ?= 30s
fuzz: ## run each fuzz target for FUZZTIME
	$(GO) test -run '^$$' -fuzz FuzzDecodeClientFrame -fuzztime $(FUZZTIME) ./internal/realtime
	$(GO) test -run '^$$' -fuzz FuzzDecodeRequest -fuzztime $(FUZZTIME) ./internal/httpapi
	$(GO) test -run '^$$' -fuzz FuzzParseSeq -fuzztime $(FUZZTIME) ./internal/httpapi
	$(GO) test -run '^$$' -fuzz FuzzNotifySettings -fuzztime $(FUZZTIME) ./internal/httpapi
	$(GO) test -run '^$$' -fuzz FuzzParseFrame -fuzztime $(FUZZTIME) ./internal/realtime
	$(GO) test -run '^$$' -fuzz FuzzValidateEmoji -fuzztime $(FUZZTIME) ./internal/chat
	$(GO) test -run '^$$' -fuzz FuzzParseMentions -fuzztime $(FUZZTIME) ./internal/chat
	$(GO) test -run '^$$' -fuzz FuzzTimeJSON -fuzztime $(FUZZTIME) ./internal/chat
	$(GO) test -run '^$$' -fuzz FuzzUploadBody -fuzztime $(FUZZTIME) ./internal/httpapi
	$(GO) test -run '^$$' -fuzz FuzzImage -fuzztime $(FUZZTIME) ./internal/media

bench: ## micro-benchmarks of the hot path
	$(GO) test -run '^$$' -bench . -benchmem ./internal/...

cluster: ## 3 nodes + nginx on 127.0.0.1:8080 against the local PostgreSQL and Redis (docs/operations.md)
	deploy/cluster.sh start

cluster-stop:
	deploy/cluster.sh stop

clean:
	rm -rf bin run web/dist/app
