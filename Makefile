# Answers console: build, run and test.
#
# `make test` is all CI needs: it installs what is missing (npm packages,
# Debian's chromium, postgresql and Java, golangci-lint), then runs vet, the
# linters, the unit tests on SQLite, the database suites again on a
# throwaway PostgreSQL cluster, and the browser tests (which also run
# axe-core and the Nu HTML Checker over every page).

SHELL := /bin/bash
.DEFAULT_GOAL := build

# Marker npm writes on every install; newer than the lock file means up to date.
NODE_STAMP := node_modules/.package-lock.json
VENDOR     := static/vendor
ASSETS     := $(VENDOR)/htmx.min.js $(VENDOR)/pico.min.css
DRIVER_DIR := e2e/.driver
# golangci-lint v2, pinned, installed into a project-local (ignored) bin dir.
GOLANGCI_VERSION := v2.15.0
TOOLS_BIN        := .tools/bin
GOLANGCI         := $(TOOLS_BIN)/golangci-lint

# Use sudo for apt-get only when not root and sudo exists.
SUDO := $(shell if [ "$$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then echo sudo; fi)
# Wait for another apt/dpkg run instead of failing on its lock.
APT_GET := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900

.PHONY: deps node chromium postgres java lint assets generate build run test check vet unit unit-postgres e2e driver bench soak fuzz fmt clean distclean

# deps: everything the build and the tests need from outside Go.
deps: $(NODE_STAMP) chromium postgres java

# node: Node.js and npm from Debian, only if npm is missing.
node:
	@command -v npm >/dev/null 2>&1 || { \
		echo "npm not found: installing Debian nodejs and npm"; \
		$(APT_GET) update && $(APT_GET) install -y nodejs npm; }

# node_modules: `npm ci` when missing or older than package-lock.json.
$(NODE_STAMP): package-lock.json | node
	npm ci --no-audit --no-fund
	@touch $@

# chromium: Debian's chromium, unless present or $CHROMIUM_PATH names another.
chromium:
	@if [ -z "$${CHROMIUM_PATH:-}" ] && [ ! -x /usr/bin/chromium ]; then \
		echo "/usr/bin/chromium not found: installing Debian chromium"; \
		$(APT_GET) update && $(APT_GET) install -y chromium; \
	fi

# postgres: Debian's PostgreSQL server binaries, unless some version's are
# there (the tests start their own throwaway cluster; see db/testcluster.sh).
postgres:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		echo "PostgreSQL server binaries not found: installing Debian postgresql"; \
		$(APT_GET) update && $(APT_GET) install -y postgresql; \
	fi

# java: a Java runtime for the Nu HTML Checker (npm vnu-jar), from Debian,
# only if java is missing.
java:
	@command -v java >/dev/null 2>&1 || { \
		echo "java not found: installing Debian default-jre-headless"; \
		$(APT_GET) update && $(APT_GET) install -y default-jre-headless; }

# assets: vendored htmx and Pico CSS, copied only when node_modules changed.
assets: $(ASSETS)

$(VENDOR)/htmx.min.js: $(NODE_STAMP)
	@mkdir -p $(@D)
	cp node_modules/htmx.org/dist/htmx.min.js $@

$(VENDOR)/pico.min.css: $(NODE_STAMP)
	@mkdir -p $(@D)
	cp node_modules/@picocss/pico/css/pico.min.css $@

# generate: Go code from the templ views.
generate:
	go tool templ generate

# build: the answers binary in bin/.
build: assets generate
	go build -o bin/answers ./cmd/answers

# run: a fresh demo server (address from $ANSWERS_ADDR, default 127.0.0.1:8080).
run: build
	rm -f .run/demo.db*
	mkdir -p .run
	./bin/answers serve --demo --db .run/demo.db --addr $${ANSWERS_ADDR:-127.0.0.1:8080}

# test: install what is missing, then the stages of TEST_GROUPS. The
# groups run one after another; the stages of a group (joined by "+") run
# side by side, each one's output held and printed whole when it ends, so
# outputs never interleave. Stages share no state: each test has its own
# database copy, unit-postgres its own throwaway cluster, the browser tests
# their own servers on free ports. A failed stage fails make test after
# its group (its output is printed like any other). Each stage's wall and
# CPU time (user+sys of its processes; a PostgreSQL server's own is not
# counted) and the total wall time are printed at the end.
#
# Why these groups, on 2 cores: the fast checks fill the gaps of the race
# pass, and the PostgreSQL pass runs beside the browser tests, which mostly
# wait for the browser. TEST_GROUPS="check vet lint unit unit-postgres e2e"
# runs every stage alone, one after another.
TEST_GROUPS ?= check+vet+lint+unit unit-postgres+e2e
test: deps assets generate
	@logs=$$(mktemp -d /tmp/answers-test.XXXXXX); trap 'rm -rf "$$logs"' EXIT; \
	trap 'kill $$(jobs -p) 2>/dev/null; exit 130' INT TERM; \
	secs() { awk '{ n = split($$0, f, /[ms]/); print f[1] * 60 + f[2] }' <<<"$$1"; }; \
	times=(); status=0; failed=(); t0=$$(date +%s); \
	for group in $(TEST_GROUPS); do \
		stages=($${group//+/ }); declare -A pid_stage=(); \
		for stage in "$${stages[@]}"; do \
			( start=$$(date +%s); \
			  if [ $${#stages[@]} -eq 1 ]; then $(MAKE) --no-print-directory $$stage; \
			  else $(MAKE) --no-print-directory $$stage >"$$logs/$$stage.log" 2>&1; fi; rc=$$?; \
			  times >"$$logs/$$stage.cpu"; cpu=($$(tail -n 1 "$$logs/$$stage.cpu")); \
			  echo "$$rc $$(( $$(date +%s) - start )) $$(secs $${cpu[0]}) $$(secs $${cpu[1]})" >"$$logs/$$stage.done"; \
			  exit $$rc ) & \
			pid_stage[$$!]=$$stage; \
			[ $${#stages[@]} -eq 1 ] || echo "== $$stage: started beside the others of $$group"; \
		done; \
		while [ $${#pid_stage[@]} -gt 0 ]; do \
			wait -n -p done_pid "$${!pid_stage[@]}"; \
			stage=$${pid_stage[$$done_pid]}; unset "pid_stage[$$done_pid]"; \
			read -r rc wall user sys <"$$logs/$$stage.done"; \
			if [ $${#stages[@]} -gt 1 ]; then \
				echo "== $$stage: output ($$([ $$rc -eq 0 ] && echo ok || echo FAILED), $$wall s)"; \
				cat "$$logs/$$stage.log"; \
			fi; \
			times+=("$$(printf '%-14s %4d s wall %6.1f s cpu (%s)%s' $$stage $$wall $$(awk "BEGIN { print $$user + $$sys }") "$$group" "$$([ $$rc -eq 0 ] || echo '  FAILED')")"); \
			if [ $$rc -ne 0 ]; then status=$$rc; failed+=($$stage); fi; \
		done; \
		[ $$status -eq 0 ] || break; \
	done; \
	echo "== make test stages (wall and CPU time; stages joined by + ran side by side)"; \
	printf '   %s\n' "$${times[@]}"; \
	printf '   %-14s %4d s wall\n' total $$(( $$(date +%s) - t0 )); \
	[ $$status -eq 0 ] || echo "== make test FAILED in: $${failed[*]}"; \
	exit $$status

# check: in CI, the committed templ output is current and Go code is gofmt'ed.
check:
	@if [ -n "$${CI:-}" ] && git rev-parse --git-dir >/dev/null 2>&1; then \
		git diff --exit-code --stat -- '*_templ.go' || { echo "templ output is stale: run 'make generate' and commit"; exit 1; }; \
	fi
	@f=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './node_modules/*')); \
		if [ -n "$$f" ]; then echo "gofmt would change: $$f"; exit 1; fi

# vet: go vet, including the e2e package (behind the e2e build tag).
vet:
	go vet ./...
	go vet -tags e2e ./e2e/...

# lint: staticcheck (a Go tool of the module) and golangci-lint with the
# committed .golangci.yml, both including the e2e package.
lint: $(GOLANGCI)
	go tool staticcheck ./...
	go tool staticcheck -tags e2e ./e2e/...
	$(GOLANGCI) run ./...

# golangci-lint at the pinned version, unless that version is there already.
$(GOLANGCI):
	@mkdir -p $(TOOLS_BIN)
	GOBIN="$(CURDIR)/$(TOOLS_BIN)" go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_VERSION)

# The packages whose tests take longest, longest first. go test starts
# packages in the order it is given them (-p at a time, one per core), so
# naming these first keeps a long one from starting last and running alone
# on one core at the end while the other core idles.
MODULE        := github.com/answers-console/answers
SLOW_PACKAGES := $(addprefix $(MODULE)/,web e2e/reliability cmd/answers internal/seed internal/routing \
	internal/store internal/analytics internal/accounts internal/lifecycle internal/chatbots)

# unit: all Go tests except the browser tests, with the race detector
# (20 minutes a package, as on PostgreSQL: at a load of 16 on 2 cores the
# web package passed the default 10).
unit:
	go test -race -count=1 -timeout 20m $(SLOW_PACKAGES) ./...

# The packages whose tests open a database (through testkit or testdb):
# they run a second time on PostgreSQL.
DB_PACKAGES = $(shell go list -f '{{.ImportPath}} {{join .Imports " "}} {{join .TestImports " "}} {{join .XTestImports " "}}' ./... \
	| grep -E ' github.com/answers-console/answers/internal/(testkit|testdb)( |$$)' | cut -d' ' -f1)
# The same, the slow ones first (see SLOW_PACKAGES); go list runs once.
slow_first          = $(foreach p,$(SLOW_PACKAGES),$(filter $(p),$(1))) $(filter-out $(SLOW_PACKAGES),$(1))
DB_PACKAGES_ORDERED = $(call slow_first,$(DB_PACKAGES))

# unit-postgres: the database packages' tests on PostgreSQL. A throwaway
# cluster is started (initdb in a temp dir, a free loopback port) and
# stopped again, unless ANSWERS_TEST_POSTGRES already names a server. The
# race detector runs on the SQLite pass (every package, the same Go code
# above the store); this pass checks what PostgreSQL does differently
# (locks, isolation, replicas) at full speed. UNIT_PG_FLAGS=-race adds it.
UNIT_PG_FLAGS ?=
unit-postgres: postgres
	@if [ -n "$${ANSWERS_TEST_POSTGRES:-}" ]; then \
		go test $(UNIT_PG_FLAGS) -count=1 -timeout 20m $(DB_PACKAGES_ORDERED); \
	else \
		dir=$$(mktemp -d /tmp/answers-pg.XXXXXX); \
		trap 'db/testcluster.sh stop "'$$dir'"' EXIT; \
		url=$$(db/testcluster.sh start "$$dir") || exit 1; \
		echo "PostgreSQL test cluster: $$url"; \
		ANSWERS_TEST_POSTGRES="$$url" go test $(UNIT_PG_FLAGS) -count=1 -timeout 20m $(DB_PACKAGES_ORDERED); \
	fi

# driver: Playwright driver directory whose package/ is the npm playwright-core.
driver: $(DRIVER_DIR)/package

$(DRIVER_DIR)/package: | $(NODE_STAMP)
	@mkdir -p $(DRIVER_DIR)
	ln -sfn ../../node_modules/playwright-core $@

# e2e: browser tests, driving Debian's chromium through playwright-go.
e2e: driver java
	PLAYWRIGHT_DRIVER_PATH="$(CURDIR)/$(DRIVER_DIR)" \
	PLAYWRIGHT_NODEJS_PATH="$(shell command -v node)" \
	CHROMIUM_PATH="$${CHROMIUM_PATH:-/usr/bin/chromium}" \
		go test -tags e2e -count=1 -timeout 15m ./e2e/

# bench: the benchmark of SPEC §8, apart from test (it takes minutes and its
# figures depend on the machine). Seeds .bench/ once with answers seed (10,000
# chatbots, 1,000,000 sessions, 1,000,000 audit entries; reused while it
# fits), runs answers serve on a copy, prints the table and writes
# .bench/results.json. Flags go in BENCH_FLAGS, e.g. BENCH_FLAGS=-profile
# (CPU profiles in .bench/profiles) or BENCH_FLAGS=-reseed.
bench: build
	go build -o bin/answers-bench ./cmd/answers-bench
	./bin/answers-bench -answers bin/answers $(BENCH_FLAGS)

# soak: the long forms of the reliability suite (kill -9 rounds, the
# many-clients soak) on SQLite, then on PostgreSQL with the replicas test
# (a leader killed every round), then every fuzz target for FUZZTIME each.
SOAK_ROUNDS  ?= 30
SOAK_SECONDS ?= 120
FUZZTIME     ?= 60s
# The crash test's server is a separate, plain build, so the test itself
# runs without -race (which would only slow its checks); the soak is
# in process and runs with it.
soak: assets generate postgres
	SOAK=1 SOAK_ROUNDS=$(SOAK_ROUNDS) go test -count=1 -timeout 60m -v -run '^TestCrashSafety$$' ./e2e/reliability/
	SOAK=1 SOAK_SECONDS=$(SOAK_SECONDS) go test -race -count=1 -timeout 60m -v -run '^TestSoak$$' ./e2e/reliability/
	@dir=$$(mktemp -d /tmp/answers-pg.XXXXXX); \
		trap 'db/testcluster.sh stop "'$$dir'"' EXIT; \
		url=$${ANSWERS_TEST_POSTGRES:-$$(db/testcluster.sh start "$$dir")} || exit 1; \
		SOAK=1 SOAK_ROUNDS=$(SOAK_ROUNDS) SOAK_SECONDS=$(SOAK_SECONDS) ANSWERS_TEST_POSTGRES="$$url" \
			go test -count=1 -timeout 60m -v -run '^(TestCrashSafety|TestReplicas|TestSoak)$$' ./e2e/reliability/
	$(MAKE) --no-print-directory fuzz

# Every fuzz target as package-dir:FuzzName, found in the test files, so a
# new target is fuzzed without editing this file.
FUZZ_TARGETS = $(shell grep -ro --include='*_test.go' --exclude-dir=node_modules '^func Fuzz[A-Za-z0-9_]*' . \
	| sed 's|^\./\(.*\)/[^/]*:func |\1:|' | sort)

# fuzz: each fuzz target for FUZZTIME (Go fuzzes one target per run).
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		echo "== $${t#*:} in ./$${t%%:*} for $(FUZZTIME)"; \
		go test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) ./$${t%%:*} || exit 1; \
	done

# fmt: format templ and Go sources.
fmt:
	go tool templ fmt .
	gofmt -w $$(find . -name '*.go' -not -path './node_modules/*' -not -path './.git/*')

# clean: remove build output, vendored assets, the demo database, the driver
# link, the benchmark's cached seed and golangci-lint.
clean:
	rm -rf bin $(VENDOR) .run $(DRIVER_DIR) .bench .tools

# distclean: clean, and remove node_modules too.
distclean: clean
	rm -rf node_modules
