#!/bin/sh
# man_lint.sh: every manual page is clean under mandoc -Tlint -Wwarning.
# Skipped (exit 77) where mandoc is not installed.
set -u
mandoc=${MANDOC:-}
[ -n "$mandoc" ] || mandoc=$(command -v mandoc 2>/dev/null || true)
if [ -z "$mandoc" ]; then
	echo "mandoc not found: skipping the manual lint"
	exit 77
fi
status=0
for page in "$top_srcdir"/man/*.[1-9]; do
	if ! "$mandoc" -Tlint -Wwarning "$page"; then
		echo "FAIL: $page"
		status=1
	fi
done
exit $status
