"""The `nianbao` command (the Rust CLI itself): `nianbao build --input … --output …`."""
import sys

from . import _nianbao


def main() -> None:
    sys.exit(_nianbao.cli(["nianbao", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
