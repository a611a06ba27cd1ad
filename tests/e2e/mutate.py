"""Seeded mutations of the fixtures for the robustness test: each input is
truncated at random points, has bytes flipped, headers repeated, boundaries
mangled and encoded words broken.  Usage: mutate.py SRC_DIR OUT_DIR SEED"""
import os
import random
import sys

src, out, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
rnd = random.Random(seed)
for name in sorted(os.listdir(src)):
    if not name.endswith(".eml"):
        continue
    data = open(os.path.join(src, name), "rb").read()
    if not data:
        continue
    variants = []
    variants.append(data[: rnd.randrange(len(data))])
    b = bytearray(data)
    for _ in range(max(1, len(b) // 50)):
        b[rnd.randrange(len(b))] = rnd.randrange(256)
    variants.append(bytes(b))
    head, sep, body = data.partition(b"\n\n")
    variants.append(head * 3 + sep + body)
    variants.append(data.replace(b"boundary=", b"boundary=x").replace(b"--", b"-"))
    variants.append(data.replace(b"?=", b"").replace(b"=?", b"=?x"))
    variants.append(data.replace(b"\n", b"\r"))
    variants.append(b"Content-Type: multipart/mixed; boundary=a\n\n" + b"--a\nContent-Type: multipart/mixed; boundary=a\n\n" * 200)
    for i, v in enumerate(variants):
        with open(os.path.join(out, f"mut-{name[:-4]}-{i}.eml"), "wb") as f:
            f.write(v)

# Regression: 50,000 nested message/rfc822 parts overflow the stack of
# libetpan's recursive mailmime_parse(); the gateway's own walk has a depth
# limit and must survive it.
with open(os.path.join(out, "mut-nested-rfc822.eml"), "wb") as f:
    f.write(b"From: a@b.example\nSubject: deep\n" +
            b"Content-Type: message/rfc822\n\n" * 50000 + b"Subject: x\n\nhi\n")
