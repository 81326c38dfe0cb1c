"""Drive the demo's week of business through the running Odoo and simulators.

Run by tools/demo.sh once Odoo answers; prints a summary of what was sent,
received, booked, exported and corrected, and writes it as JSON (``--summary``)
for ``tools/demo_verify.py`` to check against the database and the simulators.
"""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from demo_steps import (
    Demo,
    DemoError,
    adjustments,
    catalogue,
    fortnox,
    purchases,
    reconciliation,
    returns,
    sales,
    vouchers,
)

STEPS = [catalogue, purchases, sales, returns, adjustments, reconciliation, fortnox, vouchers]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--odoo-url", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--setup", required=True)
    parser.add_argument("--summary", required=True, help="JSON file to write the summary to.")
    args = parser.parse_args()
    with open(args.setup, encoding="utf-8") as setup_file:
        setup = json.load(setup_file)

    demo = Demo(args.odoo_url, args.db, setup)
    try:
        for step in STEPS:
            step.run(demo)
    except DemoError as error:
        sys.exit(f"demo: stopped: {error}")

    rows = demo.summary_rows()
    with open(args.summary, "w", encoding="utf-8") as summary_file:
        json.dump({"database": args.db, "figures": rows}, summary_file, indent=2)
    print("\n  Summary")
    for row in rows:
        print(f"  {row['area']:<10} {row['label']:<45} {row['value']:>5}")


if __name__ == "__main__":
    main()
