# Parley — the two commands: `make run` and `make test`.
GO      ?= go
PARLEY  := bin/parley

.PHONY: run build test vet fuzz bench cluster cluster-stop clean

run: build ## start Parley on the embedded default (http://localhost:8080)
	./$(PARLEY) serve

build: ## build the binary into bin/
	$(GO) build -o $(PARLEY) ./cmd/parley

vet:
	@unformatted="$$(gofmt -l .)"; if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

test: vet ## the full test suite (with CI=true, service-backed suites must run)
	$(GO) test -race -count=1 -timeout 20m ./...

FUZZTIME ?= 30s
fuzz: ## run each fuzz target for FUZZTIME
	$(GO) test -run '^$$' -fuzz FuzzDecodeClientFrame -fuzztime $(FUZZTIME) ./internal/realtime
	$(GO) test -run '^$$' -fuzz FuzzDecodeRequest -fuzztime $(FUZZTIME) ./internal/httpapi
	$(GO) test -run '^$$' -fuzz FuzzParseSeq -fuzztime $(FUZZTIME) ./internal/httpapi
	$(GO) test -run '^$$' -fuzz FuzzUploadBody -fuzztime $(FUZZTIME) ./internal/httpapi
	$(GO) test -run '^$$' -fuzz FuzzImage -fuzztime $(FUZZTIME) ./internal/media

bench: ## micro-benchmarks of the hot path
	$(GO) test -run '^$$' -bench . -benchmem ./internal/...

cluster: ## 3 nodes + nginx on 127.0.0.1:8080 against the local PostgreSQL and Redis (docs/operations.md)
	deploy/cluster.sh start

cluster-stop:
	deploy/cluster.sh stop

clean:
	rm -rf bin run
