"""Screen a whole population table at once: the table layout, rules compiled to SQL through
sqlglot (unknown as NULL), and the engines that run them (DuckDB embedded; Spark).

Nothing here is imported by `import eligibility` or by the command line's start-up: duckdb,
sqlglot and pyspark are optional (`pip install 'eligibility[population]'`).
"""
