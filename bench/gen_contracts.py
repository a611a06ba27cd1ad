#!/usr/bin/python3
"""bench/gen_contracts.py - deterministic contracts file for supportgw.

    /usr/bin/python3 bench/gen_contracts.py N --today YYYY-MM-DD [--seed S]
        [--crlf] [--bom] > FILE.csv

Writes an RFC 4180 CSV file (the format of `supportgw contracts import`) on
stdout: a header row

    contract,customer_email,customer_name,company,product,serial,region,
    language,level,starts,expires,auto_renew,renewal_id

then N rows.  Standard library only; the same N, --today and --seed give a
byte-identical file, and memory stays flat whatever N (1,000,000 rows take a
few seconds).

What the rows look like:
  - contract ids C0000001, C0000002, ... in row order (8 digits past 9999999);
  - about N/3 distinct customers: each customer gets 1 to 6 contracts (3 on
    average), interleaved with other customers' rows (a window of open
    customers), and about half of a customer's contracts share or nearly
    share (within 6 days) one expiry date: co-terming;
  - regions EMEA 40%, AMS 30%, JP, CN, SG 10% each; language fr for 70% of
    EMEA customers, en otherwise;
  - levels standard 50%, none 20%, premier 15%, ppi 15%;
  - expires uniform over [today-60, today+400], starts one year earlier
    (29 February -> 28 February);
  - auto_renew yes for ~10%, no otherwise;
  - serial SN-XXXXXX-XXXX and renewal id R-nnnnnnn, both unique per row;
  - names and companies with accents (é, ü), Japanese and Chinese script,
    commas and double quotes, so that some fields are quoted ("" inside).
--crlf ends records with CRLF (RFC 4180) instead of LF; --bom starts the
file with a UTF-8 byte order mark (what spreadsheet exports do).
"""

import argparse
import csv
import datetime
import random
import sys

HEADER = ["contract", "customer_email", "customer_name", "company", "product",
          "serial", "region", "language", "level", "starts", "expires",
          "auto_renew", "renewal_id"]

REGIONS = ["EMEA"] * 4 + ["AMS"] * 3 + ["JP", "CN", "SG"]
LEVELS = ["standard"] * 10 + ["none"] * 4 + ["premier"] * 3 + ["ppi"] * 3
CONTRACTS_PER_CUSTOMER = [1, 1, 2, 2, 3, 3, 3, 4, 5, 6]   # mean 3.0
WINDOW = 500          # customers whose contracts are still being handed out

# (first names, last names, ASCII forms for the address) per script.
NAMES = {
    "fr": (["Jean", "Hélène", "François", "Jérôme", "Céline", "Amélie",
            "Benoît", "Chloé", "Élodie", "Gaëlle", "Loïc", "Zoé", "Pierre",
            "Sophie"],
           ["Dupont", "Lefèvre", "Müller", "Gérard", "Moreau", "Bézier",
            "Chénier", "Dubois", "Faure", "Rousseau"]),
    "en": (["James", "Mary", "John", "Linda", "David", "Susan", "Emily",
            "Olivia", "Daniel", "Sarah", "O'Brien"],
           ["Smith", "Johnson", "Brown", "Taylor", "Wilson", "Davies",
            "Evans", "O'Neil", "Walker", "Clarke"]),
    "JP": (["太郎", "花子", "健", "由美"], ["山田", "佐藤", "鈴木", "高橋"]),
    "CN": (["伟", "芳", "娜", "磊"], ["王", "李", "张", "刘"]),
}
ASCII = str.maketrans("éèêëàâäîïôöûüùçÉ'", "eeeeaaaiioouuucE-")
ROMAJI = {"太郎": "taro", "花子": "hanako", "健": "ken", "由美": "yumi",
          "山田": "yamada", "佐藤": "sato", "鈴木": "suzuki", "高橋": "takahashi",
          "伟": "wei", "芳": "fang", "娜": "na", "磊": "lei",
          "王": "wang", "李": "li", "张": "zhang", "刘": "liu"}

COMPANIES = ["Acme", "Dupont, Fils & Cie", 'The "Best" Company', "Globex",
             "Société Générale d'Études", "Initech", "Umbrella, Inc.",
             "日本電気株式会社", "北京科技有限公司", "Soylent", "Hooli",
             "Müller GmbH", "Vandelay \"Industries\", Ltd", "Stark"]
DOMAINS = ["example.com", "example.org", "example.net", "example.fr",
           "example.co.jp", "example.cn", "example.sg"]
PRODUCTS = ["Gateway Pro", "Gateway Standard", "Mail Archiver",
            "Secure Relay", "Analytics Suite", "Backup Appliance X2"]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("n", type=int, help="number of contract rows")
    p.add_argument("--today", required=True,
                   help="reference date YYYY-MM-DD (expiries spread around it)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--crlf", action="store_true", help="CRLF line ends")
    p.add_argument("--bom", action="store_true", help="UTF-8 byte order mark")
    a = p.parse_args()
    if a.n < 0:
        p.error("N must be >= 0")
    try:
        a.today = datetime.date.fromisoformat(a.today)
    except ValueError:
        p.error("--today must be a date YYYY-MM-DD")
    return a


def year_before(d):
    try:
        return d.replace(year=d.year - 1)
    except ValueError:           # 29 February
        return d.replace(year=d.year - 1, day=28)


def new_customer(rng, idx, lo, hi):
    """One customer: the fields every one of its contracts repeats."""
    region = rng.choice(REGIONS)
    if region == "EMEA":
        lang = "fr" if rng.random() < 0.7 else "en"
        script = lang
    else:
        lang = "en"
        script = region if region in ("JP", "CN") and rng.random() < 0.6 else "en"
    first, last = NAMES[script]
    fn = rng.choice(first)
    ln = rng.choice(last)
    if script in ("JP", "CN"):
        name = ln + " " + fn
        local = ROMAJI[fn] + "." + ROMAJI[ln]
    else:
        name = fn + " " + ln
        if rng.random() < 0.05:      # "Last, First" forces quoting
            name = ln + ", " + fn
        local = (fn + "." + ln).translate(ASCII).lower()
    email = "%s%d@%s" % (local, idx, rng.choice(DOMAINS))
    if rng.random() < 0.03:          # the store lower-cases addresses
        email = email.capitalize()
    return {
        "email": email, "name": name, "company": rng.choice(COMPANIES),
        "region": region, "lang": lang,
        "anchor": rng.randint(lo, hi),       # the customer's co-term date
        "left": rng.choice(CONTRACTS_PER_CUSTOMER),
    }


def main():
    a = parse_args()
    rng = random.Random(a.seed)
    lo = a.today.toordinal() - 60
    hi = a.today.toordinal() + 400
    # Dates as strings, computed once: formatting a date per row is the
    # slowest part of the loop otherwise.
    iso = {o: datetime.date.fromordinal(o).isoformat() for o in range(lo, hi + 1)}
    start = {o: year_before(datetime.date.fromordinal(o)).isoformat()
             for o in range(lo, hi + 1)}

    out = sys.stdout
    out.reconfigure(encoding="utf-8", newline="")
    if a.bom:
        out.write("\ufeff")
    w = csv.writer(out, lineterminator="\r\n" if a.crlf else "\n")
    w.writerow(HEADER)

    open_customers = []
    ncust = 0
    # A small file gets a small window, or every row would be a new customer.
    window = max(1, min(WINDOW, a.n // 20))
    digits = 7 if a.n <= 9999999 else 8
    cfmt = "C%%0%dd" % digits
    rows = []
    for i in range(1, a.n + 1):
        if len(open_customers) < window:
            ncust += 1
            open_customers.append(new_customer(rng, ncust, lo, hi))
        k = rng.randrange(len(open_customers))
        c = open_customers[k]
        c["left"] -= 1
        if c["left"] <= 0:
            open_customers[k] = open_customers[-1]
            open_customers.pop()
        r = rng.random()
        if r < 0.35:
            exp = c["anchor"]                          # same day
        elif r < 0.5:
            exp = min(hi, max(lo, c["anchor"] + rng.randint(-6, 6)))
        else:
            exp = rng.randint(lo, hi)
        # Serial and renewal id: bijections of the row number (odd
        # multipliers coprime with the modulus), so unique and stable.
        serial = (i * 2654435761 + a.seed) % (1 << 40)
        rows.append([
            cfmt % i, c["email"], c["name"], c["company"],
            PRODUCTS[(i * 7 + exp) % len(PRODUCTS)],
            "SN-%06X-%04X" % (serial >> 16, serial & 0xFFFF),
            c["region"], c["lang"], LEVELS[rng.randrange(len(LEVELS))],
            start[exp], iso[exp],
            "yes" if rng.random() < 0.1 else "no",
            "R-%07d" % ((i * 7919 + a.seed) % 10000000),
        ])
        if len(rows) >= 4096:
            w.writerows(rows)
            rows.clear()
    w.writerows(rows)
    print("gen_contracts: %d rows, %d customers" % (a.n, ncust), file=sys.stderr)


if __name__ == "__main__":
    main()
