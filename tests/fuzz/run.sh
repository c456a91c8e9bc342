#!/bin/sh
# run.sh: build pforkd's libFuzzer harnesses with clang and run each one
# for a bounded time.  "make fuzz" runs it from a configured build tree:
#
#   run.sh HARNESS.c...
#
# The library's sources are compiled straight into _fuzz/ of the build
# tree, with the fuzzing sanitizers and the build tree's config.h, so it
# works alike in a tree configured in place and in a VPATH build.  Read
# from the environment:
#
#   top_srcdir, top_builddir   the source tree; the configured build tree
#   LIBRARY_SOURCES            the .c files of libpforkd.a (either tree)
#   FUZZ_CPPFLAGS              the library's -D flags
#   FUZZ_LIBS                  what the link needs besides the library
#   FUZZ_SECONDS               how long each harness runs (default 60)
#   FUZZ_CC                    the compiler (default clang)
#   FUZZ_CFLAGS                more compiler flags (CI adds -Werror)
#   FUZZ_JOBS                  compilers run at once (default 2)
#   FUZZ_REQUIRED              1: fail rather than skip without libFuzzer
#
# Each harness's new inputs go to _fuzz/corpus/NAME/, crashing ones to
# _fuzz/crashes/, its output to _fuzz/logs/NAME.log; the summary (seconds,
# executions, libFuzzer's cov: figure, crashes) ends the output and is kept
# in _fuzz/summary.txt.  The exit status is 1 if a harness crashed.
set -u

src=$(cd "${top_srcdir:-.}" && pwd) || exit 2
build=$(cd "${top_builddir:-.}" && pwd) || exit 2
seconds=${FUZZ_SECONDS:-60}
cc=${FUZZ_CC:-clang}
jobs=${FUZZ_JOBS:-2}
out=$build/_fuzz
sanitizers="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
cflags="-g -O1 -fno-omit-frame-pointer -std=c99 -Wall -Wextra $sanitizers ${FUZZ_CFLAGS:-}"
includes="-I$src/src -I$src -I$build"

# Say why nothing ran; a skip fails only when FUZZ_REQUIRED is 1.
skip() {
	echo "make fuzz: skipped: $1"
	[ "${FUZZ_REQUIRED:-0}" = 1 ] && exit 1
	exit 0
}

# Whether the compiler links a libFuzzer target.
have_libfuzzer() {
	mkdir -p "$out" || return 1
	printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
	    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)' \
	    '{ (void)d; (void)n; return 0; }' >"$out/probe.c"
	"$cc" -fsanitize=fuzzer,address,undefined "$out/probe.c" \
	    -o "$out/probe" >/dev/null 2>&1
}

# The path of a library source in the source or the build tree.
locate() {
	if [ -f "$src/$1" ]; then
		echo "$src/$1"
	elif [ -f "$build/$1" ]; then
		echo "$build/$1"
	else
		echo "make fuzz: $1 not found" >&2
		return 1
	fi
}

# Forget the objects if the flags, a header or config.h changed since.
drop_stale_objects() {
	flags="$cc $cflags $includes ${FUZZ_CPPFLAGS:-}"
	if [ -f "$out/obj/.made" ] && { [ "$(cat "$out/obj/.flags" \
	    2>/dev/null)" != "$flags" ] || [ -n "$(find "$src/src" \
	    "$src/compat" "$src/backends" "$build/config.h" -name '*.h' \
	    -newer "$out/obj/.made" 2>/dev/null | head -n 1)" ]; }; then
		rm -rf "$out/obj"
	fi
	mkdir -p "$out/obj" && printf '%s\n' "$flags" >"$out/obj/.flags"
}

# Wait for the compilers started in $pids; 1 if one of them failed.
wait_compilers() {
	status=0
	for pid in $pids; do
		wait "$pid" || status=1
	done
	pids=
	return $status
}

# Compile the library's sources (jobs at a time) and archive them.
build_library() {
	objects=
	pids=
	running=0
	failed=0
	drop_stale_objects
	for file in $LIBRARY_SOURCES; do
		case $file in *.c) ;; *) continue ;; esac
		path=$(locate "$file") || return 1
		object=$out/obj/$(echo "$file" | tr / _ | sed 's/\.c$/.o/')
		objects="$objects $object"
		[ -f "$object" ] &&
		    [ -n "$(find "$object" -newer "$path")" ] && continue
		# shellcheck disable=SC2086
		$cc $cflags -fsanitize=fuzzer-no-link $includes \
		    ${FUZZ_CPPFLAGS:-} -c "$path" -o "$object" &
		pids="$pids $!"
		running=$((running + 1))
		if [ "$running" -ge "$jobs" ]; then
			wait_compilers || failed=1
			running=0
		fi
	done
	wait_compilers || failed=1
	[ "$failed" -eq 0 ] || return 1
	# shellcheck disable=SC2086
	rm -f "$out/libpforkd-fuzz.a" &&
	    ar cr "$out/libpforkd-fuzz.a" $objects &&
	    touch "$out/obj/.made"
}

# Compile and link one harness against the library.
build_harness() {
	name=$1
	file=$2
	mkdir -p "$out/bin"
	# shellcheck disable=SC2086
	$cc $cflags -fsanitize=fuzzer $includes ${FUZZ_CPPFLAGS:-} \
	    "$file" "$out/libpforkd-fuzz.a" ${FUZZ_LIBS:-} -lm \
	    -o "$out/bin/$name"
}

# The flags one harness runs with besides the common ones.
harness_flags() {
	case $1 in
	http_parser) echo "-max_len=8192" ;;
	*) echo "-max_len=4096" ;;
	esac
}

# Run one harness for $seconds; append its line to the summary.
run_harness() {
	name=$1
	seeds=$src/tests/fuzz/corpus/$name
	corpus=$out/corpus/$name
	log=$out/logs/$name.log
	mkdir -p "$corpus" "$out/crashes" "$out/logs"
	# The harnesses make files only under a scratch folder of TMPDIR.
	# shellcheck disable=SC2046
	(cd "$out" && "$out/bin/$name" -max_total_time="$seconds" \
	    -timeout=10 -print_final_stats=1 $(harness_flags "$name") \
	    -artifact_prefix="$out/crashes/$name-" "$corpus" "$seeds" \
	    </dev/null >"$log" 2>&1)
	status=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' "$log" | tail -n 1)
	time=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log")
	crashes=$(find "$out/crashes" -name "$name-*" | wc -l | tr -d ' ')
	verdict=ok
	if [ "$status" -ne 0 ]; then
		verdict="FAILED (exit $status; see $log)"
		crashed=1
	fi
	printf '%-16s %6ss %10s execs  cov %-6s crashes %-3s %s\n' "$name" \
	    "${time:-?}" "${runs:-?}" "${cov:-?}" "$crashes" "$verdict" \
	    >>"$out/summary.txt"
	if [ "$status" -ne 0 ]; then
		grep -E '^(==|SUMMARY|.*check failed|    #[0-9])' "$log" |
		    head -n 30
	fi
}

[ $# -gt 0 ] || { echo "usage: run.sh HARNESS.c..." >&2; exit 2; }
command -v "$cc" >/dev/null 2>&1 || skip "$cc not found (libFuzzer needs clang)"
have_libfuzzer || skip "$cc cannot link -fsanitize=fuzzer (libFuzzer missing)"
[ -f "$build/config.h" ] || { echo "make fuzz: no config.h in $build: configure first" >&2; exit 2; }

echo "make fuzz: building the library with $cc and the fuzzing sanitizers"
build_library || { echo "make fuzz: the library did not build"; exit 1; }
for harness in "$@"; do
	name=$(basename "$harness" .c)
	name=${name#fuzz_}
	echo "make fuzz: building $name"
	build_harness "$name" "$(locate "$harness")" || {
		echo "make fuzz: $name did not build"
		exit 1
	}
done

crashed=0
: >"$out/summary.txt"
for harness in "$@"; do
	name=$(basename "$harness" .c)
	name=${name#fuzz_}
	echo "make fuzz: running $name for $seconds s"
	run_harness "$name"
done
echo "make fuzz: done; harness, seconds, executions, coverage (cov:), crashes:"
cat "$out/summary.txt"
[ "$crashed" -eq 0 ] || echo "make fuzz: inputs that crashed are in $out/crashes/"
exit "$crashed"
