from clientvet.cli import main

main()
