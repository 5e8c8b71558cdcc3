#!/usr/bin/env python3
"""Changes the price of the first product of the first catalogue file, as a
merchandiser's commit would. Used by the module tests (an invalid price) and
the rehearsal benchmark (a catalogue-only change).
Usage: edit_catalog.py CATALOG_DIR (--set-price-cents N | --add-cents N)
"""
import argparse
import json
import os

parser = argparse.ArgumentParser()
parser.add_argument("catalog_dir")
group = parser.add_mutually_exclusive_group(required=True)
group.add_argument("--set-price-cents", type=int)
group.add_argument("--add-cents", type=int)
args = parser.parse_args()

name = sorted(f for f in os.listdir(args.catalog_dir) if f.endswith(".json"))[0]
path = os.path.join(args.catalog_dir, name)
doc = json.load(open(path))


def first_product(node):
    if isinstance(node, dict):
        if "priceCents" in node:
            return node
        node = list(node.values())
    if isinstance(node, list):
        for value in node:
            found = first_product(value)
            if found is not None:
                return found
    return None


product = first_product(doc)
if args.set_price_cents is not None:
    product["priceCents"] = args.set_price_cents
else:
    product["priceCents"] += args.add_cents
json.dump(doc, open(path, "w"), indent=2)
print("%s: %s priceCents = %d" % (name, product.get("id"), product["priceCents"]))
