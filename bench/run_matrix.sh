#!/bin/sh
# run_matrix.sh: the benchmark matrix behind "make bench".
#
# Measures pforkd with pforkd-bench on loopback: every compiled backend x 1
# and 2 workers x the echo workloads (ping-pong with 100 and 1,000
# connections of 64 bytes, connection rate with 50 loops, stream with 10
# connections) and 10,000 idle connections; the echo workloads also against
# bench/reference_echo, the machine's practical ceiling, in the same run;
# and once, with one worker on the default backend, 10,000 slow poetry
# clients; the chat's fan-out to 1,000 waiting polls for every backend and
# worker count, and once to 10,000 polls over 2 workers; the chat with the
# default backend and 1 and 2 workers also against
# bench/reference_longpoll, in turns; and how the connections spread over
# 2 and 4 workers (pforkd at -v, pforkd-bench -L), short ones (connect)
# and long busy ones (echo, 1,000 connections), with accept-balance auto
# and with mutex; and the connection rate
# of a program service running /bin/cat (the connect workload, 50 loops)
# with 1 and 2 workers on the default backend, against bench/reference_fork,
# a minimal inetd running /bin/cat, in turns; and, when redis-server is
# installed, the chat across two hosts: two daemons of 2 workers sharing
# one Redis stream, 1,000 waiting polls on each, posts alternating between
# them, next to one host (no Redis) and to bench/reference_longpoll with
# the same 2,000 polls, the three in turns, BENCH_CHAT_PAIRS times.
# Prints one table at the end and which targets are met.
#
# On Linux with taskset and two processors, the server (pforkd's master
# and workers, or the reference) is pinned to CPU 0 and pforkd-bench to
# CPU 1, the same for both.  Each throughput figure is the best of
# BENCH_REPEAT runs of BENCH_SECONDS each.  The reference and pforkd on the
# default backend with one worker, the pairs the targets compare (echo
# against reference_echo, the program service against reference_fork), run
# side by side and are measured in turns, BENCH_PAIRS times, so that other
# work on the machine weighs on both alike; their ratio is the median of
# the ratios of each pforkd run to the reference run next to it (which of
# the two goes first alternates), which a lucky or unlucky run cannot
# move.  Only the processes started here are stopped, on exit and on
# interrupt.
#
# Environment: PFORKD, PFORKD_BENCH, REFERENCE_ECHO, REFERENCE_LONGPOLL,
# REFERENCE_FORK (the five programs), POETRY_FILE (the poem), BENCH_SECONDS
# (3), BENCH_REPEAT (2), BENCH_PAIRS (5), BENCH_CHAT_PAIRS (3),
# BENCH_POETRY_SECONDS (8), BENCH_BACKENDS (default: all compiled in).
set -u

PFORKD=${PFORKD:-./pforkd}
PFORKD_BENCH=${PFORKD_BENCH:-./pforkd-bench}
REFERENCE_ECHO=${REFERENCE_ECHO:-./bench/reference_echo}
REFERENCE_LONGPOLL=${REFERENCE_LONGPOLL:-./bench/reference_longpoll}
REFERENCE_FORK=${REFERENCE_FORK:-./bench/reference_fork}
POETRY_FILE=${POETRY_FILE:-poetry/ecstasy.txt}
SECONDS_PER_RUN=${BENCH_SECONDS:-3}
REPEAT=${BENCH_REPEAT:-2}
PAIRS=${BENCH_PAIRS:-5}
CHAT_PAIRS=${BENCH_CHAT_PAIRS:-3}
POETRY_SECONDS=${BENCH_POETRY_SECONDS:-8}
WORKLOADS="echo100 echo1000 connect50 stream10"
IDLE_CONNECTIONS=10000
POETRY_CLIENTS=10000
CHAT_WAITERS=1000
CHAT_MESSAGES=300
CHAT_MANY_WAITERS=10000
CHAT_MANY_MESSAGES=30
HOSTS_WAITERS=2000
FD_WANTED=20000

pforkd_pid=
pforkd_log=
starts=0
reference_pid=
longpoll_pid=
hosts_pids=
work=

# Stop pforkd, if this script started it and it runs.
stop_pforkd() {
	if [ -n "$pforkd_pid" ]; then
		kill -TERM "$pforkd_pid" 2>/dev/null
		wait "$pforkd_pid" 2>/dev/null
		pforkd_pid=
	fi
}

# Stop the reference server, if this script started it and it runs.
stop_reference() {
	if [ -n "$reference_pid" ]; then
		kill -TERM "$reference_pid" 2>/dev/null
		wait "$reference_pid" 2>/dev/null
		reference_pid=
	fi
}

# Stop the reference long-poll server, if this script started it.
stop_longpoll() {
	if [ -n "$longpoll_pid" ]; then
		kill -TERM "$longpoll_pid" 2>/dev/null
		wait "$longpoll_pid" 2>/dev/null
		longpoll_pid=
	fi
}

# Stop the several-host processes (Redis, the daemons) this script started.
stop_hosts() {
	for pid in $hosts_pids; do
		kill -TERM "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	hosts_pids=
}

# On exit or interrupt: stop what this script started, remove its files.
clean_up() {
	stop_pforkd
	stop_reference
	stop_longpoll
	stop_hosts
	[ -n "$work" ] && rm -rf "$work"
}
trap clean_up EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# Print a message on stderr and exit 1.
fail() {
	echo "run_matrix: $*" >&2
	exit 1
}

# The value of key $2 in the result line $1.
field() {
	printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# Wait up to 5 s until log $1 has a line matching $2; process $3 must live.
wait_for_log() {
	tries=0
	until grep -q "$2" "$1" 2>/dev/null; do
		tries=$((tries + 1))
		if [ $tries -gt 50 ] || ! kill -0 "$3" 2>/dev/null; then
			cat "$1" >&2
			fail "the server did not start"
		fi
		sleep 0.1
	done
}

# Start pforkd: backend $1, workers $2, then -l arguments; sets pforkd_pid
# and pforkd_log, a log file of its own (a stopped daemon's last lines
# must not land in the next one's).
start_pforkd() {
	backend=$1
	workers=$2
	shift 2
	starts=$((starts + 1))
	pforkd_log="$work/pforkd.$starts.log"
	$server_pin "$PFORKD" -d -w "$workers" -b "$backend" "$@" \
	    2>"$pforkd_log" &
	pforkd_pid=$!
	wait_for_log "$pforkd_log" ' workers, backend ' "$pforkd_pid"
}

# The port pforkd logged for service $1.
pforkd_port() {
	sed -n "s/.*: $1: listening on 127\\.0\\.0\\.1:\\([0-9]*\\)\$/\\1/p" \
	    "$pforkd_log" | head -n 1
}

# Start a reference server, the command given (which asks for port 0, a
# free one); sets reference_pid and reference_port.
start_reference() {
	$server_pin "$@" >"$work/reference.log" 2>&1 &
	reference_pid=$!
	wait_for_log "$work/reference.log" '^listening on ' "$reference_pid"
	reference_port=$(sed -n \
	    's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' \
	    "$work/reference.log")
}

# Start the reference long-poll server on a free port; sets longpoll_pid
# and longpoll_port.
start_longpoll() {
	$server_pin "$REFERENCE_LONGPOLL" 0 >"$work/longpoll.log" 2>&1 &
	longpoll_pid=$!
	wait_for_log "$work/longpoll.log" '^listening on ' "$longpoll_pid"
	longpoll_port=$(sed -n \
	    's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' \
	    "$work/longpoll.log")
}

# Run pforkd-bench once; print its result line (or one saying it failed).
bench_once() {
	line=$($load_pin "$PFORKD_BENCH" "$@" 2>>"$work/bench.err" |
	    grep '^result ')
	[ -n "$line" ] || line="result errors=failed"
	printf '%s\n' "$line"
	printf '%s\n' "$line" >>"$work/results"
}

# The options of a workload.
workload_options() {
	case $1 in
	echo100) echo "echo -c 100 -s 64" ;;
	echo1000) echo "echo -c 1000 -s 64" ;;
	connect50 | program50) echo "connect -c 50 -s 64" ;;
	stream10) echo "stream -c 10 -s 65536" ;;
	esac
}

# The key of a workload's figure in its result line.
workload_key() {
	case $1 in
	stream*) echo mib_per_second ;;
	*) echo rate ;;
	esac
}

# Run workload $1 once against port $2 of server pid $3; keep the line in
# $work/$1.$4 if its figure beats the one kept there.
measure() {
	key=$(workload_key "$1")
	# shellcheck disable=SC2046
	line=$(bench_once $(workload_options "$1") -p "$2" \
	    -t "$SECONDS_PER_RUN" -P "$3")
	value=$(field "$line" "$key")
	last_value=${value:-0}
	kept=$(field "$(cat "$work/$1.$4" 2>/dev/null)" "$key")
	if [ ! -s "$work/$1.$4" ] || awk -v a="${value:--1}" \
	    -v b="${kept:--1}" 'BEGIN { exit !(a + 0 > b + 0) }'; then
		printf '%s\n' "$line" >"$work/$1.$4"
	fi
}

# Measure workload $1 BENCH_PAIRS times on the reference and on pforkd's
# port $2 in turns, as tags reference and $3; the ratios go to
# $work/$1.pairs.
measure_pairs() {
	run=0
	while [ $run -lt "$PAIRS" ]; do
		run=$((run + 1))
		# The run just after another starts slower (the kernel is
		# still tearing down the last run's sockets): alternate which
		# server goes first, so neither always pays for it.
		if [ $((run % 2)) -eq 1 ]; then
			measure "$1" "$reference_port" "$reference_pid" reference
			reference_value=$last_value
			measure "$1" "$2" "$pforkd_pid" "$3"
			pforkd_value=$last_value
		else
			measure "$1" "$2" "$pforkd_pid" "$3"
			pforkd_value=$last_value
			measure "$1" "$reference_port" "$reference_pid" reference
			reference_value=$last_value
		fi
		awk -v a="$pforkd_value" -v b="$reference_value" \
		    'BEGIN { if (b + 0 > 0) printf "%.4f\n", a / b }' \
		    >>"$work/$1.pairs"
	done
}

# The median of the numbers in file $1, one a line; "-" when empty.
median() {
	sort -n "$1" 2>/dev/null | awk '{ v[NR] = $1 }
	END {
		if (NR == 0)
			print "-"
		else if (NR % 2)
			printf "%.4f\n", v[(NR + 1) / 2]
		else
			printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2
	}'
}

# Hold 10,000 idle connections to port $1 of pforkd; keep the line as
# $work/idle.$2.
measure_idle() {
	bench_once idle -p "$1" -c "$IDLE_CONNECTIONS" -s 64 \
	    -t "$SECONDS_PER_RUN" -P "$pforkd_pid" >"$work/idle.$2"
}

# Fan out $CHAT_MESSAGES messages to $CHAT_WAITERS polls on port $1; keep
# the line as $work/chat.$2.
measure_chat() {
	bench_once chat -p "$1" -c "$CHAT_WAITERS" -n "$CHAT_MESSAGES" \
	    -t 60 >"$work/chat.$2"
}

# Keep chat result line $1 as $work/chat.$2 if it answered more polls.
keep_chat() {
	value=$(field "$1" answered_polls_per_second)
	kept=$(field "$(cat "$work/chat.$2" 2>/dev/null)" \
	    answered_polls_per_second)
	if [ ! -s "$work/chat.$2" ] || awk -v a="${value:--1}" \
	    -v b="${kept:--1}" 'BEGIN { exit !(a + 0 > b + 0) }'; then
		printf '%s\n' "$1" >"$work/chat.$2"
	fi
}

# The chat against pforkd's port $1 (tag $2) and the reference, in turns,
# $CHAT_PAIRS times; the ratios of answered polls go to
# $work/chat.$2.pairs, the best lines to chat.$2 and chat.reference.
chat_in_turns() {
	run=0
	while [ $run -lt "$CHAT_PAIRS" ]; do
		run=$((run + 1))
		if [ $((run % 2)) -eq 1 ]; then
			reference_line=$(bench_once chat -p "$longpoll_port" \
			    -c "$CHAT_WAITERS" -n "$CHAT_MESSAGES" -t 60)
			pforkd_line=$(bench_once chat -p "$1" \
			    -c "$CHAT_WAITERS" -n "$CHAT_MESSAGES" -t 60)
		else
			pforkd_line=$(bench_once chat -p "$1" \
			    -c "$CHAT_WAITERS" -n "$CHAT_MESSAGES" -t 60)
			reference_line=$(bench_once chat -p "$longpoll_port" \
			    -c "$CHAT_WAITERS" -n "$CHAT_MESSAGES" -t 60)
		fi
		keep_chat "$pforkd_line" "$2"
		keep_chat "$reference_line" reference
		awk -v a="$(field "$pforkd_line" answered_polls_per_second)" \
		    -v b="$(field "$reference_line" \
		    answered_polls_per_second)" \
		    'BEGIN { if (b + 0 > 0) printf "%.4f\n", a / b }' \
		    >>"$work/chat.$2.pairs"
	done
}

# Start redis-server on a free port (tried from a few), no persistence;
# sets redis_port, or returns 1.
start_redis() {
	for try in 1 2 3 4 5; do
		redis_port=$((20000 + ($$ + try * 997) % 30000))
		: >"$work/redis.log"
		$server_pin redis-server --port "$redis_port" --bind 127.0.0.1 \
		    --save '' --appendonly no --logfile "$work/redis.log" \
		    >/dev/null 2>&1 &
		pid=$!
		tries=0
		while [ $tries -lt 50 ] && kill -0 "$pid" 2>/dev/null; do
			if grep -q 'Ready to accept' "$work/redis.log"; then
				hosts_pids="$hosts_pids $pid"
				return 0
			fi
			tries=$((tries + 1))
			sleep 0.1
		done
		kill -TERM "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	return 1
}

# Start a pforkd host ($1: its name) of 2 workers on backend $2 with -l $3;
# sets host_port to its chat port.
start_host() {
	$server_pin "$PFORKD" -d -w 2 -b "$2" -l "$3" 2>"$work/$1.log" &
	pid=$!
	hosts_pids="$hosts_pids $pid"
	wait_for_log "$work/$1.log" ' workers, backend ' "$pid"
	host_port=$(sed -n 's/.*: chat: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' \
	    "$work/$1.log" | head -n 1)
}

# The table's text for a chat result line $1.
describe_chat() {
	describe "$1" "$(field "$1" messages_per_second) msg/s, p50 $(field \
	    "$1" fan_out_p50_ms) ms, p99 $(field "$1" fan_out_p99_ms) ms"
}

# A figure for the table, with the run's errors when there were any.
describe() {
	errors=$(field "$1" errors)
	if [ "$errors" != 0 ]; then
		printf '%s [errors %s]' "$2" "${errors:-?}"
	else
		printf '%s' "$2"
	fi
}

# The table's text for workload $1 as kept for tag $2.
describe_figure() {
	line=$(cat "$work/$1.$2" 2>/dev/null)
	value=$(field "$line" "$(workload_key "$1")")
	case $1 in
	echo*) text="$(printf '%.0f' "${value:-0}") rt/s, p99 $(field \
	    "$line" p99_us) us" ;;
	connect* | program*) text="$(printf '%.0f' "${value:-0}") conn/s" ;;
	stream*) text="${value:-0} MiB/s" ;;
	esac
	describe "$line" "$text, cpu $(field "$line" daemon_cpu)"
}

# Add a row: workload, backend, workers, figure, value, reference text,
# reference value, and the median paired ratio ("-": none).
add_row() {
	printf '%s|%s|%s|%s|%s|%s|%s|%s\n' "$1" "$2" "$3" "$4" "$5" "$6" \
	    "$7" "${8:--}" >>"$work/rows"
}

# The row of workload $1 against its reference for pforkd with backend $2
# and $3 workers, with the median paired ratio for the default backend and
# one worker.
add_workload_row() {
	case $1 in
	echo100) name="echo 100 x 64 B" ;;
	echo1000) name="echo 1000 x 64 B" ;;
	connect50) name="connect 50 loops" ;;
	stream10) name="stream 10 x 64 KiB" ;;
	program50) name="program cat 50 loops" ;;
	esac
	key=$(workload_key "$1")
	paired=-
	[ "$2-$3" = "$default-1" ] && paired=$(median "$work/$1.pairs")
	add_row "$name" "$2" "$3" "$(describe_figure "$1" "$2-$3")" \
	    "$(field "$(cat "$work/$1.$2-$3")" "$key")" \
	    "$(describe_figure "$1" reference)" \
	    "$(field "$(cat "$work/$1.reference")" "$key")" "$paired"
}

# The rows of pforkd with backend $1 and $2 workers.
add_rows() {
	for workload in $WORKLOADS; do
		add_workload_row "$workload" "$1" "$2"
	done
	line=$(cat "$work/chat.$1-$2")
	reference=-
	paired=-
	if [ -s "$work/chat.$1-$2.pairs" ]; then
		reference=$(describe_chat "$(cat "$work/chat.reference")")
		paired=$(median "$work/chat.$1-$2.pairs")
	fi
	add_row "chat $CHAT_WAITERS polls" "$1" "$2" "$(describe_chat \
	    "$line")" "$(field "$line" fan_out_p99_ms)" "$reference" \
	    "$(field "$line" messages_per_second)" "$paired"
	if [ "$1" = select ]; then
		add_row "idle $IDLE_CONNECTIONS" "$1" "$2" \
		    "skipped: select stops at FD_SETSIZE" - - -
		return
	fi
	line=$(cat "$work/idle.$1-$2")
	value=$(field "$line" bytes_per_connection)
	add_row "idle $IDLE_CONNECTIONS" "$1" "$2" \
	    "$(describe "$line" "${value:-?} B/conn")" "${value:--}" - -
}

# Raise the fd limit (root may raise the hard one); sets soft.  ulimit's
# -n and -H are not in POSIX, but dash, bash, ksh and the BSDs' sh have them.
# shellcheck disable=SC3045
raise_fd_limit() {
	hard=$(ulimit -H -n)
	if [ "$hard" != unlimited ] && [ "$hard" -lt $FD_WANTED ]; then
		ulimit -H -n $FD_WANTED 2>/dev/null
		hard=$(ulimit -H -n)
	fi
	ulimit -n "$hard" 2>/dev/null
	soft=$(ulimit -n)
}

# --- checks and set-up ---------------------------------------------------

for program in "$PFORKD" "$PFORKD_BENCH" "$REFERENCE_ECHO" \
    "$REFERENCE_LONGPOLL" "$REFERENCE_FORK"; do
	[ -x "$program" ] || fail "$program is missing: run make bench"
done
[ -r "$POETRY_FILE" ] || fail "cannot read the poem $POETRY_FILE"
case $POETRY_FILE in
/*) ;;
*) POETRY_FILE=$(pwd)/$POETRY_FILE ;;
esac
work=$(mktemp -d "${TMPDIR:-/tmp}/pforkd-bench.XXXXXX") ||
    fail "cannot make a temporary directory"
: >"$work/rows"
: >"$work/results"

raise_fd_limit
if [ "$soft" != unlimited ] && [ "$soft" -lt $((IDLE_CONNECTIONS + 100)) ]
then
	IDLE_CONNECTIONS=$((soft - 100))
	POETRY_CLIENTS=$IDLE_CONNECTIONS
	echo "note: the fd limit is $soft: $IDLE_CONNECTIONS idle and" \
	    "poetry connections instead of 10000"
fi

if [ "$(uname -s)" = Linux ] && command -v taskset >/dev/null 2>&1 &&
    taskset -c 1 true 2>/dev/null; then
	server_pin="taskset -c 0"
	load_pin="taskset -c 1"
	echo "placement: server cpu0, load cpu1 (taskset)"
else
	server_pin=
	load_pin=
	echo "placement: unpinned (no taskset)"
fi

backends=${BENCH_BACKENDS:-$("$PFORKD" -V | sed -n 's/^backends: *//p')}
[ -n "$backends" ] || fail "cannot list the backends with $PFORKD -V"
default=${backends%% *}
echo "backends: $backends; $SECONDS_PER_RUN s per run, best of $REPEAT;" \
    "load average at start: $(cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null)"
started=$(date +%s)

# --- the reference and pforkd -b DEFAULT -w 1, in turns --------------------

echo "reference_echo and pforkd -b $default -w 1, in turns"
start_reference "$REFERENCE_ECHO" 0
start_pforkd "$default" 1 -l echo@127.0.0.1:0 -l chat@127.0.0.1:0
port=$(pforkd_port echo)
for workload in $WORKLOADS; do
	measure_pairs "$workload" "$port" "$default-1"
done
stop_reference
measure_idle "$port" "$default-1"
echo "reference_longpoll and pforkd -b $default -w 1: chat, in turns"
start_longpoll
chat_in_turns "$(pforkd_port chat)" "$default-1"
stop_pforkd

# --- pforkd: every other backend and worker count --------------------------

for backend in $backends; do
	for workers in 1 2; do
		[ "$backend-$workers" = "$default-1" ] && continue
		echo "pforkd -b $backend -w $workers"
		start_pforkd "$backend" "$workers" -l echo@127.0.0.1:0 \
		    -l chat@127.0.0.1:0
		port=$(pforkd_port echo)
		for workload in $WORKLOADS; do
			run=0
			while [ $run -lt "$REPEAT" ]; do
				run=$((run + 1))
				measure "$workload" "$port" "$pforkd_pid" \
				    "$backend-$workers"
			done
		done
		[ "$backend" = select ] ||
		    measure_idle "$port" "$backend-$workers"
		if [ "$backend-$workers" = "$default-2" ]; then
			chat_in_turns "$(pforkd_port chat)" "$default-2"
		else
			measure_chat "$(pforkd_port chat)" "$backend-$workers"
		fi
		stop_pforkd
	done
done

stop_longpoll

# --- spread: 2 and 4 workers, short and long connections ------------------

# accept-balance auto (the system's default) and mutex (the accept token,
# every system's), which only a configuration file sets.
printf 'accept-balance mutex\nservice echo {\n\tlisten 127.0.0.1:0\n}\n' \
    >"$work/mutex.conf"
for balance in auto mutex; do
	for workers in 2 4; do
		echo "pforkd -b $default -w $workers -v, accept-balance" \
		    "$balance: how the connections spread"
		if [ "$balance" = auto ]; then
			start_pforkd "$default" "$workers" -v \
			    -l echo@127.0.0.1:0
			prefix="spread"
		else
			start_pforkd "$default" "$workers" -v \
			    -f "$work/mutex.conf"
			prefix="spread $balance"
		fi
		port=$(pforkd_port echo)
		for workload in connect50 echo1000; do
			# shellcheck disable=SC2046
			line=$(bench_once $(workload_options "$workload") \
			    -p "$port" -t "$SECONDS_PER_RUN" \
			    -P "$pforkd_pid" -L "$pforkd_log")
			case $workload in
			connect50) name="$prefix connect 50" ;;
			echo1000) name="$prefix echo 1000" ;;
			esac
			add_row "$name" "$default" "$workers" \
			    "$(describe "$line" "share $(field "$line" \
			    worker_share) %, at -v: $(printf '%.0f' \
			    "$(field "$line" rate)")/s")" \
			    "$(field "$line" spread_max_pct)" - - -
		done
		stop_pforkd
	done
done

# --- program service: /bin/cat, reference_fork and pforkd -b DEFAULT ------

# The master, not the workers, accepts and forks for program services: the
# run with 2 workers shows that their count does not matter.
echo "reference_fork and a pforkd -b $default program service, /bin/cat:" \
    "-w 1 in turns, then -w 2"
user=root
[ "$(id -u)" -eq 0 ] || user=$(id -un)
program_service="cat@127.0.0.1:0,user=$user,stderr=null,command=/bin/cat"
# cat gets an environment without the locale, as pforkd's programs do:
# with one, it would spend twice as many system calls loading it.
start_reference env -i "$REFERENCE_FORK" 0 /bin/cat
start_pforkd "$default" 1 -l "$program_service"
measure_pairs program50 "$(pforkd_port cat)" "$default-1"
stop_pforkd
stop_reference
start_pforkd "$default" 2 -l "$program_service"
port=$(pforkd_port cat)
run=0
while [ $run -lt "$REPEAT" ]; do
	run=$((run + 1))
	measure program50 "$port" "$pforkd_pid" "$default-2"
done
stop_pforkd

# --- poetry: once, one worker, the default backend -----------------------

echo "pforkd -b $default -w 1: poetry, $POETRY_CLIENTS clients"
start_pforkd "$default" 1 \
    -l "poetry@127.0.0.1:0,bytes=10,delay=0.7,file=$POETRY_FILE"
poetry=$(bench_once poetry -p "$(pforkd_port poetry)" \
    -c "$POETRY_CLIENTS" -B 10 -D 0.7 -f "$POETRY_FILE" \
    -t "$POETRY_SECONDS" -P "$pforkd_pid")
stop_pforkd

# --- chat: once, 10,000 waiting polls over 2 workers -----------------------

echo "pforkd -b $default -w 2: chat, $CHAT_MANY_WAITERS waiting polls"
start_pforkd "$default" 2 -l chat@127.0.0.1:0
chat_many=$(bench_once chat -p "$(pforkd_port chat)" \
    -c "$CHAT_MANY_WAITERS" -n "$CHAT_MANY_MESSAGES" -t 120)
stop_pforkd

# --- chat across two hosts sharing one Redis, next to one host ------------

hosts=
if command -v redis-server >/dev/null 2>&1; then
	echo "pforkd -b $default: chat, $HOSTS_WAITERS waiting polls on two" \
	    "hosts sharing one Redis, one host and reference_longpoll, in turns"
	if start_redis; then
		start_longpoll
		start_host single "$default" chat@127.0.0.1:0
		port_single=$host_port
		listen="chat@127.0.0.1:0,redis=127.0.0.1:$redis_port"
		listen="$listen,redis-stream=bench:$$"
		start_host host-a "$default" "$listen"
		port_a=$host_port
		start_host host-b "$default" "$listen"
		run=0
		while [ $run -lt "$CHAT_PAIRS" ]; do
			run=$((run + 1))
			for turn in 0 1 2; do
				case $(((turn + run) % 3)) in
				0) keep_chat "$(bench_once chat -p "$port_a" \
				    -q "$host_port" -c "$HOSTS_WAITERS" \
				    -n "$CHAT_MESSAGES" -t 120)" hosts-two ;;
				1) keep_chat "$(bench_once chat \
				    -p "$port_single" -c "$HOSTS_WAITERS" \
				    -n "$CHAT_MESSAGES" -t 120)" hosts-one ;;
				2) keep_chat "$(bench_once chat \
				    -p "$longpoll_port" -c "$HOSTS_WAITERS" \
				    -n "$CHAT_MESSAGES" -t 120)" hosts-reference ;;
				esac
			done
		done
		hosts=$(cat "$work/chat.hosts-two")
		hosts_single=$(cat "$work/chat.hosts-one")
		hosts_reference=$(cat "$work/chat.hosts-reference")
		stop_longpoll
	else
		echo "note: redis-server did not start: no several-host chat row"
	fi
	stop_hosts
else
	echo "note: redis-server is not installed: no several-host chat row"
fi

# --- the table and the targets -------------------------------------------

for backend in $backends; do
	for workers in 1 2; do
		add_rows "$backend" "$workers"
	done
done
add_workload_row program50 "$default" 1
add_workload_row program50 "$default" 2
add_row "poetry $POETRY_CLIENTS lateness" "$default" 1 \
    "$(describe "$poetry" "p50 $(field "$poetry" p50_ms) ms, p99 $(field \
    "$poetry" p99_ms) ms")" "$(field "$poetry" p99_ms)" - -
add_row "poetry $POETRY_CLIENTS memory" "$default" 1 \
    "$(describe "$poetry" "$(field "$poetry" bytes_per_connection) B/conn")" \
    "$(field "$poetry" bytes_per_connection)" - -

add_row "chat $CHAT_MANY_WAITERS polls" "$default" 2 \
    "$(describe_chat "$chat_many")" "$(field "$chat_many" fan_out_p99_ms)" \
    - "$(field "$chat_many" messages_per_second)"

if [ -n "$hosts" ]; then
	add_row "chat 1 host $HOSTS_WAITERS polls" "$default" 2 \
	    "$(describe_chat "$hosts_single")" \
	    "$(field "$hosts_single" fan_out_p99_ms)" \
	    "$(describe_chat "$hosts_reference")" \
	    "$(field "$hosts_reference" fan_out_p99_ms)"
	add_row "chat 2 hosts $HOSTS_WAITERS polls" "$default" 2x2 \
	    "$(describe_chat "$hosts")" "$(field "$hosts" fan_out_p99_ms)" \
	    "1 host: $(describe_chat "$hosts_single")" \
	    "$(field "$hosts_single" fan_out_p99_ms)"
fi

echo
echo "all result lines:"
cat "$work/results"
echo
awk -F '|' '
function ratio(value, reference) {
	if ($6 == "-" || reference == "-" || reference + 0 <= 0 || value == "-")
		return "-"
	return sprintf("%.2f", value / reference)
}
BEGIN {
	format = "%-24s | %-7s | %-7s | %-40s | %-34s | %s\n"
	printf format, "workload", "backend", "workers", "figure", \
	    "reference", "ratio"
	line = sprintf(format, "", "", "", "", "", "-----")
	gsub(/[^|\n]/, "-", line)
	printf "%s", line
}
{
	printf format, $1, $2, $3, $4, $6, \
	    $8 != "-" ? sprintf("%.2f*", $8) : ratio($5, $7)
}' "$work/rows"
echo "figure: the best of $REPEAT runs of $SECONDS_PER_RUN s (of $PAIRS for" \
    "pforkd -b $default -w 1 and the reference,"
echo "which ran in turns).  ratio: figure / reference; * the median of the" \
    "$PAIRS ratios of each pforkd run to"
echo "the reference run next to it.  cpu: the server's processor time" \
    "as a share of one processor"
echo "(pforkd: master and workers); below about 0.9 per worker the load" \
    "generator, not the"
echo "server, set the pace.  program cat: a program service running" \
    "/bin/cat per connection, its"
echo "reference bench/reference_fork (a minimal inetd) running /bin/cat;" \
    "cpu counts only the cat"
echo "processes still running when it is sampled."

echo
echo "targets:"
awk -F '|' -v backend="$default" '
function judge(name, good) {
	printf "  %-62s %s\n", name, good ? "met" : "MISSED"
}
$2 == backend && $3 == 1 && $8 != "-" {
	r = $8
	if ($1 ~ /^echo 100 /)
		judge(sprintf("echo 100 conns, 1 worker, %s: %.3fx >= 0.95x", \
		    backend, r), r >= 0.95)
	if ($1 ~ /^echo 1000 /)
		judge(sprintf("echo 1000 conns, 1 worker, %s: %.3fx >= 0.95x", \
		    backend, r), r >= 0.95)
	if ($1 ~ /^connect/)
		judge(sprintf("connect 50 loops, 1 worker, %s: %.3fx >= 1.0x", \
		    backend, r), r >= 1.0)
	if ($1 ~ /^stream/)
		judge(sprintf("stream 10 conns, 1 worker, %s: %.3fx >= 0.9x", \
		    backend, r), r >= 0.9)
	if ($1 ~ /^program cat/)
		judge(sprintf("program /bin/cat connect, 1 worker, %s: %.3fx " \
		    ">= 1.0x reference_fork", backend, r), r >= 1.0)
}
$1 ~ /^chat 1000 polls/ && $2 == backend && $8 != "-" {
	judge(sprintf("chat 1000 polls, %s worker(s): p99 %s ms < 20 ms", \
	    $3, $5), $5 != "" && $5 + 0 < 20 && $4 !~ /errors/)
	judge(sprintf("chat 1000 polls, %s worker(s): %.3fx the reference " \
	    ">= 0.8x", $3, $8), $8 + 0 >= 0.8 && $4 !~ /errors/)
}
$1 ~ /^spread/ {
	judge(sprintf("%s, %s workers: every share within +-%s%% <= 15%%", \
	    substr($1, 8), $3, $5), $5 != "" && $5 + 0 <= 15 && \
	    $4 !~ /errors/)
}
$1 ~ /^chat 1 host / {
	limit = $7
}
$1 ~ /^chat 2 hosts/ {
	judge(sprintf("chat 2 hosts, %s polls in all: p99 %s ms < 30 ms " \
	    "(reference_longpoll: %s ms)", substr($1, 14, \
	    index(substr($1, 14), " ") - 1), $5, limit), \
	    $5 != "" && $5 + 0 < 30 && $4 !~ /errors/)
}
$1 ~ /^chat 10000 polls/ {
	judge(sprintf("chat 10000 polls, 2 workers: served, p50 and p99 " \
	    "reported"), $4 !~ /errors/ && $5 != "")
}
$1 ~ /lateness/ {
	judge(sprintf("%s p99: %s ms < 50 ms", $1, $5), \
	    $5 != "" && $5 + 0 < 50 && $4 !~ /errors/)
}
$1 ~ /poetry .* memory/ {
	judge(sprintf("%s: %s B/conn < 2048", $1, $5), \
	    $5 != "" && $5 + 0 < 2048 && $4 !~ /errors/)
}
$1 ~ /^idle/ && $5 != "-" {
	judge(sprintf("%s, %s, %s worker(s): %s B/conn < 2048", $1, $2, $3, \
	    $5), $5 != "" && $5 + 0 < 2048 && $4 !~ /errors/)
}' "$work/rows"
echo
echo "finished in $(($(date +%s) - started)) s; load average at the end:" \
    "$(cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null)"
if [ -s "$work/bench.err" ]; then
	echo "pforkd-bench reported (first 20 lines):"
	head -n 20 "$work/bench.err"
fi
