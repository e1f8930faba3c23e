from yume.cli import main

main(prog_name="python -m yume")
