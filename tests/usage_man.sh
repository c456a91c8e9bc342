#!/bin/sh
# usage_man.sh: the flags of pforkd, get-poetry and pforkd-bench agree
# with their manuals, both ways.  The .Fl macros of the SYNOPSIS and the
# .It Fl entries of the DESCRIPTION are each compared with the flags the
# program's help prints (its usage line and its list of options), and the
# help's usage line with its list.  A program whose SYNOPSIS has -h must
# print that help on stdout and exit 0; without -h, the usage line of a
# usage error stands for it.  A usage error prints the synopsis alone, on
# stderr, and exits 2.
#
# Before the real pages, the checker is run on altered copies of pforkd.8
# (-f and -p removed, an invented -Z added) and must report each change.
set -u
LC_ALL=C
export LC_ALL

pforkd=${PFORKD:-./pforkd}
get_poetry=${GET_POETRY:-./get-poetry}
pforkd_bench=${PFORKD_BENCH:-./pforkd-bench}
man_dir="$top_srcdir/man"
scratch=${TMPDIR:-/tmp}/usage_man.$$
mkdir -m 700 "$scratch" || exit 1
trap 'rm -rf "$scratch"' EXIT
failures=0

# Print each flag letter of the .Fl macros in the SYNOPSIS of page $1.
man_synopsis_flags() {
	awk '
	/^\.Sh / { inside = ($2 == "SYNOPSIS"); next }
	inside && /^\./ {
		for (i = 1; i < NF; i++)
			if ($i == "Fl")
				letters($(i + 1))
	}
	function letters(word, k) {
		# A bare Fl followed by another macro names no letter.
		if (word ~ /^(Ar|Cm|Ns|Oc|Oo|Op|Pq|Ql)$/)
			return
		for (k = 1; k <= length(word); k++)
			if (substr(word, k, 1) ~ /[A-Za-z0-9]/)
				print substr(word, k, 1)
	}' "$1" | sort -u
}

# Print the flag of each .It Fl entry in the DESCRIPTION of page $1.
man_option_flags() {
	awk '
	/^\.Sh / { inside = ($2 == "DESCRIPTION"); next }
	inside && $1 == ".It" && $2 == "Fl" && NF >= 3 { print $3 }
	' "$1" | sort -u
}

# Print the flags of the usage line (and its continuations) in file $1.
help_synopsis_flags() {
	awk '
	/^usage:/ { inside = 1 }
	# Continued by lines of options ("  [-x") or of another form
	# ("       pforkd -i ..."), whose required flags have no bracket.
	inside && !/^usage:/ && !/^ +(\[|[a-z][a-z-]* )/ { inside = 0 }
	inside {
		line = $0
		while (match(line, /[[ ]-[A-Za-z0-9]+/)) {
			word = substr(line, RSTART + 2, RLENGTH - 2)
			for (k = 1; k <= length(word); k++)
				print substr(word, k, 1)
			line = substr(line, RSTART + RLENGTH)
		}
	}' "$1" | sort -u
}

# Print the flag of each line of the option list ("  -x ...") in file $1.
help_option_flags() {
	sed -n 's/^  *-\([A-Za-z0-9]\)\([ 	].*\)\{0,1\}$/\1/p' "$1" | sort -u
}

# Report each flag of list $4 (of $3) missing from list $2 (of $1) as
# "$1 lacks -x, which $3 has"; return 1 if any is missing.
lacks() {
	printf '%s\n' "$2" | sed '/^$/d' >"$scratch/own"
	printf '%s\n' "$4" | sed '/^$/d' >"$scratch/other"
	missing=$(comm -13 "$scratch/own" "$scratch/other")
	[ -z "$missing" ] && return 0
	for flag in $missing; do
		echo "$1 lacks -$flag, which $3 has"
	done
	return 1
}

# Compare list $2 (of $1) with list $4 (of $3), both ways.
compare() {
	status=0
	lacks "$1" "$2" "$3" "$4" || status=1
	lacks "$3" "$4" "$1" "$2" || status=1
	return $status
}

# Check page $2 of program $1 against the help text in file $3.
check_page() {
	name=$1 page=$2 help=$3
	base=${page##*/}
	m_syn=$(man_synopsis_flags "$page")
	m_opt=$(man_option_flags "$page")
	h_syn=$(help_synopsis_flags "$help")
	h_opt=$(help_option_flags "$help")
	h_all=$(printf '%s\n%s\n' "$h_syn" "$h_opt" | sed '/^$/d' | sort -u)
	if [ -z "$m_syn" ] || [ -z "$m_opt" ] || [ -z "$h_syn" ]; then
		echo "$base: cannot read the flags (SYNOPSIS '$(echo $m_syn)'," \
		    "options '$(echo $m_opt)', usage '$(echo $h_syn)')"
		return 1
	fi
	result=0
	compare "the SYNOPSIS of $base" "$m_syn" "the help of $name" \
	    "$h_all" || result=1
	compare "the options of $base" "$m_opt" "the help of $name" \
	    "$h_all" || result=1
	if [ -n "$h_opt" ]; then
		compare "the usage line of $name" "$h_syn" \
		    "the option list of $name" "$h_opt" || result=1
	fi
	return $result
}

# Print a flag letter the SYNOPSIS of page $1 does not have.
unknown_flag() {
	for letter in Z X Y K Q; do
		if ! man_synopsis_flags "$1" | grep -q "^$letter\$"; then
			echo "$letter"
			return
		fi
	done
}

# Write the help of program $2 (manual $3) to file $4; 1 if it misbehaves.
get_help() {
	name=$1 program=$2 page=$3 out=$4
	if man_synopsis_flags "$page" | grep -q '^h$'; then
		"$program" -h >"$out" 2>"$scratch/err"
		status=$?
		if [ $status -ne 0 ] || [ -s "$scratch/err" ]; then
			echo "$name -h: exit $status, stderr:"
			cat "$scratch/err"
			return 1
		fi
	else
		"$program" "-$(unknown_flag "$page")" >/dev/null 2>"$out"
	fi
	return 0
}

# A usage error of program $1 ($2, manual $3): exit 2, the synopsis of the
# manual on stderr, no list of options, nothing on stdout.
check_usage_error() {
	name=$1 program=$2 page=$3
	wrong=$(unknown_flag "$page")
	"$program" "-$wrong" >"$scratch/out" 2>"$scratch/err"
	status=$?
	result=0
	if [ $status -ne 2 ]; then
		echo "$name -$wrong: exit $status, not 2"
		result=1
	fi
	if [ -s "$scratch/out" ]; then
		echo "$name -$wrong: wrote to stdout"
		result=1
	fi
	if [ -n "$(help_option_flags "$scratch/err")" ]; then
		echo "$name -$wrong: printed the option list, not the synopsis"
		result=1
	fi
	compare "the usage error of $name" \
	    "$(help_synopsis_flags "$scratch/err")" \
	    "the SYNOPSIS of ${page##*/}" "$(man_synopsis_flags "$page")" ||
	    result=1
	return $result
}

# Run the checker on an altered copy of pforkd.8 (sed script $1); it must
# fail and print every line of $2.
expect_caught() {
	sed "$1" "$man_dir/pforkd.8" >"$scratch/altered.8"
	if check_page pforkd "$scratch/altered.8" "$scratch/pforkd.help" \
	    >"$scratch/report"; then
		echo "FAIL: the checker passed a pforkd.8 altered with '$1'"
		failures=$((failures + 1))
		return
	fi
	printf '%s\n' "$2" | while IFS= read -r expected; do
		grep -qF "$expected" "$scratch/report" && continue
		echo "FAIL: with '$1', no \"$expected\" in:"
		cat "$scratch/report"
		echo x >>"$scratch/missed"
	done
}

# The checker catches what the old substring test let through.
self_test() {
	if ! get_help pforkd "$pforkd" "$man_dir/pforkd.8" \
	    "$scratch/pforkd.help"; then
		failures=$((failures + 1))
		return
	fi
	expect_caught '/^\.Op Fl [fp] /d' \
"the SYNOPSIS of altered.8 lacks -f, which the help of pforkd has
the SYNOPSIS of altered.8 lacks -p, which the help of pforkd has"
	expect_caught '/^\.It Fl [fp] /d' \
"the options of altered.8 lacks -f, which the help of pforkd has
the options of altered.8 lacks -p, which the help of pforkd has"
	expect_caught '/^\.It Fl V$/i\
.It Fl Z\
Invented.' \
"the help of pforkd lacks -Z, which the options of altered.8 has"
	expect_caught 's/^\.Op Fl dhnVv$/.Op Fl dhnVvZ/' \
"the help of pforkd lacks -Z, which the SYNOPSIS of altered.8 has"
	if [ -e "$scratch/missed" ]; then
		failures=$((failures + 1))
	else
		echo "ok: the checker catches -f and -p removed and -Z invented"
	fi
}

# Check one program and its manual.
check_program() {
	name=$1 program=$2 page=$man_dir/$3
	if [ ! -x "$program" ]; then
		echo "skipped $3: $program is not built"
		return
	fi
	if get_help "$name" "$program" "$page" "$scratch/$name.help" &&
	    check_page "$name" "$page" "$scratch/$name.help" &&
	    check_usage_error "$name" "$program" "$page"; then
		echo "ok: $3 and $name agree on" \
		    "$(man_option_flags "$page" | wc -l | tr -d ' ') flags"
	else
		echo "FAIL: $3 and $name"
		failures=$((failures + 1))
	fi
}

self_test
check_program pforkd "$pforkd" pforkd.8
check_program get-poetry "$get_poetry" get-poetry.1
check_program pforkd-bench "$pforkd_bench" pforkd-bench.1
[ $failures -eq 0 ]
