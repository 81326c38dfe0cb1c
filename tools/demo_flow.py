"""Drive the demo's week of business through the running Odoo and simulators.

Run by tools/demo.sh once Odoo answers; prints a summary of what was sent,
received, booked, exported and corrected.
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
    fortnox,
    purchases,
    reconciliation,
    returns,
    sales,
    vouchers,
)

STEPS = [purchases, sales, returns, adjustments, reconciliation, fortnox, vouchers]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--odoo-url", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--setup", required=True)
    args = parser.parse_args()
    with open(args.setup, encoding="utf-8") as setup_file:
        setup = json.load(setup_file)

    demo = Demo(args.odoo_url, args.db, setup)
    try:
        for step in STEPS:
            step.run(demo)
    except DemoError as error:
        sys.exit(f"demo: stopped: {error}")

    print("\n  Summary")
    for area, figures in demo.summary.items():
        for what, number in figures.items():
            print(f"  {area:<10} {what:<45} {number:>5}")


if __name__ == "__main__":
    main()
