# Encore: the two set-up commands are `make demo` and `make test` (see README.md).
.PHONY: deps build release test demo bench validate format clean

deps:
	@bash .ci/install-deps

build: deps
	swift build

release: deps
	swift build -c release --product encore

# The test command (CI runs it). Builds the executable too, which `pipelines validate` uses.
test: deps
	swift build --build-tests
	swift test --skip-build

# The main job on the embedded default: no external broker needed.
demo: release
	.build/release/encore demo

bench: release
	.build/release/encore bench decode
	.build/release/encore bench ingest

validate: build
	.build/debug/encore pipelines validate

format:
	swift format --in-place --recursive Sources Tests

clean:
	rm -rf .build
