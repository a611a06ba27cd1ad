"""Checks `supportgw parse` output against a fixture's .expect file.

Usage: check_expect.py EXPECT_FILE EXIT_CODE JSON_FILE
Each non-comment line of the .expect file is `PATH OP VALUE`:
  PATH   a field (subject), an index (attachments[1].filename), `X.length`,
         or `exit` (the exit code of parse)
  OP     =  equal,  ~  text contains,  !~  text does not contain,  >=  at least
  VALUE  JSON (strings in double quotes, null, true, false, numbers, arrays)
Prints one `ok`/`not ok` line per expectation (TAP-like); exit 1 on failure.
"""
import json
import re
import sys

expect_path, exit_code, json_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
name = expect_path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
try:
    with open(json_path, encoding="utf-8") as f:
        doc = json.load(f) if exit_code == 0 else None
except ValueError as e:
    print(f"not ok - {name}: output is not JSON: {e}")
    sys.exit(1)

LINE = re.compile(r"^(\S+)\s+(=|~|!~|>=)\s+(.*)$")
failed = False
expected_exit = 0
checks = []
for raw in open(expect_path, encoding="utf-8"):
    line = raw.rstrip("\n")
    if not line.strip() or line.lstrip().startswith("#"):
        continue
    m = LINE.match(line)
    if not m:
        print(f"not ok - {name}: bad expectation line: {line!r}")
        failed = True
        continue
    path, op, value = m.group(1), m.group(2), json.loads(m.group(3))
    if path == "exit":
        expected_exit = value
        continue
    checks.append((path, op, value))


def lookup(d, path):
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if part.startswith("["):
            d = d[int(part[1:-1])]
        elif part == "length":
            d = len(d)
        else:
            d = d[part]
    return d


if exit_code != expected_exit:
    print(f"not ok - {name}: exit {exit_code}, expected {expected_exit}")
    sys.exit(1)
print(f"ok - {name}: exit {exit_code}")
for path, op, value in checks:
    try:
        got = lookup(doc, path)
    except (KeyError, IndexError, TypeError) as e:
        print(f"not ok - {name}: {path} missing ({e!r})")
        failed = True
        continue
    if op == "=":
        good = got == value
    elif op == "~":
        good = isinstance(got, str) and value in got
    elif op == "!~":
        good = isinstance(got, str) and value not in got
    else:
        good = got >= value
    desc = f"{name}: {path} {op} {json.dumps(value, ensure_ascii=False)}"
    if good:
        print(f"ok - {desc}")
    else:
        print(f"not ok - {desc} (got {json.dumps(got, ensure_ascii=False)[:200]})")
        failed = True
sys.exit(1 if failed else 0)
