# The two commands: `make dev` (run it locally with demo data) and `make test` (everything CI runs).
# Each target is a script in scripts/, so it also runs without make. `FORCE_BUILD=1 make build`
# rebuilds even when build/ looks fresh.

.PHONY: dev test bench bench-pbkdf2 fuzz build fmt clean web-budgets web-screenshots

dev:
	bash scripts/dev.sh

test:
	bash scripts/test.sh

bench:
	bash scripts/bench.sh

bench-pbkdf2:
	bash scripts/bench_pbkdf2.sh

fuzz:
	bash scripts/fuzz.sh

web-budgets:
	node scripts/web_budgets.mjs

web-screenshots:
	node scripts/web_screenshots.mjs

build:
	bash scripts/toolchain.sh
	bash scripts/build.sh

fmt:
	bash scripts/fmt.sh

clean:
	bash scripts/clean.sh
