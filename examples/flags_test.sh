#!/usr/bin/env bash
# File: examples/flags_test.sh
# The command line of an example ($1, which parses Abseil flags through cli::ParseFlags):
# --help lists the example's own flags, and a misspelled flag or a stray argument is an error
# (nonzero exit, a message naming it) rather than silently ignored. $2 is the example's flag
# for a short run (default --smoke), so that a bad command line wrongly accepted stays short.
set -uo pipefail
example=$1
small=${2:---smoke}
fail() { echo "FAIL: $*" >&2; exit 1; }

# Abseil 20220623 exits 1 after --help, so only the text is checked.
help=$("$example" --help 2>&1)
grep -q -- "$small" <<<"$help" || fail "--help does not list $small:"$'\n'"$help"

out=$("$example" "$small" --no_such_flag=1 2>&1) && fail "--no_such_flag was accepted:"$'\n'"$out"
grep -q "no_such_flag" <<<"$out" || fail "the error does not name --no_such_flag:"$'\n'"$out"

out=$("$example" "$small" stray 2>&1) && fail "a positional argument was accepted:"$'\n'"$out"
grep -q "unexpected argument 'stray'" <<<"$out" || fail "the error does not name it:"$'\n'"$out"

echo "ok: $(basename "$example") rejects unknown flags and stray arguments"
