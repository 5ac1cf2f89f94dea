"""Make a population table of synthetic patients (bench/synthetic.py) for the SQL engines.

    python bench/population.py --rows 1000000 -o bench/out/registry.parquet

Every distinct profile is made by `synthetic.profile`, validated as a YAML profile is, and
turned into a row by the exporter (`eligibility.sql.layout.row`), so the table holds exactly
what `eligibility export` would write for those profiles. Validating a million profiles in
Python takes about half an hour on two cores, so `--distinct` profiles (default 20,000) are
made and the rows are drawn from them, each with its own patient id: the distributions are
those of bench/synthetic.py, the rows are not all independent.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synthetic

from eligibility.patient import PatientProfile
from eligibility.sql.layout import columns, row
from eligibility.sql.tables import write_table
from eligibility.vocabulary import DEFAULT


def distinct_rows(n: int, seed: int) -> list[dict[str, object]]:
    """`n` synthetic profiles as table rows."""
    rng = random.Random(seed)
    found = []
    for index in range(n):
        profile = PatientProfile.model_validate(synthetic.profile(rng, index),
                                                context={"vocabulary": DEFAULT})
        found.append(row(profile, DEFAULT))
    return found


def write_population(destination: Path, *, rows: int, distinct: int, seed: int = 0) -> None:
    """Write `rows` rows drawn from `distinct` synthetic profiles to a Parquet file."""
    import duckdb

    with tempfile.TemporaryDirectory() as folder:
        sample = Path(folder) / "distinct.jsonl"
        write_table(distinct_rows(distinct, seed), DEFAULT, sample)
        with duckdb.connect() as connection:
            connection.read_json(str(sample), format="newline_delimited",
                                 columns=columns(DEFAULT)).create_view("sample")
            connection.execute("CREATE TABLE numbered AS SELECT row_number() OVER () - 1 AS n, "
                               "* FROM sample")
            # Row i takes the profile drawn for it by a seeded hash, under its own id.
            connection.execute(
                f"COPY (SELECT printf('R%07d', i) AS patient_id, "
                f"numbered.* EXCLUDE (n, patient_id) FROM range({rows}) AS r(i) "
                f"JOIN numbered ON numbered.n = hash(i, {seed}) % {distinct} ORDER BY i) "
                f"TO '{destination}' (FORMAT parquet)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--distinct", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-o", "--output", type=Path, default=Path("bench/out/registry.parquet"))
    options = parser.parse_args()
    options.output.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    write_population(options.output, rows=options.rows,
                     distinct=min(options.distinct, options.rows), seed=options.seed)
    print(f"{options.rows} rows ({options.distinct} distinct profiles) written to "
          f"{options.output} in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
