from tweetics.cli import main

main()
