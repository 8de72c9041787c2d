# stampede: build, test, benchmark, fuzz.
GO        ?= go
FUZZTIME  ?= 10s
BENCHTIME ?= 1s
NODE_DEPS := testdata/node/node_modules/.package-lock.json

.PHONY: all build test test-short bench fuzz serve demo vet vuln fmt clean node-deps

all: build

build:
	$(GO) build -o bin/stampede ./cmd/stampede

## serve: the main job on the embedded default: the reference server on 127.0.0.1:8080.
serve: build
	./bin/stampede serve

## demo: serve + check + a mix of scenarios + a small capacity search, one HTML report in ./stampede-demo/.
demo: build
	./bin/stampede demo

## test: vet, then every test with the race detector (needs Node for the interop tests, Redis on 127.0.0.1:6379,
## python3-socketio and Chromium). The limits layer's tests flood their servers (LIM-6 sends 64 MiB), so they
## run on their own, after the rest: beside them, the lab's 300 ms pings would starve on a 2-core machine.
test: vet $(NODE_DEPS)
	$(GO) test -race -count=1 -timeout 15m $$($(GO) list ./... | grep -v '/conformance/limits$$')
	$(GO) test -race -count=1 -timeout 15m ./conformance/limits/

test-short:
	$(GO) test -short -count=1 ./...

## vet: go vet, gofmt, and staticcheck at the version go.mod pins (`tool` block).
vet:
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo 'gofmt needed'; exit 1; }

## vuln: govulncheck at the version go.mod pins. Not part of vet: it needs https://vuln.go.dev,
## which this project's CI machines cannot reach.
vuln:
	$(GO) tool govulncheck ./...

$(NODE_DEPS): testdata/node/package.json testdata/node/package-lock.json
	cd testdata/node && npm ci --no-audit --no-fund
	@touch $@

node-deps: $(NODE_DEPS)

## bench: benchmarks of the codecs, the room hub and the server (see README for figures).
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./...

## fuzz: every native fuzz target for FUZZTIME each.
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin
