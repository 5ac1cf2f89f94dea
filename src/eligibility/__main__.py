"""`python -m eligibility`: the same as the `eligibility` command."""

from eligibility.cli import main

if __name__ == "__main__":
    main()
