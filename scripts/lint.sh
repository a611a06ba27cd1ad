#!/bin/sh
# The banned-function list (curl's habit): these either cannot bound their
# output or hide parse errors.  Use strbuf, pool_printf, snprintf and
# parse_uint64 instead.
set -u
cd "$(dirname "$0")/.."
pattern='\b(sprintf|vsprintf|strcat|strncat|strcpy|strncpy|strtok|atoi|atol|atoll|gets)[[:space:]]*\('
if grep -nE "$pattern" lib/*.c parsers/*.c gateway/*.c include/*.h fuzz/*.c tests/unit/*.c 2>/dev/null; then
	echo "lint: banned function used (see scripts/lint.sh)" >&2
	exit 1
fi
echo "lint: ok"
