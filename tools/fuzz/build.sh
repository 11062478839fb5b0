#!/usr/bin/env bash
# Builds the libFuzzer targets in tools/fuzz/targets/ outside the package's normal build, so the package stays
# an ordinary dependency (no unsafeFlags, no fuzz products):
#   1. SwiftPM builds the library modules the targets need (VitrineCatalog and everything under it) into their
#      own build folder with `--sanitize fuzzer --sanitize address`: coverage feedback and AddressSanitizer in
#      the Swift modules and in the C shims (libjpeg/libpng callers, resampler, kernels).
#   2. swiftc links each target's `@_cdecl("LLVMFuzzerTestOneInput")` entry point with those objects and
#      libFuzzer's main. The multipart target compiles the server's MultipartForm.swift in directly (the server
#      module needs Hummingbird, which is no parser of ours).
# Usage: tools/fuzz/build.sh [TARGET...]   (default: every target). Binaries go to $VITRINE_FUZZ_BUILD/bin
# (default .build-fuzz/bin). Works with the Swift 6.3 toolchain's clang runtime (libclang_rt.fuzzer).
set -euo pipefail
cd "$(dirname "$0")/../.."
build="${VITRINE_FUZZ_BUILD:-.build-fuzz}"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=()
    for file in tools/fuzz/targets/*.swift; do targets+=("$(basename "$file" .swift)"); done
fi

swiftpm="$build/swiftpm"
needs_modules=0
for target in "${targets[@]}"; do [ "$target" != multipart ] && needs_modules=1; done
if [ $needs_modules -eq 1 ]; then
    echo "== sanitized module build ($swiftpm) =="
    # Not `--sanitize fuzzer --sanitize address`: SwiftPM keeps those in a Set and emits one `-sanitize=X` per
    # member, and swiftc honours only the last one, so which of the two the Swift modules got changed from run
    # to run with Set order (coverage and no ASan, or ASan and no coverage). One combined flag is deterministic.
    swift build -c release --build-path "$swiftpm" \
        -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address \
        --target VitrineCatalog -Xswiftc -enable-testing 2>&1 | grep -v "warning: Cannot export local symbol" | tail -3
fi
products="$swiftpm/release"
ours=(CVitrineImageShim VitrineImage CVitrineKernels VitrineTensor VitrineCore VitrineModels VitrineStore VitrineCatalog)
mkdir -p "$build/bin"

module_flags=(-I "$products/Modules" -I "$products")
# Module maps of every C module in the graph (ours, generated ones, and the packages' own include/ maps):
# importing VitrineCatalog loads what VitrineStore imports (postgres-nio, swift-nio, swift-atomics …).
while IFS= read -r map; do module_flags+=(-Xcc "-fmodule-map-file=$map"); done < <(
    { ls "$products"/*.build/module.modulemap Sources/C*/module.modulemap 2>/dev/null
      find "$swiftpm/checkouts" -path '*/Sources/*' -name module.modulemap 2>/dev/null; } | sort -u)
for include in Sources/C*/include; do module_flags+=(-Xcc -I -Xcc "$include"); done
# Every module of ours must carry both instrumentations: coverage counters (without them libFuzzer runs blind,
# a few dozen edges instead of hundreds) and AddressSanitizer checks. Refuse to link binaries that lack either.
if [ $needs_modules -eq 1 ]; then
    for module in "${ours[@]}"; do
        symbols=$(find "$products/$module.build" -name '*.o' -exec nm {} + 2>/dev/null)
        for needed in __sanitizer_cov_8bit_counters_init __asan_; do
            grep -q "$needed" <<<"$symbols" || {
                echo "fuzz build: $module has no $needed references; its objects are not instrumented" >&2; exit 1; }
        done
    done
fi
# Our modules are linked whole; the packages' objects go into one archive, so the linker takes only the
# members something refers to (a module built but never used, like a zlib shim, pulls in nothing).
objects=()
for module in "${ours[@]}"; do
    while IFS= read -r object; do objects+=("$object"); done < <(find "$products/$module.build" -name '*.o' 2>/dev/null | sort)
done
dependencies=()
for dir in "$products"/*.build; do
    module=$(basename "$dir" .build)
    [[ " ${ours[*]} " == *" $module "* ]] && continue
    case "$module" in
        vitrine | vitrine_store_probe | vitrine-store-probe | bench_* | bench-* | *Tests | *PackageTests | *PackageDiscoveredTests) continue ;;
    esac
    while IFS= read -r object; do dependencies+=("$object"); done < <(find "$dir" -name '*.o' 2>/dev/null | sort)
done
archive="$build/libfuzz-dependencies.a"
rm -f "$archive"
if [ ${#dependencies[@]} -gt 0 ]; then
    printf '%s\0' "${dependencies[@]}" | xargs -0 ar rcs "$archive"
    objects+=("$archive")
fi

for target in "${targets[@]}"; do
    source="tools/fuzz/targets/$target.swift"
    [ -f "$source" ] || { echo "no fuzz target '$target' (tools/fuzz/targets/*.swift)" >&2; exit 2; }
    echo "== link $build/bin/fuzz-$target =="
    if [ "$target" = multipart ]; then
        swiftc -O -parse-as-library -sanitize=fuzzer,address -module-name FuzzMultipart "$source" \
            Sources/VitrineServer/HTTP/MultipartForm.swift -o "$build/bin/fuzz-$target" 2>&1 | grep -v "Cannot export local symbol" || true
    else
        swiftc -O -parse-as-library -sanitize=fuzzer,address -module-name "Fuzz_$target" "${module_flags[@]}" "$source" \
            "${objects[@]}" -ljpeg -lpng -lsqlite3 -lm -o "$build/bin/fuzz-$target" 2>&1 | grep -v "Cannot export local symbol" || true
    fi
    [ -x "$build/bin/fuzz-$target" ] || { echo "linking fuzz-$target failed" >&2; exit 1; }
done
