from cwtt.cli import main

main()
