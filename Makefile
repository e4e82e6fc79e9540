# Everything a fresh machine with only Go needs: `make run` and `make test`.
SHELL := /bin/bash
GO ?= go
VERSION ?= $(shell git describe --tags --match 'v[0-9]*' --dirty 2>/dev/null | sed 's/^v//' || true)
ifeq ($(VERSION),)
VERSION := 0.1.0-dev
endif
LDFLAGS := -s -w -X main.version=$(VERSION)
BIN := bin
TOOLS := $(CURDIR)/.tools
# First-party plugins that ship with the core distribution ("bundled": true
# in their manifest). The others (e.g. mattermost) are only published to the
# registry (`make registry`) and installed with `openclaw plugins install`.
PLUGINS := $(patsubst plugins/%/openclaw.plugin.json,%,$(shell grep -l '"bundled": *true' plugins/*/openclaw.plugin.json))

.PHONY: all build cli plugins run test test-unit test-e2e bench proto proto-check fmt clean registry node e2e-deps

all: build

build: cli plugins

cli:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/openclaw ./cmd/openclaw

# Each plugin lands in bin/plugins/<id>/ with its manifest beside the binary,
# and a SHA256SUMS the gateway checks the binary against before every start.
plugins: $(addprefix plugin-,$(PLUGINS))

plugin-%:
	@mkdir -p $(BIN)/plugins/$*
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/plugins/$*/openclaw-plugin-$* ./plugins/$*
	cp plugins/$*/openclaw.plugin.json $(BIN)/plugins/$*/openclaw.plugin.json
	cd $(BIN)/plugins/$* && sha256sum openclaw-plugin-$* > SHA256SUMS

run: build
	./$(BIN)/openclaw gateway run

test: build e2e-deps proto-check
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.tools/*'))" || (echo "gofmt needed:"; gofmt -l .; exit 1)
	$(GO) test -race -count=1 ./...

test-unit:
	$(GO) test -race -count=1 $$($(GO) list ./... | grep -v /e2e)

test-e2e: build e2e-deps
	$(GO) test -race -count=1 ./e2e/...

# Node.js 24 and npm, pinned and checked against the registry's integrity,
# into .tools/node: some end-to-end tests drive emulators published on npm.
NODE_DIR := $(TOOLS)/node
# Every folder under e2e/ with npm test dependencies.
NPM_DIRS = $(sort $(patsubst %/package.json,%,$(shell find e2e -name package.json -not -path '*/node_modules/*')))

node:
	$(GO) run ./e2e/tools/fetchnode -dir $(NODE_DIR)

# Installs each folder's locked dependencies (npm ci; npm install only where
# no package-lock.json exists yet: commit the one it writes). Failures only
# warn: without Node or the registry the tests that need them skip.
test test-e2e e2e-deps bench: export PATH := $(NODE_DIR)/bin:$(PATH)
e2e-deps:
	@$(MAKE) --no-print-directory node || echo "warning: could not install Node.js 24 into $(NODE_DIR); tests that need it or npm packages may skip" >&2
	@command -v npm >/dev/null || { echo "warning: no npm in PATH; skipping npm dependencies of $(NPM_DIRS)" >&2; exit 0; }; \
	for d in $(NPM_DIRS); do \
	  if [ "$$d/node_modules/.package-lock.json" -nt "$$d/package-lock.json" ] && [ "$$d/node_modules/.package-lock.json" -nt "$$d/package.json" ]; then continue; fi; \
	  if [ -f "$$d/package-lock.json" ]; then cmd=ci; else cmd=install; fi; \
	  echo "npm $$cmd --prefix $$d"; \
	  npm $$cmd --no-audit --no-fund --prefix "$$d" || echo "warning: npm $$cmd in $$d failed; tests that need its packages will skip" >&2; \
	done

bench: build e2e-deps
	$(GO) test -run '^$$' -bench . -benchmem ./...
	OPENCLAW_BENCH_RESULTS=$(CURDIR)/bench/results.json $(GO) test -count=1 -run 'TestBench' -v ./e2e/...

# Protobuf generation: buf and the protoc plugins are installed from the Go
# module proxy into .tools, pinned.
$(TOOLS)/buf:
	GOBIN=$(TOOLS) $(GO) install github.com/bufbuild/buf/cmd/buf@v1.75.0
$(TOOLS)/protoc-gen-go:
	GOBIN=$(TOOLS) $(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
$(TOOLS)/protoc-gen-go-grpc:
	GOBIN=$(TOOLS) $(GO) install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.0

proto: $(TOOLS)/buf $(TOOLS)/protoc-gen-go $(TOOLS)/protoc-gen-go-grpc
	cd proto && PATH=$(TOOLS):$$PATH buf lint && PATH=$(TOOLS):$$PATH buf generate

# The contract is checked on every test run: lint, no breaking change
# against main, and the committed Go code matches the .proto files.
proto-check: proto
	cd proto && $(TOOLS)/buf breaking --against '../.git#branch=main,subdir=proto'
	@git diff --quiet -- proto || (echo "proto: generated code is out of date; commit the output of make proto"; git --no-pager diff --stat -- proto; exit 1)

fmt:
	gofmt -w $$(find . -name '*.go' -not -path './.tools/*')

# A local plugin registry: every first-party plugin (each folder with an
# openclaw.plugin.json under plugins/) built for each release platform,
# packed one bundle per platform and published into $(REGISTRY_DIR), signed
# with a development key created on first use beside it. Bundled and
# installable-only plugins (mattermost) alike are published; which ones ship
# with the core is the manifests' "bundled" flag. The folder is rebuilt on
# every run; the key is kept so a trusted key stays valid. Serve it with
# `bin/openclaw registry serve $(REGISTRY_DIR)` and trust $(REGISTRY_KEY:.key=.pub).
REGISTRY_DIR ?= build/registry
REGISTRY_KEY ?= build/registry-key/dev.key
REGISTRY_PLATFORMS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64

registry: cli
	@set -euo pipefail; \
	test -f $(REGISTRY_KEY) || $(BIN)/openclaw registry keygen --out $(dir $(REGISTRY_KEY)) --name $(basename $(notdir $(REGISTRY_KEY))); \
	rm -rf build/bundles build/registry-bin $(REGISTRY_DIR); mkdir -p build/bundles; \
	for m in plugins/*/openclaw.plugin.json; do \
	  [ -e "$$m" ] || continue; dir=$$(dirname "$$m"); id=$$(basename "$$dir"); \
	  for p in $(REGISTRY_PLATFORMS); do \
	    out=build/registry-bin/$$id/$${p/\//_}/plugin; \
	    echo "build $$id for $$p"; \
	    GOOS=$${p%/*} GOARCH=$${p#*/} CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o "$$out" ./$$dir; \
	    $(BIN)/openclaw registry pack --binary "$$out" --platform "$$p" --out build/bundles "$$dir" >/dev/null; \
	  done; \
	done; \
	mkdir -p $(REGISTRY_DIR); \
	if compgen -G 'build/bundles/*.tar.gz' >/dev/null; then \
	  $(BIN)/openclaw registry publish --key $(REGISTRY_KEY) --dir $(REGISTRY_DIR) build/bundles/*.tar.gz; \
	fi; \
	echo "registry in $(REGISTRY_DIR), signed by $$(cat $(REGISTRY_KEY:.key=.pub))"

clean:
	rm -rf $(BIN) bench/results.json
